"""Falsifier: search for points where a Lyapunov candidate fails.

:func:`falsify` evaluates the violation ``max(m − (V − V*), dV + m)`` of a
:class:`~chaosgym.lyapunov.problem.LyapunovProblem` on a batch of points — uniform samples,
points on the faces and vertices of the box, and shells of geometrically shrinking radius
around the equilibrium — then runs multi-start projected gradient ascent on the violation
from the worst points. Everything runs in one jitted float64 call with fixed-size buffers.
It returns only points whose violation, re-evaluated in float64, is ``≥ 0`` (outside a tiny
exclusion ball around the equilibrium). It never claims that the candidate is valid: a
violation on a measure-zero set (``dV/dt = 0`` on a line) is invisible to sampling; use
:func:`chaosgym.lyapunov.certify` for proofs.

References:
    Y.-C. Chang, N. Roohi and S. Gao, "Neural Lyapunov control", NeurIPS (2019) (falsifier
    in a learner–verifier loop). A. Abate et al., "FOSSIL: a software tool for the formal
    synthesis of Lyapunov functions and barrier certificates", HSCC (2021).
"""

from __future__ import annotations

import dataclasses
import time
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from chaosgym.lyapunov.problem import LyapunovProblem

__all__ = ["FalsifyResult", "falsify"]


@dataclasses.dataclass
class FalsifyResult:
    """Counterexamples (float64, worst first) and what the search cost."""

    counterexamples: np.ndarray
    violations: np.ndarray
    n_evaluated: int
    best_violation: float
    seconds: float

    @property
    def found(self) -> bool:
        return len(self.counterexamples) > 0

    def __repr__(self) -> str:
        return (f"FalsifyResult({len(self.counterexamples)} counterexamples, worst violation "
                f"{self.best_violation:.3g}, {self.n_evaluated} evaluations, {self.seconds:.2f}s)")


def _build(problem: LyapunovProblem, n_samples: int, n_starts: int, steps: int,
           max_out: int, exclude: float):
    n = problem.n
    lo = jnp.asarray(problem.domain.lo)
    hi = jnp.asarray(problem.domain.hi)
    xe = jnp.asarray(problem.x_eq)
    width = hi - lo
    scale = jnp.max(width)
    width = jnp.where(width > 0, width, 1.0)
    n_vert = min(2**n, 256)
    n_face = n_samples // 4
    n_shell = n_samples // 4
    n_unif = n_samples - n_face - n_shell

    def viol(x):
        v = problem.violation(x)
        near = jnp.max(jnp.abs(x - xe)) <= exclude * scale
        v = jnp.where(near, -jnp.inf, v)
        return jnp.where(jnp.isnan(v), -jnp.inf, v)

    vviol = jax.vmap(viol)
    gviol = jax.vmap(jax.grad(lambda x: problem.violation(x)))

    def sample(rng: np.random.Generator) -> np.ndarray:
        lo_, hi_ = problem.domain.lo, problem.domain.hi
        w_ = hi_ - lo_
        u = rng.uniform(lo_, hi_, (n_unif, n))
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
        return np.concatenate([u, fcs, verts, shell])

    def run(X):
        v = vviol(X)
        _, idx = jax.lax.top_k(v, n_starts)
        x0 = X[idx]

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

        _, bx, bv = jax.lax.fori_loop(0, steps, body, (x0, x0, v[idx]))
        allx = jnp.concatenate([X, bx])
        allv = jnp.concatenate([v, bv])
        top_v, top_i = jax.lax.top_k(allv, max_out)
        return allx[top_i], top_v

    return sample, jax.jit(run), n_unif + n_face + n_vert + n_shell + n_starts * steps


def falsify(
    problem: LyapunovProblem,
    key: Any = None,
    *,
    n_samples: int = 4096,
    n_starts: int = 64,
    steps: int = 100,
    max_counterexamples: int = 16,
    exclude: float = 1e-9,
) -> FalsifyResult:
    """Search for counterexamples to ``problem``'s candidate; see the module docstring.

    Args:
        problem: the candidate and its system.
        key: a JAX PRNG key (default ``jax.random.key(0)``).
        n_samples: points sampled (a quarter on faces, a quarter on shells near ``x_eq``).
        n_starts: gradient-ascent starts taken from the worst samples.
        steps: ascent steps per start.
        max_counterexamples: size of the returned buffer.
        exclude: points within ``exclude · max(width)`` of ``x_eq`` (sup norm) are ignored.

    Returns:
        a :class:`FalsifyResult` whose counterexamples all have float64 violation ``≥ 0``.
    """
    t0 = time.perf_counter()
    with jax.enable_x64(True):
        key = jax.random.key(0) if key is None else key
        ck = ("falsify", n_samples, n_starts, steps, max_counterexamples, exclude)
        if ck not in problem._cache:
            problem._cache[ck] = _build(problem, n_samples, min(n_starts, n_samples),
                                        steps, max_counterexamples, exclude)
        sample, run, n_eval = problem._cache[ck]
        seed = np.asarray(jax.random.key_data(key)).astype(np.uint64).ravel().tolist()
        xs, vs = run(jnp.asarray(sample(np.random.default_rng(seed))))
        xs = np.asarray(xs, np.float64)
        # re-evaluate the survivors in float64, one point at a time
        vv = np.asarray(jax.vmap(problem.violation)(jnp.asarray(xs)), np.float64)
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
    best = float(np.max(np.where(np.isfinite(vs), vs, -np.inf))) if len(vs) else -np.inf
    return FalsifyResult(cx, cv, int(n_eval), best, time.perf_counter() - t0)
