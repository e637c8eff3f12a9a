"""Double pendulum with joint torques: a Hamiltonian chaotic mechanical system.

Description:
    Two point masses m1, m2 on massless rods l1, l2; angles θ1, θ2 from the downward vertical,
    angular velocities ω1, ω2, gravity g. With Δ = θ1 − θ2 the equations of motion are
    M(Δ) ω' = r, M = [[(m1+m2) l1², m2 l1 l2 cos Δ], [m2 l1 l2 cos Δ, m2 l2²]],
    r1 = −m2 l1 l2 ω2² sin Δ − (m1+m2) g l1 sin θ1 + τ1,
    r2 =  m2 l1 l2 ω1² sin Δ − m2 g l2 sin θ2 + τ2,
    with joint torques τ. Without torques the energy
    E = ½(m1+m2) l1² ω1² + ½ m2 l2² ω2² + m2 l1 l2 ω1 ω2 cos Δ
        − (m1+m2) g l1 cos θ1 − m2 g l2 cos θ2
    is conserved and the motion is chaotic at high energy. Equilibria: hanging (0, 0) and the
    unstable upright (π, π). The environment wraps the angles into [0, 2π) after each control
    interval (the upright state sits in the middle of that range).

Actuation:
    ``"both"`` (default): torques on both joints, |τ_i| ≤ 10 N·m.
    ``"shoulder"``: torque on the first joint only (pendubot); ``"elbow"``: on the second
    only (acrobot).

Starting state:
    Angles uniform in [0, 2π), zero velocities (energies up to the upright energy and
    beyond), integrated for a short warm-up.

Invariants:
    Energy is conserved without torques; Σλ = 0 (volume preservation in canonical coordinates;
    the time average of the divergence in (θ, ω) coordinates vanishes) and the spectrum comes
    in ± pairs. λ1 depends on the energy (≈ 0.8 on average over the starting states, float64
    run of this library, benchmarks/results/invariants.md).

References:
    T. Shinbrot, C. Grebogi, J. Wisdom and J. A. Yorke, "Chaos in a double pendulum",
    Am. J. Phys. 60, 491–499 (1992).
    H. Goldstein, C. Poole and J. Safko, *Classical Mechanics*, 3rd ed., Addison-Wesley (2002).

Version History:
    v0: initial release.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp

from chaosgym._pytree import pytree_dataclass
from chaosgym.integrators.rk import make_flow
from chaosgym.systems._validate import require
from chaosgym.systems.base import Actuation, Invariant, SystemSpec

TWO_PI = 2.0 * math.pi


@pytree_dataclass
class DoublePendulumParams:
    """Masses (kg), lengths (m) and gravity (m/s²)."""

    m1: float = 1.0
    m2: float = 1.0
    l1: float = 1.0
    l2: float = 1.0
    g: float = 9.81

    def __post_init__(self) -> None:
        for n in ("m1", "m2", "l1", "l2"):
            require("double_pendulum", n, getattr(self, n), lambda v: v > 0.0, "positive")


def dynamics(x: jax.Array, tau: jax.Array, p: DoublePendulumParams) -> jax.Array:
    """``(θ1', θ2', ω1', ω2')`` under joint torques ``tau``."""
    th1, th2, w1, w2 = x[0], x[1], x[2], x[3]
    d = th1 - th2
    c, s = jnp.cos(d), jnp.sin(d)
    m11 = (p.m1 + p.m2) * p.l1**2
    m12 = p.m2 * p.l1 * p.l2 * c
    m22 = p.m2 * p.l2**2
    r1 = -p.m2 * p.l1 * p.l2 * w2**2 * s - (p.m1 + p.m2) * p.g * p.l1 * jnp.sin(th1) + tau[0]
    r2 = p.m2 * p.l1 * p.l2 * w1**2 * s - p.m2 * p.g * p.l2 * jnp.sin(th2) + tau[1]
    det = m11 * m22 - m12**2
    a1 = (m22 * r1 - m12 * r2) / det
    a2 = (m11 * r2 - m12 * r1) / det
    return jnp.stack([w1, w2, a1, a2])


def vector_field(x: jax.Array, p: DoublePendulumParams) -> jax.Array:
    """The free (torque-less) double pendulum."""
    return dynamics(x, jnp.zeros((2,), x.dtype), p)


def energy(x: jax.Array, p: DoublePendulumParams) -> jax.Array:
    """Total mechanical energy (conserved without torques)."""
    th1, th2, w1, w2 = x[0], x[1], x[2], x[3]
    kin = (0.5 * (p.m1 + p.m2) * p.l1**2 * w1**2 + 0.5 * p.m2 * p.l2**2 * w2**2
           + p.m2 * p.l1 * p.l2 * w1 * w2 * jnp.cos(th1 - th2))
    pot = -(p.m1 + p.m2) * p.g * p.l1 * jnp.cos(th1) - p.m2 * p.g * p.l2 * jnp.cos(th2)
    return kin + pot


@dataclasses.dataclass(frozen=True)
class Torque(Actuation):
    """Joint torques ``τ = S u`` entering through the mass matrix (``joints`` selects S)."""

    joints: tuple[int, ...] = (0, 1)
    u_max: float = 10.0
    name: str = "torque"

    def num_inputs(self, params: DoublePendulumParams) -> int:
        return len(self.joints)

    def field(self, spec: SystemSpec, x: jax.Array, u: jax.Array,
              params: DoublePendulumParams) -> jax.Array:
        tau = jnp.zeros((2,), x.dtype).at[jnp.asarray(self.joints)].set(u.astype(x.dtype))
        return dynamics(x, tau, params)

    def scale(self, params: DoublePendulumParams) -> jax.Array:
        return jnp.full((len(self.joints),), self.u_max)


def make_stepper(
    spec: SystemSpec, actuation: str | None, dt: float, substeps: int, integrator: str,
    params: Any,
) -> Callable[[jax.Array, jax.Array, Any], jax.Array]:
    """RK flow over one control interval, then the angles wrapped into [0, 2π)."""
    flow = make_flow(spec.controlled_field(actuation), dt, substeps, integrator)

    def step(x: jax.Array, u: jax.Array, p: DoublePendulumParams) -> jax.Array:
        y = flow(x, u, p)
        return y.at[:2].set(jnp.mod(y[:2], TWO_PI))

    return step


def fixed_points(p: DoublePendulumParams) -> jax.Array:
    """Equilibria ordered (upright (π, π), hanging (0, 0))."""
    pi = jnp.pi * jnp.ones_like(jnp.asarray(p.g, float))
    z = jnp.zeros_like(pi)
    return jnp.stack([jnp.stack([pi, pi, z, z]), jnp.stack([z, z, z, z])])


def initial_state(key: jax.Array, p: DoublePendulumParams) -> jax.Array:
    th = jax.random.uniform(key, (2,), minval=0.0, maxval=TWO_PI)
    return jnp.concatenate([th, jnp.zeros((2,))])


SPEC = SystemSpec(
    name="double_pendulum",
    title="DoublePendulum",
    kind="ode",
    params=DoublePendulumParams(),
    dim=lambda p: 4,
    vector_field=vector_field,
    actuations={
        "both": Torque((0, 1), 10.0),
        "shoulder": Torque((0,), 10.0),
        "elbow": Torque((1,), 10.0),
    },
    initial_state=initial_state,
    dt=0.05,
    substeps=5,
    integrator="rk4",
    fixed_points=fixed_points,
    bound=1e3,
    warmup=5.0,
    invariants=(
        Invariant("lyapunov_sum", 0.0, "Liouville: volume-preserving Hamiltonian flow",
                  abs_tol=1e-2, exact=True, settings={"steps": 20_000, "n_ic": 2}),
    ),
    references=(
        "T. Shinbrot, C. Grebogi, J. Wisdom and J. A. Yorke, Am. J. Phys. 60, 491 (1992)",
        "H. Goldstein, C. Poole and J. Safko, Classical Mechanics (2002)",
    ),
    labels=("θ1", "θ2", "ω1", "ω2"),
    lyapunov_dt=0.005,
    make_stepper=make_stepper,
    description="Double pendulum with joint torques (unit masses and lengths)",
    doc=__doc__ or "",
)
