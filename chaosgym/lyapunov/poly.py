"""Exact polynomial forms of JAX functions, and their interval evaluation in expanded form.

:func:`to_polynomials` runs a jaxpr on numpy object arrays of sympy expressions, with every
float constant converted *exactly* to a rational, so a polynomial vector field, candidate or
Lie derivative written with ``jnp`` becomes an exact sympy polynomial (it raises
:class:`NotPolynomial` on anything else: ``log``, ``tanh``, division by a variable, ...).

:class:`PolyFunction` evaluates the expanded polynomials on boxes. Expansion removes the
cancellations that make natural interval extensions loose (``2x₁x₂³ − 2x₁x₂³`` is gone), and
even powers of a coordinate are enclosed by ``[0, ·]``, so ``−2x₁² − 2x₂⁶`` is proven
negative on any box that avoids the origin. Coefficients are rationals enclosed by two
neighbouring floats (or exact ``arb`` numbers in the rigorous re-check).

References:
    R. E. Moore, R. B. Kearfott and M. J. Cloud, *Introduction to Interval Analysis*, SIAM
    (2009), §5.1 (dependency and expanded forms).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from fractions import Fraction
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import sympy
from jax.extend import core as jcore

__all__ = ["NotPolynomial", "PolyFunction", "to_polynomials"]


class NotPolynomial(ValueError):
    """The function is not a polynomial of its input (or uses an unsupported operation)."""


def _const(a: np.ndarray) -> np.ndarray:
    a = np.asarray(a)
    out = np.empty(a.shape, dtype=object)
    flat = out.reshape(-1)
    for i, v in enumerate(a.reshape(-1)):
        if a.dtype.kind == "f":
            flat[i] = sympy.Rational(Fraction(float(v)).numerator, Fraction(float(v)).denominator)
        elif a.dtype.kind == "b":
            flat[i] = bool(v)
        else:
            flat[i] = sympy.Integer(int(v))
    return out


def _eval(jaxpr, consts: Sequence[Any], args: Sequence[Any]) -> list[np.ndarray]:
    env: dict[Any, Any] = {}

    def read(v):
        if isinstance(v, jcore.Literal):
            return _const(np.asarray(v.val))
        return env[v]

    for v, c in zip(jaxpr.constvars, consts, strict=True):
        env[v] = _const(np.asarray(c))
    for v, a in zip(jaxpr.invars, args, strict=True):
        env[v] = a
    for eqn in jaxpr.eqns:
        vals = [read(v) for v in eqn.invars]
        outs = _apply(eqn, vals)
        if not eqn.primitive.multiple_results:
            outs = [outs]
        for v, o in zip(eqn.outvars, outs, strict=True):
            if not isinstance(v, jcore.DropVar):
                env[v] = np.asarray(o, dtype=object) if not isinstance(o, np.ndarray) else o
    return [read(v) for v in jaxpr.outvars]


def _is_number(a: np.ndarray) -> bool:
    return all(getattr(x, "is_number", True) for x in np.asarray(a, dtype=object).reshape(-1))


def _apply(eqn, vals):
    name = eqn.primitive.name
    p = eqn.params
    if name in ("pjit", "jit", "closed_call", "core_call", "custom_jvp_call", "custom_vjp_call",
                "remat", "checkpoint"):
        sub = p.get("jaxpr") or p.get("call_jaxpr") or p.get("fun_jaxpr")
        if isinstance(sub, jcore.ClosedJaxpr):
            return _eval(sub.jaxpr, sub.consts, vals[: len(sub.jaxpr.invars)])
        return _eval(sub, [], vals[: len(sub.invars)])
    obj = lambda a: np.asarray(a, dtype=object)  # noqa: E731
    if name in ("add", "add_any"):
        return obj(vals[0] + vals[1])
    if name == "sub":
        return obj(vals[0] - vals[1])
    if name == "mul":
        return obj(vals[0] * vals[1])
    if name == "neg":
        return obj(-vals[0])
    if name == "div":
        if not _is_number(vals[1]):
            raise NotPolynomial("division by a non-constant")
        return obj(vals[0] * np.vectorize(lambda d: sympy.Integer(1) / d, otypes=[object])(vals[1]))
    if name in ("integer_pow", "square"):
        k = int(p.get("y", 2))
        if k < 0:
            raise NotPolynomial("negative power")
        return np.vectorize(lambda e: e**k, otypes=[object])(vals[0])
    if name == "pow":
        e = vals[1].reshape(-1)
        if not (_is_number(vals[1]) and all(sympy.Rational(x).q == 1 and x >= 0 for x in e)):
            raise NotPolynomial("non-integer power")
        return obj(vals[0] ** vals[1])
    if name in ("convert_element_type", "copy", "copy_p"):
        return vals[0]
    if name == "slice":
        st, lim, strides = p["start_indices"], p["limit_indices"], p["strides"]
        strides = strides or (1,) * len(st)
        return vals[0][tuple(slice(s, e, k) for s, e, k in zip(st, lim, strides, strict=True))]
    if name == "squeeze":
        return np.squeeze(vals[0], axis=tuple(p["dimensions"]))
    if name == "expand_dims":
        return np.expand_dims(vals[0], tuple(p["dimensions"]))
    if name == "reshape":
        return vals[0].reshape(tuple(p["new_sizes"]))
    if name == "broadcast_in_dim":
        shape = tuple(p["shape"])
        tmp = [1] * len(shape)
        for i, d in enumerate(p["broadcast_dimensions"]):
            tmp[d] = vals[0].shape[i]
        return np.broadcast_to(vals[0].reshape(tmp), shape).copy()
    if name == "transpose":
        return np.transpose(vals[0], p["permutation"])
    if name == "concatenate":
        return np.concatenate(vals, axis=p["dimension"])
    if name == "stack":
        return np.stack(vals, axis=p["axis"])
    if name == "unstack":
        return [np.take(vals[0], i, axis=p["axis"]) for i in range(vals[0].shape[p["axis"]])]
    if name == "split":
        return np.split(vals[0], np.cumsum(p["sizes"])[:-1], axis=p["axis"])
    if name == "reduce_sum":
        axes = tuple(p["axes"])
        return obj(np.sum(vals[0], axis=axes)) if axes else vals[0]
    if name == "dot_general":
        (lc, rc), (lb, rb) = p["dimension_numbers"]
        a, b = vals
        lfree = [d for d in range(a.ndim) if d not in lc and d not in lb]
        rfree = [d for d in range(b.ndim) if d not in rc and d not in rb]
        at = np.transpose(a, (*lb, *lfree, *lc))
        bt = np.transpose(b, (*rb, *rc, *rfree))
        bshape = at.shape[: len(lb)]
        M = int(np.prod(at.shape[len(lb): len(lb) + len(lfree)], dtype=np.int64))
        K = int(np.prod(at.shape[len(lb) + len(lfree):], dtype=np.int64))
        N = int(np.prod(bt.shape[len(rb) + len(rc):], dtype=np.int64))
        res = np.matmul(at.reshape((*bshape, M, K)), bt.reshape((*bshape, K, N)))
        return obj(res).reshape(eqn.outvars[0].aval.shape)
    raise NotPolynomial(f"primitive {name!r} is not polynomial (or not supported)")


def to_polynomials(fn: Callable[[jax.Array], jax.Array], n: int) -> tuple[list[sympy.Expr], tuple]:
    """The exact expanded polynomials of ``fn: Rⁿ → R^k`` (flattened) and the symbols."""
    syms = sympy.symbols(f"x0:{n}", real=True)
    with jax.enable_x64(True):
        closed = jax.make_jaxpr(fn)(jnp.zeros((n,), jnp.float64))
    x = np.empty((n,), dtype=object)
    for i, s in enumerate(syms):
        x[i] = s
    out = _eval(closed.jaxpr, closed.consts, [x])[0]
    exprs = [sympy.expand(e) for e in np.asarray(out, dtype=object).reshape(-1)]
    for e in exprs:
        if not e.is_polynomial(*syms):
            raise NotPolynomial("not a polynomial")
    return exprs, syms


def _frac_bounds(q: sympy.Rational) -> tuple[float, float]:
    fr = Fraction(int(q.p), int(q.q))
    f = float(fr)
    if Fraction(f) == fr:
        return f, f
    if Fraction(f) < fr:
        return f, float(np.nextafter(f, np.inf))
    return float(np.nextafter(f, -np.inf)), f


class PolyFunction:
    """Interval evaluation of expanded polynomials ``Rⁿ → R^shape`` on batches of boxes."""

    def __init__(self, exprs: Sequence[sympy.Expr], syms: tuple, shape: tuple[int, ...]) -> None:
        self.n = len(syms)
        self.shape = tuple(shape)
        self.terms: list[list[tuple[tuple[int, ...], sympy.Rational]]] = []
        self.max_deg = np.zeros(self.n, int)
        for e in exprs:
            poly = sympy.Poly(e, *syms) if e != 0 else None
            ts = [] if poly is None else [(tuple(int(k) for k in m), sympy.Rational(c))
                                         for m, c in poly.terms()]
            for m, _ in ts:
                self.max_deg = np.maximum(self.max_deg, m)
            self.terms.append(ts)

    def __call__(self, lo: np.ndarray, hi: np.ndarray, arith: Any = None, flags: bool = False):
        from chaosgym.lyapunov.interval import Flags, FloatArith

        if flags:  # a polynomial is smooth and defined everywhere
            return (*self(lo, hi, arith), Flags.none(lo.shape[0]))

        ar = FloatArith() if arith is None else arith
        B = lo.shape[0]
        rig = lo.dtype == object
        powers: dict[tuple[int, int], tuple[np.ndarray, np.ndarray]] = {}

        def pw(j, k):
            if (j, k) not in powers:
                powers[(j, k)] = ar.ipow(lo[:, j], hi[:, j], k)
            return powers[(j, k)]

        out_lo, out_hi = [], []
        for ts in self.terms:
            if not ts:
                z = ar.const(np.zeros(B))
                out_lo.append(z)
                out_hi.append(z)
                continue
            tl, th = [], []
            for m, c in ts:
                if rig:
                    cl, ch = ar.rational_bounds(c)
                else:
                    cl, ch = _frac_bounds(c)
                vl = ar.const(np.full(B, cl)) if not rig else np.full(B, cl, dtype=object)
                vh = ar.const(np.full(B, ch)) if not rig else np.full(B, ch, dtype=object)
                for j, k in enumerate(m):
                    if k:
                        pl, ph = pw(j, k)
                        vl, vh = ar.mul(vl, vh, pl, ph)
                tl.append(vl)
                th.append(vh)
            sl, sh = ar.sum(np.stack(tl, axis=1), np.stack(th, axis=1), (1,))
            out_lo.append(sl)
            out_hi.append(sh)
        L = np.stack(out_lo, axis=1).reshape((B, *self.shape))
        H = np.stack(out_hi, axis=1).reshape((B, *self.shape))
        return L, H


def poly_pieces(problem) -> tuple:
    """Expanded-polynomial ``h``, ``∇h``, ``∇²h[:2]`` and ``f`` of a polynomial problem."""
    n = problem.n
    h, syms = to_polynomials(problem.conditions, n)
    fx, _ = to_polynomials(problem.f, n)
    dh = [sympy.expand(sympy.diff(e, s)) for e in h for s in syms]
    hh = [sympy.expand(sympy.diff(e, s, t)) for e in h[:2] for s in syms for t in syms]
    return (PolyFunction(h, syms, (3,)), PolyFunction(dh, syms, (3, n)),
            PolyFunction(hh, syms, (2, n, n)), PolyFunction(fx, syms, (n,)), h, syms)
