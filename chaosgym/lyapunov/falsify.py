"""Falsifier: search for points where a Lyapunov candidate fails.

:func:`falsify` looks for points of a :class:`~chaosgym.lyapunov.problem.LyapunovProblem`'s box
where the violation ``max(m − (V − V*), dV + m)`` is ``≥ 0``, in four stages:

1. **Global samples**: a randomly shifted Kronecker sequence (low discrepancy: no large empty
   region, as i.i.d. samples leave), points on the faces and vertices of the box, shells of
   geometrically shrinking radius around the equilibrium, and any *seed* points or boxes the
   caller supplies (e.g. undecided boxes of a branch and bound).
2. **Interval-guided search**: a best-first bisection of the box driven by interval
   enclosures of the violation (the same jaxpr interpreter the certifier uses): a box whose
   upper bound is ``< 0`` holds no violation and is dropped, the boxes with the largest upper
   bounds are bisected first, and their centres are evaluated. This finds violations on sets
   far too small for sampling — a bump of radius 10⁻² in 3-D fills 10⁻⁶ of the box — whenever
   the enclosure sees them. Its best boxes' centres seed the next stages. It is skipped when
   the interpreter cannot enclose the problem.
3. **Multi-scale local refinement** around the best points found so far, counterexamples and
   near-misses alike: rounds of uniform samples in boxes of relative radius 0.2, 0.06, …,
   5·10⁻⁴ around each, moving each centre to its best sample.
4. **Projected gradient ascent** on the violation from the refined points.

The violation is evaluated by one jitted float64 function on blocks of points, the ascent by
another (compiled once per problem and budget). The result holds only
points whose violation, re-evaluated in float64, is ``≥ 0`` (outside a tiny exclusion ball
around the equilibrium). It never claims that the candidate is valid: a violation on a
measure-zero set (``dV/dt = 0`` on a line) is invisible to sampling, and the interval stage
is only a guide; use :func:`chaosgym.lyapunov.certify` for proofs. When every evaluation is
non-finite (NaN or ±inf) it warns: nothing was searched.

References:
    Y.-C. Chang, N. Roohi and S. Gao, "Neural Lyapunov control", NeurIPS (2019) (falsifier
    in a learner–verifier loop). A. Abate et al., "FOSSIL: a software tool for the formal
    synthesis of Lyapunov functions and barrier certificates", HSCC (2021).
    H. Niederreiter, *Random Number Generation and Quasi-Monte Carlo Methods*, SIAM (1992),
    ch. 5 (Kronecker sequences); R. Cranley and T. N. L. Patterson, "Randomization of number
    theoretic methods for multiple integration", SIAM J. Numer. Anal. 13, 904–914 (1976).
    E. Hansen and G. W. Walster, *Global Optimization Using Interval Analysis*, 2nd ed.,
    Marcel Dekker (2004) (best-first interval branch and bound).
"""

from __future__ import annotations

import dataclasses
import time
import warnings
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from chaosgym.lyapunov.problem import LyapunovProblem

__all__ = ["FalsifyResult", "falsify"]

N_SCALES = 6
SCALES = 0.2 * 0.3 ** np.arange(N_SCALES)  # relative radii of the local refinement


@dataclasses.dataclass
class FalsifyResult:
    """Counterexamples (float64, worst first) and what the search cost.

    ``n_evaluated`` counts float64 evaluations of the violation, ``boxes_evaluated`` interval
    evaluations of the guided search (0 when it did not run).
    """

    counterexamples: np.ndarray
    violations: np.ndarray
    n_evaluated: int
    best_violation: float
    seconds: float
    boxes_evaluated: int = 0

    @property
    def found(self) -> bool:
        return len(self.counterexamples) > 0

    def __repr__(self) -> str:
        return (f"FalsifyResult({len(self.counterexamples)} counterexamples, worst violation "
                f"{self.best_violation:.3g}, {self.n_evaluated} evaluations, "
                f"{self.boxes_evaluated} boxes, {self.seconds:.2f}s)")


