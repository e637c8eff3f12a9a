"""Stabilize: drive the state to an (unstable) fixed point and hold it there.

Reward:
    ``−log(1 + d/ε) − c · Σu²/m`` (``squared=False``) or ``−log(1 + (d/ε)²) − c · Σu²/m``
    (``squared=True``, the Lorenz-96 and ring-star setting), with ``d = ‖x − x*‖`` after the
    step, ``ε`` = ``precision``, ``u`` in physical units and ``m`` inputs
    (:func:`~chaosgym.tasks.base.precision_cost`). The logarithm keeps paying for precision
    near the target, so the return ranks policies as the sustained-capture tiers do: holding
    ``x*`` at 1e-4 scores better than sitting at 0.05, whatever the transient.

Metrics (in ``info``):
    ``distance`` = ‖x − x*‖ after the step and ``captured`` = distance < ``capture_radius``.

Episode end:
    No task termination (holding the target matters); truncation at the time limit.

Target:
    The target must be a true equilibrium. When the environment is built (concrete system
    parameters) :func:`check_equilibrium` evaluates ``|f(x*)|`` (flows) or ``|F(x*) − x*|``
    (maps) in float64 and raises ``ValueError`` naming the system, the parameter values and
    the existence condition of that fixed point (each system's ``fixed_points`` states it)
    when the target does not exist (NaN) or is not an equilibrium. Under a sweep over traced
    parameters (``vmap`` over params) that check cannot run; there ``fixed_points`` returns
    NaN for an equilibrium that does not exist, so ``distance`` and the reward are NaN and
    ``captured`` is False: never a silently wrong target.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any

import jax
import jax.numpy as jnp
import numpy as np

from chaosgym._pytree import pytree_dataclass, static
from chaosgym.tasks.base import Array, Task, TaskOutput, precision_cost

if TYPE_CHECKING:
    from chaosgym.systems.base import SystemSpec


__all__ = ["Stabilize", "StabilizeParams", "check_equilibrium", "equilibrium_residual"]


def _float64(params: Any) -> Any:
    def cast(leaf: Any) -> Any:
        a = np.asarray(leaf)
        return jnp.asarray(a, jnp.float64) if np.issubdtype(a.dtype, np.floating) else leaf

    return jax.tree_util.tree_map(cast, params)


@functools.lru_cache(maxsize=64)
def _residual_program(fixed_points: Any, vector_field: Any, kind: str, index: int) -> Any:
    """One compiled ``params -> (x*, residual)``, keyed by the functions it depends on."""

    def run(p: Any) -> tuple[Array, Array]:
        x = jnp.asarray(fixed_points(p)[index], jnp.float64)
        fx = vector_field(x, p)
        r = fx - x if kind == "map" else fx
        return x, jnp.max(jnp.abs(r))

    return jax.jit(run)


def equilibrium_residual(spec: SystemSpec, params: Any, index: int) -> tuple[np.ndarray, float]:
    """``(x*, r)``: fixed point ``index`` of ``spec`` at concrete ``params`` and its residual
    ``r = max|f(x*)|`` (flows) or ``max|F(x*) − x*|`` (maps), both in float64 (``r`` is NaN
    when ``x*`` is not finite)."""
    with jax.enable_x64(True):
        run = _residual_program(spec.fixed_points, spec.vector_field, spec.kind, int(index))
        x, r = run(_float64(params))
        x = np.asarray(x)
        if not np.all(np.isfinite(x)):
            return x, float("nan")
        return x, float(r)


def _describe(params: Any) -> str:
    from chaosgym._pytree import field_names

    parts = []
    for name in field_names(params):
        v = getattr(params, name)
        try:
            parts.append(f"{name}={float(v):.6g}")
        except (TypeError, ValueError):
            continue
    return ", ".join(parts)


def check_equilibrium(spec: SystemSpec, params: Any, index: int, rtol: float = 1e-6) -> None:
    """Raise ``ValueError`` unless fixed point ``index`` exists and is an equilibrium at the
    concrete ``params``: residual ``≤ rtol · (1 + max|x*|)²`` (skipped for traced params)."""
    leaves = jax.tree_util.tree_leaves(params)
    if any(isinstance(v, jax.core.Tracer) for v in leaves):
        return
    x, r = equilibrium_residual(spec, params, index)
    doc = " ".join((spec.fixed_points.__doc__ or "").split())
    where = f"at {_describe(params)}"
    if not np.isfinite(r):
        raise ValueError(
            f"{spec.name}: fixed point {index} does not exist {where} ({doc}); choose other "
            "parameters or another target"
        )
    tol = rtol * (1.0 + float(np.max(np.abs(x)))) ** 2
    if r > tol:
        raise ValueError(
            f"{spec.name}: fixed point {index} = {np.round(x, 6).tolist()} is not an "
            f"equilibrium {where} (residual {r:.3g} > {tol:.3g}; {doc})"
        )


@pytree_dataclass
class StabilizeParams:
    """Parameters of :class:`Stabilize`."""

    target: int = static(0)
    control_cost: float = 1e-3
    capture_radius: float = 0.1
    squared: bool = static(False)
    precision: float = 0.01


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
        k = jax.eval_shape(spec.fixed_points, sp).shape[0]
        if not 0 <= tp.target < k:
            raise ValueError(
                f"target index {tp.target} out of range: {spec.name} has {k} fixed points"
            )
        check_equilibrium(spec, sp, tp.target)

    def target_state(self, spec: SystemSpec, sp: Any, tp: StabilizeParams) -> Array:
        return spec.fixed_points(sp)[tp.target]

    def evaluate(self, x: Array, u: Array, x_next: Array, tstate: Any, spec: SystemSpec,
                 sp: Any, tp: StabilizeParams) -> TaskOutput:
        target = self.target_state(spec, sp, tp).astype(x_next.dtype)
        err = x_next - target
        dist = jnp.sqrt(jnp.sum(err * err))
        cost = precision_cost(dist, tp.precision, tp.squared)
        m = max(u.size, 1)
        reward = -cost - tp.control_cost * jnp.sum(u * u) / m
        return TaskOutput(
            reward=reward,
            terminated=jnp.zeros((), bool),
            metrics={"distance": dist, "captured": dist < tp.capture_radius},
            tstate=tstate,
        )
