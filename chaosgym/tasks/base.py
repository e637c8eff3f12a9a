"""Why a system is controlled: the :class:`Task` interface.

A task is independent of the dynamics. Given the state before and after one control
interval and the input applied, it returns the reward, whether the episode terminated on its
own terms, and named scalar metrics (reported in ``info``). A task may carry state of its own
(a reference trajectory, a delay buffer) in a pytree ``tstate``.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

import jax
import jax.numpy as jnp

if TYPE_CHECKING:
    from chaosgym.systems.base import SystemSpec

#: The array type of every task input and output (JAX arrays, traced under jit).
Array = jax.Array

__all__ = ["Array", "Task", "TaskOutput", "precision_cost"]


def precision_cost(distance: Array, precision: Any, squared: bool = False) -> Array:
    """The cost ``log(1 + d/ε)`` (``log(1 + (d/ε)²)`` when ``squared``) of a distance ``d``.

    Unlike ``d`` itself, it keeps paying for precision near the target: every tenfold
    reduction of ``d`` below ``ε`` is worth about as much as one at the scale of the attractor,
    so a policy that holds the target at ``1e-4`` scores better than one that sits at ``0.05``
    (the order the sustained-capture tiers of the benchmark protocol use). Zero at ``d = 0``,
    increasing, about ``d/ε`` for ``d ≪ ε`` and ``log(d/ε)`` for ``d ≫ ε``.
    """
    r = distance / precision
    return jnp.log1p(r * r) if squared else jnp.log1p(r)


@dataclasses.dataclass(frozen=True)
class TaskOutput:
    """What :meth:`Task.evaluate` returns for one control interval.

    ``reward`` and ``terminated`` are scalars, ``metrics`` named scalars reported in ``info``,
    ``tstate`` the task state after the step.
    """

    reward: Array
    terminated: Array
    metrics: dict[str, Array]
    tstate: Any


class Task:
    """Base class. Subclasses set ``name``, ``params`` (a pytree dataclass) and ``metrics``.

    Methods receive ``spec`` (the :class:`~chaosgym.systems.base.SystemSpec`), the system
    params ``sp`` and the task params ``tp``; all must be pure and jittable.
    """

    name: str = "Task"
    params: Any = None
    metrics: tuple[str, ...] = ()
    description: str = ""

    def init(self, key: Array, x0: Array, spec: SystemSpec, sp: Any, tp: Any) -> Any:
        """Task state at reset (default: none)."""
        return ()

    def observation_dim(self, spec: SystemSpec, sp: Any) -> int:
        """Length of the observation vector (default: the state dimension)."""
        return spec.dim(sp)

    def observe(self, x: Array, tstate: Any, spec: SystemSpec, sp: Any, tp: Any) -> Array:
        """Observation of the state (default: the state itself)."""
        return x

    def evaluate(
        self, x: Array, u: Array, x_next: Array, tstate: Any, spec: SystemSpec, sp: Any, tp: Any
    ) -> TaskOutput:
        """Reward, termination, metrics and next task state for the step ``x -> x_next``."""
        raise NotImplementedError

    def check(self, spec: SystemSpec, sp: Any, tp: Any) -> None:
        """Raise ``ValueError`` if the task cannot be posed on this system."""
