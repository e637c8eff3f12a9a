"""Enclosures of a Lyapunov problem's conditions on boxes.

:class:`Compiled` holds the interval-evaluable pieces of a
:class:`~chaosgym.lyapunov.problem.LyapunovProblem`: the conditions ``h`` (positivity
violation, decrease violation, ``V − V*``), their Jacobian ``∇h``, the Hessians of the first
two, and ``f``. Polynomial problems are evaluated in exact expanded form
(:mod:`chaosgym.lyapunov.poly`, smooth everywhere); everything else by the jaxpr interpreter
(:mod:`chaosgym.lyapunov.interval`), which also reports, per box, whether a kink, a
discontinuity or a singularity may be reached (:class:`~chaosgym.lyapunov.interval.Flags`).

:func:`enclose` intersects the natural interval extension with the mean-value form
``h(X) ⊆ h(c) + ∇h(X)·(X − c)``. The mean-value form needs ``h`` continuous on ``X`` with
``∇h(X)`` enclosing its (Clarke) generalised gradient; the interpreter's derivative rules give
hulls of one-sided derivatives at kinks, so the form is used wherever ``h`` is proven
continuous on the box, and never where a jump may occur.

References:
    R. E. Moore, R. B. Kearfott and M. J. Cloud, *Introduction to Interval Analysis*, SIAM
    (2009), ch. 6 (mean-value form). F. H. Clarke, *Optimization and Nonsmooth Analysis*,
    Wiley (1983), §2.3 (generalised gradients, Lebourg's mean-value theorem).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from chaosgym.lyapunov.interval import (
    JUMPY,
    Flags,
    FloatArith,
    IntervalArith,
    IntervalFunction,
)
from chaosgym.lyapunov.problem import LyapunovProblem

__all__ = ["Compiled", "compiled", "enclose", "hull_derivative_rules", "point_conditions"]


def _select_hull(first, second, ta, tb):
    """``ta`` where ``first``, ``tb`` where ``second``, their mean at ties: evaluated on
    intervals, an undecided predicate gives the hull of ``ta`` and ``tb``."""
    return lax.select(first, ta, lax.select(second, tb, 0.5 * (ta + tb)))


@contextlib.contextmanager
def hull_derivative_rules() -> Iterator[None]:
    """Trace with derivative rules of ``max``/``min``/``reduce_max``/``reduce_min`` whose
    interval evaluation is the hull of the one-sided derivatives (Clarke's generalised
    gradient), instead of JAX's tie-splitting weights, whose independent interval weights
    ``[0, 1]·g_a + [0, 1]·g_b`` also contain ``0`` and ``g_a + g_b``. At a point away from
    ties the rules agree with JAX's.
    """
    try:
        from jax._src.interpreters import ad
        from jax._src.lax import lax as lax_internal
    except ImportError:  # pragma: no cover - a JAX without these internals: keep its rules
        yield
        return

    def binary(prim, is_max):
        def rule(primals, tangents, **params):
            x, y = primals
            ans = prim.bind(x, y, **params)
            shape = np.shape(ans)
            tx, ty = (jnp.broadcast_to(ad.instantiate_zeros(t), shape) for t in tangents)
            gt = jnp.broadcast_to(jnp.greater(x, y), shape)
            lt = jnp.broadcast_to(jnp.less(x, y), shape)
            return ans, _select_hull(gt, lt, tx, ty) if is_max else _select_hull(lt, gt, tx, ty)
        return rule

    def reduce(prim, is_max, old):
        def rule(primals, tangents, **params):
            (x,), (t,) = primals, tangents
            axes = tuple(params["axes"])
            if len(axes) != 1 or x.shape[axes[0]] > 64 or type(t) is ad.Zero:
                return old(primals, tangents, **params)
            ax = axes[0]
            k = x.shape[ax]
            xs = [lax.index_in_dim(x, i, ax, keepdims=False) for i in range(k)]
            ts = [lax.index_in_dim(t, i, ax, keepdims=False) for i in range(k)]
            m, tm = xs[0], ts[0]
            for xi, ti in zip(xs[1:], ts[1:], strict=True):
                first = lax.gt(xi, m) if is_max else lax.lt(xi, m)
                second = lax.lt(xi, m) if is_max else lax.gt(xi, m)
                tm = _select_hull(first, second, ti, tm)
                m = lax.max(m, xi) if is_max else lax.min(m, xi)
            return prim.bind(x, **params), tm
        return rule

    def clear_caches():
        # jvp jaxprs of jitted functions are cached: drop them on entry (so the rules apply)
        # and on exit (so the rules never leak into the caller's own derivatives)
        for name in ("_jvp_jaxpr", "jvp_jaxpr"):
            fn = getattr(ad, name, None)
            if hasattr(fn, "cache_clear"):
                fn.cache_clear()

    table = ad.primitive_jvps
    saved = {}
    clear_caches()
    try:
        for prim, is_max in ((lax_internal.max_p, True), (lax_internal.min_p, False)):
            saved[prim] = table[prim]
            table[prim] = binary(prim, is_max)
        for prim, is_max in ((lax_internal.reduce_max_p, True),
                             (lax_internal.reduce_min_p, False)):
            saved[prim] = table[prim]
            table[prim] = reduce(prim, is_max, saved[prim])
        yield
    finally:
        for prim, rule in saved.items():
            table[prim] = rule
        clear_caches()


class Compiled:
    """The interval-evaluable pieces of a problem: conditions ``h``, ``∇h``, ``∇²h``, ``f``.

    ``polynomial`` is True when the problem was expanded exactly (then every piece is
    smooth everywhere and the flags are all false).
    """

    def __init__(self, problem: LyapunovProblem, expand: bool = True) -> None:
        n = problem.n
        self.polynomial = False
        self.not_polynomial_reason = ""
        self.v_jump: IntervalFunction | None = None
        with hull_derivative_rules():
            self._build(problem, n, expand)

    def _build(self, problem: LyapunovProblem, n: int, expand: bool) -> None:
        if expand:
            try:
                from chaosgym.lyapunov.poly import NotPolynomial, poly_pieces
            except ImportError:  # sympy missing: evaluate the jaxprs directly
                poly_pieces = None
                self.not_polynomial_reason = "sympy is not installed"
            if poly_pieces is not None:
                try:
                    self.h, self.dh, self.hess, self.f, self.exprs, self.syms = \
                        poly_pieces(problem)
                    self.polynomial = True
                    return
                except (NotPolynomial, NotImplementedError) as e:
                    self.not_polynomial_reason = str(e) or type(e).__name__
        self.h = IntervalFunction(problem.conditions, n)
        if problem.kind == "ct":
            # a flow's V must be continuous: where V itself may jump, the Lie derivative
            # (blind to the jump) proves nothing
            v = IntervalFunction(problem.V, n)
            if any(e.name in JUMPY for e in v.prog.eqns):
                self.v_jump = v
        self.dh = IntervalFunction(jax.jacfwd(problem.conditions), n)
        self.hess = IntervalFunction(jax.jacfwd(jax.jacfwd(lambda x: problem.conditions(x)[:2])), n)
        self.f = IntervalFunction(problem.f, n)


def compiled(problem: LyapunovProblem) -> Compiled:
    """The cached :class:`Compiled` pieces of ``problem``."""
    if "compiled" not in problem._cache:
        problem._cache["compiled"] = Compiled(problem)
    return problem._cache["compiled"]


def _eval(piece, lo, hi, ar) -> tuple[np.ndarray, np.ndarray, Flags]:
    out = piece(lo, hi, ar, flags=True)
    return out[0], out[1], out[2]


def enclose(comp: Compiled, lo: np.ndarray, hi: np.ndarray,
            arith: IntervalArith | None = None):
    """Enclosure of the conditions on boxes: natural extension ∩ mean-value form.

    Returns ``(lower, upper, centre_lo, centre_hi, jac_mag)``: bounds ``(B, 3)``, the
    enclosure at the box centres and ``max |∂h_k/∂x_j|`` (``(B, 3, n)``) for splitting. The
    mean-value form is used only on boxes where ``h`` is proven continuous.
    """
    ar = FloatArith() if arith is None else arith
    nl, nh, fl = _eval(comp.h, lo, hi, ar)
    c = ar.midpoint(lo, hi)
    cl, ch = comp.h(c, c, ar)
    jl, jh = comp.dh(lo, hi, ar)
    # X - c, rounded outward
    dl, _ = ar.add(lo, lo, ar.neg(c), ar.neg(c))
    _, dh = ar.add(hi, hi, ar.neg(c), ar.neg(c))
    pl, ph = ar.mul(jl, jh, dl[:, None, :], dh[:, None, :])
    sl, sh = ar.sum(pl, ph, (2,))
    ml, _ = ar.add(cl, cl, sl, sl)
    _, mh = ar.add(ch, ch, sh, sh)
    valid = ~(fl.jump | fl.bad)
    if not valid.all():
        v = valid[:, None]
        ml = np.where(v, ml, nl)
        mh = np.where(v, mh, nh)
    lower = np.maximum(nl, ml)
    upper = np.minimum(nh, mh)
    if comp.v_jump is not None:
        vj = comp.v_jump(lo, hi, ar, flags=True)[2].jump
        if vj.any():
            inf = ar.const(np.array(np.inf))
            upper = upper.copy()
            upper[vj, 1] = inf
    if np.asarray(jl).dtype != object:
        jmag = np.maximum(np.abs(jl), np.abs(jh))
        jmag = np.where(valid[:, None, None], jmag, 0.0)  # no slope: split the widest side
    else:
        jmag = None
    return lower, upper, cl, ch, jmag


def point_conditions(comp: Compiled, problem: LyapunovProblem, xs: np.ndarray,
                     arith: Any = None):
    """Conditions at points, and which decrease values are genuine.

    Returns ``(lo, hi, smooth)``: the enclosure ``(k, 3)`` of ``h`` at the points and a mask
    of the points where no kink or step is touched (there the decrease computed by JAX's
    derivative rules is the true derivative; at a kink it is one one-sided value and is not
    evidence of a violation). For maps the decrease is a plain value and every point counts.
    """
    ar = FloatArith() if arith is None else arith
    lo, hi, fl = _eval(comp.h, xs, xs, ar)
    smooth = ~fl.kink if problem.kind == "ct" else ~fl.bad
    return lo, hi, smooth
