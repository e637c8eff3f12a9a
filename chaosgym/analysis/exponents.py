"""Lyapunov exponents by the Benettin / QR method with tangent dynamics from ``jax.linearize``.

For a flow, the tangent map is the exact derivative of the *numerical* one-step map (one RK
step of size ``dt``), so the computed exponents are those of the discretised flow; they
converge to the flow's exponents at the integrator's order. For a map, it is the map's own
Jacobian. Every ``renorm_every`` steps the tangent vectors are re-orthonormalised by a QR
decomposition and the logarithms of ``|diag R|`` are accumulated. Initial conditions are
processed in parallel with ``vmap`` and the whole run is one ``lax.scan``.

The result carries the per-initial-condition estimates, their standard error, the running
estimate (to judge convergence), the spectrum sum and the Kaplan–Yorke dimension.

References:
    G. Benettin, L. Galgani, A. Giorgilli and J.-M. Strelcyn, "Lyapunov characteristic
    exponents for smooth dynamical systems and for Hamiltonian systems; a method for computing
    all of them", Meccanica 15, 9–30 (1980).
    A. Wolf, J. B. Swift, H. L. Swinney and J. A. Vastano, "Determining Lyapunov exponents
    from a time series", Physica D 16, 285–317 (1985).
    J. L. Kaplan and J. A. Yorke, in *Functional Differential Equations and Approximation of
    Fixed Points*, Lecture Notes in Mathematics 730, 204–227 (1979).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from chaosgym.analysis.result import LyapunovResult, kaplan_yorke
from chaosgym.integrators.rk import get_tableau, rk_step

Array = jax.Array

__all__ = ["LyapunovResult", "kaplan_yorke", "spectrum"]


def _resolve(system, params, kind, dt, actuation, policy):
    """Return ``(f(x, params), kind, dt, spec, params)`` for a spec, a name or a callable."""
    from chaosgym import systems
    from chaosgym.systems.base import SystemSpec

    spec = None
    if isinstance(system, str):
        system = systems.get(system)
    if isinstance(system, SystemSpec):
        spec = system
        if spec.kind == "pde" and spec.vector_field is None:
            raise ValueError(f"{spec.name}: use its stepper-based analysis (make_stepper)")
        params = spec.params if params is None else params
        kind = kind or ("dt" if spec.kind == "map" else "ct")
        dt = spec.lyapunov_dt if dt is None else dt
        field = spec.controlled_field(actuation)
        m = spec.actuation(actuation).num_inputs(params)

        if policy is None:
            def f(x, p):
                return field(x, jnp.zeros((m,), x.dtype), p)
        else:
            def f(x, p):
                return field(x, jnp.asarray(policy(x), x.dtype).reshape(m), p)
    elif callable(system):
        if policy is not None:
            raise ValueError("pass policy only with a registered system; close the loop in f")
        def f(x, p):
            return system(x)

        kind = kind or "ct"
        if kind == "ct" and dt is None:
            raise ValueError("a continuous-time callable needs dt")
        dt = 1.0 if kind == "dt" else dt
    else:
        raise TypeError(f"system must be a SystemSpec, a system name or a callable, got {system!r}")
    if kind not in ("ct", "dt"):
        raise ValueError(f"kind must be 'ct' or 'dt', got {kind!r}")
    return f, kind, float(dt if kind == "ct" else 1.0), spec, params


def spectrum(
    system: Any,
    x0: Array | None = None,
    *,
    params: Any = None,
    kind: str | None = None,
    dt: float | None = None,
    steps: int = 100_000,
    transient: int | None = None,
    tangent_transient: int | None = None,
    n_exp: int | None = None,
    n_ic: int = 4,
    renorm_every: int = 10,
    key: Array | None = None,
    integrator: str = "rk4",
    actuation: str | None = None,
    policy: Callable[[Array], Array] | None = None,
    float64: bool = True,
    n_history: int = 100,
) -> LyapunovResult:
    """Lyapunov spectrum of a system or closed loop.

    Args:
        system: a :class:`~chaosgym.systems.base.SystemSpec`, a registered system name, or a
            callable ``x -> dx/dt`` (``kind="ct"``, needs ``dt``) or ``x -> x_next``
            (``kind="dt"``). Close a loop with ``policy`` (``x -> u``, physical units) for a
            registered system, or by writing the closed loop into the callable.
        x0: initial condition(s) ``(n,)`` or ``(n_ic, n)``. Default: ``n_ic`` samples of the
            system's ``initial_state`` (needs a system spec).
        params: system parameters (default: the spec's).
        dt: integration step (default: the spec's ``lyapunov_dt``).
        steps: averaged steps per initial condition.
        transient: steps discarded before averaging (default: the spec's warm-up, or 1000).
        tangent_transient: steps over which tangent vectors align before averaging
            (default: ``steps // 20``).
        n_exp: number of exponents (default: all).
        renorm_every: steps between QR re-orthonormalisations.
        integrator: RK tableau name for flows.
        float64: run in 64-bit precision (recommended; analysis is float64 by default).
        n_history: rows of the running-estimate history.

    Returns:
        A :class:`LyapunovResult`.
    """
    t0 = time.perf_counter()
    ctx = jax.enable_x64(True) if float64 else _nullcontext()
    with ctx:
        f, kind, h, spec, params = _resolve(system, params, kind, dt, actuation, policy)
        dtype = jnp.float64 if float64 else jnp.float32
        if key is None:
            key = jax.random.key(0)
        if x0 is None:
            if spec is None:
                raise ValueError("x0 is required when system is a callable")
            keys = jax.random.split(key, n_ic)
            x0 = jax.vmap(lambda k: spec.initial_state(k, params))(keys)
            if transient is None:
                transient = max(1000, int(np.ceil(spec.warmup / h)))
        x0 = jnp.atleast_2d(jnp.asarray(x0, dtype))
        n_ic, n = x0.shape
        transient = 1000 if transient is None else int(transient)
        k = n if n_exp is None else int(n_exp)
        if not 1 <= k <= n:
            raise ValueError(f"n_exp must be in [1, {n}], got {n_exp}")
        renorm_every = max(1, int(renorm_every))
        tangent_transient = steps // 20 if tangent_transient is None else int(tangent_transient)
        n_outer = max(1, int(steps) // renorm_every)
        n_history = max(1, min(int(n_history), n_outer))
        per_chunk = n_outer // n_history
        n_outer = per_chunk * n_history
        n_align = max(0, int(np.ceil(tangent_transient / renorm_every)))
        config = (kind, h, integrator, transient, n_align, renorm_every, per_chunk, n_history, k,
                  n, float64)
        if spec is not None and policy is None:
            # Registered systems reuse their compiled program across calls.
            cache_key = (spec.name, actuation, *config)
            run = _CACHE.get(cache_key)
            if run is None:
                run = _CACHE[cache_key] = _build(f, *config)
        else:
            run = _build(f, *config)
        sums = np.asarray(run(x0, params), np.float64)
    if not np.all(np.isfinite(sums)):
        raise FloatingPointError(
            "non-finite tangent growth: the trajectory diverged (check dt and parameters)"
        )
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
    )


_CACHE: dict[tuple, Callable] = {}


def _build(f, kind, h, integrator, transient, n_align, renorm_every, per_chunk, n_history, k, n,
           float64):
    """The jitted, vmapped Benettin run ``(x0s, params) -> (n_ic, n_history, k)`` log sums."""
    dtype = jnp.float64 if float64 else jnp.float32
    if kind == "ct":
        tab = get_tableau(integrator)

        def step(x, p):
            return rk_step(lambda y: f(y, p), x, h, tab)
    else:
        step = f

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


class _nullcontext:
    def __enter__(self):
        return None

    def __exit__(self, *a):
        return False
