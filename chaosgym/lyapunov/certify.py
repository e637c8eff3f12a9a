"""Certifier: interval branch-and-bound proofs (or refutations) of Lyapunov conditions.

:func:`certify` proves, box by box, that the conditions of a
:class:`~chaosgym.lyapunov.problem.LyapunovProblem` hold on its domain:

1. **Falsify first** (cheap): counterexamples from :func:`~chaosgym.lyapunov.falsify.falsify`
   are *confirmed* by an interval evaluation at the point (the lower bound of a violation is
   ``≥ 0``), so a reported counterexample is a proof that the candidate fails.
2. **Local certificate** at the equilibrium, where every box-wise check must fail because the
   conditions vanish there. With ``h`` a condition (positivity or decrease violation),
   Taylor's theorem with the interval Hessian on ``X = x* + [−r, r]ⁿ`` gives
   ``h(x) ≤ a + b‖dx‖ − ½ μ ‖dx‖²`` with ``a ≥ h(x*)``, ``b ≥ ‖∇h(x*)‖``, and
   ``μ ≤ λ_min(−H)`` for every ``H`` in the interval Hessian (Weyl's bound on the midpoint
   matrix and the radius). Then ``h < 0`` on ``X`` outside the ball of radius
   ``r₀ = (b + √(b² + 2μa⁺))/μ``; ``r₀ = 0`` when ``h(x*) = 0`` and ``∇h(x*) = 0`` exactly.
   Degenerate candidates (singular Hessian, e.g. ``dV/dt = −2x⁴ − 2y²``) fail this test; a
   small box around ``x*`` (the *hole*) is then excluded and reported.
3. **Branch and bound** on the rest: every box is checked with the natural interval
   extension and the mean-value form ``h(X) ⊆ h(c) + ∇h(X)·(X − c)`` (the same interpreter
   evaluates ``h``, its Jacobian and its Hessian); undecided boxes are bisected along the
   coordinate that contributes most to the enclosure width. A box centre whose violation is
   provably ``≥ 0`` is a confirmed counterexample.

The result is a :class:`Certificate` that says what was proven (``status``), how (``rigour``:
``float_interval``, or ``rigorous`` after an arbitrary-precision re-check of every proof box
with python-flint ``arb`` balls, :mod:`chaosgym.lyapunov.rigorous`), and where (``scope``).

References:
    R. E. Moore, R. B. Kearfott and M. J. Cloud, *Introduction to Interval Analysis*, SIAM
    (2009), ch. 6 (mean-value form) and ch. 8 (branch and bound).
    S. Gao, J. Avigad and E. M. Clarke, "δ-complete decision procedures for satisfiability
    over the reals", IJCAR (2012) (the interval-constraint-propagation ancestor, dReal).
    H. Weyl, "Das asymptotische Verteilungsgesetz der Eigenwerte linearer partieller
    Differentialgleichungen", Math. Ann. 71, 441–479 (1912) (eigenvalue perturbation).
"""

from __future__ import annotations

import dataclasses
import enum
import math
import time
from typing import Any

import jax
import numpy as np

from chaosgym.lyapunov.interval import FloatArith, IntervalFunction, UnsupportedPrimitive
from chaosgym.lyapunov.problem import Box, LyapunovProblem

__all__ = ["Certificate", "LocalCertificate", "Status", "certify", "compiled"]

EPS = np.finfo(np.float64).eps / 2


class Status(enum.StrEnum):
    """What a certificate establishes."""

    CERTIFIED = "CERTIFIED"
    CERTIFIED_OUTSIDE_HOLE = "CERTIFIED_OUTSIDE_HOLE"
    COUNTEREXAMPLE = "COUNTEREXAMPLE"
    UNKNOWN = "UNKNOWN"

    def __str__(self) -> str:
        return self.value


@dataclasses.dataclass
class LocalCertificate:
    """The quadratic bound at the equilibrium: conditions hold on ``x* + [−radius, radius]ⁿ``
    outside the Euclidean ball of radius ``hole`` (``0``: everywhere but ``x*``)."""

    ok: bool
    radius: float
    hole: float
    mu: tuple[float, float]
    b: tuple[float, float]
    a: tuple[float, float]