# --------------------------------------------------------------------------- seeds
def _parse_seeds(seeds: Any, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``seeds`` as ``(points (k, n), box_lo (b, n), box_hi (b, n))``.

    Accepted: ``None``; an array of points ``(k, n)`` (or one point ``(n,)``); a pair
    ``(lo, hi)`` of ``(b, n)`` arrays of boxes; or a list mixing points and ``(lo, hi)`` boxes.
    """
    empty = np.zeros((0, n))
    if seeds is None:
        return empty, empty, empty
    if isinstance(seeds, tuple) and len(seeds) == 2:
        lo = np.atleast_2d(np.asarray(seeds[0], np.float64))
        hi = np.atleast_2d(np.asarray(seeds[1], np.float64))
        if lo.shape == hi.shape and lo.shape[-1] == n and lo.ndim == 2:
            if np.any(hi < lo):
                raise ValueError("seed boxes need lo <= hi")
            return empty, lo, hi
    if isinstance(seeds, np.ndarray) or (isinstance(seeds, (list, tuple)) and seeds
                                         and np.isscalar(seeds[0])):
        pts = np.atleast_2d(np.asarray(seeds, np.float64))
        if pts.ndim != 2 or pts.shape[1] != n:
            raise ValueError(f"seed points must have shape (k, {n}), got {pts.shape}")
        return pts, empty, empty
    pts, blo, bhi = [], [], []
    for s in seeds:
        if isinstance(s, (tuple, list)) and len(s) == 2 and np.ndim(s[0]) == 1 \
                and np.ndim(s[1]) == 1 and len(s[0]) == n:
            blo.append(np.asarray(s[0], np.float64))
            bhi.append(np.asarray(s[1], np.float64))
        else:
            p = np.asarray(s, np.float64)
            if p.shape != (n,):
                raise ValueError(f"a seed must be a point of shape ({n},) or a (lo, hi) box, "
                                 f"got {p.shape}")
            pts.append(p)
    pts_a = np.array(pts) if pts else empty
    blo_a, bhi_a = (np.array(blo), np.array(bhi)) if blo else (empty, empty)
    if np.any(bhi_a < blo_a):
        raise ValueError("seed boxes need lo <= hi")
    return pts_a, blo_a, bhi_a


# --------------------------------------------------------------------------- interval guide
def _interval_fn(problem: LyapunovProblem):
    """Interval enclosure of the conditions (the certifier's if it was built), or None."""
    comp = problem._cache.get("compiled")
    if comp is not None:
        return comp.h
    if "falsify_interval" not in problem._cache:
        try:
            from chaosgym.lyapunov.interval import IntervalFunction

            problem._cache["falsify_interval"] = IntervalFunction(problem.conditions, problem.n)
        except Exception:  # any failure only disables the guide
            problem._cache["falsify_interval"] = None
    return problem._cache["falsify_interval"]


def _guided(problem: LyapunovProblem, violation, batch: int, budget: int, exclude: float,
            seed_lo: np.ndarray, seed_hi: np.ndarray, want: int):
    """Best-first interval bisection; returns ``(points, violations, boxes evaluated)`` of the
    evaluated box centres, best first (at most ``batch`` of them)."""
    hfun = _interval_fn(problem)
    n = problem.n
    none = (np.zeros((0, n)), np.zeros(0), 0)
    if hfun is None or budget <= 0:
        return none
    dom = problem.domain
    xe = problem.x_eq
    dom_w = np.where(dom.width > 0, dom.width, 1.0)
    rad = exclude * float(np.max(dom.width))

    def upper(lo, hi):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            _, h = hfun(lo, hi)
        u = np.maximum(np.asarray(h[:, 0], np.float64), np.asarray(h[:, 1], np.float64))
        return np.where(np.isnan(u), np.inf, u)

    def centres_viol(c):
        v = violation(c)
        near = np.max(np.abs(c - xe), axis=1) <= rad
        return np.where(near | np.isnan(v), -np.inf, v)

    try:
        p_lo = np.concatenate([dom.lo[None], np.clip(seed_lo, dom.lo, dom.hi)])
        p_hi = np.concatenate([dom.hi[None], np.clip(seed_hi, dom.lo, dom.hi)])
        p_ub = upper(p_lo, p_hi)
    except Exception:  # an interpreter failure disables the guide
        return none
    used = len(p_lo)
    pts, vals = [], []
    found = 0
    half = max(batch // 2, 1)
    while used < budget and len(p_lo):
        k = min(half, len(p_lo))
        top = np.argpartition(-p_ub, k - 1)[:k] if k < len(p_lo) else np.arange(len(p_lo))
        lo, hi = p_lo[top], p_hi[top]
        keep = np.ones(len(p_lo), bool)
        keep[top] = False
        p_lo, p_hi, p_ub = p_lo[keep], p_hi[keep], p_ub[keep]
        j = np.argmax((hi - lo) / dom_w, axis=1)
        idx = np.arange(k)
        mid = 0.5 * (lo[idx, j] + hi[idx, j])
        hi1, lo2 = hi.copy(), lo.copy()
        hi1[idx, j] = mid
        lo2[idx, j] = mid
        c_lo = np.concatenate([lo, lo2])
        c_hi = np.concatenate([hi1, hi])
        try:
            ub = upper(c_lo, c_hi)
        except Exception:
            break
        used += len(c_lo)
        inside_hole = np.all((c_lo >= xe - rad) & (c_hi <= xe + rad), axis=1)
        alive = (ub >= 0) & ~inside_hole
        c = 0.5 * (c_lo + c_hi)
        v = centres_viol(c)
        pts.append(c)
        vals.append(v)
        found += int(np.sum(v >= 0))
        p_lo = np.concatenate([p_lo, c_lo[alive]])
        p_hi = np.concatenate([p_hi, c_hi[alive]])
        p_ub = np.concatenate([p_ub, ub[alive]])
        if len(p_lo) > 64 * batch:  # keep the most promising
            best = np.argpartition(-p_ub, 64 * batch - 1)[: 64 * batch]
            p_lo, p_hi, p_ub = p_lo[best], p_hi[best], p_ub[best]
        if found >= want:
            break
    if len(p_lo):  # centres of the most suspicious boxes left
        k = min(half, len(p_lo))
        top = np.argpartition(-p_ub, k - 1)[:k] if k < len(p_lo) else np.arange(len(p_lo))
        c = 0.5 * (p_lo[top] + p_hi[top])
        pts.append(c)
        vals.append(centres_viol(c))
    if not pts:
        return np.zeros((0, n)), np.zeros(0), used
    P = np.concatenate(pts)
    Vv = np.concatenate(vals)
    Vv = np.where(np.isnan(Vv), -np.inf, Vv)
    order = np.argsort(-Vv, kind="stable")[:batch]
    return P[order], Vv[order], used


# --------------------------------------------------------------------------- low discrepancy
def _kronecker(m: int, n: int, rng: np.random.Generator) -> np.ndarray:
    """``m`` points of the Kronecker sequence ``frac(s + i·α)`` in ``[0, 1)ⁿ`` with
    ``αⱼ = φₙ^−(j+1)``, ``φₙ`` the root > 1 of ``xⁿ⁺¹ = x + 1`` (the generalised golden ratio),
    and a uniformly random shift ``s`` (Cranley–Patterson rotation)."""
    phi = 2.0
    for _ in range(60):  # fixed-point iteration for x = (1 + x)^(1/(n+1))
        phi = (1.0 + phi) ** (1.0 / (n + 1))
    alpha = phi ** -np.arange(1, n + 1, dtype=np.float64)
    i = np.arange(1, m + 1, dtype=np.float64)[:, None]
    return np.mod(rng.random(n) + i * alpha[None, :], 1.0)


# --------------------------------------------------------------------------- stages
def _sample(problem: LyapunovProblem, n_samples: int, rng: np.random.Generator):
    """Global samples: low-discrepancy, faces, vertices, shells around ``x_eq``; returns the
    points and how many leading ones are low-discrepancy (replaceable by seeds)."""
    n = problem.n
    lo_, hi_ = problem.domain.lo, problem.domain.hi
    w_ = hi_ - lo_
    n_vert = min(2**n, 256)
    n_face = n_samples // 4
    n_shell = n_samples // 4
    n_unif = n_samples - n_face - n_shell
    u = lo_ + _kronecker(n_unif, n, rng) * w_
    fcs = rng.uniform(lo_, hi_, (n_face, n))
    dim = rng.integers(0, n, n_face)
    side = rng.random(n_face) < 0.5
    fcs[np.arange(n_face), dim] = np.where(side, hi_[dim], lo_[dim])
    bits = (np.arange(n_vert)[:, None] >> np.arange(n)[None, :]) & 1
    if n_vert < 2**n:
        bits = rng.integers(0, 2, (n_vert, n))
    verts = np.where(bits == 1, hi_, lo_)
    d = rng.normal(size=(n_shell, n))
    d /= np.linalg.norm(d, axis=1, keepdims=True)
    r = 0.5 * np.min(w_) * 10.0 ** (-rng.integers(0, 6, n_shell).astype(np.float64))
    shell = np.clip(problem.x_eq + r[:, None] * d, lo_, hi_)
    return np.concatenate([u, fcs, verts, shell]), n_unif


def _refine(violation, C: np.ndarray, vC: np.ndarray, problem: LyapunovProblem,
            rounds: int, per: int, rng: np.random.Generator):
    """Multi-scale local refinement: each round samples ``per`` points per scale in the boxes
    ``c ± scale·width`` around every centre and moves the centre to its best sample."""
    lo, hi = problem.domain.lo, problem.domain.hi
    width = np.where(problem.domain.width > 0, problem.domain.width, 1.0)
    K, n = C.shape
    tried = []
    for _ in range(rounds):
        U = rng.uniform(-1.0, 1.0, (K, N_SCALES, per, n))
        P = C[:, None, None, :] + SCALES[None, :, None, None] * width * U
        P = np.clip(P, lo, hi).reshape(K, N_SCALES * per, n)
        vP = violation(P.reshape(-1, n)).reshape(K, -1)
        vP = np.where(np.isnan(vP), -np.inf, vP)
        j = np.argmax(vP, axis=1)
        best = vP[np.arange(K), j]
        better = best > vC
        C = np.where(better[:, None], P[np.arange(K), j], C)
        vC = np.where(better, best, vC)
        tried.append(float(np.max(vP)) if vP.size else -np.inf)
    return C, vC, max(tried, default=-np.inf)


def _build_ascent(problem: LyapunovProblem, steps: int, exclude: float):
    """Jitted projected gradient ascent on the violation from a batch of starts; returns the
    best point and value of each start's path."""
    lo = jnp.asarray(problem.domain.lo)
    hi = jnp.asarray(problem.domain.hi)
    xe = jnp.asarray(problem.x_eq)
    width = hi - lo
    scale = jnp.max(width)
    width = jnp.where(width > 0, width, 1.0)

    def viol(x):
        v = problem.violation(x)
        near = jnp.max(jnp.abs(x - xe)) <= exclude * scale
        v = jnp.where(near, -jnp.inf, v)
        return jnp.where(jnp.isnan(v), -jnp.inf, v)

    vviol = jax.vmap(viol)
    gviol = jax.vmap(jax.grad(lambda x: problem.violation(x)))

    def run(x0, v0):
        def body(i, carry):
            x, best_x, best_v = carry
            g = gviol(x)
            g = jnp.where(jnp.isfinite(g), g, 0.0)
            gn = jnp.max(jnp.abs(g) / width, axis=1, keepdims=True)
            eta = 0.05 * (0.02 ** (i / steps))
            x = jnp.clip(x + eta * width * (g / width) / jnp.maximum(gn, 1e-300), lo, hi)
            vx = vviol(x)
            better = vx > best_v
            return x, jnp.where(better[:, None], x, best_x), jnp.where(better, vx, best_v)

        _, bx, bv = jax.lax.fori_loop(0, steps, body, (x0, x0, v0))
        return bx, bv

    return jax.jit(run)


def falsify(
    problem: LyapunovProblem,
    key: Any = None,
    *,
    n_samples: int = 4096,
    n_starts: int = 64,
    steps: int = 100,
    max_counterexamples: int = 16,
    exclude: float = 1e-9,
    seeds: Any = None,
    refine_rounds: int = 6,
    refine_samples: int = 8,
    interval_boxes: int = 4096,
    interval_batch: int = 128,
) -> FalsifyResult:
    """Search for counterexamples to ``problem``'s candidate; see the module docstring.

    Args:
        problem: the candidate and its system.
        key: a JAX PRNG key (default ``jax.random.key(0)``).
        n_samples: points sampled (half low-discrepancy, a quarter on faces, a quarter on
            shells near ``x_eq``; seeds replace low-discrepancy points).
        n_starts: points refined and ascended from (the best found).
        steps: gradient-ascent steps per start.
        max_counterexamples: size of the returned buffer.
        exclude: points within ``exclude · max(width)`` of ``x_eq`` (sup norm) are ignored.
        seeds: points ``(k, n)``, boxes ``(lo, hi)`` of shape ``(b, n)`` each, or a list of
            points and ``(lo, hi)`` pairs — e.g. the undecided boxes of a branch and bound.
            Points are evaluated and refined; boxes are sampled and searched first.
        refine_rounds: rounds of the multi-scale local refinement (0: none).
        refine_samples: samples per start, scale and round.
        interval_boxes: budget of interval box evaluations of the guided search (0: none).
        interval_batch: boxes bisected per round of the guided search, times two.

    Returns:
        a :class:`FalsifyResult` whose counterexamples all have float64 violation ``≥ 0``.

    Warns:
        ``RuntimeWarning`` when every evaluation of the violation was non-finite.
    """
    t0 = time.perf_counter()
    n = problem.n
    pts, blo, bhi = _parse_seeds(seeds, n)
    for name, val in (("n_samples", n_samples), ("n_starts", n_starts),
                      ("max_counterexamples", max_counterexamples)):
        if int(val) < 1:
            raise ValueError(f"{name} must be >= 1, got {val}")
    for name, val in (("steps", steps), ("refine_rounds", refine_rounds),
                      ("refine_samples", refine_samples), ("interval_boxes", interval_boxes)):
        if int(val) < 0:
            raise ValueError(f"{name} must be >= 0, got {val}")
    refine_samples = max(int(refine_samples), 1)
    n_starts = min(int(n_starts), int(n_samples))
    xe = problem.x_eq
    rad = exclude * float(np.max(problem.domain.width))
    with jax.enable_x64(True):
        key = jax.random.key(0) if key is None else key
        seed = np.asarray(jax.random.key_data(key)).astype(np.uint64).ravel().tolist()
        rng = np.random.default_rng(seed)
        X, n_unif = _sample(problem, int(n_samples), rng)
        violation = _batch_violation(problem, 1024)

        def masked(P):
            v = violation(P)
            near = np.max(np.abs(P - xe), axis=1) <= rad
            return np.where(near | np.isnan(v), -np.inf, v)

        # seeds and the interval guide's best centres replace low-discrepancy points
        extra = [np.clip(pts, problem.domain.lo, problem.domain.hi)]
        if len(blo):
            per = max(1, (n_unif // 4) // len(blo))
            u = rng.uniform(size=(len(blo), per, n))
            extra.append(0.5 * (blo + bhi))
            extra.append((blo[:, None, :] + u * (bhi - blo)[:, None, :]).reshape(-1, n))
        n_boxes = 0
        if interval_boxes > 0:
            gb = max(2, 2 * (int(interval_batch) // 2))
            gp, _, n_boxes = _guided(problem, masked, gb, int(interval_boxes), exclude, blo,
                                     bhi, max_counterexamples)
            extra.insert(0, gp)
        E = np.concatenate(extra)[: n_unif]
        X[: len(E)] = E
        v = masked(X)
        n_eval = len(X) + n_boxes
        top = np.argsort(-v, kind="stable")[:n_starts]
        C, vC, _ = _refine(masked, X[top], v[top], problem, int(refine_rounds),
                           refine_samples, rng)
        n_eval += n_starts * int(refine_rounds) * N_SCALES * refine_samples
        allx, allv = [X, C], [v, vC]
        if steps > 0:
            ak = ("falsify_ascent", n_starts, int(steps), exclude)
            if ak not in problem._cache:
                problem._cache[ak] = _build_ascent(problem, int(steps), exclude)
            bx, bv = problem._cache[ak](jnp.asarray(C), jnp.asarray(vC))
            allx.append(np.asarray(bx, np.float64))
            allv.append(np.asarray(bv, np.float64))
            n_eval += n_starts * int(steps)
        allx = np.concatenate(allx)
        allv = np.concatenate(allv)
        best = float(np.max(allv)) if len(allv) else -np.inf
        keep = np.argsort(-allv, kind="stable")[: int(max_counterexamples)]
        xs = allx[keep]
        # re-evaluate the survivors in float64
        vv = violation(xs)
    dist = np.max(np.abs(xs - problem.x_eq), axis=1)
    ok = np.isfinite(vv) & (vv >= 0) & (dist > exclude * np.max(problem.domain.width))
    ok &= problem.domain.contains(xs)
    order = np.argsort(-vv[ok], kind="stable")
    cx, cv = xs[ok][order], vv[ok][order]
    if len(cx):
        _, uniq = np.unique(cx, axis=0, return_index=True)
        uniq = np.sort(uniq)
        cx, cv = cx[uniq], cv[uniq]
        order = np.argsort(-cv, kind="stable")
        cx, cv = cx[order], cv[order]
    if not np.isfinite(best) and best < 0:
        warnings.warn(
            f"falsify: every evaluation of the violation of {problem.name or 'the problem'} "
            "was non-finite (NaN or inf): V or f is not finite on the box, so nothing was "
            "searched and nothing is known about the candidate", RuntimeWarning, stacklevel=2)
    return FalsifyResult(cx, cv, int(n_eval), best, time.perf_counter() - t0, int(n_boxes))


def _batch_violation(problem: LyapunovProblem, batch: int):
    """``X -> violation(X)`` in float64 for any number of points, jitted once on blocks of
    ``batch`` points (the guided search's centres, the final re-evaluation)."""
    key = ("falsify_batch", batch)
    if key not in problem._cache:
        problem._cache[key] = jax.jit(jax.vmap(problem.violation))
    fn = problem._cache[key]

    def evaluate(X: np.ndarray) -> np.ndarray:
        X = np.asarray(X, np.float64)
        out = np.empty(len(X))
        for s in range(0, len(X), batch):
            blk = X[s:s + batch]
            pad = np.zeros((batch, problem.n))
            pad[: len(blk)] = blk
            with jax.enable_x64(True):
                out[s:s + len(blk)] = np.asarray(fn(jnp.asarray(pad)))[: len(blk)]
        return out

    return evaluate
