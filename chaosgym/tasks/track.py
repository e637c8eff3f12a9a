"""TrackReference: make one state component follow a reference — a setpoint schedule or a sine.

The reference at control step k is ``r(k)``:

* ``kind="schedule"``: the values ``setpoints`` in turn, each held for ``hold`` steps (cyclic);
* ``kind="sine"``: ``offset + amplitude · sin(2π k / period)``.

The observation is the state followed by the current reference value, so a policy knows what
to track. The step counter is the task state.

Reward:
    ``−|x_c − r| − c · Σu²/m`` after the step (``u`` in physical units, ``m`` inputs).

Metrics (in ``info``):
    ``error`` = |x_c − r| and ``on_target`` = error < ``tolerance``.

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

__all__ = ["TrackReference", "TrackReferenceParams"]


@pytree_dataclass
class TrackReferenceParams:
    """Parameters of :class:`TrackReference` (shape-fixing fields are static)."""

    component: int = static(0)
    kind: str = static("schedule")
    setpoints: tuple[float, ...] = static((0.0,))
    hold: int = static(100)
    amplitude: float = 1.0
    period: float = 100.0
    offset: float = 0.0
    control_cost: float = 1e-3
    tolerance: float = 0.5


class TrackReference(Task):
    """Follow a setpoint schedule or a sinusoidal reference with one state component."""

    name = "Track"
    metrics = ("error", "on_target")
    description = "make one state component follow a setpoint schedule or a reference signal"

    def __init__(self, **kwargs: Any) -> None:
        if "setpoints" in kwargs:
            kwargs["setpoints"] = tuple(float(v) for v in kwargs["setpoints"])
        self.params = TrackReferenceParams(**kwargs)

    def check(self, spec: SystemSpec, sp: Any, tp: TrackReferenceParams) -> None:
        n = spec.dim(sp)
        if not 0 <= tp.component < n:
            raise ValueError(f"component {tp.component} out of range for {spec.name} (dim {n})")
        if tp.kind not in ("schedule", "sine"):
            raise ValueError(f"kind must be 'schedule' or 'sine', got {tp.kind!r}")
        if tp.kind == "schedule" and (len(tp.setpoints) == 0 or tp.hold < 1):
            raise ValueError("a schedule needs at least one setpoint and hold >= 1")

    def reference(self, k: Array | int, tp: TrackReferenceParams) -> Array:
        """The reference value at control step ``k`` (jittable)."""
        if tp.kind == "schedule":
            vals = jnp.asarray(tp.setpoints)
            return vals[(k // tp.hold) % len(tp.setpoints)]
        return tp.offset + tp.amplitude * jnp.sin(2.0 * jnp.pi * k / tp.period)

    def init(self, key: Array, x0: Array, spec: SystemSpec, sp: Any,
             tp: TrackReferenceParams) -> Any:
        return jnp.zeros((), jnp.int32)

    def observation_dim(self, spec: SystemSpec, sp: Any) -> int:
        return spec.dim(sp) + 1

    def observe(self, x: Array, tstate: Any, spec: SystemSpec, sp: Any,
                tp: TrackReferenceParams) -> Array:
        r = jnp.asarray(self.reference(tstate, tp), x.dtype)
        return jnp.concatenate([x, r[None]])

    def evaluate(self, x: Array, u: Array, x_next: Array, tstate: Any, spec: SystemSpec,
                 sp: Any, tp: TrackReferenceParams) -> TaskOutput:
        r = jnp.asarray(self.reference(tstate, tp), x_next.dtype)
        err = jnp.abs(x_next[tp.component] - r)
        m = max(u.size, 1)
        reward = -err - tp.control_cost * jnp.sum(u * u) / m
        return TaskOutput(
            reward=reward,
            terminated=jnp.zeros((), bool),
            metrics={"error": err, "on_target": err < tp.tolerance},
            tstate=tstate + 1,
        )


#: Former names, kept working with a ``DeprecationWarning``.
__getattr__ = alias_getattr(__name__, globals(), {
    "Track": "TrackReference",
    "TrackParams": "TrackReferenceParams",
})
