"""Lorenz-96: a ring of N sites with advection, damping and constant forcing.

Description:
    x_i' = (x_{i+1} − x_{i−2}) x_{i−1} − x_i + F,  i = 1..N cyclic.
    The uniform state x_i = F is an equilibrium, unstable for F = 8; the flow is chaotic with
    a dimension that grows with N.

Actuation:
    ``"all"`` (default): one additive input per site, |u_i| ≤ 5.
    ``"every4"``: inputs on every fourth site (N/4 actuators, rounded up), |u_i| ≤ 5.
    Both are index sets (:class:`~chaosgym.systems.base.SparseActuators`): the input is added
    site by site in O(N), never through an N × N matrix, so a step costs O(N)
    (``benchmarks/results/l96_scaling.md``); ``actuation.matrix(params)`` still returns the
    dense matrix for linear analysis at small N.

Starting state:
    F plus a uniform perturbation of ±1 on every site, integrated onto the attractor.

Invariants:
    N = 40, F = 8: λ1 ≈ 1.67 (Karimi & Paul 2010; Lorenz & Emanuel 1998 report similar);
    Σλ = −N exactly (the divergence of the flow is −N everywhere).

References:
    E. N. Lorenz, "Predictability — a problem partly solved", ECMWF Seminar (1996).
    E. N. Lorenz and K. A. Emanuel, J. Atmos. Sci. 55, 399–414 (1998).
    A. Karimi and M. R. Paul, "Extensive chaos in the Lorenz-96 model", Chaos 20, 043105 (2010).

Arguments:
    ``N`` (static, ≥ 4, default 40) and ``F`` (default 8).

Version History:
    v0: initial release.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from chaosgym._pytree import pytree_dataclass, static
from chaosgym.systems.base import Additive, Invariant, SparseActuators, SystemSpec

KARIMI = "A. Karimi and M. R. Paul, Chaos 20, 043105 (2010)"


@pytree_dataclass
class Lorenz96Params:
    """Lorenz-96 parameters: ``N`` sites (static) and forcing ``F``."""

    N: int = static(40)
    F: float = 8.0

    def __post_init__(self) -> None:
        if not isinstance(self.N, int) or self.N < 4:
            raise ValueError(f"Lorenz-96 needs an integer N >= 4 sites, got N={self.N!r}")


def vector_field(x: jax.Array, p: Lorenz96Params) -> jax.Array:
    """The Lorenz-96 right-hand side (cyclic indices via ``jnp.roll``)."""
    return (jnp.roll(x, -1) - jnp.roll(x, 2)) * jnp.roll(x, 1) - x + p.F


def fixed_points(p: Lorenz96Params) -> jax.Array:
    """The uniform equilibrium x_i = F."""
    return jnp.full((1, p.N), 1.0) * p.F


def initial_state(key: jax.Array, p: Lorenz96Params) -> jax.Array:
    return p.F + jax.random.uniform(key, (p.N,), minval=-1.0, maxval=1.0)


# Actuators as index sets (one input per listed site), applied in O(N) without the N×N
# matrix (which N = 10⁷ could not even allocate); ``matrix(params)`` still gives it densely.
_all = SparseActuators(rows=lambda p: np.arange(p.N), n=lambda p: p.N)
_every4 = SparseActuators(rows=lambda p: np.arange(0, p.N, 4), n=lambda p: p.N)


SPEC = SystemSpec(
    name="lorenz96",
    title="Lorenz96",
    kind="ode",
    params=Lorenz96Params(),
    dim=lambda p: p.N,
    vector_field=vector_field,
    actuations={
        "all": Additive(_all, u_max=5.0),
        "every4": Additive(_every4, u_max=5.0),
    },
    initial_state=initial_state,
    dt=0.05,
    substeps=5,
    integrator="rk4",
    fixed_points=fixed_points,
    bound=1e3,
    warmup=20.0,
    invariants=(
        Invariant("lyapunov_max", 1.67, KARIMI, rel_tol=0.05,
                  settings={"steps": 100_000, "n_ic": 2}),
        Invariant("lyapunov_sum", -40.0, "divergence of the flow is −N", abs_tol=1e-2,
                  exact=True),
    ),
    references=(
        "E. N. Lorenz, ECMWF Seminar on Predictability (1996)",
        "E. N. Lorenz and K. A. Emanuel, J. Atmos. Sci. 55, 399 (1998)",
        KARIMI,
    ),
    labels=None,
    lyapunov_dt=0.01,
    description="Lorenz-96 ring of N sites (N=40, F=8)",
    doc=__doc__ or "",
)
