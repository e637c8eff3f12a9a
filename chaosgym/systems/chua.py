"""Chua's circuit: the double-scroll attractor of a piecewise-linear electronic oscillator.

Description:
    x' = α (y − x − g(x)),  y' = x − y + z,  z' = −β y,
    g(x) = m1 x + ½ (m0 − m1)(|x + 1| − |x − 1|)  (the Chua diode).
    At α = 15.6, β = 28, m0 = −8/7, m1 = −5/7 (dimensionless form) the flow has the
    double-scroll attractor around the equilibria P± = (±k, 0, ∓k), k = (m1 − m0)/(1 + m1) = 1.5,
    with the saddle-focus at the origin between the scrolls.

Actuation:
    ``"x"`` (default): an additive input on x', |u| ≤ 2.
    ``"xyz"``: one additive input on each equation, |u_i| ≤ 2.
    ``"parameter"``: parametric control of α by at most ±0.5.

Starting state:
    Uniform in [−0.5, 0.5]³ (inside the basin of the double scroll; the piecewise-linear
    circuit has trajectories that escape to infinity from farther out), integrated onto the
    attractor.

Invariants:
    No closed-form identity (the divergence −α(1 + g'(x)) − 1 is piecewise constant).
    λ1 ≈ 0.42 (float64 Benettin/QR run of this library, see benchmarks/results/invariants.md);
    the Lyapunov spectrum of the double scroll at these parameters was first measured by
    Matsumoto, Chua & Komuro (1985).

References:
    T. Matsumoto, L. O. Chua and M. Komuro, "The double scroll", IEEE Trans. Circuits Syst.
    32, 797–818 (1985).
    L. O. Chua, M. Komuro and T. Matsumoto, "The double scroll family", IEEE Trans. Circuits
    Syst. 33, 1072–1118 (1986).

Version History:
    v0: initial release.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp

from chaosgym._pytree import pytree_dataclass
from chaosgym.systems.base import Additive, Parametric, SystemSpec, components


@pytree_dataclass
class ChuaParams:
    """Chua circuit parameters (dimensionless double-scroll set)."""

    alpha: float = 15.6
    beta: float = 28.0
    m0: float = -8.0 / 7.0
    m1: float = -5.0 / 7.0


def diode(x: jax.Array, p: ChuaParams) -> jax.Array:
    """The piecewise-linear Chua diode characteristic g(x)."""
    return p.m1 * x + 0.5 * (p.m0 - p.m1) * (jnp.abs(x + 1.0) - jnp.abs(x - 1.0))


def vector_field(x: jax.Array, p: ChuaParams) -> jax.Array:
    """The Chua right-hand side."""
    return jnp.stack(
        [
            p.alpha * (x[1] - x[0] - diode(x[0], p)),
            x[0] - x[1] + x[2],
            -p.beta * x[1],
        ]
    )


def fixed_points(p: ChuaParams) -> jax.Array:
    """Equilibria ordered (P+, P−, origin); P± = ±(k, 0, −k) with k = (m1 − m0)/(1 + m1)
    exist only when k ≥ 1 (they lie in the outer segments |x| ≥ 1 of the diode) and are NaN
    otherwise; the origin always exists."""
    den = 1.0 + p.m1
    k = (p.m1 - p.m0) / jnp.where(den == 0.0, jnp.nan, den)
    k = jnp.where(k >= 1.0, k, jnp.nan)
    zero = jnp.zeros_like(k)
    return jnp.stack(
        [jnp.stack([k, zero, -k]), jnp.stack([-k, zero, k]), jnp.stack([zero, zero, zero])]
    )


def initial_state(key: jax.Array, p: ChuaParams) -> jax.Array:
    return jax.random.uniform(key, (3,), minval=-0.5, maxval=0.5)


SPEC = SystemSpec(
    name="chua",
    title="Chua",
    kind="ode",
    params=ChuaParams(),
    dim=lambda p: 3,
    vector_field=vector_field,
    actuations={
        "x": Additive(components(0, n=3), u_max=2.0),
        "xyz": Additive(components(0, 1, 2, n=3), u_max=2.0),
        "parameter": Parametric(("alpha",), (0.5,)),
    },
    initial_state=initial_state,
    dt=0.05,
    substeps=5,
    integrator="rk4",
    fixed_points=fixed_points,
    bound=1e2,
    warmup=100.0,
    invariants=(),
    references=(
        "T. Matsumoto, L. O. Chua and M. Komuro, IEEE Trans. Circuits Syst. 32, 797 (1985)",
        "L. O. Chua, M. Komuro and T. Matsumoto, IEEE Trans. Circuits Syst. 33, 1072 (1986)",
    ),
    labels=("x", "y", "z"),
    lyapunov_dt=0.005,
    description="Chua circuit double scroll (α=15.6, β=28, m0=−8/7, m1=−5/7)",
    doc=__doc__ or "",
)
