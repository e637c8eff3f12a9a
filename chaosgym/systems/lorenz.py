"""Lorenz-63: the butterfly attractor of a truncated convection model.

Description:
    x' = σ (y − x),  y' = x (ρ − z) − y,  z' = x y − β z.
    At σ=10, ρ=28, β=8/3 the flow has a chaotic attractor around the two unstable foci
    C± = (±√(β(ρ−1)), ±√(β(ρ−1)), ρ−1), with the unstable origin between the lobes.

Actuation:
    ``"y"`` (default): an additive input on y' with |u| ≤ 10.
    ``"xyz"``: one additive input on each equation, |u_i| ≤ 10.

Starting state:
    A point drawn uniformly in the box [−20, 20] × [−25, 25] × [5, 45], integrated for
    ``warmup`` time units onto the attractor (environments keep a bank of such states).

Invariants:
    Lyapunov spectrum (0.9056, 0, −14.5723) and Kaplan–Yorke dimension 2.062 [Sprott];
    Σλ = −(σ + 1 + β) = −13.667 exactly (constant divergence of the flow).
    Eigenvalues at C±: −13.8546 and 0.0940 ± 10.1945 i.

References:
    E. N. Lorenz, "Deterministic nonperiodic flow", J. Atmos. Sci. 20, 130–141 (1963).
    J. C. Sprott, *Chaos and Time-Series Analysis*, Oxford University Press (2003), table A.

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
class LorenzParams:
    """Lorenz-63 parameters (standard chaotic set)."""

    sigma: float = 10.0
    rho: float = 28.0
    beta: float = 8.0 / 3.0


def vector_field(x: jax.Array, p: LorenzParams) -> jax.Array:
    """The Lorenz-63 right-hand side."""
    return jnp.stack(
        [
            p.sigma * (x[1] - x[0]),
            x[0] * (p.rho - x[2]) - x[1],
            x[0] * x[1] - p.beta * x[2],
        ]
    )


def fixed_points(p: LorenzParams) -> jax.Array:
    """Equilibria ordered (C+, C−, origin); C± exist only when beta·(rho − 1) ≥ 0 (rho ≥ 1
    for beta > 0) and are NaN otherwise; the origin always exists."""
    q = p.beta * (p.rho - 1.0)
    exists = q >= 0.0
    r = jnp.where(exists, jnp.sqrt(jnp.where(exists, q, 0.0)), jnp.nan)
    zc = jnp.where(exists, p.rho - 1.0, jnp.nan)
    zero = jnp.zeros_like(r)
    return jnp.stack(
        [jnp.stack([r, r, zc]), jnp.stack([-r, -r, zc]), jnp.stack([zero, zero, zero])]
    )


def initial_state(key: jax.Array, p: LorenzParams) -> jax.Array:
    lo = jnp.array([-20.0, -25.0, 5.0])
    hi = jnp.array([20.0, 25.0, 45.0])
    return jax.random.uniform(key, (3,), minval=lo, maxval=hi)


SPEC = SystemSpec(
    name="lorenz",
    title="Lorenz",
    kind="ode",
    params=LorenzParams(),
    dim=lambda p: 3,
    vector_field=vector_field,
    actuations={
        "y": Additive(components(1, n=3), u_max=10.0),
        "xyz": Additive(components(0, 1, 2, n=3), u_max=10.0),
    },
    initial_state=initial_state,
    dt=0.05,
    substeps=5,
    integrator="rk4",
    fixed_points=fixed_points,
    bound=1e3,
    warmup=30.0,
    invariants=(
        Invariant("lyapunov_max", 0.9056, SPROTT, rel_tol=0.01, settings={"n_ic": 8}),
        Invariant("lyapunov_spectrum", (0.9056, 0.0, -14.5723), SPROTT, rel_tol=0.01,
                  settings={"n_ic": 8}),
        Invariant("lyapunov_sum", -(10.0 + 1.0 + 8.0 / 3.0), "trace of the Jacobian", abs_tol=1e-3,
                  exact=True),
        Invariant("kaplan_yorke", 2.062, SPROTT, rel_tol=0.01, settings={"n_ic": 8}),
    ),
    references=(
        "E. N. Lorenz, J. Atmos. Sci. 20, 130 (1963)",
        SPROTT,
    ),
    labels=("x", "y", "z"),
    lyapunov_dt=0.01,
    description="Lorenz-63 butterfly attractor (σ=10, ρ=28, β=8/3)",
    doc=__doc__ or "",
)
