"""Rössler: a single-scroll chaotic attractor with a fold.

Description:
    x' = −y − z,  y' = x + a y,  z' = b + z (x − c).
    At a = b = 0.2, c = 5.7 the attractor is chaotic. The inner fixed point
    x* = (c − √(c² − 4ab))/2, y* = −x*/a, z* = x*/a lies near the origin (an unstable focus
    with a stable direction); the outer one lies far from the attractor.

Actuation:
    ``"y"`` (default): additive input on y', |u| ≤ 2. ``"xyz"``: one input per equation.

Starting state:
    Uniform in [−10, 10] × [−10, 10] × [0, 1], integrated onto the attractor.

Invariants:
    λ1 ≈ 0.0714 [Sprott]; Σλ equals the time average of the Jacobian trace, a − c + ⟨x⟩.

References:
    O. E. Rössler, "An equation for continuous chaos", Phys. Lett. A 57, 397–398 (1976).
    J. C. Sprott, *Chaos and Time-Series Analysis*, Oxford University Press (2003).

Version History:
    v0: initial release.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp

from chaosgym._pytree import pytree_dataclass
from chaosgym.systems.base import Additive, Invariant, SystemSpec, components

SPROTT = "J. C. Sprott, Chaos and Time-Series Analysis (OUP, 2003)"


@pytree_dataclass
class RosslerParams:
    """Rössler parameters (standard chaotic set)."""

    a: float = 0.2
    b: float = 0.2
    c: float = 5.7


def vector_field(x: jax.Array, p: RosslerParams) -> jax.Array:
    """The Rössler right-hand side."""
    return jnp.stack([-x[1] - x[2], x[0] + p.a * x[1], p.b + x[2] * (x[0] - p.c)])


def fixed_points(p: RosslerParams) -> jax.Array:
    """Equilibria ordered (inner, near the origin; outer); both exist only when
    c² − 4ab ≥ 0 and a ≠ 0, and are NaN otherwise."""
    q = p.c**2 - 4.0 * p.a * p.b
    exists = (q >= 0.0) & (p.a != 0.0)
    disc = jnp.where(exists, jnp.sqrt(jnp.where(exists, q, 0.0)), jnp.nan)
    a = jnp.where(exists, p.a, 1.0)
    xs = jnp.stack([(p.c - disc) / 2.0, (p.c + disc) / 2.0])
    return jnp.stack([xs, -xs / a, xs / a], axis=1)


def initial_state(key: jax.Array, p: RosslerParams) -> jax.Array:
    lo = jnp.array([-10.0, -10.0, 0.0])
    hi = jnp.array([10.0, 10.0, 1.0])
    return jax.random.uniform(key, (3,), minval=lo, maxval=hi)


SPEC = SystemSpec(
    name="rossler",
    title="Rossler",
    kind="ode",
    params=RosslerParams(),
    dim=lambda p: 3,
    vector_field=vector_field,
    actuations={
        "y": Additive(components(1, n=3), u_max=2.0),
        "xyz": Additive(components(0, 1, 2, n=3), u_max=2.0),
    },
    initial_state=initial_state,
    dt=0.1,
    substeps=4,
    integrator="rk4",
    fixed_points=fixed_points,
    bound=1e3,
    warmup=200.0,
    invariants=(Invariant("lyapunov_max", 0.0714, SPROTT, rel_tol=0.05,
                          settings={"steps": 500_000}),),
    references=("O. E. Rössler, Phys. Lett. A 57, 397 (1976)", SPROTT),
    labels=("x", "y", "z"),
    lyapunov_dt=0.02,
    description="Rössler single-scroll attractor (a=b=0.2, c=5.7)",
    doc=__doc__ or "",
)
