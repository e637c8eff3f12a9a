"""Interval arithmetic over JAX computations: an interpreter of jaxprs on boxes.

Any JAX function ``x -> y`` built from the supported primitives is traced once to a jaxpr
(``jax.make_jaxpr``) and then evaluated on a *batch of boxes* ``[lo, hi] ⊂ Rⁿ``: every
float value in the computation becomes an interval ``[lo, hi]`` of arrays whose leading axis
indexes the boxes. The result encloses the range of the function over each box.

Two endpoint arithmetics share the interpreter:

* :class:`FloatArith` — float64 with outward rounding. Sums and products use error-free
  transformations (TwoSum, Dekker's TwoProduct) and step to the neighbouring float with
  ``np.nextafter`` only when the rounded result is inexact, so exact values (zeros, small
  integers) stay exact. Division and square roots are widened by one ulp; library
  transcendental functions (``exp``, ``log``, ``tanh``, ``sin`` ...) by four ulps plus an
  absolute underflow guard, a conservative bound on the accuracy of the platform's libm.
  Dot products and reductions use the midpoint–radius form with the a-priori error bound
  ``γ_k = k·u/(1 − k·u)`` of any summation order.
* :class:`ArbArith` (in :mod:`chaosgym.lyapunov.rigorous`) — exact endpoints as python-flint
  ``arb`` numbers; every operation is computed in ball arithmetic and its lower/upper bound
  kept, independently of the platform's floating point.

Products of a variable with itself (``x * x``, ``integer_pow``, ``square``) are evaluated as
squares, so ``[-1, 2]·[-1, 2]`` gives ``[0, 4]`` rather than ``[-2, 4]``; the remaining
dependency problem is the caller's to reduce (mean-value form, bisection).

References:
    R. E. Moore, R. B. Kearfott and M. J. Cloud, *Introduction to Interval Analysis*, SIAM
    (2009).
    S. M. Rump, "Fast and parallel interval arithmetic", BIT 39, 534–554 (1999)
    (midpoint–radius products).
    T. J. Dekker, "A floating-point technique for extending the available precision",
    Numer. Math. 18, 224–242 (1971) (TwoProduct); D. E. Knuth, TAOCP vol. 2 (TwoSum).
    N. J. Higham, *Accuracy and Stability of Numerical Algorithms*, 2nd ed., SIAM (2002)
    (summation error bounds).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from jax.extend import core as jcore

__all__ = [
    "IV",
    "FloatArith",
    "IntervalFunction",
    "UnsupportedPrimitive",
    "eval_jaxpr",
    "interval_function",
]

EPS = np.finfo(np.float64).eps / 2  # unit roundoff u = 2^-53
TINY = 1e-300  # absolute guard against underflow in inexact operations
LIBM_ULPS = 4.0


class UnsupportedPrimitive(NotImplementedError):
    """Raised when a jaxpr contains a primitive the interval interpreter cannot enclose."""


# --------------------------------------------------------------------------- intervals
class IV:
    """A batch of intervals: ``lo``/``hi`` arrays of shape ``(B, *shape)`` (``B`` may be 1).

    ``point`` marks degenerate intervals (constants), which lets products take a cheaper and
    tighter path.
    """

    __slots__ = ("hi", "lo", "point")

    def __init__(self, lo: np.ndarray, hi: np.ndarray, point: bool = False) -> None:
        self.lo = lo
        self.hi = hi
        self.point = point

    @property
    def shape(self) -> tuple[int, ...]:
        return self.lo.shape

    def __repr__(self) -> str:
        return f"IV(lo={self.lo!r}, hi={self.hi!r})"


class BIV:
    """A batch of uncertain booleans: ``lo`` = certainly true, ``hi`` = possibly true."""

    __slots__ = ("hi", "lo")

    def __init__(self, lo: np.ndarray, hi: np.ndarray) -> None:
        self.lo = lo
        self.hi = hi


# --------------------------------------------------------------------------- float64 arithmetic
def _down(x: np.ndarray) -> np.ndarray:
    return np.nextafter(x, -np.inf)


def _up(x: np.ndarray) -> np.ndarray:
    return np.nextafter(x, np.inf)


def _gamma(k: int) -> float:
    ku = (k + 1) * EPS
    return ku / (1.0 - ku) * 1.0001


class FloatArith:
    """float64 endpoint arithmetic with outward rounding (see the module docstring)."""

    name = "float_interval"
    dtype = np.float64

    # -- conversions
    def const(self, x: np.ndarray) -> np.ndarray:
        return np.asarray(x, np.float64)

    def is_neg(self, x: np.ndarray) -> np.ndarray:
        return np.asarray(x) < 0

    def neg(self, x: np.ndarray) -> np.ndarray:
        return -x

    def is_pos(self, x: np.ndarray) -> np.ndarray:
        return np.asarray(x) > 0

    def to_float(self, x: np.ndarray, direction: int) -> np.ndarray:
        return np.asarray(x, np.float64)

    # -- exact-when-possible sums and products
    def add(self, al, ah, bl, bh):
        with np.errstate(all="ignore"):
            lo = self._add_dir(al, bl, -1)
            hi = self._add_dir(ah, bh, +1)
        return lo, hi

    @staticmethod
    def _add_dir(a, b, d):
        s = a + b
        bb = s - a
        err = (a - (s - bb)) + (b - bb)
        bad = ~np.isfinite(err)
        if d < 0:
            out = np.where(err < 0, _down(s), s)
        else:
            out = np.where(err > 0, _up(s), s)
        return np.where(bad & np.isfinite(s), _down(s) if d < 0 else _up(s), out)

    @staticmethod
    def _mul_dir(a, b, d):
        p = a * b
        ok = np.isfinite(p) & (
            (a == 0) | (b == 0)
            | ((np.abs(p) > 1e-280) & (np.abs(p) < 1e280)
               & (np.abs(a) < 1e290) & (np.abs(b) < 1e290))
        )
        c = 134217729.0
        with np.errstate(all="ignore"):
            ta = c * a
            ah = ta - (ta - a)
            al = a - ah
            tb = c * b
            bh = tb - (tb - b)
            bl = b - bh
            err = ((ah * bh - p) + ah * bl + al * bh) + al * bl
        err = np.where(ok, err, -1.0 if d < 0 else 1.0)
        err = np.where(np.isfinite(err), err, -1.0 if d < 0 else 1.0)
        if d < 0:
            out = np.where(err < 0, _down(p), p)
        else:
            out = np.where(err > 0, _up(p), p)
        return np.where(np.isnan(out), -np.inf if d < 0 else np.inf, out)

    def mul(self, al, ah, bl, bh):
        with np.errstate(all="ignore"):
            if np.array_equal(bl, bh):
                # a point factor: two candidate products, chosen by its sign
                al, ah, bl, bh = np.broadcast_arrays(al, ah, bl, bh)
                neg = bl < 0
                a_lo = np.where(neg, ah, al)
                a_hi = np.where(neg, al, ah)
                return self._mul_dir(a_lo, bl, -1), self._mul_dir(a_hi, bl, +1)
            if np.array_equal(al, ah):
                return self.mul(bl, bh, al, ah)
            al, ah, bl, bh = np.broadcast_arrays(al, ah, bl, bh)
            P = np.stack([al * bl, al * bh, ah * bl, ah * bh])
            P = np.where(np.isnan(P), 0.0, P)  # 0·inf: the other candidates decide
            i_lo = np.argmin(P, axis=0)
            i_hi = np.argmax(P, axis=0)
            # directed rounding of the two selected products only
            lo = self._mul_dir(np.where(i_lo < 2, al, ah), np.where(i_lo % 2 == 0, bl, bh), -1)
            hi = self._mul_dir(np.where(i_hi < 2, al, ah), np.where(i_hi % 2 == 0, bl, bh), +1)
            inf_any = ~np.all(np.isfinite(P), axis=0) | ~np.isfinite(lo) | ~np.isfinite(hi)
            if inf_any.any():
                lo = np.where(inf_any & (np.min(P, axis=0) == -np.inf), -np.inf, lo)
                hi = np.where(inf_any & (np.max(P, axis=0) == np.inf), np.inf, hi)
                nan_in = np.isnan(al) | np.isnan(ah) | np.isnan(bl) | np.isnan(bh)
                lo = np.where(nan_in, -np.inf, lo)
                hi = np.where(nan_in, np.inf, hi)
        return lo, hi

    def sqr(self, l, h):
        with np.errstate(all="ignore"):
            m = np.minimum(np.abs(l), np.abs(h))
            M = np.maximum(np.abs(l), np.abs(h))
            lo = np.where((l <= 0) & (h >= 0), 0.0, self._mul_dir(m, m, -1))
            hi = self._mul_dir(M, M, +1)
        return np.maximum(lo, 0.0), hi

    def recip(self, l, h):
        with np.errstate(all="ignore"):
            bad = (l <= 0) & (h >= 0)
            lo = np.where(bad, -np.inf, _down(_down(1.0 / h)))
            hi = np.where(bad, np.inf, _up(_up(1.0 / l)))
        return lo, hi

    def div(self, al, ah, bl, bh):
        with np.errstate(all="ignore"):
            bad = (bl <= 0) & (bh >= 0)
            qs = [a / b for a, b in ((al, bl), (al, bh), (ah, bl), (ah, bh))]
            lo = np.minimum(np.minimum(qs[0], qs[1]), np.minimum(qs[2], qs[3]))
            hi = np.maximum(np.maximum(qs[0], qs[1]), np.maximum(qs[2], qs[3]))
            exact_zero = (al == 0) & (ah == 0) & ~bad
            lo = np.where(exact_zero, 0.0, _down(lo))
            hi = np.where(exact_zero, 0.0, _up(hi))
            lo = np.where(bad | np.isnan(lo), -np.inf, lo)
            hi = np.where(bad | np.isnan(hi), np.inf, hi)
        return lo, hi

    def ipow(self, l, h, n: int):
        if n == 0:
            return np.ones_like(l), np.ones_like(h)
        if n == 1:
            return l, h
        if n == 2:
            return self.sqr(l, h)
        if n < 0:
            pl, ph = self.ipow(l, h, -n)
            return self.recip(pl, ph)
        # exact repeated products (binary powering keeps exactness where possible)
        if n % 2 == 0:
            sl, sh = self.ipow(l, h, n // 2)
            return self.sqr(sl, sh)
        sl, sh = self.ipow(l, h, n - 1)
        return self.mul(sl, sh, l, h)

    # -- library functions (monotone increasing), widened by LIBM_ULPS ulps
    def _widen(self, lo, hi):
        with np.errstate(all="ignore"):
            lo = lo - np.abs(lo) * (LIBM_ULPS * 2 * EPS) - TINY
            hi = hi + np.abs(hi) * (LIBM_ULPS * 2 * EPS) + TINY
        lo = np.where(np.isnan(lo), -np.inf, lo)
        hi = np.where(np.isnan(hi), np.inf, hi)
        return lo, hi

    def mono(self, name: str, l, h):
        fn = _NP_MONO[name]
        with np.errstate(all="ignore"):
            fl, fh = fn(l), fn(h)
            lo, hi = self._widen(fl, fh)
        # exact values at exact special points: f(0) = 0 (odd functions, log1p, expm1), exp(0) = 1
        if name in _ZERO_AT_ZERO:
            lo = np.where(l == 0, 0.0, lo)
            hi = np.where(h == 0, 0.0, hi)
        elif name in ("exp", "exp2"):
            lo = np.where(l == 0, 1.0, lo)
            hi = np.where(h == 0, 1.0, hi)
        elif name == "log":
            lo = np.where(l == 1, 0.0, lo)
            hi = np.where(h == 1, 0.0, hi)
        return _mono_clip(name, lo, hi)

    def sqrt(self, l, h):
        with np.errstate(all="ignore"):
            lo = np.where(l < 0, -np.inf, _down(np.sqrt(np.maximum(l, 0.0))))
            hi = np.where(h < 0, np.nan, _up(np.sqrt(np.maximum(h, 0.0))))
        lo = np.where(l == 0, 0.0, lo)
        return lo, np.where(np.isnan(hi), np.inf, hi)

    def cos(self, l, h):
        with np.errstate(all="ignore"):
            lo, hi = self._widen_trig(*_trig_range(l, h, np.cos, 0.0))
        pt0 = (l == 0) & (h == 0)
        return np.where(pt0, 1.0, lo), np.where(pt0, 1.0, hi)

    def sin(self, l, h):
        with np.errstate(all="ignore"):
            lo, hi = self._widen_trig(*_trig_range(l, h, np.sin, math.pi / 2))
        return np.where(l == 0, np.maximum(lo, 0.0) * 0 + np.where(h == 0, 0.0, lo), lo), \
            np.where(h == 0, 0.0, hi)

    def _widen_trig(self, lo, hi):
        lo, hi = self._widen(lo, hi)
        return np.maximum(lo, -1.0), np.minimum(hi, 1.0)

    # -- reductions and products with the a-priori error bound
    def sum(self, l, h, axes: tuple[int, ...]):
        k = int(np.prod([l.shape[a] for a in axes])) if axes else 1
        if k <= 64 and axes:
            # sequential sums with error-free transformations: exact sums stay exact
            keep = [d for d in range(l.ndim) if d not in axes]
            lt = np.transpose(l, (*axes, *keep)).reshape((k, *[l.shape[d] for d in keep]))
            ht = np.transpose(h, (*axes, *keep)).reshape((k, *[h.shape[d] for d in keep]))
            sl, sh = lt[0], ht[0]
            for i in range(1, k):
                sl, sh = self.add(sl, sh, lt[i], ht[i])
            return sl, sh
        g = _gamma(k)
        with np.errstate(all="ignore"):
            sl = np.sum(l, axis=axes)
            sh = np.sum(h, axis=axes)
            el = g * np.sum(np.abs(l), axis=axes)
            eh = g * np.sum(np.abs(h), axis=axes)
            el = np.where(el > 0, el * (1 + 4 * EPS) + TINY, 0.0)
            eh = np.where(eh > 0, eh * (1 + 4 * EPS) + TINY, 0.0)
            lo = np.where(el > 0, _down(sl - el), sl)
            hi = np.where(eh > 0, _up(sh + eh), sh)
        return np.where(np.isnan(lo), -np.inf, lo), np.where(np.isnan(hi), np.inf, hi)

    def matmul(self, al, ah, bl, bh, a_point: bool, b_point: bool):
        """Enclosure of ``A @ B`` over the last two axes (batch axes broadcast)."""
        k = al.shape[-1]
        g = _gamma(k)
        with np.errstate(all="ignore"):
            ca, ra = _midrad(al, ah, a_point)
            cb, rb = _midrad(bl, bh, b_point)
            c = np.matmul(ca, cb)
            aca, acb = np.abs(ca), np.abs(cb)
            S = np.matmul(aca, acb)
            R = np.zeros_like(c)
            if not b_point:
                R = R + np.matmul(aca, rb)
            if not a_point:
                R = R + np.matmul(ra, acb)
            if not (a_point or b_point):
                R = R + np.matmul(ra, rb)
            nz = np.matmul((ca != 0).astype(np.float64), (cb != 0).astype(np.float64)) > 0
            err = g * (S + R) + R
            err = np.where(nz | (R > 0), err * (1 + 8 * EPS) + TINY, 0.0)
            lo = np.where(err > 0, _down(c - err), c)
            hi = np.where(err > 0, _up(c + err), c)
        return np.where(np.isnan(lo), -np.inf, lo), np.where(np.isnan(hi), np.inf, hi)


def _midrad(l, h, point):
    if point:
        return l, None
    c = 0.5 * l + 0.5 * h
    c = np.where(np.isfinite(c), c, 0.0)
    r = np.maximum(_up(h - c), _up(c - l))
    r = np.where(l == h, 0.0, r)
    r = np.where(np.isnan(r), np.inf, r)
    return c, r


def _trig_range(l, h, fn, phase: float):
    """Range of ``fn`` (cos: phase 0, sin: phase π/2) over [l, h]: endpoint values and the
    extrema inside; maxima at phase + 2kπ, minima at phase + π + 2kπ (tested with slack)."""
    w = h - l
    fl, fh = fn(l), fn(h)
    lo = np.minimum(fl, fh)
    hi = np.maximum(fl, fh)
    slack = 1e-12 * (1 + np.abs(l) + np.abs(h))
    two_pi = 2 * math.pi
    kmax = np.ceil((l - slack - phase) / two_pi)
    has_max = two_pi * kmax + phase <= h + slack
    kmin = np.ceil((l - slack - phase - math.pi) / two_pi)
    has_min = two_pi * kmin + phase + math.pi <= h + slack
    full = ~np.isfinite(w) | (w >= two_pi)
    hi = np.where(has_max | full, 1.0, hi)
    lo = np.where(has_min | full, -1.0, lo)
    return lo, hi


_NP_MONO: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "exp": np.exp,
    "exp2": np.exp2,
    "log": np.log,
    "log1p": np.log1p,
    "expm1": np.expm1,
    "tanh": np.tanh,
    "atan": np.arctan,
    "asinh": np.arcsinh,
    "sinh": np.sinh,
    "logistic": lambda x: 0.5 * (1.0 + np.tanh(0.5 * x)),
    "erf": None,  # filled lazily from scipy
    "cbrt": np.cbrt,
}


_ZERO_AT_ZERO = ("log1p", "expm1", "tanh", "atan", "asinh", "sinh", "erf", "cbrt")


def _mono_clip(name, lo, hi):
    if name in ("tanh", "erf"):
        return np.maximum(lo, -1.0), np.minimum(hi, 1.0)
    if name == "logistic":
        return np.maximum(lo, 0.0), np.minimum(hi, 1.0)
    if name in ("exp", "exp2"):
        return np.maximum(lo, 0.0), hi
    if name == "expm1":
        return np.maximum(lo, -1.0), hi
    return lo, hi


def _erf(x):
    import scipy.special

    return scipy.special.erf(x)


_NP_MONO["erf"] = _erf


# --------------------------------------------------------------------------- interpreter
def _is_literal(v) -> bool:
    return isinstance(v, jcore.Literal)


def _is_float_dtype(dt) -> bool:
    return jnp.issubdtype(dt, jnp.floating)


class _Ctx:
    def __init__(self, arith) -> None:
        self.ar = arith

    # -- conversions
    def lift(self, x) -> Any:
        """Turn a concrete float array into a point interval with a unit batch axis."""
        if isinstance(x, (IV, BIV)):
            return x
        a = np.asarray(x)
        if a.dtype.kind == "f":
            c = self.ar.const(a[None, ...])
            return IV(c, c, point=True)
        return a

    def iv(self, x) -> IV:
        x = self.lift(x)
        if isinstance(x, IV):
            return x
        c = self.ar.const(np.asarray(x, np.float64)[None, ...])
        return IV(c, c, point=True)


def _align(a: np.ndarray, rank: int) -> np.ndarray:
    """Insert unit axes after the batch axis so that ``a`` has ``rank`` aval dimensions."""
    r = a.ndim - 1
    if r >= rank:
        return a
    return a.reshape(a.shape[:1] + (1,) * (rank - r) + a.shape[1:])


def _bcast_batch(*arrs: np.ndarray) -> list[np.ndarray]:
    b = max(a.shape[0] for a in arrs)
    return [a if a.shape[0] == b else np.broadcast_to(a, (b, *a.shape[1:])) for a in arrs]


def _struct(fn, x, *, batched: bool = True):
    """Apply a structural op to an IV / BIV / concrete array."""
    if isinstance(x, IV):
        return IV(fn(x.lo), fn(x.hi), x.point)
    if isinstance(x, BIV):
        return BIV(fn(x.lo), fn(x.hi))
    return None


def eval_jaxpr(jaxpr, consts: Sequence[Any], args: Sequence[Any], arith) -> list[Any]:
    """Evaluate an open ``jaxpr`` on interval arguments (:class:`IV`) with ``arith``."""
    ctx = _Ctx(arith)
    env: dict[Any, Any] = {}

    def read(v):
        if _is_literal(v):
            return ctx.lift(np.asarray(v.val))
        return env[v]

    for v, c in zip(jaxpr.constvars, consts, strict=True):
        env[v] = ctx.lift(np.asarray(c))
    for v, a in zip(jaxpr.invars, args, strict=True):
        env[v] = ctx.lift(a) if not isinstance(a, (IV, BIV)) else a
    memo: dict[Any, Any] = {}
    for eqn in jaxpr.eqns:
        invals = [read(v) for v in eqn.invars]
        # structural ops on the same value give the same object, so that x[0] * x[0] is
        # recognised as a square
        key = None
        if eqn.primitive.name in _STRUCTURAL and not eqn.primitive.multiple_results:
            key = (eqn.primitive.name, tuple(id(v) for v in invals),
                   repr(sorted(eqn.params.items())))
            if key in memo:
                env[eqn.outvars[0]] = memo[key][0]
                continue
        outs = _apply(ctx, eqn, invals)
        if key is not None:
            memo[key] = (outs, invals)
        if not eqn.primitive.multiple_results:
            outs = [outs]
        for v, o in zip(eqn.outvars, outs, strict=True):
            if not isinstance(v, jcore.DropVar):
                env[v] = o
    return [read(v) for v in jaxpr.outvars]


_EXACT_MOVES = frozenset({"scatter", "gather", "dynamic_update_slice", "scatter-add",
                          "scatter_add", "select_n", "concatenate", "pad", "rev", "sort"})
_STRUCTURAL = frozenset({"slice", "squeeze", "expand_dims", "reshape", "broadcast_in_dim",
                         "transpose", "convert_element_type", "copy", "dynamic_slice"})


_CONCRETE_CACHE: dict[int, tuple[Any, list[np.ndarray], Any]] = {}
_NP_INT_OPS: dict[str, Callable[..., np.ndarray]] = {
    "add": np.add, "sub": np.subtract, "mul": np.multiply, "lt": np.less, "le": np.less_equal,
    "gt": np.greater, "ge": np.greater_equal, "eq": np.equal, "ne": np.not_equal,
    "and": np.logical_and, "or": np.logical_or, "not": np.logical_not, "neg": np.negative,
}


def _concrete_eval(eqn, vals):
    """Exact evaluation of an equation on constants (index arithmetic, constant matrices).

    The result depends only on the jaxpr's constants, so it is computed once per equation;
    simple integer operations run in numpy, the rest through JAX on the CPU.
    """
    key = id(eqn)
    hit = _CONCRETE_CACHE.get(key)
    if hit is not None and hit[0] is eqn and len(hit[1]) == len(vals) and all(
        np.array_equal(a, np.asarray(b)) for a, b in zip(hit[1], vals, strict=True)
    ):
        return hit[2]
    name = eqn.primitive.name
    params = eqn.params
    dt = eqn.outvars[0].aval.dtype
    if name in _NP_INT_OPS:
        out = np.asarray(_NP_INT_OPS[name](*vals)).astype(dt)
    elif name == "iota":
        shape = tuple(params["shape"])
        out = np.broadcast_to(
            np.arange(shape[params["dimension"]]).reshape(
                [-1 if i == params["dimension"] else 1 for i in range(len(shape))]), shape
        ).astype(dt)
    elif name == "convert_element_type":
        out = np.asarray(vals[0]).astype(dt)
    elif name == "select_n" and len(vals) == 3:
        out = np.where(np.asarray(vals[0]).astype(bool), vals[2], vals[1]).astype(dt)
    elif name == "broadcast_in_dim":
        shape = tuple(params["shape"])
        tmp = [1] * len(shape)
        for i, d in enumerate(params["broadcast_dimensions"]):
            tmp[d] = np.shape(vals[0])[i]
        out = np.broadcast_to(np.reshape(vals[0], tmp), shape).astype(dt)
    else:
        with jax.default_device(jax.devices("cpu")[0]):
            res = eqn.primitive.bind(*[jnp.asarray(v) for v in vals], **params)
        out = [np.asarray(o) for o in res] if eqn.primitive.multiple_results else np.asarray(res)
    _CONCRETE_CACHE[key] = (eqn, [np.asarray(v) for v in vals], out)
    return out


def _bool(a) -> np.ndarray:
    """A real boolean array (comparisons of object arrays give objects)."""
    return np.asarray(a, dtype=bool)


def _point_floats(a: np.ndarray) -> np.ndarray:
    """float64 values of point constants (exact: they were floats to begin with)."""
    a = np.asarray(a)
    if a.dtype != object:
        return a
    return np.vectorize(lambda v: float(v.mid()) if hasattr(v, "mid") else float(v),
                        otypes=[np.float64])(a)


def _concrete(vals) -> bool:
    return not any(isinstance(v, (IV, BIV)) for v in vals)


def _apply(ctx: _Ctx, eqn, vals):
    prim = eqn.primitive
    name = prim.name
    params = eqn.params
    ar = ctx.ar

    # ---- higher-order primitives: recurse into the body
    if name in ("pjit", "jit", "closed_call", "core_call", "remat", "checkpoint",
                "custom_jvp_call", "custom_vjp_call", "custom_vjp_call_jaxpr"):
        sub = (params.get("jaxpr") or params.get("call_jaxpr") or params.get("fun_jaxpr"))
        if isinstance(sub, jcore.ClosedJaxpr):
            res = eval_jaxpr(sub.jaxpr, sub.consts, vals[: len(sub.jaxpr.invars)], ar)
        else:
            res = eval_jaxpr(sub, [], vals[: len(sub.invars)], ar)
        return res

    # ---- purely concrete (integer / boolean index arithmetic): evaluate exactly, once
    if _concrete(vals) and not any(
        _is_float_dtype(v.aval.dtype) for v in eqn.outvars
    ):
        return _concrete_eval(eqn, vals)

    # exact data movement on constants (scatter of a constant matrix, gathers): evaluate
    if name in _EXACT_MOVES and all(
        (not isinstance(v, (IV, BIV))) or (isinstance(v, IV) and v.point and v.lo.shape[0] == 1)
        for v in vals
    ):
        args = [_point_floats(v.lo[0]) if isinstance(v, IV) else np.asarray(v) for v in vals]
        out = _concrete_eval(eqn, args)
        if prim.multiple_results:
            return [ctx.lift(o) for o in out]
        return ctx.lift(out)

    out_aval = eqn.outvars[0].aval
    rank = len(out_aval.shape)

    if name in ("convert_element_type", "copy", "copy_p", "reduce_precision",
                "optimization_barrier"):
        if name == "optimization_barrier":
            return list(vals)
        x = vals[0]
        if _is_float_dtype(out_aval.dtype):
            return ctx.iv(x)
        if isinstance(x, IV):
            raise UnsupportedPrimitive(f"conversion of an interval to {out_aval.dtype}")
        return x

    if name in ("add", "add_any", "sub", "mul", "div", "max", "min", "atan2", "pow", "nextafter"):
        a, b = vals
        if name == "mul" and a is b and isinstance(a, IV):
            x = ctx.iv(a)
            return IV(*ar.sqr(x.lo, x.hi))
        x, y = ctx.iv(a), ctx.iv(b)
        al, ah = _align(x.lo, rank), _align(x.hi, rank)
        bl, bh = _align(y.lo, rank), _align(y.hi, rank)
        pt = x.point and y.point
        if name in ("add", "add_any"):
            return IV(*ar.add(al, ah, bl, bh), pt)
        if name == "sub":
            return IV(*ar.add(al, ah, ar_neg(bh), ar_neg(bl)), pt)
        if name == "mul":
            return IV(*ar.mul(al, ah, bl, bh), pt)
        if name == "div":
            return IV(*ar.div(al, ah, bl, bh), pt)
        if name in ("max", "min"):
            # when one operand is certainly the result, return that very object, so that
            # later comparisons with it (the derivative rules of min/max/clip) are exact
            first = np.all(bh <= al) if name == "max" else np.all(ah <= bl)
            second = np.all(ah <= bl) if name == "max" else np.all(bh <= al)
            if first and x.lo.ndim - 1 == rank and x.lo.shape[0] >= y.lo.shape[0]:
                return x
            if second and y.lo.ndim - 1 == rank and y.lo.shape[0] >= x.lo.shape[0]:
                return y
            op = np.maximum if name == "max" else np.minimum
            return IV(op(al, bl), op(ah, bh), pt)
        if name == "pow":
            y0 = float(ar.to_float(y.lo.reshape(-1)[0], 0))
            if y.point and np.all(y.lo == y.lo.reshape(-1)[0]) and y0 == round(y0):
                return IV(*ar.ipow(al, ah, round(y0)))
            # x^y = exp(y log x) for x > 0
            ll, lh = ar.mono("log", al, ah)
            ml, mh = ar.mul(ll, lh, bl, bh)
            return IV(*ar.mono("exp", ml, mh))
        raise UnsupportedPrimitive(name)

    if name == "neg":
        x = ctx.iv(vals[0])
        return IV(ar_neg(x.hi), ar_neg(x.lo), x.point)
    if name == "abs":
        x = ctx.iv(vals[0])
        l, h = x.lo, x.hi
        zero = ar.const(np.zeros(l.shape))
        lo = np.where(ar.is_neg(l), np.where(ar.is_pos(h), zero, ar_neg(h)), l)
        hi = np.maximum(ar_neg(l), h)
        return IV(lo, hi, x.point)
    if name in ("integer_pow", "square"):
        x = ctx.iv(vals[0])
        n = params.get("y", 2)
        return IV(*ar.ipow(x.lo, x.hi, int(n)), x.point)
    if name in ("exp", "exp2", "log", "log1p", "expm1", "tanh", "atan", "asinh", "sinh",
                "logistic", "erf", "cbrt"):
        x = ctx.iv(vals[0])
        return IV(*ar.mono(name, x.lo, x.hi), x.point)
    if name == "sqrt":
        x = ctx.iv(vals[0])
        return IV(*ar.sqrt(x.lo, x.hi), x.point)
    if name == "rsqrt":
        x = ctx.iv(vals[0])
        sl, sh = ar.sqrt(x.lo, x.hi)
        return IV(*ar.recip(sl, sh), x.point)
    if name == "cos":
        x = ctx.iv(vals[0])
        return IV(*ar.cos(x.lo, x.hi), x.point)
    if name == "sin":
        x = ctx.iv(vals[0])
        return IV(*ar.sin(x.lo, x.hi), x.point)
    if name == "sign":
        x = ctx.iv(vals[0])
        return IV(ctx.ar.const(_sgn(ar, x.lo)), ctx.ar.const(_sgn(ar, x.hi)), x.point)
    if name in ("lt", "gt", "le", "ge", "eq", "ne"):
        if vals[0] is vals[1] and isinstance(vals[0], IV):
            truth = np.full(vals[0].lo.shape, name in ("le", "ge", "eq"))
            return BIV(truth, truth)
        x, y = ctx.iv(vals[0]), ctx.iv(vals[1])
        al, ah = _align(x.lo, rank), _align(x.hi, rank)
        bl, bh = _align(y.lo, rank), _align(y.hi, rank)
        if name in ("gt", "ge"):
            al, ah, bl, bh = bl, bh, al, ah
            name = {"gt": "lt", "ge": "le"}[name]
        B = _bool
        if name == "lt":
            return BIV(B(ah < bl), B(al < bh))
        if name == "le":
            return BIV(B(ah <= bl), B(al <= bh))
        if name == "eq":
            return BIV(B(al == ah) & B(bl == bh) & B(al == bl), B(al <= bh) & B(bl <= ah))
        return BIV(B(ah < bl) | B(bh < al), ~(B(al == ah) & B(bl == bh) & B(al == bl)))
    if name in ("not", "and", "or"):
        bs = [v if isinstance(v, BIV) else BIV(np.asarray(v)[None], np.asarray(v)[None])
              for v in vals]
        if name == "not":
            return BIV(~bs[0].hi, ~bs[0].lo)
        if name == "and":
            return BIV(bs[0].lo & bs[1].lo, bs[0].hi & bs[1].hi)
        return BIV(bs[0].lo | bs[1].lo, bs[0].hi | bs[1].hi)
    if name == "select_n":
        pred, *cases = vals
        cases = [ctx.iv(c) for c in cases]
        cl = [_align(c.lo, rank) for c in cases]
        ch = [_align(c.hi, rank) for c in cases]
        if isinstance(pred, BIV):
            if len(cases) != 2:
                raise UnsupportedPrimitive("select_n with an uncertain integer predicate")
            t_lo, t_hi = _align(pred.lo, rank), _align(pred.hi, rank)
            lo = np.where(t_lo, cl[1], np.where(~t_hi, cl[0], np.minimum(cl[0], cl[1])))
            hi = np.where(t_lo, ch[1], np.where(~t_hi, ch[0], np.maximum(ch[0], ch[1])))
            return IV(lo, hi)
        p = np.asarray(pred).astype(np.int64)[None]
        p = _align(p, rank)
        lo = np.choose(p, np.broadcast_arrays(*cl)) if len(cl) > 1 else cl[0]
        hi = np.choose(p, np.broadcast_arrays(*ch)) if len(ch) > 1 else ch[0]
        return IV(lo, hi)
    if name == "clamp":
        lo_, x, hi_ = (ctx.iv(v) for v in vals)
        xl, xh = _align(x.lo, rank), _align(x.hi, rank)
        return IV(np.minimum(np.maximum(xl, _align(lo_.lo, rank)), _align(hi_.lo, rank)),
                  np.minimum(np.maximum(xh, _align(lo_.hi, rank)), _align(hi_.hi, rank)))

    # ---- structural primitives
    if name == "slice":
        st, lim, strides = params["start_indices"], params["limit_indices"], params["strides"]
        strides = strides or (1,) * len(st)
        idx = (slice(None), *(slice(s, e, k) for s, e, k in zip(st, lim, strides, strict=True)))
        return _struct(lambda a: a[idx], vals[0])
    if name == "squeeze":
        dims = tuple(d + 1 for d in params["dimensions"])
        return _struct(lambda a: np.squeeze(a, axis=dims), vals[0])
    if name == "expand_dims":
        dims = tuple(d + 1 for d in params["dimensions"])
        return _struct(lambda a: np.expand_dims(a, dims), vals[0])
    if name == "reshape":
        shape = tuple(params["new_sizes"])
        return _struct(lambda a: a.reshape((a.shape[0], *shape)), ctx.lift(vals[0]))
    if name == "broadcast_in_dim":
        shape = tuple(params["shape"])
        bd = tuple(params["broadcast_dimensions"])
        x = ctx.lift(vals[0])

        def bcast(a):
            tmp = [1] * len(shape)
            for i, d in enumerate(bd):
                tmp[d] = a.shape[i + 1]
            return np.broadcast_to(a.reshape((a.shape[0], *tmp)), (a.shape[0], *shape))

        return _struct(bcast, x)
    if name == "transpose":
        perm = (0, *(p + 1 for p in params["permutation"]))
        return _struct(lambda a: np.transpose(a, perm), ctx.lift(vals[0]))
    if name == "rev":
        dims = tuple(d + 1 for d in params["dimensions"])
        return _struct(lambda a: np.flip(a, dims), ctx.lift(vals[0]))
    if name in ("concatenate", "stack"):
        axis = (params["dimension"] if name == "concatenate" else params["axis"]) + 1
        xs = [ctx.iv(v) for v in vals]
        los = _bcast_batch(*[x.lo for x in xs])
        his = _bcast_batch(*[x.hi for x in xs])
        op = np.concatenate if name == "concatenate" else np.stack
        return IV(op(los, axis=axis), op(his, axis=axis), all(x.point for x in xs))
    if name == "split":
        axis = params["axis"] + 1
        cuts = np.cumsum(params["sizes"])[:-1]
        x = ctx.iv(vals[0])
        return [IV(lo, hi, x.point) for lo, hi in zip(np.split(x.lo, cuts, axis=axis),
                                                      np.split(x.hi, cuts, axis=axis), strict=True)]
    if name == "unstack":
        axis = params["axis"] + 1
        x = ctx.iv(vals[0])
        k = x.lo.shape[axis]
        return [IV(np.take(x.lo, i, axis=axis), np.take(x.hi, i, axis=axis), x.point)
                for i in range(k)]
    if name == "pad":
        x = ctx.iv(vals[0])
        pv = ctx.iv(vals[1])
        cfg = params["padding_config"]
        if any(c[2] != 0 for c in cfg) or any(c[0] < 0 or c[1] < 0 for c in cfg):
            raise UnsupportedPrimitive("pad with interior or negative padding")
        widths = [(0, 0), *((c[0], c[1]) for c in cfg)]
        return IV(np.pad(x.lo, widths, constant_values=0) + 0, np.pad(x.hi, widths), x.point) if (
            np.all(pv.lo == 0) and np.all(pv.hi == 0)) else _raise("pad with a nonzero value")
    if name == "dynamic_slice":
        x = ctx.lift(vals[0])
        starts = [int(np.asarray(s).reshape(-1)[0]) for s in vals[1:]]
        sizes = params["slice_sizes"]
        idx = (slice(None), *(slice(s, s + n) for s, n in zip(starts, sizes, strict=True)))
        return _struct(lambda a: a[idx], x)
    if name == "reduce_sum":
        x = ctx.iv(vals[0])
        axes = tuple(a + 1 for a in params["axes"])
        return IV(*ar.sum(x.lo, x.hi, axes), x.point)
    if name in ("reduce_max", "reduce_min"):
        x = ctx.iv(vals[0])
        axes = tuple(a + 1 for a in params["axes"])
        op = np.max if name == "reduce_max" else np.min
        return IV(op(x.lo, axis=axes), op(x.hi, axis=axes), x.point)
    if name == "dot_general":
        return _dot_general(ctx, params, ctx.iv(vals[0]), ctx.iv(vals[1]), eqn)
    if name == "iota":
        return np.asarray(prim.bind(**params))
    raise UnsupportedPrimitive(
        f"the interval interpreter has no rule for primitive {name!r}; rewrite the function with "
        "supported operations (arithmetic, powers, exp/log/tanh/sin/cos/sqrt, matmul, indexing)"
    )


def _raise(msg):
    raise UnsupportedPrimitive(msg)


def _sgn(ar, x):
    return np.where(ar.is_pos(x), 1.0, np.where(ar.is_neg(x), -1.0, 0.0))


def ar_neg(x):
    return -x


def _dot_general(ctx: _Ctx, params, x: IV, y: IV, eqn):
    (lc, rc), (lb, rb) = params["dimension_numbers"]
    lrank = len(eqn.invars[0].aval.shape)
    rrank = len(eqn.invars[1].aval.shape)
    lfree = [d for d in range(lrank) if d not in lc and d not in lb]
    rfree = [d for d in range(rrank) if d not in rc and d not in rb]

    def prep(a, batch, free, contract, left):
        perm = (0, *(d + 1 for d in (*batch, *free, *contract)))
        a = np.transpose(a, perm)
        shp = a.shape
        nb = len(batch)
        bshape = shp[1 : 1 + nb]
        fsz = int(np.prod(shp[1 + nb : 1 + nb + len(free)], dtype=np.int64))
        csz = int(np.prod(shp[1 + nb + len(free) :], dtype=np.int64))
        if left:
            return a.reshape((shp[0], *bshape, fsz, csz))
        return a.reshape((shp[0], *bshape, fsz, csz)).swapaxes(-1, -2)

    al = prep(x.lo, lb, lfree, lc, True)
    ah = prep(x.hi, lb, lfree, lc, True)
    bl = prep(y.lo, rb, rfree, rc, False)
    bh = prep(y.hi, rb, rfree, rc, False)
    lo, hi = ctx.ar.matmul(al, ah, bl, bh, x.point, y.point)
    out_shape = eqn.outvars[0].aval.shape
    return IV(lo.reshape((lo.shape[0], *out_shape)), hi.reshape((hi.shape[0], *out_shape)),
              x.point and y.point)


# --------------------------------------------------------------------------- convenience
class IntervalFunction:
    """A JAX function ``x -> y`` (``x`` of shape ``(n,)``) traced once for interval evaluation.

    ``f(lo, hi)`` with ``lo``/``hi`` of shape ``(B, n)`` returns ``(ylo, yhi)`` of shape
    ``(B, *y.shape)`` enclosing ``{f(x) : lo ≤ x ≤ hi}`` for each box. The trace is made in
    float64 (64-bit mode is entered for it).
    """

    def __init__(self, fn: Callable[[jax.Array], jax.Array], n: int) -> None:
        with jax.enable_x64(True):
            closed = jax.make_jaxpr(fn)(jnp.zeros((n,), jnp.float64))
        self.closed = closed
        self.n = n
        self.out_shape = tuple(closed.jaxpr.outvars[0].aval.shape)
        self.consts = [np.asarray(c) for c in closed.consts]

    def __call__(self, lo: np.ndarray, hi: np.ndarray,
                 arith: Any = None) -> tuple[np.ndarray, np.ndarray]:
        arith = FloatArith() if arith is None else arith
        lo = np.asarray(lo)
        hi = np.asarray(hi)
        if lo.dtype != object:
            lo = np.asarray(lo, np.float64)
            hi = np.asarray(hi, np.float64)
        x = IV(lo, hi, point=False)
        out = eval_jaxpr(self.closed.jaxpr, self.consts, [x], arith)[0]
        if not isinstance(out, IV):
            out = _Ctx(arith).iv(out)
        B = lo.shape[0]
        ol = np.broadcast_to(out.lo, (B, *self.out_shape)) if out.lo.shape[0] != B else out.lo
        oh = np.broadcast_to(out.hi, (B, *self.out_shape)) if out.hi.shape[0] != B else out.hi
        return ol, oh


def interval_function(fn: Callable[[jax.Array], jax.Array], n: int) -> IntervalFunction:
    """Trace ``fn`` (on ``Rⁿ``) once for interval evaluation; see :class:`IntervalFunction`."""
    return IntervalFunction(fn, n)
