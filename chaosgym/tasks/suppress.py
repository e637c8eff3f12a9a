"""SuppressActivity: reduce the energy or activity of a turbulent cascade or a chaotic network.

The measured quantity is chosen by the static parameter ``measure``:

* ``"energy"``: ½ Σ x_i² (for the Sabra shell model, the kinetic energy ½ Σ |u_n|²);
* ``"fixed_point"``: the mean squared deviation from the system's fixed point ``target``
  (for a neuron network, its activity away from the quiescent homogeneous state);
* ``"spread"``: the variance across the first ``n_nodes`` components (incoherence of a
  network's activation variables).

Reward:
    ``−measure / scale − c · Σu²/m`` after the step.

Metrics (in ``info``):
    ``activity`` = the measure.

Episode end:
    No task termination; truncation at the time limit.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import jax.numpy as jnp

from chaosgym._deprecate import alias_getattr
from chaosgym._pytree import pytree_dataclass, static
from chaosgym.tasks.base import Array, Task, TaskOutput

if TYPE_CHECKING:
    from chaosgym.systems.base import SystemSpec

__all__ = ["MEASURES", "SuppressActivity", "SuppressActivityParams"]

MEASURES = ("energy", "fixed_point", "spread")


@pytree_dataclass
class SuppressActivityParams:
    """Parameters of :class:`SuppressActivity`."""

    measure: str = static("energy")
    target: int = static(0)
    n_nodes: int = static(0)
    scale: float = 1.0
    control_cost: float = 1e-2


class SuppressActivity(Task):
    """Reduce a measure of energy or activity."""

    name = "Suppress"
    metrics = ("activity",)
    description = "reduce the energy or activity of the dynamics"

    def __init__(self, **kwargs: Any) -> None:
        self.params = SuppressActivityParams(**kwargs)

    def check(self, spec: SystemSpec, sp: Any, tp: SuppressActivityParams) -> None:
        if tp.measure not in MEASURES:
            raise ValueError(f"measure must be one of {MEASURES}, got {tp.measure!r}")
        if tp.measure == "fixed_point" and spec.fixed_points is None:
            raise ValueError(f"system {spec.name!r} declares no fixed point to measure from")
        if tp.measure == "spread" and not 2 <= tp.n_nodes <= spec.dim(sp):
            raise ValueError(f"'spread' needs 2 <= n_nodes <= {spec.dim(sp)}, got {tp.n_nodes}")
        if tp.scale <= 0:
            raise ValueError(f"scale must be positive, got {tp.scale}")

    def measure(self, x: Array, spec: SystemSpec, sp: Any, tp: SuppressActivityParams) -> Array:
        """The suppressed quantity at state ``x`` (jittable)."""
        if tp.measure == "energy":
            return 0.5 * jnp.sum(x * x)
        if tp.measure == "fixed_point":
            target = spec.fixed_points(sp)[tp.target].astype(x.dtype)
            return jnp.mean((x - target) ** 2)
        return jnp.var(x[: tp.n_nodes])

    def evaluate(self, x: Array, u: Array, x_next: Array, tstate: Any, spec: SystemSpec,
                 sp: Any, tp: SuppressActivityParams) -> TaskOutput:
        a = self.measure(x_next, spec, sp, tp)
        m = max(u.size, 1)
        reward = -a / tp.scale - tp.control_cost * jnp.sum(u * u) / m
        return TaskOutput(
            reward=reward,
            terminated=jnp.zeros((), bool),
            metrics={"activity": a},
            tstate=tstate,
        )


#: Former names, kept working with a ``DeprecationWarning``.
__getattr__ = alias_getattr(__name__, globals(), {
    "Suppress": "SuppressActivity",
    "SuppressParams": "SuppressActivityParams",
})
