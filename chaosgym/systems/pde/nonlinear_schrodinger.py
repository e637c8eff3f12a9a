"""Driven–damped focusing nonlinear Schrödinger equation (1-D), with a conservative mode.

Description:
    In the frame rotating with the drive frequency,

        i ψ_t + ½ ψ_xx + |ψ|² ψ = −i γ ψ + Δ ψ + i ε,

    i.e. ψ_t = i(½ψ_xx + |ψ|²ψ − Δψ) − γψ + ε, on x ∈ [0, L), periodic, pseudo-spectral with N
    modes, 1/2-rule dealiasing (``dealias=0.5``, alias-free for the cubic term) and ETDRK4
    (complex symbol −i k²/2 − γ − iΔ: full-circle contour).
    ``γ`` is the damping, ``Δ`` the detuning of the drive and ``ε`` its amplitude (a spatially
    uniform drive ε e^{−iΔt} in the laboratory frame). With the defaults (γ=0.1, Δ=0.5,
    ε=0.8, L=40, N=128) the driven–damped equation is chaotic (λ1 > 0, measured here).

    Conservative mode: ``gamma=0, drive=0, detuning=0`` gives the integrable focusing NLS; mass
    ∫|ψ|², momentum and H = ∫(½|ψ_x|² − ½|ψ|⁴) are conserved (the Galerkin-truncated,
    collocated system conserves mass and the grid Hamiltonian exactly; ETDRK4 to O(h⁴)), and
    the sech soliton ψ = a sech(a(x − ct)) e^{i(cx + (a² − c²)t/2)} moves at speed c.

    Integrators: ETDRK4 (default) or ``integrator="splitstep"``, Strang split-step Fourier
    (:mod:`chaosgym.integrators.splitstep`): exact linear flow, exact phase rotation
    ψ ↦ ψ e^{iτ|ψ|²}, exact shift by drive + forcing; second order, no dealiasing projection.
    Its mass drift in the conservative mode is at round-off where ETDRK4's is its truncation
    error (benchmarks/results/pde_numerics.md).
    The state is the flat vector ``[Re ψ (N), Im ψ (N)]``.

Starting state:
    A uniform state of amplitude 1 with random low-mode perturbations, integrated ``warmup`` =
    100 time units. Environments draw from a bank of ``bank_size`` = 1024 states harvested
    from 16 independent trajectories, one every time unit after the warm-up
    (``bank_chains=16, bank_stride=2``).

Actuation:
    ``"forcing"``: ``n_actuators`` unit-integral periodic Gaussian jets on Re ψ and Im ψ
    (2·n_actuators inputs), |a| ≤ 1.

Suppress task:
    cost ⟨(|ψ|² − ⟨|ψ|²⟩)²⟩, the modulation energy (zero for a uniform state); metrics
    ``mass`` = ⟨|ψ|²⟩ and ``max_amplitude``.

References:
    K. Nozaki and N. Bekki, "Low-dimensional chaos in a driven damped nonlinear Schrödinger
    equation", Physica D 21, 381 (1986).
    V. E. Zakharov and A. B. Shabat, Sov. Phys. JETP 34, 62 (1972).
    T. R. Taha and M. J. Ablowitz, J. Comput. Phys. 55, 203 (1984).

Version History:
    v0: initial release.
    v1 (NonlinearSchrodingerSuppress-v1): the cubic term is dealiased by the alias-free 1/2
    rule (was 2/3); starting states from a bank of 1024 harvested from 16 trajectories (was
    16 states).
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
    complex_actuators,
    cubic_term,
    gaussian_jets,
    make_pde_stepper,
)
from chaosgym.systems.pde.spectral import Grid


@pytree_dataclass
class NLSParams:
    """NLS parameters; ``L, N, gamma, detuning`` (in the linear symbol) and counts are static."""

    L: float = static(40.0)
    N: int = static(128)
    gamma: float = static(0.1)
    detuning: float = static(0.5)
    drive: float = 0.8
    n_actuators: int = static(8)
    actuator_width: float = 1.0
    n_sensors: int = static(16)
    dealias: float = static(0.5)


@functools.lru_cache(maxsize=32)
def model(L: float, N: int, gamma: float, detuning: float, dealias: float = 0.5) -> Semilinear:
    """Symbol ``−i k²/2 − γ − iΔ``, ``i|ψ|²ψ`` and the drive, cached by every argument."""
    g = Grid(float(L), int(N), 1, True, float(dealias))
    symbol = -0.5j * g.k2 - gamma - 1j * detuning
    zero_mode = np.zeros(g.spectral_shape)
    zero_mode[0] = g.points  # FFT of a uniform unit field
    cubic = cubic_term(g, lambda p: 1j)

    def nonlinear(v, p):
        return cubic(v, p) + p.drive * jnp.asarray(zero_mode, jnp.real(v).dtype)

    def flow(v, tau, p, fhat):
        # ψ_t = i|ψ|²ψ is a pointwise phase rotation (|ψ| fixed): exact; the drive and the
        # actuator forcing are a constant shift: exact; the symmetric composition of the
        # two is second order. No dealiasing projection (it would remove mass).
        psi = g.ifft(v)
        half = jnp.asarray(0.5 * tau, jnp.real(psi).dtype)
        psi = psi * jnp.exp(1j * half * (jnp.real(psi) ** 2 + jnp.imag(psi) ** 2))
        psi = psi + tau * (p.drive + g.ifft(fhat))
        psi = psi * jnp.exp(1j * half * (jnp.real(psi) ** 2 + jnp.imag(psi) ** 2))
        return g.fft(psi)

    return Semilinear(g, symbol, nonlinear, flow)


def _model(p: NLSParams) -> Semilinear:
    return model(p.L, p.N, p.gamma, p.detuning, p.dealias)


def actuator_matrix(p: NLSParams) -> jax.Array:
    return complex_actuators(gaussian_jets(_model(p).grid, p.n_actuators, p.actuator_width))


def vector_field(x: jax.Array, p: NLSParams) -> jax.Array:
    return _model(p).rhs(x, p)


def initial_state(key: jax.Array, p: NLSParams) -> jax.Array:
    """A uniform state of amplitude 1 with random low-mode perturbations (modulational
    instability grows from them)."""
    x = jnp.asarray(_model(p).grid.x)
    c = 0.1 * jax.random.normal(key, (4, 6))
    n = jnp.arange(1, 7)[:, None]
    ph = 2 * jnp.pi * n * x[None, :] / p.L
    re = 1.0 + jnp.sum(c[0][:, None] * jnp.cos(ph) + c[1][:, None] * jnp.sin(ph), axis=0)
    im = jnp.sum(c[2][:, None] * jnp.cos(ph) + c[3][:, None] * jnp.sin(ph), axis=0)
    return jnp.concatenate([re, im])


def soliton(p: NLSParams, a: float = 1.0, c: float = 0.0, x0: float | None = None,
            t: float = 0.0) -> np.ndarray:
    """The exact sech soliton of the conservative NLS at time ``t`` (float64 flat state)."""
    g = _model(p).grid
    x0 = g.L / 2 if x0 is None else x0
    d = g.x - x0 - c * t
    d = d - g.L * np.round(d / g.L)
    psi = a / np.cosh(a * d) * np.exp(1j * (c * (g.x - x0) + 0.5 * (a * a - c * c) * t))
    return np.concatenate([psi.real, psi.imag])


def invariants(x: jax.Array, p: NLSParams) -> dict[str, jax.Array]:
    """Mass ∫|ψ|², momentum ∫ Im(ψ* ψ_x) and Hamiltonian ∫(½|ψ_x|² − ½|ψ|⁴) (grid quadrature,
    the quantities the truncated collocation system conserves)."""
    g = _model(p).grid
    psi = g.unflatten(x)
    v = g.fft(psi)
    psi_x = g.ifft(g.derivative(v))
    a2 = jnp.real(psi) ** 2 + jnp.imag(psi) ** 2
    dx = g.dx
    return {
        "mass": dx * jnp.sum(a2),
        "momentum": dx * jnp.sum(jnp.imag(jnp.conj(psi) * psi_x)),
        "hamiltonian": dx * jnp.sum(0.5 * jnp.abs(psi_x) ** 2 - 0.5 * a2**2),
    }


SUPPRESS_METRICS = ("cost", "mass", "max_amplitude")


def suppress_cost(x: jax.Array, p: NLSParams) -> dict[str, jax.Array]:
    n = p.N
    a2 = x[:n] ** 2 + x[n:] ** 2
    m = jnp.mean(a2)
    return {"cost": jnp.mean((a2 - m) ** 2), "mass": m, "max_amplitude": jnp.sqrt(jnp.max(a2))}


SPEC = PDESpec(
    name="nonlinear_schrodinger",
    title="NonlinearSchrodinger",
    kind="pde",
    params=NLSParams(),
    dim=lambda p: 2 * p.N,
    vector_field=vector_field,
    actuations={"forcing": Additive(actuator_matrix, u_max=1.0)},
    initial_state=initial_state,
    dt=0.5,
    substeps=25,
    integrator="etdrk4",
    bound=50.0,
    warmup=100.0,
    bank_chains=16,
    bank_stride=2,
    references=(
        "K. Nozaki and N. Bekki, Physica D 21, 381 (1986)",
        "V. E. Zakharov and A. B. Shabat, Sov. Phys. JETP 34, 62 (1972)",
    ),
    lyapunov_dt=0.5,
    make_stepper=make_pde_stepper,
    model=_model,
    sensor_positions=lambda p: np.arange(p.n_sensors) * p.L / p.n_sensors,
    description="driven–damped focusing NLS (rotating frame); conservative with gamma=drive=0",
    doc=__doc__ or "",
)
