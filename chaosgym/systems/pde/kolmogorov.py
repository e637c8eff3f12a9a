"""Two-dimensional Kolmogorov flow: Navier–Stokes in vorticity form with sinusoidal forcing.

Description:
    ω_t + u·∇ω = (1/Re) ∇²ω − n cos(n y) + f(x, y, t) on the torus [0, 2π)², the curl of the
    body force sin(n y) x̂ (Chandler & Kerswell 2013 scaling), with u = (ψ_y, −ψ_x) and ω =
    −∇²ψ. Pseudo-spectral, N² grid, 2/3 dealiasing (``dealias``), ETDRK4 (real symbol −|k|²/Re).
    The laminar state ω_L = −(Re/n) cos(n y) is unstable; defaults n=4, Re=40, N=64 give
    sustained chaotic flow (λ1 > 0, measured here). The state is the flat vorticity ``ω (N²)``.

Actuation:
    ``"forcing"``: an ``n_actuators × n_actuators`` lattice of unit-integral 2-D Gaussian
    vorticity sources (width ``actuator_width``), |a| ≤ ``u_max`` = 1.

Observation (set by the task): ω on an ``n_sensors × n_sensors`` lattice, the field, or the
    lowest Fourier modes.

Starting state:
    The laminar state plus random vorticity in the modes (k_x, k_y) with 1 ≤ k_x ≤ 3,
    0 ≤ k_y ≤ 2 (unit normal coefficients), integrated ``warmup`` = 60 time units. The flow
    is expensive to warm up, so environments harvest their bank of ``bank_size`` = 512 states
    from 2 independent trajectories, one state per control interval (0.5 time units) after
    the warm-up (``bank_chains=2, bank_stride=1``: 128 time units of each trajectory).

Suppress task:
    cost ⟨(ω − ω_L)²⟩ / ⟨ω_L²⟩ (distance to the laminar flow); metrics ``enstrophy`` ⟨ω²⟩/2 and
    ``dissipation`` D/D_L = ⟨ω²⟩/⟨ω_L²⟩.

References:
    G. J. Chandler and R. R. Kerswell, "Invariant recurrent solutions embedded in a turbulent
    two-dimensional Kolmogorov flow", J. Fluid Mech. 722, 554 (2013).
    L. D. Meshalkin and Ya. G. Sinai, J. Appl. Math. Mech. 25, 1700 (1961).

Version History:
    v0: initial release.
    v1 (KolmogorovSuppress-v1): starting states from a bank of 512 harvested from 2
    trajectories (was 2 states: every episode started from one of two); the dealiasing
    fraction is a static parameter ``dealias`` (default 2/3: dynamics unchanged).
"""

from __future__ import annotations

import functools

import jax
import jax.numpy as jnp
import numpy as np

from chaosgym._pytree import pytree_dataclass, static
from chaosgym.systems.base import Additive
from chaosgym.systems.pde.semilinear import (
    PDESpec,
    Semilinear,
    gaussian_jets_2d,
    make_pde_stepper,
)
from chaosgym.systems.pde.spectral import Grid

TWO_PI = 2.0 * np.pi


@pytree_dataclass
class KolmogorovParams:
    """Kolmogorov-flow parameters; ``N, Re`` (in the linear symbol), ``n`` and counts static."""

    N: int = static(64)
    Re: float = static(40.0)
    n: int = static(4)
    forcing_amplitude: float = 1.0
    n_actuators: int = static(4)
    actuator_width: float = 0.4
    n_sensors: int = static(8)
    dealias: float = static(2.0 / 3.0)


