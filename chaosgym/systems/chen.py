"""Chen: a Lorenz-like double-scroll attractor that is not topologically equivalent to Lorenz.

Description:
    x' = a (y − x),  y' = (c − a) x − x z + c y,  z' = x y − b z.
    At a = 35, b = 3, c = 28 the flow is chaotic. Equilibria: the origin (a saddle) and
    C± = (±√(b(2c − a)), ±√(b(2c − a)), 2c − a) = (±7.9373, ±7.9373, 21), unstable foci.

Actuation:
    ``"y"`` (default): an additive input on y', |u| ≤ 20.
    ``"xyz"``: one additive input on each equation, |u_i| ≤ 20.
    ``"parameter"``: parametric control of c by at most ±1.

Starting state:
    Uniform in [−20, 20] × [−20, 20] × [5, 40], integrated onto the attractor.

Invariants:
    Σλ = c − a − b = −10 exactly (the divergence of the flow is constant).
    λ1 ≈ 2.0272 with spectrum (2.0272, 0, −12.0272) and Kaplan–Yorke dimension 2.1686
    [Sprott, tabulated Lyapunov exponents of standard systems].

References:
    G. Chen and T. Ueta, "Yet another chaotic attractor", Int. J. Bifurcation Chaos 9,
    1465–1466 (1999).
    J. C. Sprott, *Chaos and Time-Series Analysis*, Oxford University Press (2003); Lyapunov
    exponents of standard systems, https://sprott.physics.wisc.edu/chaos/lyapexp.htm.

Version History:
    v0: initial release.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp

from chaosgym._pytree import pytree_dataclass
from chaosgym.systems.base import Additive, Invariant, Parametric, SystemSpec, components

SPROTT = "J. C. Sprott, Lyapunov exponents of standard systems (sprott.physics.wisc.edu)"


@pytree_dataclass
class ChenParams:
    """Chen parameters (standard chaotic set of Chen & Ueta 1999)."""

    a: float = 35.0
    b: float = 3.0
    c: float = 28.0


def vector_field(x: jax.Array, p: ChenParams) -> jax.Array:
    """The Chen right-hand side."""
    return jnp.stack(
        [
            p.a * (x[1] - x[0]),
            (p.c - p.a) * x[0] - x[0] * x[2] + p.c * x[1],
            x[0] * x[1] - p.b * x[2],
        ]
    )


def fixed_points(p: ChenParams) -> jax.Array:
    """Equilibria ordered (C+, C−, origin); C± exist only when b·(2c − a) ≥ 0 (c ≥ a/2 for
    b > 0) and are NaN otherwise; the origin always exists."""
    q = p.b * (2.0 * p.c - p.a)
    exists = q >= 0.0
    r = jnp.where(exists, jnp.sqrt(jnp.where(exists, q, 0.0)), jnp.nan)
    zc = jnp.where(exists, 2.0 * p.c - p.a, jnp.nan)
    zero = jnp.zeros_like(r)
    return jnp.stack(
        [jnp.stack([r, r, zc]), jnp.stack([-r, -r, zc]), jnp.stack([zero, zero, zero])]
    )


def initial_state(key: jax.Array, p: ChenParams) -> jax.Array:
    lo = jnp.array([-20.0, -20.0, 5.0])
    hi = jnp.array([20.0, 20.0, 40.0])
    return jax.random.uniform(key, (3,), minval=lo, maxval=hi)


SPEC = SystemSpec(
    name="chen",
    title="Chen",
    kind="ode",
    params=ChenParams(),
    dim=lambda p: 3,
    vector_field=vector_field,
    actuations={
        "y": Additive(components(1, n=3), u_max=20.0),
        "xyz": Additive(components(0, 1, 2, n=3), u_max=20.0),
        "parameter": Parametric(("c",), (1.0,)),
    },
    initial_state=initial_state,
    dt=0.02,
    substeps=4,
    integrator="rk4",
    fixed_points=fixed_points,
    bound=1e3,
    warmup=20.0,
    invariants=(
        Invariant("lyapunov_max", 2.0272, SPROTT, rel_tol=0.05, settings={"steps": 500_000}),
        Invariant("lyapunov_sum", 28.0 - 35.0 - 3.0, "trace of the Jacobian c − a − b",
                  abs_tol=1e-3, exact=True),
    ),
    references=("G. Chen and T. Ueta, Int. J. Bifurcation Chaos 9, 1465 (1999)", SPROTT),
    labels=("x", "y", "z"),
    lyapunov_dt=0.002,
    description="Chen double-scroll attractor (a=35, b=3, c=28)",
    doc=__doc__ or "",
)