@dataclasses.dataclass
class Certificate:
    """What was proven about a Lyapunov problem, how, and where.

    Attributes:
        status: a :class:`Status`.
        rigour: ``"sampled"`` (counterexample found in float64 only), ``"float_interval"``
            (float64 interval arithmetic with outward rounding) or ``"rigorous"``
            (re-checked with arbitrary-precision ball arithmetic, or an exact SOS proof).
        scope: where the claim holds: ``{"kind": "box" | "box_minus_hole" | "sublevel", ...}``
            with the domain, the hole (a Euclidean ball or a box around ``x*``) and the level.
        proof_boxes: ``(lo, hi)`` arrays of the boxes proven by branch and bound.
        local: the :class:`LocalCertificate` used around the equilibrium, if any.
        counterexamples: confirmed counterexample points (``(k, n)``) and their violations.
        unknown_boxes: boxes left undecided when the budget ran out.
        timings: seconds per phase (``trace``, ``falsify``, ``local``, ``bnb``, ``rigorous``,
            ``total``; tracing includes JAX compilation of the falsifier).
        stats: counts (boxes evaluated, rounds, ...).
        message: a human summary.
    """

    status: Status
    rigour: str
    scope: dict[str, Any]
    proof_boxes: tuple[np.ndarray, np.ndarray]
    local: LocalCertificate | None
    counterexamples: np.ndarray
    violations: np.ndarray
    unknown_boxes: tuple[np.ndarray, np.ndarray]
    timings: dict[str, float]
    stats: dict[str, Any]
    message: str = ""
    problem: LyapunovProblem | None = dataclasses.field(default=None, repr=False)

    @property
    def certified(self) -> bool:
        return self.status in (Status.CERTIFIED, Status.CERTIFIED_OUTSIDE_HOLE)

    @property
    def hole(self) -> float:
        return float(self.scope.get("hole_radius", 0.0))

    def summary(self) -> str:
        lines = [f"status:  {self.status.value} ({self.rigour})"]
        sc = self.scope
        lines.append(f"scope:   {sc.get('kind')} of {sc.get('domain')}")
        if sc.get("hole_radius", 0.0) > 0:
            lines.append(f"hole:    {sc.get('hole_shape')} of radius {sc['hole_radius']:.3g} "
                         f"around {np.array2string(np.asarray(sc.get('x_eq')), precision=4)}")
        if sc.get("level") is not None:
            lines.append(f"level:   V - V(x*) <= {sc['level']:.6g}")
        lines.append(f"boxes:   {len(self.proof_boxes[0])} proven, "
                     f"{len(self.unknown_boxes[0])} undecided, "
                     f"{self.stats.get('evaluated', 0)} evaluated")
        if self.local is not None and self.local.ok:
            lines.append(f"local:   radius {self.local.radius:.3g}, hole {self.local.hole:.3g}, "
                         f"mu {self.local.mu[0]:.3g}/{self.local.mu[1]:.3g}")
        if len(self.counterexamples):
            x = np.array2string(self.counterexamples[0], precision=6)
            lines.append(f"counterexample: x = {x}, violation {self.violations[0]:.6g}")
        t = ", ".join(f"{k} {v:.2f}s" for k, v in self.timings.items())
        lines.append(f"time:    {t}")
        if self.message:
            lines.append(f"note:    {self.message}")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()


# --------------------------------------------------------------------------- compiled pieces
class Compiled:
    """The interval-evaluable pieces of a problem: conditions ``h``, ``∇h``, ``∇²h``, ``f``.

    Polynomial problems are evaluated in exact expanded form (:mod:`chaosgym.lyapunov.poly`);
    everything else by the jaxpr interpreter (:mod:`chaosgym.lyapunov.interval`).
    """

    def __init__(self, problem: LyapunovProblem, expand: bool = True) -> None:
        n = problem.n
        self.polynomial = False
        if expand:
            try:
                from chaosgym.lyapunov.poly import NotPolynomial, poly_pieces
            except ImportError:  # sympy missing: evaluate the jaxprs directly
                poly_pieces = None
            if poly_pieces is not None:
                try:
                    self.h, self.dh, self.hess, self.f, self.exprs, self.syms = \
                        poly_pieces(problem)
                    self.polynomial = True
                    return
                except (NotPolynomial, NotImplementedError):
                    pass
        self.h = IntervalFunction(problem.conditions, n)
        self.dh = IntervalFunction(jax.jacfwd(problem.conditions), n)
        self.hess = IntervalFunction(jax.jacfwd(jax.jacfwd(lambda x: problem.conditions(x)[:2])), n)
        self.f = IntervalFunction(problem.f, n)


