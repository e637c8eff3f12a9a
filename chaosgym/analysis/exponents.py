"""Lyapunov exponents by the Benettin / QR method with tangent dynamics from ``jax.linearize``.

The tangent map is always the exact derivative of the *numerical* one-step map that is
averaged, so the computed exponents are those of the discretised system:

* an ODE given by its vector field: one Runge–Kutta step of size ``dt`` (the exponents
  converge to the flow's at the integrator's order);
* a system with its own stepper (every PDE — ETDRK4 with coefficients computed once — and
  stiff or wrapped ODEs such as Sabra, Duffing and the double pendulum): that stepper over
  ``dt`` time units, in substeps no longer than the environment's own integration step;
* a map: the map itself.

Every ``renorm_every`` steps the tangent vectors are re-orthonormalised by a QR decomposition
and the logarithms of ``|diag R|`` are accumulated. Initial conditions are processed in
parallel with ``vmap`` and the whole run is one ``lax.scan``.

Units: exponents are per unit of the system's own time for flows and PDEs, and for maps that
advance a continuous time (a delay equation stepped by the method of steps declares the time
of one iterate in ``SystemSpec.iterate_time``); per iterate for genuine maps. The result says
which (:attr:`LyapunovResult.unit`).

Compiled programs are cached by everything the program depends on — the vector field, the
stepper and model builders, the actuation, the static part of the parameters and the run
configuration — never by a system's name, so a modified spec gets its own program.

References:
    G. Benettin, L. Galgani, A. Giorgilli and J.-M. Strelcyn, "Lyapunov characteristic
    exponents for smooth dynamical systems and for Hamiltonian systems; a method for computing
    all of them", Meccanica 15, 9–30 (1980).
    A. Wolf, J. B. Swift, H. L. Swinney and J. A. Vastano, "Determining Lyapunov exponents
    from a time series", Physica D 16, 285–317 (1985).
    A.-K. Kassam and L. N. Trefethen, "Fourth-order time-stepping for stiff PDEs", SIAM J.
    Sci. Comput. 26, 1214–1233 (2005) (the ETDRK4 step differentiated here for PDEs).
"""

from __future__ import annotations

import contextlib
import dataclasses
import time
from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from chaosgym.analysis.result import LyapunovResult, kaplan_yorke
from chaosgym.integrators.rk import get_tableau, rk_step

Array = jax.Array

__all__ = ["PDE_DEFAULT_EXPONENTS", "LyapunovResult", "kaplan_yorke", "spectrum"]

#: Leading exponents computed by default for a PDE or a delay equation (their discretised
#: spectra are mostly strongly damped directions that float64 cannot resolve).
PDE_DEFAULT_EXPONENTS = 8


@dataclasses.dataclass(frozen=True)
class _Plan:
    """What one Benettin run averages: ``step(x, params) -> x_next`` over ``h`` time units."""

    step: Callable[[Array, Any], Array]
    h: float
    unit: str  # "time" or "iterate"
    spec: Any
    params: Any
    pde: bool
    deps: tuple | None  # cache key parts (None: do not cache)
    refs: tuple = ()  # objects whose ids are in deps (kept alive with the cache entry)


def _key_part(obj: Any, refs: list) -> Any:
    """``obj`` itself if hashable (functions hash by identity), else its id (kept alive)."""
    try:
        hash(obj)
    except TypeError:
        refs.append(obj)
        return (type(obj).__qualname__, id(obj))
    return obj


