"""Forced Duffing oscillator: a driven particle in a double-well potential.

Description:
    x'' + δ x' + β x + α x³ = γ cos(θ),  θ' = ω.
    The forcing phase θ is carried in the state, so the flow x = (x, v, θ) is autonomous; the
    environment wraps θ into [0, 2π) after every control interval. At α = 1, β = −1
    (double well at x = ±1), δ = 0.1, γ = 0.35, ω = 1.4 the motion is chaotic: the particle
    hops irregularly between the wells.

Actuation:
    ``"force"`` (default): an additive force on v', |u| ≤ 0.5.
    ``"amplitude"``: parametric control of the drive amplitude γ by at most ±0.1.

Starting state:
    (x, v) uniform in [−1.5, 1.5]², θ uniform in [0, 2π), integrated onto the attractor.

Invariants:
    Σλ = −δ exactly (the divergence of the flow is −δ); the phase direction carries a zero
    exponent. λ1 = 0.1282 ± 0.0008 per unit time, computed here in float64 (Benettin/QR,
    8 initial conditions × 40 000 time units) and converged in the step: 0.1282 ± 0.0012 at
    dt = 0.02 and 0.1282 ± 0.0008 at dt = 0.01; independent runs of 2 000 and 10 000 time
    units give 0.126–0.131 (convergence table in benchmarks/results/invariants.md), so
    λ1 ≈ 0.128–0.131. The value 0.138 sometimes quoted for this parameter set lies outside
    every one of these intervals and is not reproduced.

References:
    G. Duffing, *Erzwungene Schwingungen bei veränderlicher Eigenfrequenz*, Vieweg (1918).
    J. Guckenheimer and P. Holmes, *Nonlinear Oscillations, Dynamical Systems, and
    Bifurcations of Vector Fields*, Springer (1983), §2.2.
    W. Gilpin, "Chaos as an interpretable benchmark for forecasting and data-driven
    modelling", NeurIPS Datasets and Benchmarks (2021) (parameter set).

Version History:
    v0: initial release.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp

from chaosgym._pytree import pytree_dataclass
from chaosgym.integrators.rk import make_flow
from chaosgym.systems._validate import require
from chaosgym.systems.base import Additive, Invariant, Parametric, SystemSpec, components

TWO_PI = 2.0 * math.pi


@pytree_dataclass
class DuffingParams:
    """Forced Duffing parameters (chaotic set)."""

    alpha: float = 1.0
    beta: float = -1.0
    delta: float = 0.1
    gamma: float = 0.35
    omega: float = 1.4

    def __post_init__(self) -> None:
        require("duffing", "omega", self.omega, lambda v: v > 0.0, "positive (a frequency)")


def vector_field(x: jax.Array, p: DuffingParams) -> jax.Array:
    """The forced Duffing right-hand side with the drive phase as third state component."""
    pos, vel, th = x[0], x[1], x[2]
    acc = -p.delta * vel - p.beta * pos - p.alpha * pos**3 + p.gamma * jnp.cos(th)
    return jnp.stack([vel, acc, jnp.ones_like(th) * p.omega])


def make_stepper(
    spec: SystemSpec, actuation: str | None, dt: float, substeps: int, integrator: str,
    params: Any,
) -> Callable[[jax.Array, jax.Array, Any], jax.Array]:
    """RK flow over one control interval, then the phase wrapped into [0, 2π)."""
    flow = make_flow(spec.controlled_field(actuation), dt, substeps, integrator)

    def step(x: jax.Array, u: jax.Array, p: DuffingParams) -> jax.Array:
        y = flow(x, u, p)
        return y.at[2].set(jnp.mod(y[2], TWO_PI))

    return step


def initial_state(key: jax.Array, p: DuffingParams) -> jax.Array:
    lo = jnp.array([-1.5, -1.5, 0.0])
    hi = jnp.array([1.5, 1.5, TWO_PI])
    return jax.random.uniform(key, (3,), minval=lo, maxval=hi)


SPEC = SystemSpec(
    name="duffing",
    title="Duffing",
    kind="ode",
    params=DuffingParams(),
    dim=lambda p: 3,
    vector_field=vector_field,
    actuations={
        "force": Additive(components(1, n=3), u_max=0.5),
        "amplitude": Parametric(("gamma",), (0.1,)),
    },
    initial_state=initial_state,
    dt=0.1,
    substeps=2,
    integrator="rk4",
    fixed_points=None,
    bound=1e2,
    warmup=200.0,
    invariants=(
        Invariant("lyapunov_sum", -0.1, "divergence of the flow is −δ", abs_tol=1e-3,
                  exact=True),
        Invariant("lyapunov_max", 0.128, "recomputed: float64 Benettin/QR, dt = 0.02 and 0.01, "
                  "8 ICs × 40 000 time units (benchmarks/results/invariants.md)",
                  abs_tol=0.006, settings={"dt": 0.02, "steps": 500_000, "n_ic": 8}),
    ),
    references=(
        "G. Duffing, Erzwungene Schwingungen bei veränderlicher Eigenfrequenz (1918)",
        "J. Guckenheimer and P. Holmes, Nonlinear Oscillations (Springer, 1983)",
        "W. Gilpin, NeurIPS Datasets and Benchmarks (2021)",
    ),
    labels=("x", "v", "θ"),
    lyapunov_dt=0.02,
    make_stepper=make_stepper,
    description="Forced Duffing double-well oscillator (δ=0.1, γ=0.35, ω=1.4)",
    doc=__doc__ or "",
)