def compiled(problem: LyapunovProblem) -> Compiled:
    """The cached :class:`Compiled` pieces of ``problem``."""
    if "compiled" not in problem._cache:
        problem._cache["compiled"] = Compiled(problem)
    return problem._cache["compiled"]


# --------------------------------------------------------------------------- enclosures
def enclose(comp: Compiled, lo: np.ndarray, hi: np.ndarray, arith=None):
    """Enclosure of the conditions on boxes: natural extension ∩ mean-value form.

    Returns ``(lower, upper, centre_lo, centre_hi, jac_mag)``: bounds ``(B, 3)``, the
    enclosure at the box centres and ``max |∂h_k/∂x_j|`` (``(B, 3, n)``) for splitting.
    """
    ar = FloatArith() if arith is None else arith
    nl, nh = comp.h(lo, hi, ar)
    if arith is None:
        c = 0.5 * lo + 0.5 * hi
    else:
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
    lower = np.maximum(nl, ml)
    upper = np.minimum(nh, mh)
    if arith is None:
        jmag = np.maximum(np.abs(jl), np.abs(jh))
    else:
        jmag = None
    return lower, upper, cl, ch, jmag


def _sym_min_eig_lower(Ml: np.ndarray, Mh: np.ndarray) -> float:
    """A lower bound on ``λ_min`` over the symmetric interval matrix ``[Ml, Mh]``."""
    Ml = 0.5 * (Ml + Ml.T)
    Mh = 0.5 * (Mh + Mh.T)
    if not (np.all(np.isfinite(Ml)) and np.all(np.isfinite(Mh))):
        return -np.inf
    mid = 0.5 * (Ml + Mh)
    rad = np.maximum(Mh - mid, mid - Ml)
    n = mid.shape[0]
    lam = float(np.linalg.eigvalsh(mid)[0])
    fro = float(np.linalg.norm(mid))
    err = 10.0 * n * EPS * fro + 1e-300
    rad_norm = float(np.linalg.norm(rad)) * (1 + 4 * n * EPS)
    return lam - err - rad_norm


def local_certificate(problem: LyapunovProblem, comp: Compiled, r_start: float | None = None,
                      halvings: int = 24) -> LocalCertificate:
    """The quadratic bound at ``x*`` (see the module docstring); ``ok=False`` if it fails."""
    p = problem.x_eq[None, :]
    _, hh = comp.h(p, p)
    jl, jh = comp.dh(p, p)
    a = [float(hh[0, k]) for k in range(2)]
    b = []
    for k in range(2):
        g = np.maximum(np.abs(jl[0, k]), np.abs(jh[0, k]))
        b.append(float(np.sqrt(np.sum(g * g))) * (1 + 4 * problem.n * EPS) if np.any(g) else 0.0)
    if not (np.all(np.isfinite(a)) and np.all(np.isfinite(b))):
        return LocalCertificate(False, 0.0, math.inf, (0.0, 0.0), tuple(b), tuple(a))
    dom = problem.domain
    room = 0.999 * float(np.min(np.minimum(problem.x_eq - dom.lo, dom.hi - problem.x_eq)))
    r = room if r_start is None else float(r_start)
    if r <= 0:
        r = float(np.max(0.5 * dom.width))
    for _ in range(halvings):
        lo = p - r
        hi = p + r
        Hl, Hh = comp.hess(lo, hi)
        mus = []
        for k in range(2):
            # a little below the bound, so that ball re-checks have room for their radii
            mus.append(_sym_min_eig_lower(-Hh[0, k], -Hl[0, k]) * (1 - 1e-5))
        if mus[0] > 0 and mus[1] > 0:
            r0 = 0.0
            for k in range(2):
                ap = max(a[k], 0.0)
                if b[k] == 0.0 and ap == 0.0:
                    continue
                r0 = max(r0, (b[k] + math.sqrt(b[k] ** 2 + 2 * mus[k] * ap)) / mus[k])
            r0 = r0 * (1 + 1e-12) + (1e-300 if r0 > 0 else 0.0)
            if r0 < r:
                return LocalCertificate(True, r, r0, (mus[0], mus[1]), (b[0], b[1]), (a[0], a[1]))
        r *= 0.5
    return LocalCertificate(False, 0.0, math.inf, (0.0, 0.0), (b[0], b[1]), (a[0], a[1]))


