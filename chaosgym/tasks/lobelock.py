"""LobeLock: keep a chaotic trajectory in one lobe of a two-lobed attractor.

For the Lorenz attractor: keep x < 0 (the left wing) for the whole episode, with as little
control as possible. Uncontrolled, the trajectory switches lobes irregularly.

Reward:
    ``1[side · x_c > 0] − c · Σu²/m`` after the step (``side = −1`` keeps ``x_c < 0``).

Metrics (in ``info``):
    ``in_lobe`` = side · x_c > 0 and ``margin`` = side · x_c.

Episode end:
    No task termination; truncation at the time limit.

References:
    E. N. Lorenz, J. Atmos. Sci. 20, 130 (1963).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import jax.numpy as jnp

from chaosgym._pytree import pytree_dataclass, static
from chaosgym.tasks.base import Array, Task, TaskOutput

if TYPE_CHECKING:
    from chaosgym.systems.base import SystemSpec

__all__ = ["LobeLock", "LobeLockParams"]


@pytree_dataclass
class LobeLockParams:
    """Parameters of :class:`LobeLock`."""

    component: int = static(0)
    side: float = -1.0
    control_cost: float = 1e-3


class LobeLock(Task):
    """Keep ``side · x[component] > 0`` (Lorenz: stay in the x < 0 lobe)."""

    name = "LobeLock"
    metrics = ("in_lobe", "margin")
    description = "keep the trajectory in one lobe of the attractor"

    def __init__(self, **kwargs: Any) -> None:
        self.params = LobeLockParams(**kwargs)

    def check(self, spec: SystemSpec, sp: Any, tp: LobeLockParams) -> None:
        n = spec.dim(sp)
        if not 0 <= tp.component < n:
            raise ValueError(f"component {tp.component} out of range for {spec.name} (dim {n})")

    def evaluate(self, x: Array, u: Array, x_next: Array, tstate: Any, spec: SystemSpec,
                 sp: Any, tp: LobeLockParams) -> TaskOutput:
        margin = tp.side * x_next[tp.component]
        inside = margin > 0
        m = max(u.size, 1)
        reward = inside.astype(x_next.dtype) - tp.control_cost * jnp.sum(u * u) / m
        return TaskOutput(
            reward=reward,
            terminated=jnp.zeros((), bool),
            metrics={"in_lobe": inside, "margin": margin},
            tstate=tstate,
        )