@functools.lru_cache(maxsize=16)
def model(N: int, Re: float, n: int, dealias: float = 2.0 / 3.0) -> Semilinear:
    """Symbol ``−|k|²/Re``, advection and the forcing curl, cached by every argument."""
    g = Grid(TWO_PI, int(N), 2, False, float(dealias))
    symbol = -g.k2 / Re
    kx, ky = g.k_deriv
    inv_k2 = np.where(g.k2 > 0, 1.0 / np.where(g.k2 > 0, g.k2, 1.0), 0.0)
    mask = g.dealias
    y = g.mesh[1]
    force_hat = np.fft.rfft2(-n * np.cos(n * y))

    def nonlinear(v, p):
        psi = v * jnp.asarray(inv_k2, jnp.real(v).dtype)
        ikx = jnp.asarray(1j * kx, v.dtype)
        iky = jnp.asarray(1j * ky, v.dtype)
        u = g.ifft(iky * psi)
        w = -g.ifft(ikx * psi)
        wx = g.ifft(ikx * v)
        wy = g.ifft(iky * v)
        adv = g.fft(u * wx + w * wy)
        f = p.forcing_amplitude * jnp.asarray(force_hat, v.dtype)
        return jnp.where(mask, -adv, 0.0) + f

    return Semilinear(g, symbol, nonlinear)


def _model(p: KolmogorovParams) -> Semilinear:
    return model(p.N, p.Re, p.n, p.dealias)


def actuator_matrix(p: KolmogorovParams) -> jax.Array:
    return gaussian_jets_2d(_model(p).grid, p.n_actuators, p.actuator_width)


def vector_field(x: jax.Array, p: KolmogorovParams) -> jax.Array:
    return _model(p).rhs(x, p)


def laminar(p: KolmogorovParams) -> np.ndarray:
    """The laminar vorticity ω_L = −(Re/n) cos(n y) (flat, float64)."""
    y = _model(p).grid.mesh[1]
    return (-(p.Re / p.n) * np.cos(p.n * y)).ravel()


def initial_state(key: jax.Array, p: KolmogorovParams) -> jax.Array:
    X, Y = (jnp.asarray(m) for m in _model(p).grid.mesh)
    c = jax.random.normal(key, (4, 3, 3))
    w = jnp.zeros_like(X)
    for i in range(3):
        for j in range(3):
            ph = (i + 1) * X + j * Y
            w = w + c[0, i, j] * jnp.cos(ph) + c[1, i, j] * jnp.sin(ph)
    return jnp.asarray(laminar(p)) * p.forcing_amplitude + w.ravel()


SUPPRESS_METRICS = ("cost", "enstrophy", "dissipation")


def suppress_cost(x: jax.Array, p: KolmogorovParams) -> dict[str, jax.Array]:
    wl = jnp.asarray(laminar(p), x.dtype) * p.forcing_amplitude
    ref = jnp.mean(wl * wl)
    return {
        "cost": jnp.mean((x - wl) ** 2) / ref,
        "enstrophy": 0.5 * jnp.mean(x * x),
        "dissipation": jnp.mean(x * x) / ref,
    }


SPEC = PDESpec(
    name="kolmogorov",
    title="Kolmogorov",
    kind="pde",
    params=KolmogorovParams(),
    dim=lambda p: p.N * p.N,
    vector_field=vector_field,
    actuations={"forcing": Additive(actuator_matrix, u_max=1.0)},
    initial_state=initial_state,
    dt=0.5,
    substeps=20,
    integrator="etdrk4",
    bound=1e3,
    warmup=60.0,
    bank_chains=2,
    bank_stride=1,
    references=(
        "G. J. Chandler and R. R. Kerswell, J. Fluid Mech. 722, 554 (2013)",
        "L. D. Meshalkin and Ya. G. Sinai, J. Appl. Math. Mech. 25, 1700 (1961)",
    ),
    lyapunov_dt=0.5,
    make_stepper=make_pde_stepper,
    model=_model,
    sensor_positions=lambda p: np.stack(
        [m.ravel() for m in np.meshgrid(*(2 * [np.arange(p.n_sensors) * TWO_PI / p.n_sensors]),
                                        indexing="ij")], axis=1),
    description="2-D Kolmogorov flow, vorticity form (n=4, Re=40, N=64)",
    doc=__doc__ or "",
)
