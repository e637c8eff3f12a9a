"""Ring–star network of Chialvo neurons with diffusive coupling.

Description:
    N nodes: a central node 0 coupled to every peripheral node (star, strength μ) and N − 1
    peripheral nodes on a ring, each coupled to its R nearest neighbours on either side
    (strength σ). Every node is a Chialvo map f(x, y) = (x² e^{y−x} + k, a y − b x + c):
    x_0' = f_x(x_0, y_0) + μ Σ_{j≥1} (x_j − x_0),
    x_j' = f_x(x_j, y_j) + μ (x_0 − x_j) + σ/(2R) Σ_{|i−j|≤R, i≠j, ring} (x_i − x_j),
    y' = f_y for every node. The state is (x_0..x_{N−1}, y_0..y_{N−1}). Homogeneous states
    are unaffected by the coupling, so the single-node fixed point repeated on every node is
    a fixed point of the network.

Actuation:
    ``"all"`` (default): an additive kick on every node's x, |u_i| ≤ 0.05.
    ``"center"``: a single kick on the central node, |u| ≤ 0.2.
    ``"coupling"``: parametric control of the couplings (μ, σ) by at most (±0.005, ±0.01).

Starting state:
    Every node uniform in [0, 2]², iterated onto the attractor.

Arguments:
    ``N`` (static, ≥ 4, default 50) nodes, ``R`` (static, 1 ≤ R ≤ (N − 2)/2, default 4),
    couplings ``mu`` (default 0.001) and ``sigma`` (default −0.01); node parameters a = 0.89,
    b = 0.6, c = 0.28, k = 0.03 (an isolated neuron at this set fires quasi-periodically;
    the coupled network is chaotic).

Invariants:
    Chaotic collective dynamics, λ1 ≈ 0.029 per iterate with several positive exponents,
    measured by this library in float64 (benchmarks/results/invariants.md).

References:
    D. R. Chialvo, Chaos Solitons Fractals 5, 461–479 (1995).
    Ring–star networks of Chialvo neurons with spatiotemporal heterogeneities,
    Nonlinear Dyn. (2023), doi:10.1007/s11071-023-08717-y (network topology and parameter set).

Version History:
    v0: initial release.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from chaosgym._pytree import pytree_dataclass, static
from chaosgym.systems._validate import require_int
from chaosgym.systems.base import Additive, Parametric, SparseActuators, SystemSpec, components
from chaosgym.systems.chialvo import node, node_fixed_point

RINGSTAR = "Nonlinear Dyn. (2023), doi:10.1007/s11071-023-08717-y"


@pytree_dataclass
class ChialvoRingStarParams:
    """Network size ``N`` and ring range ``R`` (static), couplings and node parameters."""

    N: int = static(50)
    R: int = static(4)
    mu: float = 0.001
    sigma: float = -0.01
    a: float = 0.89
    b: float = 0.6
    c: float = 0.28
    k: float = 0.03

    def __post_init__(self) -> None:
        require_int("chialvo_ring_star", "N", self.N, 4)
        require_int("chialvo_ring_star", "R", self.R, 1)
        if 2 * self.R > self.N - 2:
            raise ValueError(
                f"chialvo_ring_star: R={self.R} is too large for N={self.N} nodes "
                f"(need 2R <= N - 2 so that ring neighbours are distinct)"
            )


def ring_laplacian_apply(xr: jax.Array, R: int) -> jax.Array:
    """Σ_{0<|d|≤R} (x_{j+d} − x_j) on a ring (cyclic indices)."""
    acc = jnp.zeros_like(xr)
    for d in range(1, R + 1):
        acc = acc + jnp.roll(xr, d) + jnp.roll(xr, -d) - 2.0 * xr
    return acc


def step_map(s: jax.Array, p: ChialvoRingStarParams) -> jax.Array:
    """One iterate of the network."""
    n = p.N
    x, y = s[:n], s[n:]
    fx, fy = node(x, y, p)
    xc, xr = x[0], x[1:]
    star_c = p.mu * jnp.sum(xr - xc)
    star_r = p.mu * (xc - xr)
    ring = p.sigma / (2.0 * p.R) * ring_laplacian_apply(xr, p.R)
    coupling = jnp.concatenate([star_c[None], star_r + ring])
    return jnp.concatenate([fx + coupling, fy])


def fixed_points(p: ChialvoRingStarParams) -> jax.Array:
    """The homogeneous fixed point (single-node fixed point on every node)."""
    fp = node_fixed_point(p)
    return jnp.concatenate([jnp.full((p.N,), fp[0]), jnp.full((p.N,), fp[1])])[None, :]


def initial_state(key: jax.Array, p: ChialvoRingStarParams) -> jax.Array:
    return jax.random.uniform(key, (2 * p.N,), minval=0.0, maxval=2.0)


# one input on the x of every node (sparse: applied without the 2N × N matrix)
_all = SparseActuators(rows=lambda p: np.arange(p.N), n=lambda p: 2 * p.N)


SPEC = SystemSpec(
    name="chialvo_ring_star",
    title="ChialvoRingStar",
    kind="map",
    params=ChialvoRingStarParams(),
    dim=lambda p: 2 * p.N,
    vector_field=step_map,
    actuations={
        "all": Additive(_all, u_max=0.05),
        "center": Additive(components(0, n=lambda p: 2 * p.N), u_max=0.2),
        "coupling": Parametric(("mu", "sigma"), (0.005, 0.01)),
    },
    initial_state=initial_state,
    dt=1.0,
    substeps=1,
    integrator="map",
    fixed_points=fixed_points,
    bound=1e2,
    warmup=500.0,
    invariants=(),
    references=("D. R. Chialvo, Chaos Solitons Fractals 5, 461 (1995)", RINGSTAR),
    labels=None,
    lyapunov_dt=1.0,
    description="Ring–star network of N=50 Chialvo neurons",
    doc=__doc__ or "",
)
