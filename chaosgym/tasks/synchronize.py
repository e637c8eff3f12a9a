"""Synchronize: drive a controlled copy onto an uncontrolled reference run of the same system.

At reset the task draws a second attractor state (from the environment's bank of attractor
states) and carries this *reference* run in the task state, advancing it every step with the
environment's own stepper and zero input. The observation is the controlled state followed by
the synchronisation error ``x − x_ref``.

Reward:
    ``−log(1 + ‖x − x_ref‖/ε) − c · Σu²/m`` after the step, ``ε`` = ``precision``
    (:func:`~chaosgym.tasks.base.precision_cost`).

Metrics (in ``info``):
    ``sync_error`` = ‖x − x_ref‖ and ``synchronized`` = sync_error < ``sync_radius``.

Episode end:
    No task termination; truncation at the time limit.

The environment hands the task its stepper and attractor bank through :meth:`Synchronize.bind`
when it is built.

References:
    L. M. Pecora and T. L. Carroll, "Synchronization in chaotic systems", Phys. Rev. Lett.
    64, 821–824 (1990).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import jax
import jax.numpy as jnp

from chaosgym._pytree import pytree_dataclass
from chaosgym.tasks.base import Array, Task, TaskOutput, precision_cost

if TYPE_CHECKING:
    from chaosgym.systems.base import SystemSpec

__all__ = ["Synchronize", "SynchronizeParams"]


@pytree_dataclass
class SynchronizeParams:
    """Parameters of :class:`Synchronize`."""

    control_cost: float = 1e-3
    sync_radius: float = 0.1
    precision: float = 0.01


class Synchronize(Task):
    """Synchronise the controlled state with an uncontrolled reference run."""

    name = "Synchronize"
    metrics = ("sync_error", "synchronized")
    description = "synchronise a controlled copy with an uncontrolled reference run"

    def __init__(self, **kwargs: Any) -> None:
        self.params = SynchronizeParams(**kwargs)
        self._step = None
        self._bank = None
        self._m = 0

    def bind(self, env: Any) -> None:
        """Receive the environment's stepper, attractor bank and input count."""
        self._step = env._step_fn
        self._bank = env.ic_bank
        self._m = env.num_inputs

    def _need_bind(self) -> None:
        if self._step is None:
            raise RuntimeError(
                "Synchronize needs its environment's stepper: build it through "
                "FunctionalEnv (or call task.bind(env))"
            )

    def init(self, key: Array, x0: Array, spec: SystemSpec, sp: Any,
             tp: SynchronizeParams) -> Any:
        self._need_bind()
        i = jax.random.randint(key, (), 0, self._bank.shape[0])
        return {"x_ref": self._bank[i].astype(x0.dtype)}

    def observation_dim(self, spec: SystemSpec, sp: Any) -> int:
        return 2 * spec.dim(sp)

    def observe(self, x: Array, tstate: Any, spec: SystemSpec, sp: Any,
                tp: SynchronizeParams) -> Array:
        return jnp.concatenate([x, x - tstate["x_ref"].astype(x.dtype)])

    def evaluate(self, x: Array, u: Array, x_next: Array, tstate: Any, spec: SystemSpec,
                 sp: Any, tp: SynchronizeParams) -> TaskOutput:
        self._need_bind()
        x_ref = tstate["x_ref"]
        ref_next = self._step(x_ref, jnp.zeros((self._m,), x_ref.dtype), sp)
        err = jnp.sqrt(jnp.sum((x_next - ref_next) ** 2))
        m = max(u.size, 1)
        reward = -precision_cost(err, tp.precision) - tp.control_cost * jnp.sum(u * u) / m
        return TaskOutput(
            reward=reward,
            terminated=jnp.zeros((), bool),
            metrics={"sync_error": err, "synchronized": err < tp.sync_radius},
            tstate={"x_ref": ref_next},
        )
