"""Hindmarsh–Rose: a three-variable model of a bursting neuron.

Description:
    x' = y − a x³ + b x² − z + I,  y' = c − d x² − y,  z' = r (s (x − x_R) − z).
    x is the membrane potential, y a fast recovery current and z a slow adaptation current.
    At a=1, b=3, c=1, d=5, r=0.006, s=4, x_R=−1.6 and I=3.25 the neuron bursts chaotically
    (irregular numbers of spikes per burst). The single equilibrium solves the cubic
    a x³ + (d − b) x² + s x − (c + s x_R + I) = 0 (one real root) and is unstable.

Actuation:
    ``"current"`` (default): an additive input current on x', |u| ≤ 1.
    ``"xyz"``: one additive input on each equation, |u_i| ≤ 1.
    ``"parameter"``: parametric control of the adaptation gain s by at most ±0.2.

Starting state:
    Uniform in [−2, 2] × [−10, 2] × [2.8, 3.4], integrated onto the attractor.

Invariants:
    Chaotic bursting with a small leading exponent, λ1 ≈ 0.014 per unit time, measured by
    this library in float64 (benchmarks/results/invariants.md).

References:
    J. L. Hindmarsh and R. M. Rose, "A model of neuronal bursting using three coupled first
    order differential equations", Proc. R. Soc. Lond. B 221, 87–102 (1984).
    J. M. González-Miranda, "Complex bifurcation structures in the Hindmarsh–Rose neuron
    model", Int. J. Bifurcation Chaos 17, 3071–3083 (2007).

Version History:
    v0: initial release.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp

from chaosgym._pytree import pytree_dataclass
from chaosgym.systems._validate import require
from chaosgym.systems.base import Additive, Parametric, SystemSpec, components


@pytree_dataclass
class HindmarshRoseParams:
    """Hindmarsh–Rose parameters (chaotic bursting set)."""

    a: float = 1.0
    b: float = 3.0
    c: float = 1.0
    d: float = 5.0
    r: float = 0.006
    s: float = 4.0
    x_r: float = -1.6
    current: float = 3.25

    def __post_init__(self) -> None:
        require("hindmarsh_rose", "r", self.r, lambda v: v > 0.0, "positive (a time-scale ratio)")


def vector_field(x: jax.Array, p: HindmarshRoseParams) -> jax.Array:
    """The Hindmarsh–Rose right-hand side."""
    v, w, z = x[0], x[1], x[2]
    return jnp.stack(
        [
            w - p.a * v**3 + p.b * v**2 - z + p.current,
            p.c - p.d * v**2 - w,
            p.r * (p.s * (v - p.x_r) - z),
        ]
    )


def fixed_points(p: HindmarshRoseParams) -> jax.Array:
    """The equilibrium: a real root of the cubic a v³ + (d − b) v² + s v − (c + s x_r + I) = 0,
    by Newton's method from v = −1; NaN where Newton's method does not converge to a root."""
    c3, c2, c1, c0 = p.a, p.d - p.b, p.s, -(p.c + p.s * p.x_r + p.current)

    def newton(_, v):
        return v - (((c3 * v + c2) * v + c1) * v + c0) / ((3 * c3 * v + 2 * c2) * v + c1)

    v = jax.lax.fori_loop(0, 50, newton, -jnp.ones_like(jnp.asarray(p.a, float)))
    terms = jnp.abs(c3 * v**3) + jnp.abs(c2 * v**2) + jnp.abs(c1 * v) + jnp.abs(c0)
    poly = ((c3 * v + c2) * v + c1) * v + c0
    tiny = jnp.finfo(jnp.result_type(v)).eps
    v = jnp.where(jnp.abs(poly) <= 1e3 * tiny * terms + tiny, v, jnp.nan)
    return jnp.stack([v, p.c - p.d * v**2, p.s * (v - p.x_r)])[None, :]


def initial_state(key: jax.Array, p: HindmarshRoseParams) -> jax.Array:
    lo = jnp.array([-2.0, -10.0, 2.8])
    hi = jnp.array([2.0, 2.0, 3.4])
    return jax.random.uniform(key, (3,), minval=lo, maxval=hi)


SPEC = SystemSpec(
    name="hindmarsh_rose",
    title="HindmarshRose",
    kind="ode",
    params=HindmarshRoseParams(),
    dim=lambda p: 3,
    vector_field=vector_field,
    actuations={
        "current": Additive(components(0, n=3), u_max=1.0),
        "xyz": Additive(components(0, 1, 2, n=3), u_max=1.0),
        "parameter": Parametric(("s",), (0.2,)),
    },
    initial_state=initial_state,
    dt=0.1,
    substeps=4,
    integrator="rk4",
    fixed_points=fixed_points,
    bound=1e2,
    warmup=1000.0,
    invariants=(),
    references=(
        "J. L. Hindmarsh and R. M. Rose, Proc. R. Soc. Lond. B 221, 87 (1984)",
        "J. M. González-Miranda, Int. J. Bifurcation Chaos 17, 3071 (2007)",
    ),
    labels=("x", "y", "z"),
    lyapunov_dt=0.02,
    description="Hindmarsh–Rose bursting neuron (I=3.25, r=0.006)",
    doc=__doc__ or "",
)
