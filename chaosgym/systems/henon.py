"""Hénon map: the prototypical two-dimensional chaotic map.

Description:
    x_{k+1} = 1 − a x_k² + y_k,  y_{k+1} = b x_k.
    At a = 1.4, b = 0.3 the attractor is chaotic; the fixed point on it is
    x* = (−(1 − b) + √((1 − b)² + 4a)) / (2a) = 0.631354, y* = b x* = 0.189406 (a saddle).

Actuation:
    ``"parameter"`` (default): the action perturbs a by at most ±0.1 (OGY-style parametric
    control). ``"additive"``: an additive kick on x_{k+1}, |u| ≤ 0.1.

Starting state:
    Uniform within 0.05 of the fixed point on the attractor (inside the basin), iterated
    onto the attractor.

Invariants:
    λ1 ≈ 0.41922 [Sprott]; Σλ = ln b = −1.20397 exactly (constant Jacobian determinant −b).

References:
    M. Hénon, "A two-dimensional mapping with a strange attractor",
    Commun. Math. Phys. 50, 69–77 (1976).
    E. Ott, C. Grebogi and J. A. Yorke, "Controlling chaos", PRL 64, 1196 (1990).

Version History:
    v0: initial release.
"""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp

from chaosgym._pytree import pytree_dataclass
from chaosgym.systems.base import Additive, Invariant, Parametric, SystemSpec, components

SPROTT = "J. C. Sprott, Chaos and Time-Series Analysis (OUP, 2003)"


@pytree_dataclass
class HenonParams:
    """Hénon map parameters (classic chaotic set)."""

    a: float = 1.4
    b: float = 0.3


def step_map(x: jax.Array, p: HenonParams) -> jax.Array:
    """One iterate of the Hénon map."""
    return jnp.stack([1.0 - p.a * x[0] ** 2 + x[1], p.b * x[0]])


def fixed_points(p: HenonParams) -> jax.Array:
    """Fixed points ordered (on the attractor, off it); they exist only when
    (1 − b)² + 4a ≥ 0 and are NaN otherwise. At a = 0 the first is 1/(1 − b) and the second
    does not exist (NaN)."""
    q = (1.0 - p.b) ** 2 + 4.0 * p.a
    exists = q >= 0.0
    d = jnp.where(exists, jnp.sqrt(jnp.where(exists, q, 0.0)), jnp.nan)
    linear = p.a == 0.0
    a = jnp.where(linear, 1.0, p.a)
    x1 = jnp.where(linear, 1.0 / (1.0 - p.b), (-(1.0 - p.b) + d) / (2.0 * a))
    x2 = jnp.where(linear, jnp.nan, (-(1.0 - p.b) - d) / (2.0 * a))
    xs = jnp.stack([x1, x2])
    return jnp.stack([xs, p.b * xs], axis=1)


def initial_state(key: jax.Array, p: HenonParams) -> jax.Array:
    """A point within 0.05 of the saddle on the attractor (inside its basin)."""
    return fixed_points(p)[0] + jax.random.uniform(key, (2,), minval=-0.05, maxval=0.05)


SPEC = SystemSpec(
    name="henon",
    title="Henon",
    kind="map",
    params=HenonParams(),
    dim=lambda p: 2,
    vector_field=step_map,
    actuations={
        "parameter": Parametric(("a",), (0.1,)),
        "additive": Additive(components(0, n=2), u_max=0.1),
    },
    initial_state=initial_state,
    dt=1.0,
    substeps=1,
    integrator="map",
    fixed_points=fixed_points,
    bound=1e2,
    warmup=200.0,
    invariants=(
        Invariant("lyapunov_max", 0.41922, SPROTT, rel_tol=0.01, settings={"steps": 200_000}),
        Invariant("lyapunov_sum", math.log(0.3), "log|det J| = ln b", abs_tol=1e-6, exact=True),
        Invariant("fixed_point", (0.631354, 0.189406), "closed form", abs_tol=1e-6, exact=True),
    ),
    references=("M. Hénon, Commun. Math. Phys. 50, 69 (1976)", SPROTT),
    labels=("x", "y"),
    lyapunov_dt=1.0,
    description="Hénon map (a=1.4, b=0.3)",
    doc=__doc__ or "",
)