def _spec_plan(spec, params, dt, actuation, policy, integrator) -> _Plan:
    params = spec.params if params is None else params
    act = spec.actuation(actuation)
    m = act.num_inputs(params)

    def control(x: Array) -> Array:
        if policy is None:
            return jnp.zeros((m,), x.dtype)
        return jnp.asarray(policy(x), x.dtype).reshape(m)

    refs: list = []
    common = (spec.kind, _key_part(spec.vector_field, refs), _key_part(act, refs),
              jax.tree_util.tree_structure(params))
    if spec.kind == "map":
        if dt is not None:
            raise ValueError(f"{spec.name} is a map: its time per iterate is fixed by the spec "
                             "(SystemSpec.iterate_time); do not pass dt")
        field = spec.controlled_field(actuation)
        it = spec.iterate_time
        h = 1.0 if it is None else float(it(params) if callable(it) else it)
        if not (np.isfinite(h) and h > 0):
            raise ValueError(f"{spec.name}: iterate_time must be positive, got {h}")

        def step(x, p):
            return field(x, control(x), p)

        deps = (*common, "map")
        return _Plan(step, h, "iterate" if it is None else "time", spec, params, False, deps,
                     tuple(refs))
    h = float(spec.lyapunov_dt if dt is None else dt)
    if not (np.isfinite(h) and h > 0):
        raise ValueError(f"dt must be a positive finite time step, got {dt!r}")
    if spec.make_stepper is None:
        if spec.kind != "ode":
            raise ValueError(f"{spec.name}: a {spec.kind!r} system needs its own make_stepper")
        field = spec.controlled_field(actuation)
        tab = get_tableau(integrator or "rk4")

        def step(x, p):
            return rk_step(lambda y: field(y, control(y), p), x, h, tab)

        deps = (*common, "rk", integrator or "rk4", h)
        return _Plan(step, h, "time", spec, params, False, deps, tuple(refs))
    # The system's own stepper over h, in substeps no longer than the environment's.
    h_env = spec.dt / spec.substeps
    substeps = max(1, round(h / h_env))
    integ = integrator or spec.integrator
    stepper = spec.make_stepper(spec, actuation, h, substeps, integ, params)

    def step(x, p):
        return stepper(x, control(x), p)

    deps = (*common, "stepper", _key_part(spec.make_stepper, refs),
            _key_part(getattr(spec, "model", None), refs), integ, h, substeps)
    return _Plan(step, h, "time", spec, params, spec.kind == "pde", deps, tuple(refs))


def _resolve(system, params, kind, dt, actuation, policy, integrator) -> _Plan:
    """The averaged step map for a spec, a system name or a callable."""
    from chaosgym import systems
    from chaosgym.systems.base import SystemSpec

    if isinstance(system, str):
        system = systems.get(system)
    if isinstance(system, SystemSpec):
        if kind is not None and kind != ("dt" if system.kind == "map" else "ct"):
            raise ValueError(f"kind={kind!r} contradicts {system.name}'s kind {system.kind!r}")
        plan = _spec_plan(system, params, dt, actuation, policy, integrator)
        if policy is not None:  # a closed loop's program depends on the policy: not cached
            plan = dataclasses.replace(plan, deps=None)
        return plan
    if not callable(system):
        raise TypeError(f"system must be a SystemSpec, a system name or a callable, got {system!r}")
    if policy is not None:
        raise ValueError("pass policy only with a registered system; close the loop in f")
    kind = kind or "ct"
    if kind not in ("ct", "dt"):
        raise ValueError(f"kind must be 'ct' or 'dt', got {kind!r}")
    if kind == "ct":
        if dt is None:
            raise ValueError("a continuous-time callable needs dt")
        h = float(dt)
        tab = get_tableau(integrator or "rk4")

        def step(x, p):
            return rk_step(system, x, h, tab)

        return _Plan(step, h, "time", None, params, False, None)
    h = 1.0 if dt is None else float(dt)

    def step_map(x, p):
        return system(x)

    return _Plan(step_map, h, "iterate" if dt is None else "time", None, params, False, None)


