"""StabilizeOrbit: drive the state onto an unstable periodic orbit and hold it there.

The orbit is found by the library (Newton shooting from close returns of a chaotic
trajectory, :func:`chaosgym.control.orbits.find_periodic_orbit`) for the environment's system
parameters when the environment is built; its period and Floquet multipliers are in
``task.orbit``. The orbit is prime: with ``returns = 2`` the target is the genuine period-2
orbit (Rössler: T = 11.7586, multiplier −3.512), never the period-1 orbit traversed twice.

Reward:
    ``−log(1 + d(x)/ε) − c · Σu²/m`` with ``d(x)`` the distance from the state after the step
    to the orbit, ``ε`` = ``precision`` (:func:`~chaosgym.tasks.base.precision_cost`) and ``u``
    the physical input. ``distance="orbit"`` (the default of the class)
    measures the distance to the orbit itself (local projection,
    :meth:`chaosgym.control.orbits.PeriodicOrbit.distance`, exact to ~1e-12 in float64, so
    capture radii below 1e-3 are meaningful); ``distance="polyline"`` to the closed curve
    through 512 samples of one period (error up to ~1.4e-3 on the Rössler period-1 orbit).

Metrics (in ``info``):
    ``distance`` = d(x) and ``captured`` = distance < ``capture_radius``.

Episode end:
    No task termination; truncation at the time limit.

With ``returns > 1`` the target of v0 was the period-1 orbit traversed several times (the
orbit finder now rejects non-prime orbits); the registered id's Version History is in
:mod:`chaosgym.registration`.

References:
    K. Pyragas, Phys. Lett. A 170, 421 (1992) (Rössler period-1 orbit, delayed feedback).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import jax
import jax.numpy as jnp
import numpy as np

from chaosgym._pytree import pytree_dataclass, static
from chaosgym.tasks.base import Array, Task, TaskOutput, precision_cost

if TYPE_CHECKING:
    from chaosgym.systems.base import SystemSpec

__all__ = ["StabilizeOrbit", "StabilizeOrbitParams", "orbit_cache_key"]

# Orbits already found: building an environment again is cheap. Keyed by everything the
# orbit depends on (see orbit_cache_key), never by the system's name alone.
_ORBITS: dict[tuple, object] = {}
_DISTANCES = ("orbit", "polyline")


@pytree_dataclass
class StabilizeOrbitParams:
    """Parameters of :class:`StabilizeOrbit`.

    ``returns``: loops of the orbit (1 = period-1); ``distance``: ``"orbit"`` (exact) or
    ``"polyline"`` (to the sampled closed curve).
    """

    returns: int = static(1)
    control_cost: float = 1e-2
    capture_radius: float = 0.05
    distance: str = static("orbit")
    precision: float = 0.005


def _leaf_key(leaf: Any) -> tuple:
    a = np.asarray(leaf)
    return (a.dtype.str, a.shape, a.tobytes())


def orbit_cache_key(spec: SystemSpec, params: Any, returns: int) -> tuple:
    """What a found orbit depends on: the functions that define the system and its initial
    guess (by identity), the integration settings and the exact parameter values."""
    leaves, treedef = jax.tree_util.tree_flatten(params)
    return (
        spec.vector_field, spec.initial_state, spec.kind, float(spec.warmup),
        float(spec.lyapunov_dt), str(treedef), tuple(_leaf_key(v) for v in leaves),
        int(returns),
    )


class StabilizeOrbit(Task):
    """Hold the state on an unstable periodic orbit found by Newton shooting."""

    name = "StabilizeOrbit"
    metrics = ("distance", "captured")
    description = "drive the state onto an unstable periodic orbit and hold it"

    def __init__(self, **kwargs: Any) -> None:
        self.params = StabilizeOrbitParams(**kwargs)
        self.orbit = None
        self._key = None

    def check(self, spec: SystemSpec, sp: Any, tp: StabilizeOrbitParams) -> None:
        if spec.kind != "ode":
            raise ValueError(f"StabilizeOrbit needs a flow; {spec.name} is a {spec.kind!r} system")
        if tp.distance not in _DISTANCES:
            raise ValueError(f"distance must be one of {_DISTANCES}, got {tp.distance!r}")
        key = orbit_cache_key(spec, sp, tp.returns)
        if self._key != key:
            if key not in _ORBITS:
                from chaosgym.control.orbits import find_periodic_orbit

                orbit = find_periodic_orbit(spec, params=sp, returns=tp.returns)
                if not orbit.unstable:
                    raise ValueError(f"{spec.name}: the orbit found is not unstable")
                _ORBITS[key] = orbit
            self.orbit = _ORBITS[key]
            self._key = key

    def evaluate(self, x: Array, u: Array, x_next: Array, tstate: Any, spec: SystemSpec,
                 sp: Any, tp: StabilizeOrbitParams) -> TaskOutput:
        if self.orbit is None:
            raise RuntimeError("StabilizeOrbit.check() must run before evaluate()")
        if tp.distance == "polyline":
            from chaosgym.control.orbits import orbit_distance

            dist = orbit_distance(x_next, jnp.asarray(self.orbit.points, x_next.dtype))
        else:
            dist = self.orbit.distance(x_next)
        m = max(u.size, 1)
        reward = -precision_cost(dist, tp.precision) - tp.control_cost * jnp.sum(u * u) / m
        return TaskOutput(
            reward=reward,
            terminated=jnp.zeros((), bool),
            metrics={"distance": dist, "captured": dist < tp.capture_radius},
            tstate=tstate,
        )