def confirm_points(problem: LyapunovProblem, xs: np.ndarray,
                   arith=None) -> tuple[np.ndarray, np.ndarray]:
    """Which points are proven counterexamples: a violation's interval lower bound ``≥ 0``
    (at a point other than ``x*``). Returns ``(mask, lower bound of the worst violation)``."""
    xs = np.atleast_2d(np.asarray(xs, np.float64))
    if len(xs) == 0:
        return np.zeros(0, bool), np.zeros(0)
    comp = compiled(problem)
    if arith is None:
        lo, _ = comp.h(xs, xs)
        lo = np.asarray(lo, np.float64)
    else:
        from chaosgym.lyapunov.rigorous import arb_array, arb_lower_float

        X = arb_array(xs)
        lo_o, _ = comp.h(X, X, arith)
        nonneg = np.vectorize(lambda v: bool(v >= 0), otypes=[bool])(lo_o[:, :2]).any(axis=1)
        lo = arb_lower_float(lo_o)
        worst = np.maximum(lo[:, 0], lo[:, 1])
        away = np.any(xs != problem.x_eq, axis=1)
        return nonneg & away & problem.domain.contains(xs), worst
    worst = np.maximum(lo[:, 0], lo[:, 1])
    away = np.any(xs != problem.x_eq, axis=1)
    return (worst >= 0) & away & problem.domain.contains(xs), worst


# --------------------------------------------------------------------------- branch and bound
def _split(lo, hi, jmag, undecided_rows, dom_w):
    """Bisect each box along the coordinate that contributes most to its enclosure width."""
    w = hi - lo
    rel = w / dom_w
    if jmag is not None:
        contrib = np.max(np.where(undecided_rows[:, :, None], jmag, 0.0), axis=1) * w
        contrib = np.where(np.isfinite(contrib), contrib, np.inf)
        m = np.max(contrib, axis=1, keepdims=True)
        score = rel * (0.25 + np.where(m > 0, contrib / np.where(m > 0, m, 1.0), 0.0))
        score = np.where(np.isfinite(score), score, rel)
    else:
        score = rel
    j = np.argmax(score, axis=1)
    idx = np.arange(len(lo))
    mid = 0.5 * (lo[idx, j] + hi[idx, j])
    lo2 = lo.copy()
    hi1 = hi.copy()
    hi1[idx, j] = mid
    lo2[idx, j] = mid
    return np.concatenate([lo, lo2]), np.concatenate([hi1, hi])


def _inside(lo, hi, clo, chi):
    return np.all((lo >= clo) & (hi <= chi), axis=1)


def _touches_boundary(lo, hi, dom: Box):
    return (lo <= dom.lo) | (hi >= dom.hi)


