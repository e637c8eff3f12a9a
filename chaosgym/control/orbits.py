"""Unstable periodic orbits by Newton's method on a shooting residual.

For a flow ``x' = f(x)`` a periodic orbit is a zero of ``F(x0, T) = (φ_T(x0) − x0, g(x0))``
with ``φ_T`` the time-``T`` flow and ``g`` a phase condition that removes the shift along the
orbit (here: ``x0`` stays on the hyperplane through the initial guess orthogonal to the flow
there). ``φ_T`` is a fixed number of RK4 steps of size ``T/M``, so ``F`` is differentiable in
both ``x0`` and ``T`` and its Jacobian comes from ``jax.jacfwd``; Newton's method with a
least-squares solve converges quadratically from a close-return guess. For a map the orbit of
period ``p`` is a zero of ``F^p(x) − x``.

The initial guess is a *close return* of a chaotic trajectory: the library integrates the
system onto its attractor, records its crossings of a Poincaré section and ranks the pairs of
crossings ``p`` returns apart by the distance of their points. Newton's method from a close
return of ``p`` loops can converge to a cycle of lower period ``p/k`` traversed ``k`` times
(on the Rössler attractor the period-1 orbit traversed twice, period 2·5.881 = 11.762 and
multiplier 2.404² = 5.78, lies next to the genuine period-2 orbit, period 11.759 and
multiplier −3.512). A converged orbit is therefore accepted only if it is *prime*: for every
divisor ``k > 1`` of ``p`` the state after ``T/k`` is far from the start. Otherwise the next
close return is tried.

Distances to a flow's orbit are exact to integration accuracy, not to the sampling: the
nearest segment of the sampled closed curve gives a starting time, and a few Newton steps on
the orthogonality condition ``(φ_s(p_i) − x) · f(φ_s(p_i)) = 0`` (``p_i`` the sample point,
``φ_s`` a short RK4 flow) project ``x`` onto the orbit itself (points on the orbit measure
~1e-12 in float64, against ~1e-3 for the 512-segment polyline).

The Floquet multipliers (eigenvalues of the monodromy matrix ``∂φ_T/∂x0``) classify the
orbit: one is 1 (the flow direction); an unstable orbit has one of modulus > 1.

References:
    P. Cvitanović, R. Artuso, R. Mainieri, G. Tanner and G. Vattay, *Chaos: Classical and
    Quantum*, ChaosBook.org (2020), chapter "Fixed points, and how to get them".
    P. Pyragas, "Continuous control of chaos by self-controlling feedback", Phys. Lett. A
    170, 421–428 (1992) (the Rössler period-1 orbit as a control target).
    Rössler cycles at a = b = 0.2, c = 5.7 (ChaosBook.org, "Rössler's model" extras page):
    period 1 (A): T = 5.88108845586, Λ = −2.403953527; period 2 (AB): T = 11.7586260717,
    Λ = −3.512006980; period 3 (ABB): T = 17.5157912663. This module, float64, 8000 RK4
    steps per period: T1 = 5.88108845555, Λ1 = −2.403953532, T2 = 11.75862607165,
    Λ2 = −3.512006981; with the default 2000 steps T2 = 11.75862606906 (RK4 error 2.6e-9).
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

__all__ = [
    "PeriodicOrbit",
    "close_return",
    "close_returns",
    "find_periodic_orbit",
    "flow_map",
    "orbit_distance",
    "project_onto_orbit",
]


@dataclasses.dataclass(frozen=True)
class PeriodicOrbit:
    """A periodic orbit found by Newton shooting.

    Attributes:
        x0: a point on the orbit (float64).
        period: the period (time units; number of iterates for a map).
        multipliers: Floquet multipliers (eigenvalues of the monodromy matrix), by modulus.
        residual: ‖φ_T(x0) − x0‖ at the solution.
        iterations: Newton iterations used.
        points: ``(M + 1, n)`` samples of one period at uniform time steps (closed curve);
            for a map the ``p + 1`` points of the cycle (last == first).
        kind: ``"ode"`` or ``"map"``.
        field: the vector field ``x -> f(x)`` the orbit belongs to (flows; used by
            :meth:`distance` to project onto the orbit itself).
        returns: the number of loops (flows) or iterates (maps) of one period.
    """

    x0: np.ndarray
    period: float
    multipliers: np.ndarray
    residual: float
    iterations: int
    points: np.ndarray
    kind: str = "ode"
    field: Callable[[Array], Array] | None = dataclasses.field(
        default=None, compare=False, repr=False
    )
    returns: int = 1

    @property
    def unstable(self) -> bool:
        """True when a Floquet multiplier has modulus > 1 (beyond the trivial one)."""
        mods = np.sort(np.abs(self.multipliers))[::-1]
        return bool(mods[0] > 1.0 + 1e-6)

    @property
    def sample_dt(self) -> float:
        """Time between consecutive sample points (flows)."""
        return self.period / (self.points.shape[0] - 1)

    def distance(self, x: Array) -> Array:
        """Distance from ``x`` to the orbit (jittable).

        Flows with a known field: the distance to the orbit itself (local projection by
        Newton from the nearest sample segment, exact to RK4 accuracy); without a field: to
        the sampled closed polyline. Maps: to the nearest point of the cycle.
        """
        pts = jnp.asarray(self.points, jnp.asarray(x).dtype)
        if self.kind == "map":
            return jnp.sqrt(jnp.min(jnp.sum((pts[:-1] - x) ** 2, axis=1)))
        if self.field is None:
            return orbit_distance(x, pts)
        y = project_onto_orbit(x, pts, self.field, self.sample_dt)
        return jnp.sqrt(jnp.sum((y - x) ** 2))


def orbit_distance(x: Array, points: Array) -> Array:
    """Distance from ``x`` to the closed polyline through ``points`` (last == first).

    Resolves the orbit only to the sampling (chord error ~ h²κ/8 for sample spacing h and
    curvature κ); :func:`project_onto_orbit` removes that error for a flow.
    """
    a = points[:-1]
    d = points[1:] - a
    t = jnp.clip(jnp.sum((x - a) * d, axis=1) / jnp.maximum(jnp.sum(d * d, axis=1), 1e-30),
                 0.0, 1.0)
    diff = x - (a + t[:, None] * d)
    return jnp.sqrt(jnp.min(jnp.sum(diff * diff, axis=1)))


def project_onto_orbit(
    x: Array,
    points: Array,
    f: Callable[[Array], Array],
    h: float,
    *,
    iters: int = 4,
    substeps: int = 8,
) -> Array:
    """The point of the orbit nearest ``x``, by local projection (jittable).

    ``points`` are samples of the orbit at time spacing ``h`` (closed: last == first). From
    the nearest segment ``[p_i, p_{i+1}]`` (chord parameter ``t``) the time ``s`` along the
    orbit from ``p_i`` solves ``g(s) = (φ_s(p_i) − x) · f(φ_s(p_i)) = 0`` by Newton's method,
    ``φ_s`` being ``substeps`` RK4 steps of size ``s/substeps`` and ``s`` kept in
    ``[−h, 2h]``; the derivative ``g'(s) = |f|² + (y − x)·Df f`` is bounded below by
    ``|f|²/2`` (a Gauss–Newton step where the full one would not descend).
    """
    a = points[:-1]
    d = points[1:] - a
    t = jnp.clip(jnp.sum((x - a) * d, axis=1) / jnp.maximum(jnp.sum(d * d, axis=1), 1e-30),
                 0.0, 1.0)
    diff = x - (a + t[:, None] * d)
    i = jnp.argmin(jnp.sum(diff * diff, axis=1))
    p = a[i]
    h = jnp.asarray(h, x.dtype)

    def y_of(s):
        return jax.lax.fori_loop(0, substeps, lambda _, y: rk_step(f, y, s / substeps, RK4), p)

    def g(s):
        y = y_of(s)
        return jnp.dot(y - x, f(y))

    def newton(_, s):
        gs, dg = jax.jvp(g, (s,), (jnp.ones_like(s),))
        fy = f(y_of(s))
        dg = jnp.maximum(dg, 0.5 * jnp.dot(fy, fy))
        return jnp.clip(s - gs / dg, -h, 2.0 * h)

    s = jax.lax.fori_loop(0, iters, newton, t[i] * h)
    y = y_of(s)
    chord = a[i] + t[i] * d[i]
    # keep the chord point if the projection failed (non-finite, or a far point where the
    # local problem is ill-posed and the result is worse than the chord by a segment length)
    ok = jnp.all(jnp.isfinite(y)) & (
        jnp.sum((y - x) ** 2) <= jnp.sum((chord - x) ** 2) + jnp.sum(d[i] ** 2)
    )
    return jnp.where(ok, y, chord)


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


def close_returns(
    f: Callable[[Array], Array],
    x0: Array,
    *,
    dt: float = 0.01,
    transient: float = 200.0,
    duration: float = 400.0,
    section: int = 1,
    returns: int = 1,
) -> list[tuple[np.ndarray, float, float]]:
    """Close-return guesses ``(x, T, gap)`` for ``returns``-loop orbits, closest first.

    Integrates from ``x0`` past ``transient``, records the upward crossings of the plane
    ``x[section] = mean`` over ``duration`` (linear interpolation) and, for every crossing,
    the distance ``gap`` to its ``returns``-th successor and the elapsed time ``T``.
    """
    if int(returns) < 1:
        raise ValueError(f"returns must be >= 1, got {returns}")
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
    order = np.argsort(gaps, kind="stable")
    return [(pts[j], float(times[j + returns] - times[j]), float(gaps[j])) for j in order]


def close_return(
    f: Callable[[Array], Array],
    x0: Array,
    **kwargs: Any,
) -> tuple[np.ndarray, float]:
    """The closest return ``(x, T)`` of :func:`close_returns` (same arguments)."""
    x, T, _ = close_returns(f, x0, **kwargs)[0]
    return x, T


def _divisors(p: int) -> list[int]:
    return [k for k in range(2, p + 1) if p % k == 0]


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
    max_tries: int = 12,
) -> PeriodicOrbit:
    """Find a periodic orbit by Newton shooting (flows) or Newton on ``F^p(x) − x`` (maps).

    The orbit returned is prime: a cycle of lower period traversed several times (which
    Newton's method can converge to from a close return) is rejected and the next close
    return tried; likewise a map's fixed point when a 2-cycle is asked for.

    Args:
        system: a registered system (name or spec) or a callable vector field.
        x_guess, period_guess: the initial guess; by default close returns of a chaotic
            trajectory (flows) or of an orbit (maps) with ``returns`` loops / iterates, tried
            closest first.
        params: system params (default: the spec's).
        returns: loops around the attractor (flows) or the period ``p`` (maps).
        section: state component whose mean-crossings define the Poincaré section.
        steps: RK4 steps per period in the shooting map.
        tol: Newton tolerance on the residual.
        samples: points sampled along the converged orbit.
        key: PRNG key of the trajectory the close returns come from.
        max_tries: close returns tried before giving up.

    Raises:
        RuntimeError: if Newton's method converges to no prime orbit.
    """
    returns = int(returns)
    if returns < 1:
        raise ValueError(f"returns must be >= 1, got {returns}")
    f, kind, spec = _field(system, params)
    with jax.enable_x64(True):
        if kind == "map":
            return _map_orbit(f, spec, params, x_guess, returns, tol, max_iter, key, max_tries)
        if kind != "ode":
            raise ValueError(f"periodic orbits of a {kind!r} system are not supported")
        if x_guess is not None and period_guess is not None:
            guesses = [(np.asarray(x_guess, np.float64), float(period_guess))]
        else:
            if spec is None:
                raise ValueError("a callable vector field needs x_guess and period_guess")
            p = spec.params if params is None else params
            k = jax.random.key(0) if key is None else key
            start = spec.initial_state(k, p)
            cands = close_returns(f, start, dt=min(spec.lyapunov_dt, 0.02),
                                  transient=max(spec.warmup, 50.0), duration=300.0,
                                  section=section, returns=returns)
            guesses = [
                (c[0] if x_guess is None else np.asarray(x_guess, np.float64),
                 c[1] if period_guess is None else float(period_guess))
                for c in cands[:max_tries]
            ]
        shooter = _Shooter(f, steps)
        rejected = []
        last_err = "no guess"
        for xg, Tg in guesses:
            try:
                x0, T, r_norm, it = shooter.solve(xg, Tg, tol, max_iter)
            except RuntimeError as e:
                last_err = str(e)
                continue
            lower = shooter.lower_period(x0, T, returns)
            if lower is not None:
                rejected.append(f"T = {T:.6f} is {lower} × a period-{returns // lower} cycle")
                continue
            return _flow_orbit(f, shooter, x0, T, r_norm, it, samples, steps, returns)
        detail = "; ".join(rejected) if rejected else last_err
        raise RuntimeError(
            f"no prime {returns}-loop periodic orbit found from {len(guesses)} close "
            f"return(s): {detail}"
        )


class _Shooter:
    """Newton shooting for one vector field, compiled once for every guess."""

    def __init__(self, f: Callable[[Array], Array], steps: int) -> None:
        self.phi = flow_map(f, steps)
        phi = self.phi

        def residual(z, xg, normal):
            n = xg.shape[0]
            x, T = z[:n], z[n]
            return jnp.concatenate([phi(x, T) - x, jnp.dot(x - xg, normal)[None]])

        self.res = jax.jit(residual)
        self.res_j = jax.jit(lambda z, xg, nrm: (residual(z, xg, nrm),
                                                 jax.jacfwd(residual)(z, xg, nrm)))
        self.f = f
        self.jphi = jax.jit(phi)

    def solve(self, xg, Tg, tol, max_iter):
        xg = jnp.asarray(xg, jnp.float64)
        n = xg.shape[0]
        fg = self.f(xg)
        normal = fg / jnp.linalg.norm(fg)
        z = jnp.concatenate([xg, jnp.asarray([Tg], jnp.float64)])
        r_norm = np.inf
        it = 0
        for it in range(1, max_iter + 1):  # noqa: B007
            r, J = self.res_j(z, xg, normal)
            r_norm = float(jnp.linalg.norm(r))
            if not np.isfinite(r_norm) or r_norm < tol:
                break
            dz = jnp.linalg.lstsq(J, -r)[0]
            # damped step: halve until the residual decreases
            lam = 1.0
            for _ in range(20):
                z_try = z + lam * dz
                if float(jnp.linalg.norm(self.res(z_try, xg, normal))) < r_norm or lam < 1e-3:
                    break
                lam *= 0.5
            z = z_try
        if not (np.isfinite(r_norm) and r_norm < max(tol, 1e-8)) or float(z[n]) <= 0:
            raise RuntimeError(
                f"Newton shooting did not converge (residual {r_norm:.3e} after {it} iterations)"
            )
        return z[:n], z[n], r_norm, it

    def lower_period(self, x0, T, returns: int) -> int | None:
        """The largest ``k | returns`` with ``φ_{T/k}(x0) ≈ x0`` (a k-fold cycle), or None."""
        scale = 1.0 + float(jnp.max(jnp.abs(x0)))
        for k in sorted(_divisors(returns), reverse=True):
            y = self.jphi(x0, T / k)
            if float(jnp.linalg.norm(y - x0)) < 1e-6 * scale:
                return k
        return None


def _flow_orbit(f, shooter, x0, T, r_norm, it, samples, steps, returns) -> PeriodicOrbit:
    M = jax.jacfwd(shooter.phi, argnums=0)(x0, T)
    mult = np.linalg.eigvals(np.asarray(M))
    mult = mult[np.argsort(-np.abs(mult))]
    h = T / samples
    # finer than the shooting map: the samples seed the projection in distance()
    sub = max(4, -(-8 * steps // samples))

    def body(y, _):
        y2 = jax.lax.fori_loop(0, sub, lambda _, w: rk_step(f, w, h / sub, RK4), y)
        return y2, y2

    pts = jax.lax.scan(body, x0, None, length=samples)[1]
    points = np.concatenate([np.asarray(x0)[None], np.asarray(pts)], axis=0)
    points[-1] = points[0]
    return PeriodicOrbit(
        x0=np.asarray(x0), period=float(T), multipliers=mult, residual=r_norm,
        iterations=it, points=points, kind="ode", field=f, returns=returns,
    )


def _map_orbit(F, spec, params, x_guess, p, tol, max_iter, key, max_tries) -> PeriodicOrbit:
    def Fp(x):
        return jax.lax.fori_loop(0, p, lambda _, y: F(y), x)

    if x_guess is None:
        if spec is None:
            raise ValueError("a callable map needs x_guess")
        prm = spec.params if params is None else params
        k = jax.random.key(0) if key is None else key
        x = spec.initial_state(k, prm).astype(jnp.float64)
        run = jax.jit(lambda y: jax.lax.scan(lambda z, _: (F(z), F(z)), y, None, length=2000)[1])
        x = jax.jit(lambda y: jax.lax.fori_loop(0, 200, lambda _, z: F(z), y))(x)
        traj = np.asarray(run(x))
        gaps = np.linalg.norm(traj[p:] - traj[:-p], axis=1)
        guesses = [traj[j] for j in np.argsort(gaps, kind="stable")[: max_tries * 20 : 20]]
    else:
        guesses = [np.asarray(x_guess, np.float64)]
    G = jax.jit(lambda y: (Fp(y) - y, jax.jacfwd(Fp)(y) - jnp.eye(y.shape[0])))
    jF = jax.jit(F)
    rejected = []
    r_norm = np.inf
    for xg in guesses:
        x = jnp.asarray(xg, jnp.float64)
        r_norm = np.inf
        it = 0
        for it in range(1, max_iter + 1):  # noqa: B007
            r, J = G(x)
            r_norm = float(jnp.linalg.norm(r))
            if r_norm < tol or not np.isfinite(r_norm):
                break
            x = x + jnp.linalg.lstsq(J, -r)[0]
        if not (np.isfinite(r_norm) and r_norm < max(tol, 1e-8)):
            continue
        pts = [np.asarray(x)]
        for _ in range(p):
            pts.append(np.asarray(jF(jnp.asarray(pts[-1]))))
        pts = np.asarray(pts)
        scale = 1.0 + float(np.max(np.abs(pts[0])))
        prime = next((q for q in range(1, p) if p % q == 0
                      and np.linalg.norm(pts[q] - pts[0]) < 1e-8 * scale), None)
        if prime is not None:
            rejected.append(f"a period-{prime} cycle")
            continue
        mult = np.linalg.eigvals(np.asarray(jax.jacfwd(Fp)(x)))
        mult = mult[np.argsort(-np.abs(mult))]
        return PeriodicOrbit(x0=np.asarray(x), period=float(p), multipliers=mult,
                             residual=r_norm, iterations=it, points=pts, kind="map", returns=p)
    detail = "; ".join(rejected) if rejected else f"residual {r_norm:.3e}"
    raise RuntimeError(f"Newton on F^{p}(x) = x found no prime period-{p} cycle: {detail}")