def spectrum(
    system: Any,
    x0: Array | None = None,
    *,
    params: Any = None,
    kind: str | None = None,
    dt: float | None = None,
    steps: int | None = None,
    transient: int | None = None,
    tangent_transient: int | None = None,
    n_exp: int | None = None,
    n_ic: int = 4,
    renorm_every: int | None = None,
    key: Array | None = None,
    integrator: str | None = None,
    actuation: str | None = None,
    policy: Callable[[Array], Array] | None = None,
    float64: bool = True,
    n_history: int = 100,
) -> LyapunovResult:
    """Lyapunov spectrum of a system or closed loop, in the system's natural time unit.

    Args:
        system: a :class:`~chaosgym.systems.base.SystemSpec`, a registered system name, or a
            callable ``x -> dx/dt`` (``kind="ct"``, needs ``dt``) or ``x -> x_next``
            (``kind="dt"``; exponents per iterate, or per unit time if ``dt`` gives the time
            one iterate advances). Close a loop with ``policy`` (``x -> u``, physical units)
            for a registered system, or by writing the closed loop into the callable.
        x0: initial condition(s) ``(n,)`` or ``(n_ic, n)``. Default: ``n_ic`` samples of the
            system's ``initial_state`` (needs a system spec).
        params: system parameters (default: the spec's).
        dt: time per averaged step (default: the spec's ``lyapunov_dt``). For an ODE it is the
            Runge–Kutta step; for a system with its own stepper (PDEs) the stepper runs over
            ``dt`` in substeps no longer than the environment's. Not accepted for a spec map.
        steps: averaged steps per initial condition (default 100 000; 2 000 for a PDE).
        transient: steps discarded before averaging (default: the spec's warm-up, or 1000).
        tangent_transient: steps over which tangent vectors align before averaging
            (default: ``steps // 20``).
        n_exp: number of exponents (default: all; the leading
            :data:`PDE_DEFAULT_EXPONENTS` for a PDE or a delay equation, whose discretised
            spectra are mostly strongly damped directions).
        renorm_every: steps between QR re-orthonormalisations (default 10; 1 for a PDE, whose
            step is a whole control interval).
        integrator: RK tableau name for flows given by a vector field (default ``"rk4"``);
            for a system with its own stepper, the spec's integrator.
        policy: feedback ``x -> u``; with a stepper it is held over each step of ``dt``.
        float64: run in 64-bit precision (recommended; analysis is float64 by default).
        n_history: rows of the running-estimate history.

    Returns:
        A :class:`LyapunovResult` whose ``unit`` is ``"time"`` or ``"iterate"``.

    Raises:
        FloatingPointError: the trajectory diverged, or the tangent growth of the weakest
            requested direction underflowed (ask for fewer exponents or renormalise more often).
    """
    t0 = time.perf_counter()
    ctx = jax.enable_x64(True) if float64 else contextlib.nullcontext()
    with ctx:
        plan = _resolve(system, params, kind, dt, actuation, policy, integrator)
        spec, params, h = plan.spec, plan.params, plan.h
        dtype = jnp.float64 if float64 else jnp.float32
        if key is None:
            key = jax.random.key(0)
        if x0 is None:
            if spec is None:
                raise ValueError("x0 is required when system is a callable")
            keys = jax.random.split(key, n_ic)
            x0 = jax.vmap(lambda k: spec.initial_state(k, params))(keys)
            if transient is None:
                transient = max(1000 if not plan.pde else 0, int(np.ceil(spec.warmup / h)))
        x0 = jnp.atleast_2d(jnp.asarray(x0, dtype))
        n_ic, n = x0.shape
        transient = 1000 if transient is None else int(transient)
        if n_exp is None:
            # discretised infinite-dimensional models (PDEs, delay equations): the leading ones
            infinite = plan.pde or getattr(spec, "model_kind", None) == "dde"
            k = min(n, PDE_DEFAULT_EXPONENTS) if infinite else n
        else:
            k = int(n_exp)
        if not 1 <= k <= n:
            raise ValueError(f"n_exp must be in [1, {n}], got {n_exp}")
        if renorm_every is None:
            renorm_every = 1 if plan.pde else 10
        renorm_every = max(1, int(renorm_every))
        if steps is None:
            steps = 2_000 if plan.pde else 100_000
        tangent_transient = steps // 20 if tangent_transient is None else int(tangent_transient)
        n_outer = max(1, int(steps) // renorm_every)
        n_history = max(1, min(int(n_history), n_outer))
        per_chunk = n_outer // n_history
        n_outer = per_chunk * n_history
        n_align = max(0, int(np.ceil(tangent_transient / renorm_every)))
        config = (transient, n_align, renorm_every, per_chunk, n_history, k, n, float64)
        if plan.deps is not None:
            cache_key = (*plan.deps, *config)
            entry = _CACHE.get(cache_key)
            if entry is None:
                entry = _CACHE[cache_key] = (_build(plan.step, *config), plan.refs)
            run = entry[0]
        else:
            run = _build(plan.step, *config)
        sums = np.asarray(run(x0, params), np.float64)
    if not np.all(np.isfinite(sums[..., :-1])) or np.any(np.isnan(sums[..., -1])) or np.any(
            np.isposinf(sums[..., -1])):
        raise FloatingPointError(
            "non-finite tangent growth: the trajectory diverged (check dt and parameters)"
        )
    # The weakest direction must stay resolvable between renormalisations: a contraction
    # beyond ~eps^(3/4) is swamped by the rounding error of the stronger directions.
    floor = 0.75 * np.log(np.finfo(np.float64 if float64 else np.float32).eps)
    per_interval = sums[..., -1] / per_chunk
    if np.any(~np.isfinite(per_interval)) or np.any(per_interval < floor):
        worst = float(np.min(per_interval)) if np.all(np.isfinite(per_interval)) else -np.inf
        raise FloatingPointError(
            f"exponent {k} contracts by e^{worst:.0f} between renormalisations, below the "
            f"resolution of the float type (e^{floor:.0f}): ask for fewer exponents (n_exp) "
            "or renormalise more often (renorm_every, dt)")
    chunk_time = per_chunk * renorm_every * h
    cum = np.cumsum(sums, axis=1)  # (n_ic, n_history, k)
    times = chunk_time * np.arange(1, n_history + 1)
    per_ic = cum[:, -1, :] / times[-1]
    history = np.mean(cum, axis=0) / times[:, None]
    order = np.argsort(-per_ic.mean(axis=0))
    per_ic = per_ic[:, order]
    history = history[:, order]
    exps = per_ic.mean(axis=0)
    stderr = (per_ic.std(axis=0, ddof=1) / np.sqrt(n_ic)) if n_ic > 1 else np.full(k, np.nan)
    return LyapunovResult(
        exponents=exps,
        per_ic=per_ic,
        stderr=stderr,
        history=history,
        history_time=times,
        time=float(times[-1]),
        dt=h,
        steps=n_outer * renorm_every,
        wall_time=time.perf_counter() - t0,
        unit=plan.unit,
        dim=n,
    )


_CACHE: dict[tuple, tuple[Callable, tuple]] = {}


def _build(step, transient, n_align, renorm_every, per_chunk, n_history, k, n, float64):
    """The jitted, vmapped Benettin run ``(x0s, params) -> (n_ic, n_history, k)`` log sums."""
    dtype = jnp.float64 if float64 else jnp.float32

    def run(x0s, p):
        def tangent_step(carry, _):
            x, Q = carry
            x_new, lin = jax.linearize(lambda y: step(y, p), x)
            return (x_new, jax.vmap(lin, in_axes=1, out_axes=1)(Q)), None

        def renorm(carry, _):
            carry, _ = jax.lax.scan(tangent_step, carry, None, length=renorm_every)
            x, Q = carry
            Q, R = jnp.linalg.qr(Q)
            d = jnp.diagonal(R)
            Q = Q * jnp.where(d < 0, -1.0, 1.0)
            return (x, Q), jnp.log(jnp.abs(d))

        def chunk(carry, _):
            carry, logs = jax.lax.scan(renorm, carry, None, length=per_chunk)
            return carry, jnp.sum(logs, axis=0)

        def one(x):
            x = jax.lax.fori_loop(0, transient, lambda _, y: step(y, p), x)
            carry = (x, jnp.eye(n, k, dtype=dtype))
            if n_align:
                carry, _ = jax.lax.scan(renorm, carry, None, length=n_align)
            _, sums = jax.lax.scan(chunk, carry, None, length=n_history)
            return sums

        return jax.vmap(one)(x0s)

    return jax.jit(run)