def certify(
    problem: LyapunovProblem,
    *,
    hole: float | None = None,
    hole_fraction: float = 1e-2,
    level: float | None = None,
    falsify_first: bool = False,
    key: Any = None,
    max_boxes: int = 400_000,
    max_rounds: int = 80,
    batch: int = 32_768,
    rigorous: bool = False,
    method: str = "bnb",
    local: LocalCertificate | None = None,
    time_limit: float | None = None,
) -> Certificate:
    """Prove or refute ``problem``'s Lyapunov conditions on its domain.

    Args:
        problem: the candidate, its system and domain.
        hole: radius (sup norm) of a box around ``x*`` to exclude when the local certificate
            fails; default ``hole_fraction`` times the smallest half-width of the domain.
        level: certify only the sublevel set ``{x ∈ D : V(x) − V(x*) ≤ level}`` and that ``V >
            level`` on the boundary of ``D`` (for maps, also that the set maps into ``D``): the
            region-of-attraction check used by :func:`~chaosgym.lyapunov.roa.estimate_roa`.
        falsify_first: run the falsifier before branch and bound (off by default: branch and
            bound confirms counterexamples at box centres and corners itself, and the
            falsifier's compilation costs a second or more).
        key: PRNG key of the falsifier.
        max_boxes: budget of box evaluations; ``max_rounds``: of bisection generations.
        batch: boxes evaluated per interpreter call.
        rigorous: re-check every proof box and the local certificate with python-flint.
        method: ``"bnb"`` (interval branch and bound), ``"sos"`` (exact-validated
            sum-of-squares proof for polynomial problems, branch and bound if it fails).
        local: a precomputed :class:`LocalCertificate` (reused across levels).
        time_limit: stop branch and bound after this many seconds (status UNKNOWN).

    Returns:
        a :class:`Certificate`. CERTIFIED / CERTIFIED_OUTSIDE_HOLE only when every box was
        proven; COUNTEREXAMPLE only with a point whose violation is proven ``≥ 0``.
    """
    t_start = time.perf_counter()
    timings: dict[str, float] = {}
    dom = problem.domain
    n = problem.n
    xe = problem.x_eq
    with jax.enable_x64(True):
        if method == "sos":
            from chaosgym.lyapunov.candidates import sos_certify

            cert = sos_certify(problem)
            if cert is not None:
                cert.timings["total"] = time.perf_counter() - t_start
                return cert
        elif method != "bnb":
            raise ValueError(f"method must be 'bnb' or 'sos', got {method!r}")
        def result(status, rigour, scope, proofs, loc, cx, cv, unk, stats, msg):
            timings["total"] = time.perf_counter() - t_start
            return Certificate(status, rigour, scope, proofs, loc, cx, cv, unk, timings, stats,
                               msg, problem)

        empty = (np.zeros((0, n)), np.zeros((0, n)))
        base_scope = {"kind": "box", "domain": dom, "x_eq": xe.copy(), "hole_radius": 0.0,
                      "hole_shape": None, "level": level}
        t0 = time.perf_counter()
        try:
            comp = compiled(problem)
            for piece in (comp.h, comp.dh, comp.hess):
                piece(xe[None], xe[None])
        except UnsupportedPrimitive as e:
            # no interval enclosure: only sampling can speak, and only to refute
            from chaosgym.lyapunov.falsify import falsify

            fr = falsify(problem, key, n_samples=2048, n_starts=32, steps=60)
            timings["falsify"] = time.perf_counter() - t0
            status = Status.COUNTEREXAMPLE if fr.found else Status.UNKNOWN
            return result(status, "sampled", base_scope, empty, None, fr.counterexamples,
                          fr.violations, empty, {"evaluated": 0},
                          f"no interval enclosure ({e}); falsifier only")
        timings["trace"] = time.perf_counter() - t0

        # 1. falsifier
        if falsify_first:
            t0 = time.perf_counter()
            from chaosgym.lyapunov.falsify import falsify

            fr = falsify(problem, key, n_samples=2048, n_starts=32, steps=60)
            timings["falsify"] = time.perf_counter() - t0
            if fr.found and level is None:
                arith = None
                rig = "float_interval"
                if rigorous:
                    from chaosgym.lyapunov.rigorous import ArbArith

                    arith, rig = ArbArith(), "rigorous"
                mask, worst = confirm_points(problem, fr.counterexamples, arith)
                if mask.any():
                    return result(Status.COUNTEREXAMPLE, rig, base_scope, empty, None,
                                  fr.counterexamples[mask], worst[mask], empty,
                                  {"evaluated": 0, "falsifier_evaluations": fr.n_evaluated},
                                  "counterexample found by the falsifier and confirmed by "
                                  "interval evaluation")

        # 2. local certificate
        t0 = time.perf_counter()
        loc = local if local is not None else local_certificate(problem, comp)
        timings["local"] = time.perf_counter() - t0
        if loc.ok:
            L_lo, L_hi = xe - loc.radius, xe + loc.radius
            hole_r = loc.hole
            H_lo = H_hi = None
            hole_shape = "ball" if hole_r > 0 else None
        else:
            L_lo = L_hi = None
            hole_r = (float(hole) if hole is not None
                      else hole_fraction * float(np.min(0.5 * dom.width)))
            H_lo, H_hi = xe - hole_r, xe + hole_r
            hole_shape = "box"
        scope = dict(base_scope)
        scope.update(hole_radius=hole_r, hole_shape=hole_shape,
                     kind=("sublevel" if level is not None else
                           ("box_minus_hole" if hole_r > 0 else "box")))

        # 3. branch and bound
        t0 = time.perf_counter()
        dom_w = np.where(dom.width > 0, dom.width, 1.0)
        q_lo, q_hi = dom.lo[None].copy(), dom.hi[None].copy()
        proofs_lo, proofs_hi, kinds = [], [], []
        evaluated = 0
        rounds = 0
        cx_found = None
        reason = ""
        while len(q_lo):
            if rounds >= max_rounds or evaluated >= max_boxes:
                reason = "budget exhausted"
                break
            if time_limit is not None and time.perf_counter() - t_start > time_limit:
                reason = "time limit reached"
                break
            rounds += 1
            done = np.zeros(len(q_lo), bool)
            if loc.ok:
                inl = _inside(q_lo, q_hi, L_lo, L_hi)
                done |= inl
            elif hole_r > 0:
                done |= _inside(q_lo, q_hi, H_lo, H_hi)
            if loc.ok and done.any():
                proofs_lo.append(q_lo[done])
                proofs_hi.append(q_hi[done])
                kinds.append(np.ones(int(done.sum()), np.int8))
            todo = ~done
            t_lo, t_hi = q_lo[todo], q_hi[todo]
            keep_lo, keep_hi = [], []
            for s in range(0, len(t_lo), batch):
                lo, hi = t_lo[s:s + batch], t_hi[s:s + batch]
                evaluated += len(lo)
                lower, upper, _, ch, jmag = enclose(comp, lo, hi)
                proven = upper[:, :2] < 0
                ok = proven.all(axis=1)
                if level is not None:
                    out = lower[:, 2] > level
                    bnd = _touches_boundary(lo, hi, dom)
                    need_face = ok & bnd.any(axis=1) & ~out
                    if need_face.any():
                        ok[need_face] = _faces_above(comp, lo[need_face], hi[need_face], dom, level)
                    if problem.kind == "dt":
                        inn = ok & ~out
                        if inn.any():
                            fl, fh = comp.f(lo[inn], hi[inn])
                            ok[inn] = np.all((fl >= dom.lo) & (fh <= dom.hi), axis=1)
                    ok |= out
                    # a boundary point with V <= level: the sublevel set leaves the domain
                    tiny = np.all(hi - lo < 1e-6 * dom_w, axis=1)
                    onb = bnd.any(axis=1) & (ch[:, 2] <= level) & tiny
                    if onb.any():
                        reason = "the sublevel set reaches the domain boundary"
                        cx_found = None
                        q_lo = q_lo[:0]
                        keep_lo, keep_hi = [lo[onb]], [hi[onb]]
                        break
                # confirmed counterexample at a box centre or corner (outside the hole)
                und = ~ok
                if und.any():
                    ul, uh = lo[und], hi[und]
                    pts = [0.5 * ul + 0.5 * uh]
                    if n <= 6:
                        for v in range(2**n):
                            bits = (v >> np.arange(n)) & 1
                            pts.append(np.where(bits == 1, uh, ul))
                    else:
                        pts += [ul, uh]
                    found = _confirmed(comp, pts, problem, hole_r, loc.ok, level)
                    if found is not None:
                        cx_found = found
                        break
                if ok.any():
                    proofs_lo.append(lo[ok])
                    proofs_hi.append(hi[ok])
                    kinds.append(np.zeros(int(ok.sum()), np.int8))
                rest = ~ok
                if rest.any():
                    und = upper[rest][:, :3] >= 0
                    und[:, 2] = level is not None
                    a, b = _split(lo[rest], hi[rest], jmag[rest], und, dom_w)
                    keep_lo.append(a)
                    keep_hi.append(b)
            if cx_found is not None or reason.startswith("the sublevel"):
                q_lo = np.concatenate(keep_lo) if keep_lo else q_lo[:0]
                q_hi = np.concatenate(keep_hi) if keep_hi else q_hi[:0]
                break
            q_lo = np.concatenate(keep_lo) if keep_lo else q_lo[:0]
            q_hi = np.concatenate(keep_hi) if keep_hi else q_hi[:0]
        timings["bnb"] = time.perf_counter() - t0
        proofs = (np.concatenate(proofs_lo) if proofs_lo else empty[0],
                  np.concatenate(proofs_hi) if proofs_hi else empty[1])
        stats = {"evaluated": evaluated, "rounds": rounds,
                 "local_boxes": int(sum(int((k == 1).sum()) for k in kinds))}
        if cx_found is not None:
            rig = "float_interval"
            if rigorous:
                from chaosgym.lyapunov.rigorous import ArbArith

                mask, worst = confirm_points(problem, cx_found[0], ArbArith())
                if mask.any():
                    cx_found, rig = (cx_found[0][mask], worst[mask]), "rigorous"
            return result(Status.COUNTEREXAMPLE, rig, scope, proofs, loc,
                          cx_found[0], cx_found[1], empty, stats,
                          "violation proven at a box centre or corner during branch and bound")
        if len(q_lo):
            return result(Status.UNKNOWN, "float_interval", scope, proofs, loc,
                          np.zeros((0, n)), np.zeros(0), (q_lo, q_hi), stats,
                          reason or "undecided boxes remain")
        status = Status.CERTIFIED if hole_r == 0 else Status.CERTIFIED_OUTSIDE_HOLE
        msg = ("local quadratic certificate at x*" if loc.ok else
               "local certificate failed (degenerate); a hole around x* is excluded")
        cert = result(status, "float_interval", scope, proofs, loc, np.zeros((0, n)),
                      np.zeros(0), empty, stats, msg)
    if rigorous:
        from chaosgym.lyapunov.rigorous import recheck

        t0 = time.perf_counter()
        cert = recheck(cert)
        cert.timings["rigorous"] = time.perf_counter() - t0
        cert.timings["total"] = time.perf_counter() - t_start
    return cert


