"""Region of attraction: the largest certified sublevel set of a Lyapunov candidate.

:func:`estimate_roa` bisects on the level ``c`` of ``S_c = {x ∈ D : V(x) − V(x*) ≤ c}``.
A level is accepted when :func:`~chaosgym.lyapunov.certify.certify` proves, by branch and
bound restricted to the boxes that meet ``S_c``,

* positivity and decrease of ``V`` on ``S_c`` (outside the hole, if any), and
* ``V − V* > c`` on the boundary of the box ``D`` (for maps also ``f(S_c) ⊂ D``),

so ``S_c`` is a union of components of ``{V ≤ c}`` inside ``D``, forward invariant, and every
trajectory from it converges to ``x*`` (to the hole when the certificate has one), by
LaSalle's invariance principle. The bracket starts at the smallest sampled value of
``V − V*`` on the boundary of ``D`` and shrinks geometrically (factor 8) until a level
certifies; bisection then refines it. A level is rejected early when a point of ``S_c`` with
a proven violation is found.

References:
    H. K. Khalil, *Nonlinear Systems*, 3rd ed., Prentice Hall (2002), §8.2 (estimating the
    region of attraction). J. P. LaSalle, "Some extensions of Liapunov's second method",
    IRE Trans. Circuit Theory 7, 520–527 (1960).
"""

from __future__ import annotations

import dataclasses
import time
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from chaosgym.lyapunov.certificate import Certificate
from chaosgym.lyapunov.certify import certify, local_certificate
from chaosgym.lyapunov.enclosures import compiled
from chaosgym.lyapunov.problem import LyapunovProblem

__all__ = ["RoaResult", "estimate_roa"]


@dataclasses.dataclass
class RoaResult:
    """The certified level, its certificate, and the bisection history ``(level, ok)``."""

    level: float
    certificate: Certificate | None
    upper: float
    history: list[tuple[float, bool]]
    seconds: float
    volume_fraction: float

    @property
    def certified(self) -> bool:
        return self.certificate is not None and self.certificate.certified

    def __repr__(self) -> str:
        return (f"RoaResult(level={self.level:.6g} of at most {self.upper:.6g}, "
                f"{self.volume_fraction:.1%} of the box, {len(self.history)} bisection steps, "
                f"{self.seconds:.2f}s)")


def _boundary_min(problem: LyapunovProblem, n_samples: int, seed: int) -> float:
    dom = problem.domain
    n = problem.n
    rng = np.random.default_rng(seed)
    X = rng.uniform(dom.lo, dom.hi, (n_samples, n))
    dim = rng.integers(0, n, n_samples)
    side = rng.random(n_samples) < 0.5
    X[np.arange(n_samples), dim] = np.where(side, dom.hi[dim], dom.lo[dim])
    with jax.enable_x64(True):
        v = np.asarray(jax.jit(jax.vmap(problem.v_rel))(jnp.asarray(X)))
    return float(np.min(v))


def estimate_roa(
    problem: LyapunovProblem,
    *,
    iters: int = 10,
    rel_tol: float = 1e-3,
    max_boxes: int = 60_000,
    hole: float | None = None,
    rigorous: bool = False,
    n_boundary: int = 8192,
    seed: int = 0,
    time_limit: float | None = None,
) -> RoaResult:
    """The largest certified sublevel set of ``V`` in the domain (bisection on the level).

    Args:
        problem: the candidate and its closed loop; ``problem.domain`` bounds the search.
        iters: bisection steps (after trying the upper end).
        rel_tol: stop when the bracket is this small relative to the level.
        max_boxes: branch-and-bound budget per level.
        hole: hole radius passed to :func:`certify` for degenerate candidates.
        rigorous: re-check the final certificate with python-flint.
        n_boundary: samples of ``V`` on the boundary of the box (upper end of the bracket).
        seed: seed of those samples and of the volume estimate.
        time_limit: overall seconds (the best level so far is returned).

    Returns:
        a :class:`RoaResult`; ``level = 0`` and ``certificate = None`` if no level certifies.
    """
    t0 = time.perf_counter()
    with jax.enable_x64(True):
        comp = compiled(problem)
        loc = local_certificate(problem, comp)
        upper = _boundary_min(problem, n_boundary, seed)
        lo, hi = 0.0, upper
        best: Certificate | None = None
        best_level = 0.0
        history: list[tuple[float, bool]] = []
        def test(c):
            cert = certify(problem, level=c, falsify_first=False, local=loc, hole=hole,
                           max_boxes=max_boxes)
            history.append((c, cert.certified))
            return cert

        def out_of_time():
            return time_limit is not None and time.perf_counter() - t0 > time_limit

        # bracket: the upper end, then geometrically smaller levels until one certifies
        c = upper * (1 - 1e-9)
        for _ in range(12):
            if out_of_time():
                break
            cert = test(c)
            if cert.certified:
                best, best_level, lo = cert, c, c
                break
            hi = c
            c = c / 8
        # bisection inside the bracket
        for _ in range(iters if best is not None else 0):
            if out_of_time() or hi - lo <= rel_tol * max(hi, 1e-300):
                break
            c = 0.5 * (lo + hi)
            cert = test(c)
            if cert.certified:
                best, best_level, lo = cert, c, c
            else:
                hi = c
        if best is not None and rigorous:
            from chaosgym.lyapunov.rigorous import recheck

            best = recheck(best)
        frac = 0.0
        if best is not None:
            rng = np.random.default_rng(seed + 1)
            X = rng.uniform(problem.domain.lo, problem.domain.hi, (20000, problem.n))
            v = np.asarray(jax.jit(jax.vmap(problem.v_rel))(jnp.asarray(X)))
            frac = float(np.mean(v <= best_level))
    return RoaResult(best_level, best, upper, history, time.perf_counter() - t0, frac)


def sublevel_contains(problem: LyapunovProblem, level: float, x: Any) -> np.ndarray:
    """Whether points lie in ``{x ∈ D : V(x) − V(x*) ≤ level}`` (float64 evaluation)."""
    x = np.atleast_2d(np.asarray(x, np.float64))
    with jax.enable_x64(True):
        v = np.asarray(jax.vmap(problem.v_rel)(jnp.asarray(x)))
    return (v <= level) & problem.domain.contains(x)
