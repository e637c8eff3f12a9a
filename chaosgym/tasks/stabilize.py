"""Stabilize: drive the state to an (unstable) fixed point and hold it there.

Reward:
    ``−‖x − x*‖ − c · Σu²/m`` (``squared=False``, the Lorenz setting of Bucci-style tasks) or
    ``−‖x − x*‖²/n − c · Σu²/m`` (``squared=True``, the Lorenz-96 setting), with ``u`` in
    physical units and ``m`` inputs.

Metrics (in ``info``):
    ``distance`` = ‖x − x*‖ after the step and ``captured`` = distance < ``capture_radius``.

Episode end:
    No task termination (holding the target matters); truncation at the time limit.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import jax.numpy as jnp

from chaosgym._pytree import pytree_dataclass, static
from chaosgym.tasks.base import Array, Task, TaskOutput

if TYPE_CHECKING:
    from chaosgym.systems.base import SystemSpec


@pytree_dataclass
class StabilizeParams:
    """Parameters of :class:`Stabilize`."""

    target: int = static(0)
    control_cost: float = 1e-3
    capture_radius: float = 0.1
    squared: bool = static(False)


class Stabilize(Task):
    """Drive the state to the fixed point ``spec.fixed_points(params)[target]``."""

    name = "Stabilize"
    metrics = ("distance", "captured")
    description = "drive the state to an unstable fixed point and hold it"

    def __init__(self, **kwargs: Any) -> None:
        self.params = StabilizeParams(**kwargs)

    def check(self, spec: SystemSpec, sp: Any, tp: StabilizeParams) -> None:
        if spec.fixed_points is None:
            raise ValueError(f"system {spec.name!r} declares no fixed points to stabilize")
        k = spec.fixed_points(sp).shape[0]
        if not 0 <= tp.target < k:
            raise ValueError(
                f"target index {tp.target} out of range: {spec.name} has {k} fixed points"
            )

    def target_state(self, spec: SystemSpec, sp: Any, tp: StabilizeParams) -> Array:
        return spec.fixed_points(sp)[tp.target]

    def evaluate(self, x: Array, u: Array, x_next: Array, tstate: Any, spec: SystemSpec,
                 sp: Any, tp: StabilizeParams) -> TaskOutput:
        target = self.target_state(spec, sp, tp).astype(x_next.dtype)
        err = x_next - target
        d2 = jnp.sum(err * err)
        dist = jnp.sqrt(d2)
        cost = d2 / err.size if tp.squared else dist
        m = max(u.size, 1)
        reward = -cost - tp.control_cost * jnp.sum(u * u) / m
        return TaskOutput(
            reward=reward,
            terminated=jnp.zeros((), bool),
            metrics={"distance": dist, "captured": dist < tp.capture_radius},
            tstate=tstate,
        )