def _confirmed(comp: Compiled, pts: list[np.ndarray], problem: LyapunovProblem, hole_r: float,
               ball: bool, level: float | None = None):
    """Points among ``pts`` where a violation is proven ``≥ 0`` (outside the hole, and inside
    the sublevel set ``V − V* ≤ level`` when a level is given), or None."""
    xe = problem.x_eq
    c = np.ascontiguousarray(np.concatenate(pts))  # one interpreter call for all points
    cl, chh = comp.h(c, c)
    viol = (cl[:, :2] >= 0).any(axis=1) & np.any(c != xe, axis=1)
    if level is not None:
        viol &= chh[:, 2] <= level
    if hole_r > 0:
        d = (np.sqrt(np.sum((c - xe) ** 2, axis=1)) if ball
             else np.max(np.abs(c - xe), axis=1))
        viol &= d > hole_r
    if viol.any():
        return c[viol], np.max(cl[viol, :2], axis=1)
    return None


def _faces_above(comp: Compiled, lo, hi, dom: Box, level: float) -> np.ndarray:
    """For boxes touching the domain boundary: is ``V − V* > level`` on every boundary face?"""
    ok = np.ones(len(lo), bool)
    for j in range(lo.shape[1]):
        for side, val in ((lo[:, j] <= dom.lo[j], dom.lo[j]), (hi[:, j] >= dom.hi[j], dom.hi[j])):
            if not side.any():
                continue
            flo, fhi = lo[side].copy(), hi[side].copy()
            flo[:, j] = val
            fhi[:, j] = val
            vl, _ = comp.h(flo, fhi)
            ok[np.flatnonzero(side)] &= vl[:, 2] > level
    return ok
