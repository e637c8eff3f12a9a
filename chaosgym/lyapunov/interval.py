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
from typing import Any, Protocol, runtime_checkable

import jax
import jax.numpy as jnp
import numpy as np
from jax.extend import core as jcore

__all__ = [
    "IV",
    "PRIMITIVES",
    "REFUSED",
    "Flags",
    "FloatArith",
    "IndexOutOfRange",
    "IntervalArith",
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
    """A batch of uncertain booleans: ``lo`` = certainly true, ``hi`` = possibly true.

    ``origin`` lists the switching surfaces ``t = c`` (value id, constant interval) of the
    comparisons it was computed from (``None``: unknown), for continuity proofs.
    """

    __slots__ = ("hi", "lo", "origin")

    def __init__(self, lo: np.ndarray, hi: np.ndarray, origin: Any = None) -> None:
        self.lo = lo
        self.hi = hi
        self.origin = origin


# --------------------------------------------------------------------------- the interface
@runtime_checkable
class IntervalArith(Protocol):
    """The endpoint arithmetic the interpreter and the expanded polynomials run on.

    Endpoints are arrays (float64 for :class:`FloatArith`, object arrays of exact ``arb``
    numbers for :class:`~chaosgym.lyapunov.rigorous.ArbArith`); every method returns
    ``(lo, hi)`` enclosing the exact real result for all operands in the input intervals.
    Comparisons (``is_neg``, ``is_pos``) are exact on endpoints.
    """

    name: str

    def const(self, x: np.ndarray) -> np.ndarray: ...
    def neg(self, x: np.ndarray) -> np.ndarray: ...
    def is_neg(self, x: np.ndarray) -> np.ndarray: ...
    def is_pos(self, x: np.ndarray) -> np.ndarray: ...
    def to_float(self, x: np.ndarray, direction: int) -> np.ndarray: ...
    def midpoint(self, lo: np.ndarray, hi: np.ndarray) -> np.ndarray: ...
    def add(self, al, ah, bl, bh) -> tuple[np.ndarray, np.ndarray]: ...
    def mul(self, al, ah, bl, bh) -> tuple[np.ndarray, np.ndarray]: ...
    def sqr(self, l, h) -> tuple[np.ndarray, np.ndarray]: ...
    def recip(self, l, h) -> tuple[np.ndarray, np.ndarray]: ...
    def div(self, al, ah, bl, bh) -> tuple[np.ndarray, np.ndarray]: ...
    def ipow(self, l, h, n: int) -> tuple[np.ndarray, np.ndarray]: ...
    def mono(self, name: str, l, h) -> tuple[np.ndarray, np.ndarray]: ...
    def sqrt(self, l, h) -> tuple[np.ndarray, np.ndarray]: ...
    def cos(self, l, h) -> tuple[np.ndarray, np.ndarray]: ...
    def sin(self, l, h) -> tuple[np.ndarray, np.ndarray]: ...
    def sum(self, l, h, axes: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray]: ...
    def matmul(self, al, ah, bl, bh, a_point: bool,
               b_point: bool) -> tuple[np.ndarray, np.ndarray]: ...


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

    def midpoint(self, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
        """A float point inside every box (its centre, rounded)."""
        with np.errstate(all="ignore"):
            c = 0.5 * lo + 0.5 * hi
        return np.minimum(np.maximum(c, lo), hi)

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
#
# The jaxpr is first flattened into one list of equations (calls to ``jit``, ``custom_jvp``
# and the like are inlined), so that every value has one name and a branch's continuity can
# be checked across call boundaries. Every primitive the interpreter evaluates is in
# ``PRIMITIVES`` below, with the way it is enclosed; anything else is refused with
# :class:`UnsupportedPrimitive`. Besides the value enclosure each evaluation returns three
# per-box flags (:class:`Flags`):
#
# * ``bad``:  the function may be undefined (NaN) somewhere in the box: ``sqrt``/``log`` of a
#   possibly negative argument, division by an interval containing 0, ... The enclosure
#   of every output of such a box is ``[-inf, inf]``.
# * ``kink``: a piecewise choice (``abs``, ``max``/``min``, ``clamp``, a comparison, a
#   ``select_n`` branch, ``sign``/``floor``/``round`` steps, ``sqrt`` at 0) is undecided or
#   touched in the box: the function need not be C² there (derivatives from JAX's rules are
#   then valid only as hulls of one-sided derivatives).
# * ``jump``: the function may be *discontinuous* in the box: a step (``sign``, ``floor``,
#   ``round``, a boolean converted to a number) crosses its jump, or a ``select_n`` switches
#   between branches that are not proven to agree on the switching surface. Mean-value forms
#   and derivative-based certificates are invalid on such boxes.

_CALLS = frozenset({"pjit", "jit", "closed_call", "core_call", "remat", "checkpoint",
                    "custom_jvp_call", "custom_vjp_call", "custom_vjp_call_jaxpr"})

# custom_jvp functions whose derivative rule is JAX's own (defined in jax's sources; the
# rule's ops are traced and enclosed like any other; a user-written rule could state a
# wrong derivative and is refused)
TRUSTED_CUSTOM_JVP = frozenset({
    "relu", "relu6", "logaddexp", "logsumexp", "softplus", "silu", "swish", "gelu", "sigmoid",
    "log_sigmoid", "_norm", "norm", "logaddexp2", "_logaddexp", "xlogy", "xlog1py", "entr",
    "sinc", "_sinc_maclaurin", "log_softmax", "softmax", "_softmax", "hard_tanh", "elu", "celu",
    "selu", "leaky_relu", "sparse_plus", "squareplus", "mish", "standardize",
})

#: every primitive the interpreter evaluates on intervals, with how it is enclosed
#: (value; derivative rules are JAX's, evaluated by the same interpreter, valid as hulls of
#: one-sided derivatives where the ``kink`` flag is raised and invalid where ``jump`` is).
PRIMITIVES: dict[str, str] = {
    "add": "endpoint sum, outward rounded (TwoSum)",
    "add_any": "endpoint sum, outward rounded (TwoSum)",
    "sub": "endpoint difference, outward rounded (TwoSum)",
    "neg": "exact endpoint swap",
    "mul": "min/max of endpoint products, outward rounded (TwoProduct); x·x as a square",
    "div": "min/max of endpoint quotients, widened one ulp; denominator touching 0: "
           "[-inf, inf] and 'bad'",
    "integer_pow": "exact repeated squaring / products, [0, ·] for even powers of a "
                   "sign-changing box; negative power of a box touching 0: 'bad'",
    "square": "as integer_pow 2",
    "pow": "integer point exponent: integer_pow; otherwise exp(y·log x), base touching "
           "(-inf, 0]: 'bad'",
    "sqrt": "monotone, widened one ulp; argument < 0 possible: 'bad'; touching 0: 'kink'",
    "rsqrt": "1/sqrt; argument touching (-inf, 0]: 'bad'",
    "cbrt": "monotone, widened 4 ulps; touching 0: 'kink' (infinite slope)",
    "exp": "monotone, widened 4 ulps", "exp2": "monotone, widened 4 ulps",
    "expm1": "monotone, widened 4 ulps", "tanh": "monotone, widened 4 ulps",
    "atan": "monotone, widened 4 ulps", "asinh": "monotone, widened 4 ulps",
    "sinh": "monotone, widened 4 ulps", "logistic": "monotone, widened 4 ulps",
    "erf": "monotone, widened 4 ulps",
    "log": "monotone, widened 4 ulps; argument touching (-inf, 0]: 'bad'",
    "log1p": "monotone, widened 4 ulps; argument touching (-inf, -1]: 'bad'",
    "sin": "endpoint values and interior extrema (period test with slack), widened 4 ulps",
    "cos": "endpoint values and interior extrema (period test with slack), widened 4 ulps",
    "abs": "[0, max|·|] when the box contains 0 ('kink'), else the endpoint map",
    "max": "endpoint max; operands' intervals intersecting: 'kink'",
    "min": "endpoint min; operands' intervals intersecting: 'kink'",
    "clamp": "max then min of endpoints; the operand touching a bound: 'kink'",
    "sign": "[sign lo, sign hi]; box containing 0: 'jump'",
    "floor": "[floor lo, floor hi]; an integer in the box: 'jump' (touching: 'kink')",
    "ceil": "[ceil lo, ceil hi]; an integer in the box: 'jump' (touching: 'kink')",
    "round": "one integer when the box lies strictly between two half-integers, else "
             "[floor lo, ceil hi] and 'jump'",
    "lt": "three-valued comparison (certainly / possibly true); intersecting operands: 'kink'",
    "le": "as lt", "gt": "as lt", "ge": "as lt", "eq": "as lt", "ne": "as lt",
    "not": "three-valued logic", "and": "three-valued logic", "or": "three-valued logic",
    "select_n": "the chosen case, or the hull of the cases when the predicate is undecided "
                "('kink'; 'jump' unless the cases are proven equal on the switching surface "
                "t = c of a comparison with a constant)",
    "is_finite": "certainly true for finite endpoints (NaN is tracked by 'bad')",
    "convert_element_type": "float->float: identity (real arithmetic); bool->float: [0, 1] "
                            "when undecided ('jump'); float->int: refused",
    "reduce_precision": "identity (real arithmetic)",
    "copy": "identity", "copy_p": "identity", "optimization_barrier": "identity",
    "reduce_sum": "sequential TwoSum (≤ 64 terms) or sum with the a-priori bound γ_k",
    "reduce_max": "endpoint max; more than one possible maximiser: 'kink'",
    "reduce_min": "endpoint min; more than one possible minimiser: 'kink'",
    "dot_general": "midpoint-radius product with the a-priori bound γ_k (Rump)",
    "slice": "exact data movement", "squeeze": "exact data movement",
    "expand_dims": "exact data movement", "reshape": "exact data movement",
    "broadcast_in_dim": "exact data movement", "transpose": "exact data movement",
    "rev": "exact data movement", "concatenate": "exact data movement",
    "split": "exact data movement", "stack": "exact data movement",
    "unstack": "exact data movement", "pad": "exact data movement (zero padding only)",
    "dynamic_slice": "exact data movement; constant start indices only, out of range: "
                     "ValueError",
    "gather": "exact data movement of both endpoints; constant in-range indices only "
              "(out of range: ValueError)",
    "iota": "exact integer constant",
    "scatter": "exact data movement; constant indices, each update landing once (else "
               "refused)",
    "scatter-add": "operand + S·updates with the 0/1 placement matrix S of the constant "
                   "indices (interval matmul); an update landing nowhere: ValueError",
}
PRIMITIVES["scatter_add"] = PRIMITIVES["scatter-add"]
_CALL_DOC = {name: "inlined (the body is evaluated)" for name in _CALLS
             if not name.startswith("custom_vjp")}
_CALL_DOC["custom_jvp_call"] = ("the primal body is evaluated; derivatives use the traced "
                                "rule, accepted only for JAX's own functions "
                                "(TRUSTED_CUSTOM_JVP)")
PRIMITIVES.update(_CALL_DOC)

#: primitives that are refused on interval inputs, and why (anything not in PRIMITIVES is
#: refused too)
REFUSED: dict[str, str] = {
    "atan2": "no enclosure implemented", "nextafter": "float-representation dependent",
    "rem": "discontinuous modulus", "sort": "no enclosure implemented",
    "argmax": "integer result of intervals", "argmin": "integer result of intervals",
    "cond": "control flow", "while": "control flow", "scan": "control flow",
    "cumsum": "no enclosure implemented", "custom_vjp_call": "user-defined reverse-mode rule",
    "custom_vjp_call_jaxpr": "user-defined reverse-mode rule",
}

#: primitives through which a function can be discontinuous
JUMPY = frozenset({"sign", "floor", "ceil", "round", "select_n", "convert_element_type",
                   "lt", "le", "gt", "ge", "eq", "ne", "is_finite"})

_UNARY_MONO = ("exp", "exp2", "log", "log1p", "expm1", "tanh", "atan", "asinh", "sinh",
               "logistic", "erf", "cbrt")
_ELEMENTWISE = frozenset({
    "add", "add_any", "sub", "mul", "div", "max", "min", "pow", "neg", "abs", "integer_pow",
    "square", "sqrt", "rsqrt", "sin", "cos", "sign", "floor", "ceil", "round", "lt", "le",
    "gt", "ge", "eq", "ne", "not", "and", "or", "select_n", "clamp", "convert_element_type",
    "reduce_precision", "copy", "copy_p", "is_finite", *_UNARY_MONO,
})


class Flags:
    """Per-box flags of an interval evaluation (boolean arrays of shape ``(B,)``)."""

    __slots__ = ("bad", "jump", "kink")

    def __init__(self, bad: np.ndarray, kink: np.ndarray, jump: np.ndarray) -> None:
        self.bad = bad
        self.kink = kink
        self.jump = jump

    @classmethod
    def none(cls, B: int) -> Flags:
        z = np.zeros(B, bool)
        return cls(z, z.copy(), z.copy())

    def __repr__(self) -> str:
        return (f"Flags(bad={int(self.bad.sum())}, kink={int(self.kink.sum())}, "
                f"jump={int(self.jump.sum())} of {len(self.bad)})")


class IndexOutOfRange(ValueError):
    """A function reads an array element outside its shape (JAX would clamp silently)."""


def _is_float_dtype(dt) -> bool:
    return jnp.issubdtype(dt, jnp.floating)


class _Lit:
    __slots__ = ("val",)

    def __init__(self, val) -> None:
        self.val = val


class _Eqn:
    __slots__ = ("idx", "ins", "multiple", "name", "out_avals", "outs", "params", "prim")

    def __init__(self, prim, params, ins, outs, out_avals) -> None:
        self.prim = prim
        self.name = prim.name
        self.params = params
        self.ins = ins
        self.outs = outs
        self.out_avals = out_avals
        self.multiple = prim.multiple_results
        self.idx = -1


class _Program:
    """A flattened jaxpr: equations over integer value ids (``_Lit`` for literals)."""

    def __init__(self) -> None:
        self.eqns: list[_Eqn] = []
        self.consts: dict[int, Any] = {}
        self.avals: dict[int, Any] = {}
        self.n_ids = 0
        self.ins: list[int] = []
        self.outs: list[Any] = []

    def new(self, aval) -> int:
        i = self.n_ids
        self.n_ids += 1
        self.avals[i] = aval
        return i


def _flatten(prog: _Program, jaxpr, consts, in_ids) -> list[Any]:
    m: dict[Any, Any] = {}
    for v, c in zip(jaxpr.constvars, consts, strict=True):
        i = prog.new(v.aval)
        prog.consts[i] = np.asarray(c)
        m[v] = i
    for v, i in zip(jaxpr.invars, in_ids, strict=True):
        m[v] = i

    def get(v):
        return _Lit(np.asarray(v.val)) if isinstance(v, jcore.Literal) else m[v]

    for eqn in jaxpr.eqns:
        ins = [get(v) for v in eqn.invars]
        name = eqn.primitive.name
        if name in _CALLS:
            if name in ("custom_vjp_call", "custom_vjp_call_jaxpr"):
                raise UnsupportedPrimitive(f"{name}: functions with custom reverse-mode rules")
            if name == "custom_jvp_call":
                fn_name, src = _custom_jvp_name(eqn)
                if fn_name not in TRUSTED_CUSTOM_JVP or "/jax/_src/" not in src.replace(
                        "\\", "/"):
                    raise UnsupportedPrimitive(
                        f"custom_jvp_call of {fn_name!r}: a user-defined derivative rule is "
                        "not trusted by the certifier (write the function without custom_jvp)")
            sub = (eqn.params.get("jaxpr") or eqn.params.get("call_jaxpr")
                   or eqn.params.get("fun_jaxpr"))
            if isinstance(sub, jcore.ClosedJaxpr):
                outs = _flatten(prog, sub.jaxpr, sub.consts, ins[: len(sub.jaxpr.invars)])
            else:
                outs = _flatten(prog, sub, [], ins[: len(sub.invars)])
            for v, o in zip(eqn.outvars, outs, strict=True):
                if not isinstance(v, jcore.DropVar):
                    m[v] = o
            continue
        outs = [prog.new(v.aval) for v in eqn.outvars]
        e = _Eqn(eqn.primitive, eqn.params, ins, outs, [v.aval for v in eqn.outvars])
        e.idx = len(prog.eqns)
        prog.eqns.append(e)
        for v, o in zip(eqn.outvars, outs, strict=True):
            if not isinstance(v, jcore.DropVar):
                m[v] = o
    return [get(v) for v in jaxpr.outvars]


def _custom_jvp_name(eqn) -> tuple[str, str]:
    """The function name and source of a ``custom_jvp_call`` (from the body's debug info)."""
    sub = eqn.params.get("call_jaxpr")
    dbg = getattr(getattr(sub, "jaxpr", sub), "debug_info", None)
    src = str(getattr(dbg, "func_src_info", "") or "")
    name = str(eqn.params.get("name", "") or getattr(dbg, "func_name", "") or "")
    return name, src


def flatten_jaxpr(closed) -> _Program:
    """Inline every call in a closed jaxpr (see the comment at the top of this section)."""
    prog = _Program()
    prog.ins = [prog.new(v.aval) for v in closed.jaxpr.invars]
    prog.outs = _flatten(prog, closed.jaxpr, closed.consts, prog.ins)
    return prog


class _Ctx:
    def __init__(self, arith, checks: bool = True) -> None:
        self.ar = arith
        self.checks = checks
        self.bad: Any = np.zeros(1, bool)
        self.kink: Any = np.zeros(1, bool)
        self.jump: Any = np.zeros(1, bool)
        self.prog: _Program | None = None
        self.env: dict[int, Any] | None = None
        self.where: dict[int, int] = {}

    # -- flags
    @staticmethod
    def _per_box(mask) -> np.ndarray:
        m = np.asarray(mask, bool)
        if m.ndim == 0:
            return m.reshape(1)
        return m.reshape(m.shape[0], -1).any(axis=1)

    def flag(self, kind: str, mask) -> None:
        setattr(self, kind, np.logical_or(getattr(self, kind), self._per_box(mask)))

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
        if isinstance(x, BIV):
            # a boolean used as a number: [0, 1] where undecided
            lo = self.ar.const(np.asarray(x.lo, np.float64))
            hi = self.ar.const(np.asarray(x.hi, np.float64))
            return IV(lo, hi)
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


def _struct(fn, x):
    """Apply a structural op to an IV / BIV / concrete array."""
    if isinstance(x, IV):
        return IV(fn(x.lo), fn(x.hi), x.point)
    if isinstance(x, BIV):
        return BIV(fn(x.lo), fn(x.hi))
    raise UnsupportedPrimitive("structural operation on a non-interval value")


def eval_jaxpr(jaxpr, consts: Sequence[Any], args: Sequence[Any], arith) -> list[Any]:
    """Evaluate an open ``jaxpr`` on interval arguments (:class:`IV`) with ``arith``."""
    prog = _Program()
    prog.ins = [prog.new(v.aval) for v in jaxpr.invars]
    prog.outs = _flatten(prog, jaxpr, consts, prog.ins)
    ctx = _Ctx(arith)
    return _run_program(prog, args, ctx)


def _run_program(prog: _Program, args: Sequence[Any], ctx: _Ctx) -> list[Any]:
    env: dict[int, Any] = {}
    for i, c in prog.consts.items():
        env[i] = ctx.lift(np.asarray(c))
    for i, a in zip(prog.ins, args, strict=True):
        env[i] = ctx.lift(a) if not isinstance(a, (IV, BIV)) else a
    ctx.prog, ctx.env = prog, env
    _run(prog, env, ctx, 0, len(prog.eqns))
    return [ctx.lift(o.val) if isinstance(o, _Lit) else env[o] for o in prog.outs]


def _run(prog: _Program, env: dict[int, Any], ctx: _Ctx, start: int, stop: int,
         dirty: set[int] | None = None) -> None:
    """Evaluate equations ``start:stop`` into ``env`` (only those reading ``dirty`` ids, and
    marking their outputs dirty, when ``dirty`` is given)."""
    memo: dict[Any, Any] = {}
    for eqn in prog.eqns[start:stop]:
        if dirty is not None and not any(
                (not isinstance(o, _Lit)) and o in dirty for o in eqn.ins):
            continue
        invals = [ctx.lift(o.val) if isinstance(o, _Lit) else env[o] for o in eqn.ins]
        # structural ops on the same value give the same object, so that x[0] * x[0] is
        # recognised as a square
        key = None
        if eqn.name in _STRUCTURAL and not eqn.multiple:
            key = (eqn.name, tuple(id(v) for v in invals), repr(sorted(eqn.params.items())))
            if key in memo:
                env[eqn.outs[0]] = memo[key][0]
                if dirty is not None:
                    dirty.add(eqn.outs[0])
                continue
        outs = _apply(ctx, eqn, invals)
        if key is not None:
            memo[key] = (outs, invals)
        if not eqn.multiple:
            outs = [outs]
        for o, v in zip(eqn.outs, outs, strict=True):
            env[o] = v
            if dirty is not None:
                dirty.add(o)


# pure data movement (no arithmetic): evaluated exactly when every operand is a constant
_EXACT_MOVES = frozenset({"scatter", "gather", "dynamic_update_slice", "select_n",
                          "concatenate", "pad", "rev", "sort", "transpose", "reshape",
                          "broadcast_in_dim", "squeeze", "expand_dims", "slice"})
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
    name = eqn.name
    params = eqn.params
    dt = eqn.out_avals[0].dtype
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
        with jax.default_device(jax.devices("cpu")[0]), jax.enable_x64(True):
            res = eqn.prim.bind(*[jnp.asarray(v) for v in vals], **params)
        out = [np.asarray(o) for o in res] if eqn.multiple else np.asarray(res)
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


def _is_const_iv(v) -> bool:
    return isinstance(v, IV) and v.point and v.lo.shape[0] == 1


def _intersect(al, ah, bl, bh) -> np.ndarray:
    return _bool(al <= bh) & _bool(bl <= ah)


def _apply(ctx: _Ctx, eqn: _Eqn, vals):
    name = eqn.name
    params = eqn.params
    ar = ctx.ar

    # ---- purely concrete (integer / boolean index arithmetic): evaluate exactly, once
    if _concrete(vals) and not any(_is_float_dtype(a.dtype) for a in eqn.out_avals):
        if name == "dynamic_slice":
            _check_dynamic_slice(eqn, vals)
        return _concrete_eval(eqn, vals)

    # exact data movement on constants (scatter of a constant matrix, gathers): evaluate
    if name in _EXACT_MOVES and all(
        (not isinstance(v, (IV, BIV))) or _is_const_iv(v) for v in vals
    ):
        args = [_point_floats(v.lo[0]) if isinstance(v, IV) else np.asarray(v) for v in vals]
        out = _concrete_eval(eqn, args)
        if eqn.multiple:
            return [ctx.lift(o) for o in out]
        return ctx.lift(out)

    if name not in PRIMITIVES:
        why = REFUSED.get(name, "no interval rule")
        raise UnsupportedPrimitive(
            f"the interval interpreter refuses primitive {name!r} ({why}); rewrite the "
            "function with supported operations (see chaosgym.lyapunov.interval.PRIMITIVES)")

    out_aval = eqn.out_avals[0]
    rank = len(out_aval.shape)

    if name in ("convert_element_type", "copy", "copy_p", "reduce_precision",
                "optimization_barrier"):
        if name == "optimization_barrier":
            return list(vals)
        x = vals[0]
        if _is_float_dtype(out_aval.dtype):
            if isinstance(x, BIV):
                undecided = _bool(x.lo) != _bool(x.hi)
                ctx.flag("jump", undecided)
                ctx.flag("kink", undecided)
            return ctx.iv(x)
        if isinstance(x, IV):
            raise UnsupportedPrimitive(f"conversion of an interval to {out_aval.dtype}")
        if isinstance(x, BIV):  # a boolean becoming an integer: a step where undecided
            undecided = _bool(x.lo) != _bool(x.hi)
            ctx.flag("jump", undecided)
            ctx.flag("kink", undecided)
        return x

    if name in ("add", "add_any", "sub", "mul", "div", "max", "min", "pow"):
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
            ctx.flag("bad", (~ar.is_pos(bl)) & (~ar.is_neg(bh)))
            return IV(*ar.div(al, ah, bl, bh), pt)
        if name in ("max", "min"):
            tie = _intersect(al, ah, bl, bh)
            ctx.flag("kink", tie)
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
        # pow
        if y.point and y.lo.size and np.all(y.lo == y.lo.reshape(-1)[0]):
            y0 = float(ar.to_float(y.lo.reshape(-1)[0], 0))
            if y0 == round(y0) and abs(y0) < 2**31:
                k = round(y0)
                if k < 0:
                    ctx.flag("bad", (~ar.is_pos(al)) & (~ar.is_neg(ah)))
                return IV(*ar.ipow(al, ah, k), pt)
        # x^y = exp(y log x) for x > 0
        ctx.flag("bad", ~ar.is_pos(al))
        ll, lh = ar.mono("log", al, ah)
        ml, mh = ar.mul(ll, lh, bl, bh)
        return IV(*ar.mono("exp", ml, mh), pt)

    if name == "neg":
        x = ctx.iv(vals[0])
        return IV(ar_neg(x.hi), ar_neg(x.lo), x.point)
    if name == "abs":
        x = ctx.iv(vals[0])
        l, h = x.lo, x.hi
        ctx.flag("kink", (~ar.is_pos(l)) & (~ar.is_neg(h)))
        zero = ar.const(np.zeros(l.shape))
        lo = np.where(ar.is_neg(l), np.where(ar.is_pos(h), zero, ar_neg(h)), l)
        hi = np.maximum(ar_neg(l), h)
        return IV(lo, hi, x.point)
    if name in ("integer_pow", "square"):
        x = ctx.iv(vals[0])
        n = int(params.get("y", 2))
        if n < 0:
            ctx.flag("bad", (~ar.is_pos(x.lo)) & (~ar.is_neg(x.hi)))
        return IV(*ar.ipow(x.lo, x.hi, n), x.point)
    if name in _UNARY_MONO:
        x = ctx.iv(vals[0])
        if name == "log":
            ctx.flag("bad", ~ar.is_pos(x.lo))
        elif name == "log1p":
            ctx.flag("bad", ~ar.is_pos(ar.add(x.lo, x.lo, *(ar.const(np.ones(1)),) * 2)[0]))
        elif name == "cbrt":
            ctx.flag("kink", (~ar.is_pos(x.lo)) & (~ar.is_neg(x.hi)))
        return IV(*ar.mono(name, x.lo, x.hi), x.point)
    if name == "sqrt":
        x = ctx.iv(vals[0])
        ctx.flag("bad", ar.is_neg(x.lo))
        ctx.flag("kink", ~ar.is_pos(x.lo))
        return IV(*ar.sqrt(x.lo, x.hi), x.point)
    if name == "rsqrt":
        x = ctx.iv(vals[0])
        ctx.flag("bad", ~ar.is_pos(x.lo))
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
        touch = (~ar.is_pos(x.lo)) & (~ar.is_neg(x.hi))
        ctx.flag("kink", touch)
        ctx.flag("jump", touch & ~_bool(x.lo == x.hi))
        return IV(ar.const(_sgn(ar, x.lo)), ar.const(_sgn(ar, x.hi)), x.point)
    if name in ("floor", "ceil", "round"):
        return _steps(ctx, name, ctx.iv(vals[0]), params)
    if name == "is_finite":
        x = ctx.iv(vals[0])
        fin = _bool(np.vectorize(_finite, otypes=[bool])(x.lo)) & \
            _bool(np.vectorize(_finite, otypes=[bool])(x.hi))
        return BIV(fin, np.ones_like(fin))
    if name in ("lt", "gt", "le", "ge", "eq", "ne"):
        return _compare(ctx, eqn, vals, rank)
    if name in ("not", "and", "or"):
        bs = [v if isinstance(v, BIV) else BIV(np.asarray(v)[None], np.asarray(v)[None])
              for v in vals]
        origins = _merge_origins(bs)
        if name == "not":
            out = BIV(~bs[0].hi, ~bs[0].lo)
        elif name == "and":
            out = BIV(bs[0].lo & bs[1].lo, bs[0].hi & bs[1].hi)
        else:
            out = BIV(bs[0].lo | bs[1].lo, bs[0].hi | bs[1].hi)
        _set_origin(out, origins)
        return out
    if name == "select_n":
        return _select(ctx, eqn, vals, rank)
    if name == "clamp":
        lo_, x, hi_ = (ctx.iv(v) for v in vals)
        xl, xh = _align(x.lo, rank), _align(x.hi, rank)
        ll, lh = _align(lo_.lo, rank), _align(lo_.hi, rank)
        hl, hh = _align(hi_.lo, rank), _align(hi_.hi, rank)
        ctx.flag("kink", _intersect(xl, xh, ll, lh) | _intersect(xl, xh, hl, hh))
        return IV(np.minimum(np.maximum(xl, ll), hl), np.minimum(np.maximum(xh, lh), hh))

    # ---- structural primitives
    if name == "slice":
        st, lim, strides = params["start_indices"], params["limit_indices"], params["strides"]
        strides = strides or (1,) * len(st)
        idx = (slice(None), *(slice(s, e, k) for s, e, k in zip(st, lim, strides, strict=True)))
        return _struct(lambda a: a[idx], ctx.lift(vals[0]))
    if name == "squeeze":
        dims = tuple(d + 1 for d in params["dimensions"])
        return _struct(lambda a: np.squeeze(a, axis=dims), ctx.lift(vals[0]))
    if name == "expand_dims":
        dims = tuple(d + 1 for d in params["dimensions"])
        return _struct(lambda a: np.expand_dims(a, dims), ctx.lift(vals[0]))
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
    if name == "unstack":
        axis = params["axis"] + 1
        x = ctx.iv(vals[0])
        return [IV(np.take(x.lo, i, axis=axis), np.take(x.hi, i, axis=axis), x.point)
                for i in range(x.lo.shape[axis])]
    if name == "split":
        axis = params["axis"] + 1
        cuts = np.cumsum(params["sizes"])[:-1]
        x = ctx.iv(vals[0])
        return [IV(lo, hi, x.point) for lo, hi in zip(np.split(x.lo, cuts, axis=axis),
                                                      np.split(x.hi, cuts, axis=axis), strict=True)]
    if name == "pad":
        x = ctx.iv(vals[0])
        pv = ctx.iv(vals[1])
        cfg = params["padding_config"]
        if any(c[2] != 0 for c in cfg) or any(c[0] < 0 or c[1] < 0 for c in cfg):
            raise UnsupportedPrimitive("pad with interior or negative padding")
        if not (np.all(_bool(pv.lo == 0)) and np.all(_bool(pv.hi == 0))):
            raise UnsupportedPrimitive("pad with a nonzero value")
        widths = [(0, 0), *((c[0], c[1]) for c in cfg)]
        zero = ar.const(np.zeros(()))
        return IV(np.pad(x.lo, widths, constant_values=zero),
                  np.pad(x.hi, widths, constant_values=zero), x.point)
    if name == "dynamic_slice":
        x = ctx.lift(vals[0])
        if not all(not isinstance(s, (IV, BIV)) for s in vals[1:]):
            raise UnsupportedPrimitive("dynamic_slice with interval-valued start indices")
        starts = _check_dynamic_slice(eqn, vals)
        sizes = params["slice_sizes"]
        idx = (slice(None), *(slice(s, s + n) for s, n in zip(starts, sizes, strict=True)))
        return _struct(lambda a: a[idx], x)
    if name == "gather":
        return _gather(ctx, eqn, vals)
    if name in ("scatter", "scatter-add", "scatter_add"):
        return _scatter(ctx, eqn, vals)
    if name == "reduce_sum":
        x = ctx.iv(vals[0])
        axes = tuple(a + 1 for a in params["axes"])
        return IV(*ar.sum(x.lo, x.hi, axes), x.point)
    if name in ("reduce_max", "reduce_min"):
        x = ctx.iv(vals[0])
        axes = tuple(a + 1 for a in params["axes"])
        op = np.max if name == "reduce_max" else np.min
        lo, hi = op(x.lo, axis=axes, keepdims=True), op(x.hi, axis=axes, keepdims=True)
        # more than one element that can be the extremum: a kink
        cand = _bool(x.hi >= lo) if name == "reduce_max" else _bool(x.lo <= hi)
        ctx.flag("kink", np.sum(cand, axis=axes) > 1)
        return IV(np.squeeze(lo, axis=axes), np.squeeze(hi, axis=axes), x.point)
    if name == "dot_general":
        return _dot_general(ctx, params, ctx.iv(vals[0]), ctx.iv(vals[1]), eqn)
    if name == "iota":
        return np.asarray(eqn.prim.bind(**params))
    raise UnsupportedPrimitive(f"primitive {name!r} on these operands")


def _finite(v) -> bool:
    try:
        return bool(v.is_finite())
    except AttributeError:
        return bool(np.isfinite(v))


def _steps(ctx: _Ctx, name: str, x: IV, params) -> IV:
    """floor / ceil / round: step functions; a jump inside the box raises 'jump'."""
    ar = ctx.ar
    fl = ar.to_float(x.lo, -1)
    fh = ar.to_float(x.hi, 1)
    if x.lo.dtype == object:  # exact endpoints: decide on floats one ulp outward
        fl, fh = _down(fl), _up(fh)
    if name == "floor":
        k = np.floor(fl)
        inside = fh < k + 1
        touch = fl == k
        lo, hi = k, np.floor(fh)
    elif name == "ceil":
        k = np.ceil(fh)
        inside = fl > k - 1
        touch = fh == k
        lo, hi = np.ceil(fl), k
    else:
        k = np.round(0.5 * fl + 0.5 * fh)
        inside = (fl > k - 0.5) & (fh < k + 0.5)
        touch = ~inside
        lo, hi = np.where(inside, k, np.floor(fl)), np.where(inside, k, np.ceil(fh))
    if x.lo.dtype != object and np.array_equal(x.lo, x.hi):
        # a point: the exact value; a point on a step is 'touching'
        v = {"floor": np.floor, "ceil": np.ceil}.get(name)
        if v is not None:
            lo = hi = v(x.lo)
            touch = x.lo == lo
            inside = np.ones_like(touch)
    ctx.flag("jump", ~inside)
    ctx.flag("kink", ~inside | touch)
    return IV(ar.const(np.asarray(lo, np.float64)), ar.const(np.asarray(hi, np.float64)),
              x.point)


def _compare(ctx: _Ctx, eqn: _Eqn, vals, rank: int) -> BIV:
    name = eqn.name
    if vals[0] is vals[1] and isinstance(vals[0], IV):
        truth = np.full(vals[0].lo.shape, name in ("le", "ge", "eq"))
        return BIV(truth, truth)
    x, y = ctx.iv(vals[0]), ctx.iv(vals[1])
    al, ah = _align(x.lo, rank), _align(x.hi, rank)
    bl, bh = _align(y.lo, rank), _align(y.hi, rank)
    ctx.flag("kink", _intersect(al, ah, bl, bh))
    # the switching surface t = c of a comparison with a constant (for continuity proofs)
    origin = None
    ins = eqn.ins
    if _is_const_iv(y) and not isinstance(ins[0], _Lit) and not _is_const_iv(x):
        origin = [(ins[0], y)]
    elif _is_const_iv(x) and not isinstance(ins[1], _Lit) and not _is_const_iv(y):
        origin = [(ins[1], x)]
    if name in ("gt", "ge"):
        al, ah, bl, bh = bl, bh, al, ah
        name = {"gt": "lt", "ge": "le"}[name]
    B = _bool
    if name == "lt":
        out = BIV(B(ah < bl), B(al < bh))
    elif name == "le":
        out = BIV(B(ah <= bl), B(al <= bh))
    elif name == "eq":
        out = BIV(B(al == ah) & B(bl == bh) & B(al == bl), B(al <= bh) & B(bl <= ah))
    else:
        out = BIV(B(ah < bl) | B(bh < al), ~(B(al == ah) & B(bl == bh) & B(al == bl)))
    _set_origin(out, origin)
    return out


def _set_origin(b: BIV, origin) -> None:
    b.origin = origin


def _get_origin(b) -> Any:
    return getattr(b, "origin", None)


def _merge_origins(bs) -> Any:
    out = []
    for b in bs:
        o = _get_origin(b)
        if o is None:
            # a constant boolean has no switching surface; an unknown origin spoils the proof
            if np.array_equal(_bool(b.lo), _bool(b.hi)):
                continue
            return None
        out.extend(o)
    return out


def _select(ctx: _Ctx, eqn: _Eqn, vals, rank: int):
    pred, *cases = vals
    cases_iv = [ctx.iv(c) for c in cases]
    cl = [_align(c.lo, rank) for c in cases_iv]
    ch = [_align(c.hi, rank) for c in cases_iv]
    if isinstance(pred, BIV):
        if len(cases) != 2:
            raise UnsupportedPrimitive("select_n with an uncertain integer predicate")
        t_lo, t_hi = _align(_bool(pred.lo), rank), _align(_bool(pred.hi), rank)
        lo = np.where(t_lo, cl[1], np.where(~t_hi, cl[0], np.minimum(cl[0], cl[1])))
        hi = np.where(t_lo, ch[1], np.where(~t_hi, ch[0], np.maximum(ch[0], ch[1])))
        undecided = t_lo != t_hi
        if undecided.any():
            ctx.flag("kink", undecided)
            if ctx.checks:
                ok = _continuous_switch(ctx, eqn, pred, undecided, rank)
                ctx.flag("jump", ctx._per_box(undecided) & ~ok)
        return IV(lo, hi)
    p = np.asarray(pred).astype(np.int64)[None]
    p = _align(p, rank)
    lo = np.choose(p, np.broadcast_arrays(*cl)) if len(cl) > 1 else cl[0]
    hi = np.choose(p, np.broadcast_arrays(*ch)) if len(ch) > 1 else ch[0]
    return IV(lo, hi)


def _continuous_switch(ctx: _Ctx, eqn: _Eqn, pred: BIV, undecided: np.ndarray,
                       rank: int) -> np.ndarray:
    """Where the select is proven continuous: both cases take one and the same point value
    on every switching surface ``t = c`` of the predicate (``t`` overridden by ``c`` and the
    cases re-evaluated; sound when ``t`` is a scalar or the cases depend on ``t``
    elementwise)."""
    origins = _get_origin(pred)
    prog, env = ctx.prog, ctx.env
    no = np.zeros(1, bool)
    if not origins or prog is None or env is None:
        return no
    ok = np.ones(1, bool)
    case_ids = eqn.ins[1:]
    for tid, c in origins:
        if not isinstance(tid, int) or tid not in env:
            return no
        t = env[tid]
        if not isinstance(t, IV):
            return no
        # ids holding the very same value (structural ops are shared: two x[0] reads)
        tids = {i for i, v in env.items() if v is t}
        scalar = int(np.prod(prog.avals[tid].shape, dtype=np.int64)) == 1
        start = min(_defined_at(prog, i) for i in tids)
        if not scalar and not _elementwise_slice(prog, tids, start, eqn.idx, case_ids):
            return no
        shape = t.lo.shape[1:]
        cl = c.lo.reshape(c.lo.shape[:1] + (1,) * max(0, len(shape) - (c.lo.ndim - 1))
                          + c.lo.shape[1:])
        cl = np.broadcast_to(cl, (1, *shape))
        sub = _Ctx(ctx.ar, checks=False)
        local = dict(env)
        over = IV(cl, cl, point=True)
        for i in tids:
            local[i] = over
        _run(prog, local, sub, start, eqn.idx, set(tids))
        a_b = [ctx.iv(ctx.lift(i.val) if isinstance(i, _Lit) else local[i]) for i in case_ids]
        same = (_bool(a_b[0].lo == a_b[0].hi) & _bool(a_b[1].lo == a_b[1].hi)
                & _bool(a_b[0].lo == a_b[1].lo))
        ok = ok & ctx._per_box(~same).__invert__() & ~sub._per_box(sub.bad)
    return ok


def _defined_at(prog: _Program, vid: int) -> int:
    for e in prog.eqns:
        if vid in e.outs:
            return e.idx + 1
    return 0


def _elementwise_slice(prog: _Program, tids: set[int], start: int, stop: int,
                       targets) -> bool:
    """Whether every equation in ``start:stop`` on a path from ``tids`` to ``targets`` is
    elementwise in its dirty operands (no reduction, broadcasting or reindexing of them)."""
    needed = {o for o in targets if not isinstance(o, _Lit)}
    on_path = set()
    for e in reversed(prog.eqns[start:stop]):
        if any(o in needed for o in e.outs):
            on_path.add(e.idx)
            needed.update(o for o in e.ins if not isinstance(o, _Lit))
    dirty = set(tids)
    for e in prog.eqns[start:stop]:
        d_in = [o for o in e.ins if not isinstance(o, _Lit) and o in dirty]
        if not d_in:
            continue
        dirty.update(e.outs)
        if e.idx not in on_path:
            continue
        if e.name not in _ELEMENTWISE:
            return False
        shape = tuple(e.out_avals[0].shape)
        if any(tuple(prog.avals[o].shape) != shape for o in d_in):
            return False
        dirty.update(e.outs)
    return True


def _check_dynamic_slice(eqn: _Eqn, vals) -> list[int]:
    op_shape = _operand_shape(eqn, vals[0])
    starts = [int(np.asarray(s).reshape(-1)[0]) for s in vals[1:]]
    sizes = eqn.params["slice_sizes"]
    for d, (s, k) in enumerate(zip(starts, sizes, strict=True)):
        if s < 0 or s + k > op_shape[d]:
            raise IndexOutOfRange(
                f"index {s} (slice of size {k}) is out of range for axis {d} of size "
                f"{op_shape[d]}: the function reads beyond its input (JAX would clamp it)")
    return starts


def _operand_shape(eqn: _Eqn, v) -> tuple[int, ...]:
    if isinstance(v, (IV, BIV)):
        return tuple(v.lo.shape[1:])
    return tuple(np.shape(v))


def _gather(ctx: _Ctx, eqn: _Eqn, vals):
    """gather with constant indices: exact data movement, applied to an index map."""
    x, idx = vals
    if isinstance(idx, (IV, BIV)):
        raise UnsupportedPrimitive("gather with interval-valued indices")
    x = ctx.lift(x)
    if not isinstance(x, (IV, BIV)):
        return _concrete_eval(eqn, [x, idx])
    op_shape = tuple(x.lo.shape[1:])
    size = int(np.prod(op_shape, dtype=np.int64))
    dn = eqn.params["dimension_numbers"]
    sizes = eqn.params["slice_sizes"]
    ix = np.asarray(idx)
    starts = ix.reshape(-1, ix.shape[-1]) if ix.ndim else ix.reshape(1, 1)
    for j, d in enumerate(dn.start_index_map):
        s = starts[:, j]
        if np.any(s < 0) or np.any(s + sizes[d] > op_shape[d]):
            raise IndexOutOfRange(
                f"gather index {s.tolist()} is out of range for axis {d} of size "
                f"{op_shape[d]}: the function reads beyond its input")
    # gather an array of flat positions (exact in float64) and take from every endpoint
    pos = np.arange(size, dtype=np.float64).reshape(op_shape)
    gathered = np.asarray(_concrete_eval(eqn, [pos, ix])).astype(np.int64)
    flat = gathered.reshape(-1)

    def take(a):
        return a.reshape(a.shape[0], -1)[:, flat].reshape((a.shape[0], *gathered.shape))

    return _struct(take, x)


_SCATTER_CACHE: dict[int, tuple[Any, np.ndarray, np.ndarray]] = {}


def _scatter_matrix(eqn: _Eqn, idx: np.ndarray, op_shape, up_shape) -> np.ndarray:
    """The 0/1 matrix ``S`` (operand size × update size) with which a scatter of constant
    indices places update ``k`` at position ``j`` (found by scattering unit updates)."""
    hit = _SCATTER_CACHE.get(id(eqn))
    if hit is not None and hit[0] is eqn and np.array_equal(hit[1], idx):
        return hit[2]
    K = int(np.prod(up_shape, dtype=np.int64))
    N = int(np.prod(op_shape, dtype=np.int64))
    with jax.default_device(jax.devices("cpu")[0]), jax.enable_x64(True):
        zeros = jnp.zeros(op_shape, jnp.float64)
        eye = jnp.eye(K, dtype=jnp.float64).reshape((K, *up_shape))
        ji = jnp.asarray(idx)
        st = jax.vmap(lambda u: eqn.prim.bind(zeros, ji, u, **eqn.params))(eye)
    S = np.asarray(st, np.float64).reshape(K, N).T.copy()
    _SCATTER_CACHE[id(eqn)] = (eqn, np.asarray(idx).copy(), S)
    return S


def _scatter(ctx: _Ctx, eqn: _Eqn, vals):
    """scatter / scatter-add with constant indices: ``operand`` with the updates placed (or
    added) where the indices say; an update that lands nowhere is an error."""
    op, idx, upd = vals[:3]
    if isinstance(idx, (IV, BIV)):
        raise UnsupportedPrimitive(f"{eqn.name} with interval-valued indices")
    ar = ctx.ar
    op, upd = ctx.iv(op), ctx.iv(upd)
    op_shape, up_shape = tuple(op.lo.shape[1:]), tuple(upd.lo.shape[1:])
    S = _scatter_matrix(eqn, np.asarray(idx), op_shape, up_shape)
    N, K = S.shape
    if np.any(S.sum(axis=0) == 0):
        if eqn.name == "scatter":
            raise UnsupportedPrimitive("scatter with duplicate or out-of-range indices")
        raise IndexOutOfRange(f"{eqn.name} writes outside its operand of shape {op_shape}")
    ol, oh = op.lo.reshape(op.lo.shape[0], N), op.hi.reshape(op.hi.shape[0], N)
    ul, uh = upd.lo.reshape(upd.lo.shape[0], K), upd.hi.reshape(upd.hi.shape[0], K)
    if eqn.name == "scatter":
        hit = S.sum(axis=1) > 0
        k = np.argmax(S, axis=1)
        ol, oh, ul, uh = _bcast_batch(ol, oh, ul, uh)
        lo = np.where(hit, ul[:, k], ol)
        hi = np.where(hit, uh[:, k], oh)
    else:
        Sc = ar.const(S[None])
        sl, sh = ar.matmul(Sc, Sc, ul[:, :, None], uh[:, :, None], True, upd.point)
        lo, hi = ar.add(ol, oh, sl[..., 0], sh[..., 0])
    B = lo.shape[0]
    return IV(lo.reshape((B, *op_shape)), hi.reshape((B, *op_shape)), op.point and upd.point)


def _raise(msg):
    raise UnsupportedPrimitive(msg)


def _sgn(ar, x):
    return np.where(ar.is_pos(x), 1.0, np.where(ar.is_neg(x), -1.0, 0.0))


def ar_neg(x):
    return -x


def _dot_general(ctx: _Ctx, params, x: IV, y: IV, eqn):
    (lc, rc), (lb, rb) = params["dimension_numbers"]
    lrank = len(x.lo.shape) - 1
    rrank = len(y.lo.shape) - 1
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
    out_shape = eqn.out_avals[0].shape
    return IV(lo.reshape((lo.shape[0], *out_shape)), hi.reshape((hi.shape[0], *out_shape)),
              x.point and y.point)


# --------------------------------------------------------------------------- convenience
class IntervalFunction:
    """A JAX function ``x -> y`` (``x`` of shape ``(n,)``) traced once for interval evaluation.

    ``f(lo, hi)`` with ``lo``/``hi`` of shape ``(B, n)`` returns ``(ylo, yhi)`` of shape
    ``(B, *y.shape)`` enclosing ``{f(x) : lo ≤ x ≤ hi}`` for each box; with
    ``flags=True`` also the per-box :class:`Flags`. Boxes where the function may be
    undefined (``bad``) get ``[-inf, inf]``. The trace is made in float64 (64-bit mode is
    entered for it). A primitive outside :data:`PRIMITIVES` raises
    :class:`UnsupportedPrimitive` when it is reached with interval operands.
    """

    def __init__(self, fn: Callable[[jax.Array], jax.Array], n: int) -> None:
        with jax.enable_x64(True):
            closed = jax.make_jaxpr(fn)(jnp.zeros((n,), jnp.float64))
        self.closed = closed
        self.n = n
        self.out_shape = tuple(closed.jaxpr.outvars[0].aval.shape)
        self.consts = [np.asarray(c) for c in closed.consts]
        self.prog = flatten_jaxpr(closed)
        self.primitives = sorted({e.name for e in self.prog.eqns})

    def __call__(self, lo: np.ndarray, hi: np.ndarray, arith: IntervalArith | None = None,
                 flags: bool = False):
        arith = FloatArith() if arith is None else arith
        if not isinstance(arith, IntervalArith):
            raise TypeError(f"arith must implement IntervalArith, got {type(arith).__name__}")
        lo = np.asarray(lo)
        hi = np.asarray(hi)
        if lo.dtype != object:
            lo = np.asarray(lo, np.float64)
            hi = np.asarray(hi, np.float64)
        x = IV(lo, hi, point=False)
        ctx = _Ctx(arith)
        with jax.enable_x64(True):  # constants evaluated through JAX keep float64
            out = _run_program(self.prog, [x], ctx)[0]
        if not isinstance(out, IV):
            out = ctx.iv(out)
        B = lo.shape[0]
        ol = np.broadcast_to(out.lo, (B, *self.out_shape)) if out.lo.shape[0] != B else out.lo
        oh = np.broadcast_to(out.hi, (B, *self.out_shape)) if out.hi.shape[0] != B else out.hi
        bad = np.broadcast_to(ctx._per_box(ctx.bad), (B,))
        if bad.any():
            ninf, pinf = _infs(arith, ol)
            sel = bad.reshape((B,) + (1,) * (ol.ndim - 1))
            ol = np.where(sel, ninf, ol)
            oh = np.where(sel, pinf, oh)
        if not flags:
            return ol, oh
        kink = np.broadcast_to(ctx._per_box(ctx.kink), (B,)).copy()
        jump = np.broadcast_to(ctx._per_box(ctx.jump), (B,)).copy()
        return ol, oh, Flags(bad.copy(), kink | jump | bad, jump | bad)


def _infs(arith, like: np.ndarray):
    if like.dtype == object:
        return arith.const(np.array(-np.inf)), arith.const(np.array(np.inf))
    return -np.inf, np.inf


def interval_function(fn: Callable[[jax.Array], jax.Array], n: int) -> IntervalFunction:
    """Trace ``fn`` (on ``Rⁿ``) once for interval evaluation; see :class:`IntervalFunction`."""
    return IntervalFunction(fn, n)
