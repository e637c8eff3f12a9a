"""Thomas' cyclically symmetric attractor.

Description:
    x' = −b x + sin y,  y' = −b y + sin z,  z' = −b z + sin x.
    The flow is invariant under the cyclic permutation (x, y, z) → (y, z, x). At the classic
    value b ≈ 0.208186 it has a chaotic attractor; as b → 0 it becomes a conservative
    "labyrinth chaos". The origin is an equilibrium with eigenvalues −b + ω^k (ω³ = 1), so it is
    unstable for b < 1.

Actuation:
    ``"x"`` (default): an additive input on x', |u| ≤ 0.5.
    ``"xyz"``: one additive input on each equation, |u_i| ≤ 0.5.
    ``"parameter"``: parametric control of the damping b by at most ±0.02.

Starting state:
    Uniform in [−3, 3]³, integrated onto the attractor.

Invariants:
    Σλ = −3b exactly (the divergence of the flow is constant). Weakly chaotic at b = 0.208186:
    λ1 ≈ 0.005 (float64 run of this library, benchmarks/results/invariants.md).

References:
    R. Thomas, "Deterministic chaos seen in terms of feedback circuits: analysis, synthesis,
    'labyrinth chaos'", Int. J. Bifurcation Chaos 9, 1889–1905 (1999).
    J. C. Sprott and K. E. Chlouverakis, "Labyrinth chaos", Int. J. Bifurcation Chaos 17,
    2097–2108 (2007).

Version History:
    v0: initial release.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp

from chaosgym._pytree import pytree_dataclass
from chaosgym.systems._validate import require
from chaosgym.systems.base import Additive, Invariant, Parametric, SystemSpec, components

B_CLASSIC = 0.208186


@pytree_dataclass
class ThomasParams:
    """Thomas' damping ``b`` (classic chaotic value 0.208186)."""

    b: float = B_CLASSIC

    def __post_init__(self) -> None:
        require("thomas", "b", self.b, lambda v: v >= 0.0, "non-negative (a damping rate)")


def vector_field(x: jax.Array, p: ThomasParams) -> jax.Array:
    """The Thomas right-hand side."""
    return -p.b * x + jnp.sin(jnp.roll(x, -1))


def fixed_points(p: ThomasParams) -> jax.Array:
    """The equilibrium at the origin."""
    return jnp.zeros((1, 3)) * p.b


def initial_state(key: jax.Array, p: ThomasParams) -> jax.Array:
    return jax.random.uniform(key, (3,), minval=-3.0, maxval=3.0)


SPEC = SystemSpec(
    name="thomas",
    title="Thomas",
    kind="ode",
    params=ThomasParams(),
    dim=lambda p: 3,
    vector_field=vector_field,
    actuations={
        "x": Additive(components(0, n=3), u_max=0.5),
        "xyz": Additive(components(0, 1, 2, n=3), u_max=0.5),
        "parameter": Parametric(("b",), (0.02,)),
    },
    initial_state=initial_state,
    dt=0.2,
    substeps=2,
    integrator="rk4",
    fixed_points=fixed_points,
    bound=1e2,
    warmup=200.0,
    invariants=(
        Invariant("lyapunov_sum", -3.0 * B_CLASSIC, "trace of the Jacobian −3b", abs_tol=1e-3,
                  exact=True),
    ),
    references=(
        "R. Thomas, Int. J. Bifurcation Chaos 9, 1889 (1999)",
        "J. C. Sprott and K. E. Chlouverakis, Int. J. Bifurcation Chaos 17, 2097 (2007)",
    ),
    labels=("x", "y", "z"),
    lyapunov_dt=0.05,
    description="Thomas cyclically symmetric attractor (b=0.208186)",
    doc=__doc__ or "",
)
