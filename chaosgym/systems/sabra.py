"""Sabra shell model of turbulence: an energy cascade on a geometric ladder of wavenumbers.

Description:
    Complex shell velocities u_n, n = 0..N−1, at wavenumbers k_n = k0 λⁿ obey
    u_n' = i (a k_{n+1} u_{n+2} u*_{n+1} + b k_n u_{n+1} u*_{n−1} − c k_{n−1} u_{n−1} u_{n−2})
           − ν k_n² u_n + f_n,
    with u_n = 0 outside the ladder. With a + b + c = 0 the nonlinearity conserves the energy
    Σ|u_n|² (and, for λ = 2, b = −1/2, a second quadratic invariant, the helicity). Forcing on
    shell 0 injects energy that cascades to the viscous shells with Kolmogorov-like scaling
    |u_n| ∝ k_n^{−1/3} in the inertial range. The real state is (Re u, Im u) of length 2N.
    Because the viscous rates ν k_n² are stiff, the environment integrates the viscous term
    exactly with a fourth-order integrating-factor Runge–Kutta scheme.

Actuation:
    ``"mid"`` (default): complex additive inputs on shells 3–6 (8 real inputs), |u_i| ≤ 0.05.
    ``"forcing"``: complex additive input on the forced shell 0 (2 real inputs), |u_i| ≤ 0.05.
    ``"drive"``: parametric control of the forcing amplitude (Re f, Im f) by at most ±0.02.

Starting state:
    Small random shell amplitudes k_n^{−1/3}·10⁻², integrated onto the statistically
    stationary cascade.

Arguments:
    ``N`` (static, ≥ 4, default 20) shells; ``k0``, ``lam`` (shell ratio λ = 2), ``nu``,
    ``a``, ``b`` (``c = −a − b``) and the forcing ``f`` (complex, on shell 0).

Invariants:
    Nonlinear energy conservation; Σλ = −2ν Σ_n k_n² exactly (the nonlinearity is
    divergence free). λ1 ≈ 1.4 per unit time at the defaults (float64 run of this library,
    benchmarks/results/invariants.md); K41-like spectrum |u_n| ∝ k_n^{−1/3} in the inertial
    range.

References:
    V. S. L'vov, E. Podivilov, A. Pomyalov, I. Procaccia and D. Vandembroucq, "Improved shell
    model of turbulence", Phys. Rev. E 58, 1811–1822 (1998).
    L. Biferale, "Shell models of energy cascade in turbulence", Annu. Rev. Fluid Mech. 35,
    441–468 (2003).

Version History:
    v0: initial release.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp

from chaosgym._pytree import pytree_dataclass, static
from chaosgym.systems._validate import require, require_int
from chaosgym.systems.base import Additive, Invariant, Parametric, SparseActuators, SystemSpec

LVOV = "V. S. L'vov et al., Phys. Rev. E 58, 1811 (1998)"


@pytree_dataclass
class SabraParams:
    """Sabra parameters: ``N`` shells (static), shell ladder, viscosity, couplings, forcing."""

    N: int = static(20)
    k0: float = 1.0
    lam: float = 2.0
    nu: float = 1e-5
    a: float = 1.0
    b: float = -0.5
    f_re: float = 0.05
    f_im: float = 0.05

    def __post_init__(self) -> None:
        require_int("sabra", "N", self.N, 4)
        require("sabra", "nu", self.nu, lambda v: v >= 0.0, "non-negative (a viscosity)")
        require("sabra", "lam", self.lam, lambda v: v > 1.0, "greater than 1 (shell ratio)")
        require("sabra", "k0", self.k0, lambda v: v > 0.0, "positive")


def wavenumbers(p: SabraParams) -> jax.Array:
    return p.k0 * p.lam ** jnp.arange(p.N)


def _nonlinear(x: jax.Array, p: SabraParams) -> jax.Array:
    """Nonlinear transfer plus forcing, as a real vector (Re, Im)."""
    n = p.N
    u = x[:n] + 1j * x[n:]
    k = wavenumbers(p).astype(x.dtype)
    zero = jnp.zeros((2,), u.dtype)
    up = jnp.concatenate([zero, u, zero])  # padded: up[j + 2] = u_j
    kp = jnp.concatenate([jnp.zeros((2,), k.dtype), k, jnp.zeros((2,), k.dtype)])
    c = -(p.a + p.b)
    i = jnp.arange(n) + 2
    t1 = p.a * kp[i + 1] * up[i + 2] * jnp.conj(up[i + 1])
    t2 = p.b * kp[i] * up[i + 1] * jnp.conj(up[i - 1])
    t3 = -c * kp[i - 1] * up[i - 1] * up[i - 2]
    du = 1j * (t1 + t2 + t3)
    du = du.at[0].add(p.f_re + 1j * p.f_im)
    return jnp.concatenate([du.real, du.imag]).astype(x.dtype)


def viscous_rates(p: SabraParams) -> jax.Array:
    """ν k_n² for the real state (Re and Im parts)."""
    r = p.nu * wavenumbers(p) ** 2
    return jnp.concatenate([r, r])


def vector_field(x: jax.Array, p: SabraParams) -> jax.Array:
    """The full Sabra right-hand side (nonlinear transfer, forcing and viscosity)."""
    return _nonlinear(x, p) - viscous_rates(p).astype(x.dtype) * x


def energy(x: jax.Array, p: SabraParams) -> jax.Array:
    """Total energy ½ Σ |u_n|²."""
    return 0.5 * jnp.sum(x * x)


def make_stepper(
    spec: SystemSpec, actuation: str | None, dt: float, substeps: int, integrator: str,
    params: Any,
) -> Callable[[jax.Array, jax.Array, Any], jax.Array]:
    """Integrating-factor RK4: the viscous term exactly, the rest by RK4 (``substeps`` steps)."""
    field = spec.controlled_field(actuation)
    h = dt / substeps

    def step(x: jax.Array, u: jax.Array, p: SabraParams) -> jax.Array:
        lin = viscous_rates(p).astype(x.dtype)
        e = jnp.exp(-lin * h)
        e2 = jnp.exp(-lin * h / 2)

        def nl(y):
            return field(y, u, p) + lin * y

        def one(_, y):
            k1 = h * nl(y)
            k2 = h * nl(e2 * (y + k1 / 2))
            k3 = h * nl(e2 * y + k2 / 2)
            k4 = h * nl(e * y + e2 * k3)
            return e * y + (e * k1 + 2 * e2 * (k2 + k3) + k4) / 6

        return jax.lax.fori_loop(0, substeps, one, x)

    return step


def _shells(first: int, last: int) -> SparseActuators:
    """Inputs on the real parts, then the imaginary parts, of shells first..last (sparse)."""

    def rows(p: SabraParams) -> list[int]:
        idx = [j for j in range(first, last + 1) if j < p.N]
        return idx + [p.N + j for j in idx]

    return SparseActuators(rows=rows, n=lambda p: 2 * p.N)


def fixed_points(p: SabraParams) -> jax.Array:
    """The quiescent state u = 0 (a fixed point only without forcing)."""
    return jnp.zeros((1, 2 * p.N))


def initial_state(key: jax.Array, p: SabraParams) -> jax.Array:
    amp = 1e-2 * wavenumbers(p) ** (-1.0 / 3.0)
    z = jax.random.normal(key, (2, p.N))
    return (z * amp).reshape(-1)


SPEC = SystemSpec(
    name="sabra",
    title="Sabra",
    kind="ode",
    params=SabraParams(),
    dim=lambda p: 2 * p.N,
    vector_field=vector_field,
    actuations={
        "mid": Additive(_shells(3, 6), u_max=0.05),
        "forcing": Additive(_shells(0, 0), u_max=0.05),
        "drive": Parametric(("f_re", "f_im"), (0.02, 0.02)),
    },
    initial_state=initial_state,
    dt=0.05,
    substeps=25,
    integrator="ifrk4",
    fixed_points=None,
    bound=1e3,
    warmup=50.0,
    invariants=(
        Invariant("lyapunov_sum", -2e-5 * (4.0**20 - 1.0) / 3.0,
                  "divergence −2ν Σ k_n² (divergence-free nonlinearity)", rel_tol=1e-6,
                  exact=True),
    ),
    references=(LVOV, "L. Biferale, Annu. Rev. Fluid Mech. 35, 441 (2003)"),
    labels=None,
    lyapunov_dt=0.002,
    make_stepper=make_stepper,
    description="Sabra shell model of the turbulent cascade (N=20 shells, λ=2)",
    doc=__doc__ or "",
)
