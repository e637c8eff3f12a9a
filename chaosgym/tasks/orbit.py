"""StabilizeOrbit: drive the state onto an unstable periodic orbit and hold it there.

The orbit is found by the library (Newton shooting from a close return of a chaotic
trajectory, :func:`chaosgym.control.orbits.find_periodic_orbit`) for the environment's default
system parameters when the environment is built; its period and Floquet multipliers are in
``task.orbit``.

Reward:
    ``−d(x) − c · Σu²/m`` with ``d(x)`` the distance from the state after the step to the
    orbit (to its densely sampled closed curve) and ``u`` the physical input.

Metrics (in ``info``):
    ``distance`` = d(x) and ``captured`` = distance < ``capture_radius``.

Episode end:
    No task termination; truncation at the time limit.

References:
    K. Pyragas, Phys. Lett. A 170, 421 (1992) (Rössler period-1 orbit, delayed feedback).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import jax.numpy as jnp

from chaosgym._pytree import pytree_dataclass, static
from chaosgym.tasks.base import Array, Task, TaskOutput

if TYPE_CHECKING:
    from chaosgym.systems.base import SystemSpec

__all__ = ["StabilizeOrbit", "StabilizeOrbitParams"]

# Orbits already found, by (system, params, returns): building an environment again is cheap.
_ORBITS: dict[tuple, object] = {}


@pytree_dataclass
class StabilizeOrbitParams:
    """Parameters of :class:`StabilizeOrbit` (``returns``: loops of the orbit, 1 = period-1)."""

    returns: int = static(1)
    control_cost: float = 1e-2
    capture_radius: float = 0.05


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
        key = (spec.name, repr(sp), tp.returns)
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
        points = jnp.asarray(self.orbit.points, x_next.dtype)
        from chaosgym.control.orbits import orbit_distance

        dist = orbit_distance(x_next, points)
        m = max(u.size, 1)
        reward = -dist - tp.control_cost * jnp.sum(u * u) / m
        return TaskOutput(
            reward=reward,
            terminated=jnp.zeros((), bool),
            metrics={"distance": dist, "captured": dist < tp.capture_radius},
            tstate=tstate,
        )
