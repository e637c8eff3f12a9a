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
   The bound is used only on a box where ``h``, ``∇h`` and ``∇²h`` are proven smooth: every
   kink, branch switch, step and singularity of ``V`` and ``f`` is decided there (the
   interpreter's flags); a kink reachable at ``x*`` (``relu``, ``abs``, ``max`` at the
   equilibrium) leaves no such box. Degenerate candidates (singular Hessian, e.g.
   ``dV/dt = −2x⁴ − 2y²``) fail the test too; a small box around ``x*`` (the *hole*) is
   then excluded and reported.
3. **Branch and bound** on the rest: every box is checked with the natural interval
   extension and the mean-value form ``h(X) ⊆ h(c) + ∇h(X)·(X − c)`` (the same interpreter
   evaluates ``h``, its Jacobian and its Hessian); undecided boxes are bisected along the
   coordinate that contributes most to the enclosure width. The mean-value form is used
   only where ``h`` is proven continuous (derivatives at kinks are hulls of the one-sided
   ones, :mod:`chaosgym.lyapunov.enclosures`). A box centre or corner whose violation is
   provably ``≥ 0`` is a confirmed counterexample (a flow's decrease violation only at a
   point that touches no kink, where JAX's one-sided derivative is the derivative).

Every CERTIFIED verdict lists its :class:`~chaosgym.lyapunov.certificate.Proof` objects:
positivity ``V − V* > m`` and decrease, each with how and where it was proven; inside the
stated hole nothing is claimed. Inputs are validated first (:func:`validate_problem`).

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

import math
import time
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from chaosgym.lyapunov.certificate import Certificate, LocalCertificate, Proof, Status
from chaosgym.lyapunov.enclosures import Compiled, compiled, enclose, point_conditions
from chaosgym.lyapunov.interval import UnsupportedPrimitive
from chaosgym.lyapunov.problem import Box, LyapunovProblem

__all__ = ["Certificate", "Compiled", "LocalCertificate", "Proof", "Status", "certify",
           "compiled", "enclose", "validate_problem"]

EPS = np.finfo(np.float64).eps / 2


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
    """The quadratic bound at ``x*`` (see the module docstring); ``ok=False`` if it fails.

    The Taylor bound needs the conditions to be C² on the whole local box ``X``: every
    piecewise choice of ``V`` and ``f`` (kinks, branch switches, steps, singularities) must
    be decided on ``X``, which the interpreter checks for ``h``, ``∇h`` and ``∇²h``. Where
    a kink is reachable at ``x*`` itself there is no such box and the certificate fails
    (the caller then excludes a hole and uses branch and bound); otherwise the box is
    halved until it is smooth and the bound closes. The radius is the box that was proven.
    """
    p = problem.x_eq[None, :]
    _, hh, fl0 = comp.h(p, p, flags=True)
    jl, jh, fl1 = comp.dh(p, p, flags=True)
    a = [float(hh[0, k]) for k in range(2)]
    b = []
    for k in range(2):
        g = np.maximum(np.abs(jl[0, k]), np.abs(jh[0, k]))
        b.append(float(np.sqrt(np.sum(g * g))) * (1 + 4 * problem.n * EPS) if np.any(g) else 0.0)

    def fail(reason: str) -> LocalCertificate:
        return LocalCertificate(False, 0.0, math.inf, (0.0, 0.0), (b[0], b[1]), (a[0], a[1]),
                                reason)

    if fl0.kink[0] or fl1.kink[0]:
        return fail("V or f is not smooth at x* (a kink, branch switch or step is touched "
                    "there)")
    if not (np.all(np.isfinite(a)) and np.all(np.isfinite(b))):
        return fail("the conditions or their gradient are not finite at x*")
    dom = problem.domain
    room = 0.999 * float(np.min(np.minimum(problem.x_eq - dom.lo, dom.hi - problem.x_eq)))
    r = room if r_start is None else float(r_start)
    if r <= 0:
        return fail("x* lies on the boundary of the domain")
    reason = "the Taylor bound did not close at any radius"
    for _ in range(halvings):
        lo = p - r
        hi = p + r
        smooth = True
        for piece in (comp.h, comp.dh):
            fl = piece(lo, hi, flags=True)[2]
            smooth &= not bool(fl.kink[0])
        Hl, Hh, flh = comp.hess(lo, hi, flags=True)
        smooth &= not bool(flh.kink[0])
        if not smooth:
            reason = "V or f is not C² on any local box tried (a kink is reachable near x*)"
            r *= 0.5
            continue
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
                return LocalCertificate(True, r, r0, (mus[0], mus[1]), (b[0], b[1]),
                                        (a[0], a[1]))
        r *= 0.5
    return fail(reason)


def confirm_points(problem: LyapunovProblem, xs: np.ndarray,
                   arith=None) -> tuple[np.ndarray, np.ndarray]:
    """Which points are proven counterexamples: a violation's interval lower bound ``≥ 0``
    (at a point other than ``x*``; a decrease violation of a flow only where no kink is
    touched, since JAX's one-sided derivative at a kink is not the derivative). Returns
    ``(mask, lower bound of the worst violation)``."""
    xs = np.atleast_2d(np.asarray(xs, np.float64))
    if len(xs) == 0:
        return np.zeros(0, bool), np.zeros(0)
    comp = compiled(problem)
    away = np.any(xs != problem.x_eq, axis=1) & problem.domain.contains(xs)
    if arith is None:
        lo, _, smooth = point_conditions(comp, problem, xs)
        lo = np.asarray(lo, np.float64)
        pos = lo[:, 0] >= 0
        dec = (lo[:, 1] >= 0) & smooth
        worst = np.where(pos, lo[:, 0], lo[:, 1])
        return (pos | dec) & away, worst
    from chaosgym.lyapunov.rigorous import arb_array, arb_lower_float

    X = arb_array(xs)
    lo_o, _, smooth = point_conditions(comp, problem, X, arith)
    nonneg = np.vectorize(lambda v: bool(v >= 0), otypes=[bool])(lo_o[:, :2])
    ok = nonneg[:, 0] | (nonneg[:, 1] & smooth)
    lo = arb_lower_float(lo_o)
    worst = np.where(nonneg[:, 0], lo[:, 0], lo[:, 1])
    return ok & away, worst


def validate_problem(problem: LyapunovProblem, n_random: int = 64, seed: int = 0) -> None:
    """Reject inputs that cannot be certified meaningfully, with an error naming the problem.

    * a domain whose bounds overflow float64 in squares (``|x| > 1e150``) or whose widths
      underflow (``< 1e-150``) or fall below float64 resolution;
    * ``V`` or ``f`` not finite at ``x*``, the box centre, its corners (up to 256) or
      ``n_random`` uniform points (``V(x*)`` itself must be finite);
    * reads beyond the input vector (checked when the problem is built).
    """
    dom = problem.domain
    mag = float(np.max(np.maximum(np.abs(dom.lo), np.abs(dom.hi))))
    if mag > 1e150:
        raise ValueError(f"the domain {dom} has bounds of magnitude {mag:.3g}: squares of "
                         "the coordinates overflow float64; rescale the problem")
    w = dom.width
    if np.any(w <= 0):
        j = int(np.argmin(w))
        raise ValueError(f"the domain {dom} has zero width in coordinate {j}")
    res = np.spacing(np.maximum(np.abs(dom.lo), np.abs(dom.hi)))
    if np.any(w < 1e-150) or np.any(w < 2.0**20 * res):
        j = int(np.argmin(w / np.maximum(res, 1e-300)))
        raise ValueError(f"the domain {dom} is too thin in coordinate {j} (width {w[j]:.3g}): "
                         "it underflows float64 or is below its resolution; rescale the "
                         "problem")
    n = problem.n
    rng = np.random.default_rng(seed)
    pts = [problem.x_eq[None], dom.center[None], rng.uniform(dom.lo, dom.hi, (n_random, n))]
    k = min(n, 8)
    bits = (np.arange(2**k)[:, None] >> np.arange(k)) & 1
    corners = np.tile(dom.lo, (2**k, 1))
    corners[:, :k] = np.where(bits == 1, dom.hi[:k], dom.lo[:k])
    pts.append(corners)
    X = np.concatenate(pts)
    fns = problem._cache.get("point_functions", {})
    vals = {}
    for name, fn in (("V", problem.V), ("f", problem.f)):
        F = fns.get(name)
        if F is not None:  # interval evaluation at the points (no compilation)
            lo, hi = F(X, X)
            if np.all(np.isfinite(lo)) and np.all(np.isfinite(hi)):
                continue  # finite everywhere (else JAX evaluates, for the message)
        with jax.enable_x64(True):
            vals[name] = np.asarray(jax.vmap(fn)(jnp.asarray(X))).reshape(len(X), -1)
    for name, val in vals.items():
        badpt = ~np.all(np.isfinite(val), axis=1)
        if badpt.any():
            i = int(np.flatnonzero(badpt)[0])
            raise ValueError(f"{name} is not finite at x = {X[i].tolist()} "
                             f"(value {val[i].tolist()}): the function produces NaN or inf "
                             "in the domain")


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
        falsify_first: run the falsifier before branch and bound, and again, seeded with the
            undecided boxes, when the box budget runs out (off by default: branch and bound
            confirms counterexamples at box centres and corners itself, and the falsifier's
            compilation costs a second or more).
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
    if method not in ("bnb", "sos"):
        raise ValueError(f"method must be 'bnb' or 'sos', got {method!r}")
    notes: list[str] = []
    with jax.enable_x64(True):
        validate_problem(problem)
        if method == "sos":
            from chaosgym.lyapunov.candidates import sos_certify

            cert = sos_certify(problem)
            if cert is not None:
                cert.timings["total"] = time.perf_counter() - t_start
                return cert
            comp0 = compiled(problem)
            if not comp0.polynomial:
                notes.append("method='sos' refused: the problem is not polynomial "
                             f"({comp0.not_polynomial_reason}); routed to branch and bound")
            else:
                notes.append("method='sos' found no exact SOS proof; branch and bound used")

        def result(status, rigour, scope, proofs, loc, cx, cv, unk, stats, msg, found=()):
            timings["total"] = time.perf_counter() - t_start
            msg = "; ".join([msg, *notes]) if notes else msg
            return Certificate(status, rigour, scope, proofs, loc, cx, cv, unk, timings, stats,
                               msg, problem, tuple(found))

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
                          fr.violations, empty, {"evaluated": 0, "refused": str(e)},
                          f"no interval enclosure, nothing is proven ({e}); falsifier only")
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
            if falsify_first and level is None and reason == "budget exhausted":
                # a last look for a violation inside the undecided boxes (confirmed by
                # interval evaluation, so it is a proof, not a sample)
                t0 = time.perf_counter()
                found = _seeded_search(problem, comp, q_lo, q_hi, key, hole_r, loc.ok)
                timings["falsify"] = time.perf_counter() - t0
                if found is not None:
                    return result(Status.COUNTEREXAMPLE, "float_interval", scope, proofs, loc,
                                  found[0], found[1], (q_lo, q_hi), stats,
                                  "violation found by the falsifier in an undecided box and "
                                  "confirmed by interval evaluation")
            return result(Status.UNKNOWN, "float_interval", scope, proofs, loc,
                          np.zeros((0, n)), np.zeros(0), (q_lo, q_hi), stats,
                          reason or "undecided boxes remain")
        status = Status.CERTIFIED if hole_r == 0 else Status.CERTIFIED_OUTSIDE_HOLE
        msg = ("local quadratic certificate at x*" if loc.ok else
               f"no local certificate ({loc.reason or 'degenerate'}); a hole around x* is "
               "excluded")
        found = _proofs(problem, loc, stats, level, hole_r, hole_shape)
        cert = result(status, "float_interval", scope, proofs, loc, np.zeros((0, n)),
                      np.zeros(0), empty, stats, msg, found)
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
    the sublevel set ``V − V* ≤ level`` when a level is given), or None. A flow's decrease
    violation counts only at points that touch no kink (see :func:`confirm_points`)."""
    xe = problem.x_eq
    c = np.ascontiguousarray(np.concatenate(pts))  # one interpreter call for all points
    cl, chh, smooth = point_conditions(comp, problem, c)
    pos = cl[:, 0] >= 0
    dec = (cl[:, 1] >= 0) & smooth
    viol = (pos | dec) & np.any(c != xe, axis=1)
    if level is not None:
        viol &= chh[:, 2] <= level
    if hole_r > 0:
        d = (np.sqrt(np.sum((c - xe) ** 2, axis=1)) if ball
             else np.max(np.abs(c - xe), axis=1))
        viol &= d > hole_r
    if viol.any():
        worst = np.where(pos, cl[:, 0], cl[:, 1])
        return c[viol], worst[viol]
    return None


def _seeded_search(problem: LyapunovProblem, comp: Compiled, q_lo: np.ndarray,
                   q_hi: np.ndarray, key: Any, hole_r: float, ball: bool):
    """Run the falsifier seeded with (up to 512 of) the undecided boxes; confirmed points
    outside the hole, or None."""
    from chaosgym.lyapunov.falsify import falsify

    k = min(len(q_lo), 512)
    w = np.max(q_hi - q_lo, axis=1)
    order = np.argsort(-w)[:k]
    try:
        fr = falsify(problem, key, n_samples=2048, n_starts=32, steps=60,
                     seeds=(q_lo[order], q_hi[order]), interval_boxes=0)
    except TypeError:  # a falsifier without seeds
        return None
    if not fr.found:
        return None
    return _confirmed(comp, [fr.counterexamples], problem, hole_r, ball)


def _proofs(problem: LyapunovProblem, loc: LocalCertificate, stats: dict[str, Any],
            level: float | None, hole_r: float, hole_shape: str | None) -> list[Proof]:
    """The statements a CERTIFIED verdict of branch and bound rests on."""
    boxes = stats["evaluated"]
    where = ("the sublevel set V - V* <= level" if level is not None else "the domain")
    if hole_r > 0:
        where += f" minus the {hole_shape} of radius {hole_r:.3g} around x*"
    bnb_detail = {"proof_boxes": boxes - stats.get("local_boxes", 0),
                  "arithmetic": "float64 intervals with outward rounding; natural "
                                "extension ∩ mean-value form (only where h is continuous)"}
    out = []
    for cond in ("positivity", "decrease"):
        out.append(Proof(cond, "interval branch and bound (upper bound of the violation < 0 "
                         "on every box)", where, bnb_detail))
        if loc.ok:
            out.append(Proof(cond, "local Taylor bound: interval Hessian on the local box, "
                             "C² verified there (every branch decided)",
                             f"x* ± {loc.radius:.3g} minus the ball of radius {loc.hole:.3g}",
                             {"radius": loc.radius, "hole": loc.hole, "mu": loc.mu[0 if cond
                              == "positivity" else 1]}))
    if level is not None:
        out.append(Proof("boundary", "interval bound on the faces of the domain",
                         "boundary of the domain", {"level": level}))
        if problem.kind == "dt":
            out.append(Proof("invariance", "interval enclosure of f on the sublevel boxes",
                             "f(S) inside the domain", {}))
    return out


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
