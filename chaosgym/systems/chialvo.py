"""Chialvo map: a two-variable discrete-time model of an excitable neuron.

Description:
    x_{k+1} = x_k² exp(y_k − x_k) + k,  y_{k+1} = a y_k − b x_k + c,
    x the activation (membrane) variable, y the recovery variable, k a bias/perturbation.
    At a = 0.89, b = 0.18, c = 0.28, k = 0.03 (Chialvo 1995) the isolated neuron fires
    chaotically (λ1 ≈ 0.05). The set with b = 0.6 used for ring–star networks
    (chaosgym.systems.chialvo_ring_star) gives λ1 ≈ 0 for an isolated neuron (quasi-periodic
    firing), so it is not the default here. The fixed point solves x = x² exp(y − x) + k with
    y = (c − b x)/(1 − a); at the default parameters it is x* ≈ 0.963, a weakly unstable focus
    (eigenvalue modulus ≈ 1.03) embedded in the chaotic attractor.

Actuation:
    ``"x"`` (default): an additive kick on x_{k+1}, |u| ≤ 0.1.
    ``"bias"``: parametric control of k by at most ±0.02.

Starting state:
    x uniform in [0, 2], y uniform in [0, 2], iterated onto the attractor.

Invariants:
    Chaotic firing: λ1 ≈ 0.050 per iterate, measured by this library in float64
    (benchmarks/results/invariants.md).

References:
    D. R. Chialvo, "Generic excitable dynamics on a two-dimensional map", Chaos Solitons
    Fractals 5, 461–479 (1995).

Version History:
    v0: initial release.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp

from chaosgym._pytree import pytree_dataclass
from chaosgym.systems._validate import require
from chaosgym.systems.base import Additive, Parametric, SystemSpec, components

CHIALVO = "D. R. Chialvo, Chaos Solitons Fractals 5, 461 (1995)"


@pytree_dataclass
class ChialvoParams:
    """Chialvo neuron parameters (chaotic set of Chialvo 1995)."""

    a: float = 0.89
    b: float = 0.18
    c: float = 0.28
    k: float = 0.03

    def __post_init__(self) -> None:
        require("chialvo", "a", self.a, lambda v: v < 1.0, "below 1 (a recovery time scale)")


def node(x: jax.Array, y: jax.Array, p: ChialvoParams) -> tuple[jax.Array, jax.Array]:
    """One uncoupled Chialvo iterate of (x, y) (arrays broadcast)."""
    return x * x * jnp.exp(y - x) + p.k, p.a * y - p.b * x + p.c


def step_map(x: jax.Array, p: ChialvoParams) -> jax.Array:
    """One iterate of the Chialvo map."""
    xn, yn = node(x[0], x[1], p)
    return jnp.stack([xn, yn])


def node_fixed_point(p: ChialvoParams) -> jax.Array:
    """The fixed point (x*, y*) of one node: the first sign change of
    g(x) = x² exp(y(x) − x) + k − x, y(x) = (c − b x)/(1 − a), on a grid over [−1, 4],
    refined by bisection (jittable, so it also works for traced parameters); NaN when g has
    no sign change on the grid."""

    def g(x):
        y = (p.c - p.b * x) / (1.0 - p.a)
        return x * x * jnp.exp(y - x) + p.k - x

    grid = jnp.linspace(-1.0, 4.0, 2001)
    gv = g(grid)
    change = jnp.sign(gv[:-1]) != jnp.sign(gv[1:])
    i = jnp.argmax(change)
    lo, hi = grid[i], grid[i + 1]

    def bisect(_, ab):
        lo, hi = ab
        mid = 0.5 * (lo + hi)
        left = jnp.sign(g(mid)) == jnp.sign(g(lo))
        return jnp.where(left, mid, lo), jnp.where(left, hi, mid)

    lo, hi = jax.lax.fori_loop(0, 60, bisect, (lo, hi))
    x = jnp.where(jnp.any(change), 0.5 * (lo + hi), jnp.nan)
    return jnp.stack([x, (p.c - p.b * x) / (1.0 - p.a)])


def fixed_points(p: ChialvoParams) -> jax.Array:
    return node_fixed_point(p)[None, :]


def initial_state(key: jax.Array, p: ChialvoParams) -> jax.Array:
    return jax.random.uniform(key, (2,), minval=0.0, maxval=2.0)


SPEC = SystemSpec(
    name="chialvo",
    title="Chialvo",
    kind="map",
    params=ChialvoParams(),
    dim=lambda p: 2,
    vector_field=step_map,
    actuations={
        "x": Additive(components(0, n=2), u_max=0.1),
        "bias": Parametric(("k",), (0.02,)),
    },
    initial_state=initial_state,
    dt=1.0,
    substeps=1,
    integrator="map",
    fixed_points=fixed_points,
    bound=1e2,
    warmup=500.0,
    invariants=(),
    references=(CHIALVO,),
    labels=("x", "y"),
    lyapunov_dt=1.0,
    description="Chialvo neuron map (a=0.89, b=0.18, c=0.28, k=0.03)",
    doc=__doc__ or "",
)
