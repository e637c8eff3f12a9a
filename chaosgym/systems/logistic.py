"""Logistic map: the one-dimensional route to chaos by period doubling.

Description:
    x_{k+1} = r x_k (1 − x_k).
    Chaotic for most r in [3.5699, 4] (with periodic windows); at r = 4 it is conjugate to the
    tent map and λ = ln 2 exactly. The growth rate is clipped to [0, 4] inside the map so that
    [0, 1] stays invariant under parametric kicks. The default r = 3.9 avoids the float32
    collapse of r = 4 orbits onto 0 (x = ½ → 1 → 0).

Actuation:
    ``"parameter"`` (default): the action perturbs r by at most ±0.1 (OGY-style).
    ``"additive"``: an additive kick on x_{k+1}, |u| ≤ 0.05.

Starting state:
    Uniform in [0.05, 0.95], iterated onto the attractor.

Invariants:
    λ = ln 2 exactly at r = 4 (validated there); fixed points x* = 1 − 1/r (unstable for
    r > 3) and 0.

References:
    R. M. May, "Simple mathematical models with very complicated dynamics", Nature 261,
    459–467 (1976).
    E. Ott, *Chaos in Dynamical Systems*, 2nd ed., Cambridge University Press (2002), §2.

Version History:
    v0: initial release.
"""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp

from chaosgym._pytree import pytree_dataclass
from chaosgym.systems._validate import require
from chaosgym.systems.base import Additive, Invariant, Parametric, SystemSpec, components


@pytree_dataclass
class LogisticParams:
    """Growth rate ``r`` (clipped to [0, 4] in the map)."""

    r: float = 3.9

    def __post_init__(self) -> None:
        require("logistic", "r", self.r, lambda v: 0.0 <= v <= 4.0, "in [0, 4]")


def step_map(x: jax.Array, p: LogisticParams) -> jax.Array:
    """One iterate of the logistic map."""
    r = jnp.clip(p.r, 0.0, 4.0)
    return r * x * (1.0 - x)


def fixed_points(p: LogisticParams) -> jax.Array:
    """Fixed points ordered (1 − 1/r, 0); the first does not exist at r = 0 (NaN)."""
    r = jnp.asarray(p.r, float)
    nonzero = r != 0.0
    x1 = jnp.where(nonzero, 1.0 - 1.0 / jnp.where(nonzero, r, 1.0), jnp.nan)
    return jnp.stack([x1, jnp.zeros_like(r)])[:, None]


def initial_state(key: jax.Array, p: LogisticParams) -> jax.Array:
    return jax.random.uniform(key, (1,), minval=0.05, maxval=0.95)


SPEC = SystemSpec(
    name="logistic",
    title="Logistic",
    kind="map",
    params=LogisticParams(),
    dim=lambda p: 1,
    vector_field=step_map,
    actuations={
        "parameter": Parametric(("r",), (0.1,)),
        "additive": Additive(components(0, n=1), u_max=0.05),
    },
    initial_state=initial_state,
    dt=1.0,
    substeps=1,
    integrator="map",
    fixed_points=fixed_points,
    bound=10.0,
    warmup=100.0,
    invariants=(
        Invariant("lyapunov_max", math.log(2.0), "λ(r=4) = ln 2 (conjugacy to the tent map)",
                  abs_tol=5e-3, exact=True, params={"r": 4.0}, settings={"steps": 200_000}),
    ),
    references=("R. M. May, Nature 261, 459 (1976)", "E. Ott, Chaos in Dynamical Systems (2002)"),
    labels=("x",),
    lyapunov_dt=1.0,
    description="Logistic map (r=3.9)",
    doc=__doc__ or "",
)
