"""Unstable periodic orbits by Newton's method on a shooting residual.

For a flow ``x' = f(x)`` a periodic orbit is a zero of ``F(x0, T) = (φ_T(x0) − x0, g(x0))``
with ``φ_T`` the time-``T`` flow and ``g`` a phase condition that removes the shift along the
orbit (here: ``x0`` stays on the hyperplane through the initial guess orthogonal to the flow
there). ``φ_T`` is a fixed number of RK4 steps of size ``T/M``, so ``F`` is differentiable in
both ``x0`` and ``T`` and its Jacobian comes from ``jax.jacfwd``; Newton's method with a
least-squares solve converges quadratically from a close-return guess. For a map the orbit of
period ``p`` is a zero of ``F^p(x) − x``.

The initial guess is a *close return* of a chaotic trajectory: the library integrates the
system onto its attractor, records its crossings of a Poincaré section and picks the pair of
crossings ``p`` returns apart whose points are closest.

The Floquet multipliers (eigenvalues of the monodromy matrix ``∂φ_T/∂x0``) classify the
orbit: one is 1 (the flow direction); an unstable orbit has one of modulus > 1.

References:
    P. Cvitanović, R. Artuso, R. Mainieri, G. Tanner and G. Vattay, *Chaos: Classical and
    Quantum*, ChaosBook.org (2020), chapter "Fixed points, and how to get them".
    P. Pyragas, "Continuous control of chaos by self-controlling feedback", Phys. Lett. A
    170, 421–428 (1992) (the Rössler period-1 orbit as a control target).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from chaosgym.integrators.rk import RK4, rk_step

Array = jax.Array

__all__ = ["PeriodicOrbit", "close_return", "find_periodic_orbit", "flow_map"]


@dataclasses.dataclass(frozen=True)
class PeriodicOrbit:
    """A periodic orbit found by Newton shooting.

    Attributes:
        x0: a point on the orbit (float64).
        period: the period (time units; number of iterates for a map).
        multipliers: Floquet multipliers (eigenvalues of the monodromy matrix), by modulus.
        residual: ‖φ_T(x0) − x0‖ at the solution.
        iterations: Newton iterations used.
        points: ``(M + 1, n)`` samples of one period at uniform time steps (closed curve).
        kind: ``"ode"`` or ``"map"``.
    """

    x0: np.ndarray
    period: float
    multipliers: np.ndarray
    residual: float
    iterations: int
    points: np.ndarray
    kind: str = "ode"

    @property
    def unstable(self) -> bool:
        """True when a Floquet multiplier has modulus > 1 (beyond the trivial one)."""
        mods = np.sort(np.abs(self.multipliers))[::-1]
        return bool(mods[0] > 1.0 + 1e-6)

    def distance(self, x: Array) -> Array:
        """Distance from ``x`` to the orbit (to its piecewise-linear sampled curve; jittable)."""
        return orbit_distance(x, jnp.asarray(self.points, jnp.asarray(x).dtype))


def orbit_distance(x: Array, points: Array) -> Array:
    """Distance from ``x`` to the closed polyline through ``points`` (last == first)."""
    a = points[:-1]
    d = points[1:] - a
    t = jnp.clip(jnp.sum((x - a) * d, axis=1) / jnp.maximum(jnp.sum(d * d, axis=1), 1e-30),
                 0.0, 1.0)
    diff = x - (a + t[:, None] * d)
    return jnp.sqrt(jnp.min(jnp.sum(diff * diff, axis=1)))


def flow_map(f: Callable[[Array], Array], steps: int) -> Callable[[Array, Array], Array]:
    """``(x0, T) -> φ_T(x0)`` by ``steps`` RK4 steps of size ``T/steps`` (differentiable in T)."""

    def phi(x0: Array, T: Array) -> Array:
        h = T / steps
        return jax.lax.fori_loop(0, steps, lambda _, y: rk_step(f, y, h, RK4), x0)

    return phi


def _field(system: Any, params: Any) -> tuple[Callable[[Array], Array], str, Any]:
    from chaosgym import systems
    from chaosgym.systems.base import SystemSpec

    if isinstance(system, str):
        system = systems.get(system)
    if isinstance(system, SystemSpec):
        p = system.params if params is None else params
        if system.vector_field is None:
            raise ValueError(f"{system.name}: no vector field to find orbits of")
        return (lambda x: system.vector_field(x, p)), system.kind, system
    if callable(system):
        return system, "ode", None
    raise TypeError(f"system must be a SystemSpec, a name or a callable, got {system!r}")


def close_return(
    f: Callable[[Array], Array],
    x0: Array,
    *,
    dt: float = 0.01,
    transient: float = 200.0,
    duration: float = 400.0,
    section: int = 1,
    returns: int = 1,
) -> tuple[np.ndarray, float]:
    """A close-return guess ``(x, T)`` for a ``returns``-loop periodic orbit of a flow.

    Integrates from ``x0`` past ``transient``, records the upward crossings of the plane
    ``x[section] = mean`` over ``duration`` (linear interpolation), and returns the crossing
    whose ``returns``-th successor is closest, with the elapsed time.
    """
    with jax.enable_x64(True):
        x0 = jnp.asarray(x0, jnp.float64)
        n_t = int(np.ceil(transient / dt))
        n_d = int(np.ceil(duration / dt))

        @jax.jit
        def run(x):
            x = jax.lax.fori_loop(0, n_t, lambda _, y: rk_step(f, y, dt, RK4), x)

            def body(y, _):
                y2 = rk_step(f, y, dt, RK4)
                return y2, y2

            return jax.lax.scan(body, x, None, length=n_d)[1]

        traj = np.asarray(run(x0))
    s = traj[:, section]
    c = float(np.mean(s))
    idx = np.nonzero((s[:-1] < c) & (s[1:] >= c))[0]
    if len(idx) < returns + 2:
        raise RuntimeError("too few section crossings for a close-return guess; integrate longer")
    w = (c - s[idx]) / (s[idx + 1] - s[idx])
    pts = traj[idx] + w[:, None] * (traj[idx + 1] - traj[idx])
    times = (idx + w) * dt
    gaps = np.linalg.norm(pts[returns:] - pts[:-returns], axis=1)
    j = int(np.argmin(gaps))
    return pts[j], float(times[j + returns] - times[j])


def find_periodic_orbit(
    system: Any,
    x_guess: Array | None = None,
    period_guess: float | None = None,
    *,
    params: Any = None,
    returns: int = 1,
    section: int = 1,
    steps: int = 2000,
    tol: float = 1e-10,
    max_iter: int = 30,
    samples: int = 512,
    key: Array | None = None,
) -> PeriodicOrbit:
    """Find a periodic orbit by Newton shooting (flows) or Newton on ``F^p(x) − x`` (maps).

    Args:
        system: a registered system (name or spec) or a callable vector field.
        x_guess, period_guess: the initial guess; by default a close return of a chaotic
            trajectory (flows) or of an orbit (maps) with ``returns`` loops / iterates.
        params: system params (default: the spec's).
        returns: loops around the attractor (flows) or the period ``p`` (maps).
        section: state component whose mean-crossings define the Poincaré section.
        steps: RK4 steps per period in the shooting map.
        tol: Newton tolerance on the residual.
        samples: points sampled along the converged orbit.

    Raises:
        RuntimeError: if Newton's method does not converge.
    """
    f, kind, spec = _field(system, params)
    with jax.enable_x64(True):
        if kind == "map":
            return _map_orbit(f, spec, params, x_guess, returns, tol, max_iter, key)
        if kind != "ode":
            raise ValueError(f"periodic orbits of a {kind!r} system are not supported")
        if x_guess is None or period_guess is None:
            if spec is None:
                raise ValueError("a callable vector field needs x_guess and period_guess")
            p = spec.params if params is None else params
            k = jax.random.key(0) if key is None else key
            start = spec.initial_state(k, p)
            xg, Tg = close_return(f, start, dt=min(spec.lyapunov_dt, 0.02),
                                  transient=max(spec.warmup, 50.0), duration=300.0,
                                  section=section, returns=returns)
            x_guess = xg if x_guess is None else x_guess
            period_guess = Tg if period_guess is None else period_guess
        xg = jnp.asarray(x_guess, jnp.float64)
        n = xg.shape[0]
        fg = f(xg)
        normal = fg / jnp.linalg.norm(fg)
        phi = flow_map(f, steps)

        def residual(z):
            x, T = z[:n], z[n]
            return jnp.concatenate([phi(x, T) - x, jnp.dot(x - xg, normal)[None]])

        res_j = jax.jit(lambda z: (residual(z), jax.jacfwd(residual)(z)))
        z = jnp.concatenate([xg, jnp.asarray([period_guess], jnp.float64)])
        r_norm = np.inf
        it = 0
        for it in range(1, max_iter + 1):  # noqa: B007
            r, J = res_j(z)
            r_norm = float(jnp.linalg.norm(r))
            if not np.isfinite(r_norm):
                break
            if r_norm < tol:
                break
            dz = jnp.linalg.lstsq(J, -r)[0]
            # damped step: halve until the residual decreases
            lam = 1.0
            for _ in range(20):
                z_try = z + lam * dz
                if float(jnp.linalg.norm(residual(z_try))) < r_norm or lam < 1e-3:
                    break
                lam *= 0.5
            z = z_try
        if not (np.isfinite(r_norm) and r_norm < max(tol, 1e-8)):
            raise RuntimeError(
                f"Newton shooting did not converge (residual {r_norm:.3e} after {it} iterations)"
            )
        x0, T = z[:n], z[n]
        M = jax.jacfwd(phi, argnums=0)(x0, T)
        mult = np.linalg.eigvals(np.asarray(M))
        mult = mult[np.argsort(-np.abs(mult))]
        h = T / samples

        def body(y, _):
            y2 = jax.lax.fori_loop(0, max(1, steps // samples),
                                   lambda _, w: rk_step(f, w, h / max(1, steps // samples), RK4),
                                   y)
            return y2, y2

        pts = jax.lax.scan(body, x0, None, length=samples)[1]
        points = np.concatenate([np.asarray(x0)[None], np.asarray(pts)], axis=0)
        points[-1] = points[0]
        return PeriodicOrbit(
            x0=np.asarray(x0), period=float(T), multipliers=mult, residual=r_norm,
            iterations=it, points=points, kind="ode",
        )


def _map_orbit(F, spec, params, x_guess, p, tol, max_iter, key) -> PeriodicOrbit:
    def Fp(x):
        return jax.lax.fori_loop(0, p, lambda _, y: F(y), x)

    if x_guess is None:
        if spec is None:
            raise ValueError("a callable map needs x_guess")
        prm = spec.params if params is None else params
        k = jax.random.key(0) if key is None else key
        x = spec.initial_state(k, prm).astype(jnp.float64)
        traj = []
        for _ in range(200):
            x = F(x)
        for _ in range(2000):
            x = F(x)
            traj.append(np.asarray(x))
        traj = np.asarray(traj)
        gaps = np.linalg.norm(traj[p:] - traj[:-p], axis=1)
        x_guess = traj[int(np.argmin(gaps))]
    x = jnp.asarray(x_guess, jnp.float64)
    r_norm = np.inf
    it = 0
    G = jax.jit(lambda y: (Fp(y) - y, jax.jacfwd(Fp)(y) - jnp.eye(y.shape[0])))
    for it in range(1, max_iter + 1):  # noqa: B007
        r, J = G(x)
        r_norm = float(jnp.linalg.norm(r))
        if r_norm < tol or not np.isfinite(r_norm):
            break
        x = x + jnp.linalg.lstsq(J, -r)[0]
    if not (np.isfinite(r_norm) and r_norm < max(tol, 1e-8)):
        raise RuntimeError(f"Newton on F^{p}(x) = x did not converge (residual {r_norm:.3e})")
    mult = np.linalg.eigvals(np.asarray(jax.jacfwd(Fp)(x)))
    mult = mult[np.argsort(-np.abs(mult))]
    pts = [np.asarray(x)]
    for _ in range(p):
        pts.append(np.asarray(F(jnp.asarray(pts[-1]))))
    return PeriodicOrbit(x0=np.asarray(x), period=float(p), multipliers=mult, residual=r_norm,
                         iterations=it, points=np.asarray(pts), kind="map")
