"""How systems evolve: RK tableaux for ODEs, iteration for maps, ETDRK4 for PDEs.

:func:`make_stepper` turns a :class:`~chaosgym.systems.base.SystemSpec` and an actuation into
one pure function ``(x, u, params) -> x_next`` covering a whole control interval, with every
substep inside one traced computation.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jax

from chaosgym.integrators.rk import (
    TABLEAUX,
    ButcherTableau,
    get_tableau,
    make_flow,
    make_map_step,
    rk_step,
)

__all__ = [
    "TABLEAUX",
    "ButcherTableau",
    "get_tableau",
    "make_flow",
    "make_map_step",
    "make_stepper",
    "rk_step",
]


def make_stepper(
    spec: Any,
    actuation: str | None = None,
    dt: float | None = None,
    substeps: int | None = None,
    integrator: str | None = None,
    params: Any = None,
) -> Callable[[jax.Array, jax.Array, Any], jax.Array]:
    """One control interval of ``spec`` as a pure ``(x, u, params) -> x_next``.

    ``dt``, ``substeps`` and ``integrator`` default to the spec's values. ``params`` (default
    ``spec.params``) is only used by steppers that precompute data from static parameters
    (PDE grids and ETDRK4 coefficients).
    """
    dt = spec.dt if dt is None else float(dt)
    substeps = spec.substeps if substeps is None else int(substeps)
    integrator = integrator or spec.integrator
    params = spec.params if params is None else params
    if spec.make_stepper is not None:
        return spec.make_stepper(spec, actuation, dt, substeps, integrator, params)
    field = spec.controlled_field(actuation)
    if spec.kind == "map":
        return make_map_step(field, substeps)
    if spec.kind == "ode":
        return make_flow(field, dt, substeps, integrator)
    raise ValueError(f"system {spec.name!r} of kind {spec.kind!r} needs its own make_stepper")
