"""Kuramoto–Sivashinsky: the canonical 1-D model of spatiotemporal chaos.

Description:
    u_t + u u_x + u_xx + u_xxxx = f(x, t) on the periodic interval x ∈ [0, L), discretised by
    ``N`` Fourier modes with 2/3 dealiasing (``dealias``) and advanced by ETDRK4 (Kassam &
    Trefethen 2005), coefficients computed once per (grid, step). Linear symbol ``k² − k⁴``
    (real: half-circle contour). Default L=22, N=64 (the Bucci et al. / Zeng & Graham setting);
    any L and even N work (``L=..., N=...``).

Actuation:
    ``"controlgym"``: controlgym's index-based box supports (:func:`controlgym_actuators`) with
    unbounded inputs (``u_max = inf``), used by ``KuramotoSivashinskyControlgym-v1``.
    ``"forcing"`` (default): ``f(x) = Σ_i a_i g_i(x)`` with ``n_actuators`` actuators centred at
    ``L/(2m) + i L/m`` (for m=4: L/8 + i L/4). ``actuator_kind="gaussian"`` (default): periodic
    Gaussians of width ``actuator_width`` (σ=0.4) normalised to *unit integral*, i.e. divided by
    √(2π) σ; ``"box"``: indicator functions of width ``actuator_width`` (the controlgym
    configuration uses 8 boxes of width 0.1 L). |a_i| ≤ ``u_max`` (1 by default).

Observation (set by the task): ``n_sensors`` point sensors at x_j = j L / n_s (band-limited
    interpolation), the full field, or the lowest Fourier modes.

Starting state:
    Random low-mode profiles integrated ``warmup`` = 100 time units onto the attractor. An
    environment draws each episode's state from a bank of ``bank_size`` such states (1024 for
    the L=22 ids, 512 for the L=32π one), harvested from 64 independent trajectories every
    time unit after their warm-up (``bank_chains=64, bank_stride=4``), plus a relative
    perturbation ``ic_noise``.

Environments:
    ``KuramotoSivashinskyDissipation-v2`` / ``Target-v2``: L=22, N=64, four Gaussian jets,
    |a| ≤ 1, 8 sensors; minimise dissipation + power, or reach an equilibrium E1–E3.
    ``KuramotoSivashinskyDissipationControlgym-v2``: controlgym's *configuration* (L=32π,
    N=256, 8 boxes of width 0.1 L, 10 sensors, 0.5 time units per step) with chaosgym's
    Dissipation task: reward −(D + P + ⟨uf⟩), bounded actions |a| ≤ 1, attractor starting
    states, 200 steps, noise-free sensors at x_j = j L/10. It is *not* controlgym's task.
    ``KuramotoSivashinskyControlgym-v1``: controlgym's KS *task* (controlgym 1.0,
    ``kuramoto_sivashinsky`` defaults): reward −(xᵀx + aᵀa) on the N=256 grid values before
    the step (Q = I, R = I, target 0), observation = the state at grid points 25 i
    (i = 0..9) plus N(0, 0.25) noise, unbounded actions (``Box(−inf, inf)``; non-finite
    actions are rejected), controlgym's index-based box supports, 500 steps of 0.5, starting
    states A cos(2πx/L) sin(12πx/L) with A ~ U(0.9, 1.1), no process noise. Remaining
    differences, all numerical or of convention: ETDRK4 with h = 0.05 (controlgym 0.005, and
    its int(0.5 // 0.005) = 99 substeps advance 0.495 per step), 2/3-rule dealiasing (controlgym
    pads by 3/2), float32 state, the returned observation is of the state *after* the step
    (controlgym returns that of the state before it), and the time limit truncates
    (controlgym terminates). LQR and LQG rows: ``benchmarks/ks_controlgym_lqr.py``.

Invariants (L=22, N=64):
    λ1 = 0.048 ± 0.002, ⟨u²⟩ = 1.41 ± 0.02, ⟨u_x²⟩ = ⟨u_xx²⟩ = 0.92 ± 0.02 (recomputed in
    float64 by benchmarks/pde_invariants.py; KS spectra over L: Edson et al. 2019);
    energy balance d/dt ⟨u²/2⟩ = ⟨u_x²⟩ − ⟨u_xx²⟩ + ⟨u f⟩ (exact identity).
    Equilibria E1, E2, E3 with ½⟨u²⟩ = 0.26087, 0.43816, 1.58760 (Cvitanović, Davidchack &
    Siminos 2010), found by :func:`equilibrium` (Newton in the odd subspace) from the profiles
    shipped in ``chaosgym/data/ks_equilibria_L22.npz`` (regenerate with
    ``python scripts/ks_equilibria.py``).

References:
    Y. Kuramoto and T. Tsuzuki, Prog. Theor. Phys. 55, 356 (1976).
    G. I. Sivashinsky, Acta Astronautica 4, 1177 (1977).
    A.-K. Kassam and L. N. Trefethen, SIAM J. Sci. Comput. 26, 1214 (2005).
    P. Cvitanović, R. L. Davidchack and E. Siminos, SIAM J. Appl. Dyn. Syst. 9, 1 (2010).
    M. A. Bucci et al., Proc. R. Soc. A 475, 20190351 (2019).
    K. Zeng and M. D. Graham, Phys. Rev. E 104, 014210 (2021).

Version History:
    v0: initial release.
    KuramotoSivashinskyControlgym-v0: new id, controlgym's KS task (see Environments).
    v1 (KuramotoSivashinskyDissipation/Target-v1, DissipationControlgym-v1): starting states
    from a bank of 1024 (512 for the L=32π id) states harvested from 64 trajectories (was 64
    and 16 independent warm-ups, so 20 resets repeated states); the dealiasing fraction is a
    static parameter ``dealias`` (default 2/3: dynamics unchanged).
"""

from __future__ import annotations

import functools
import importlib.resources

import jax
import jax.numpy as jnp
import numpy as np

from chaosgym._pytree import pytree_dataclass, static
from chaosgym.systems.base import Additive, Invariant
from chaosgym.systems.pde.semilinear import (
    PDESpec,
    Semilinear,
    actuators_1d,
    advection_term,
    low_mode_field,
    make_pde_stepper,
)
from chaosgym.systems.pde.spectral import Grid

REF = ("recomputed: float64 Benettin run, L=22, N=64 (benchmarks/pde_invariants.py); "
       "cf. Edson, Bunder, Mattner & Roberts, ANZIAM J. 61 (2019)")
CDS = "P. Cvitanović, R. L. Davidchack and E. Siminos, SIAM J. Appl. Dyn. Syst. 9, 1 (2010)"
EQ_ENERGIES_L22 = (0.26087, 0.43816, 1.58760)


@pytree_dataclass
class KSParams:
    """Kuramoto–Sivashinsky parameters. ``L, N``, actuator/sensor counts are static."""

    L: float = static(22.0)
    N: int = static(64)
    n_actuators: int = static(4)
    actuator_kind: str = static("gaussian")
    n_sensors: int = static(8)
    actuator_width: float = 0.4
    dealias: float = static(2.0 / 3.0)


@functools.lru_cache(maxsize=32)
def model(L: float, N: int, dealias: float = 2.0 / 3.0) -> Semilinear:
    """The KS model on ``N`` points of ``[0, L)``: symbol ``k² − k⁴``, ``N(u) = −(u²/2)_x``.

    Cached by every argument it depends on (grid, length, dealiasing fraction)."""
    g = Grid(float(L), int(N), 1, False, float(dealias))
    return Semilinear(g, g.k[0] ** 2 - g.k[0] ** 4, advection_term(g))


def _model(p: KSParams) -> Semilinear:
    return model(p.L, p.N, p.dealias)


def actuator_matrix(p: KSParams) -> jax.Array:
    return actuators_1d(_model(p).grid, p.actuator_kind, p.n_actuators, p.actuator_width)


def controlgym_actuators(p: KSParams) -> jax.Array:
    """``(N, m)`` indicator supports of controlgym's PDE actuators: actuator i covers the grid
    indices ``[⌊c_i − w/2⌋, ⌊c_i + w/2⌋)`` with ``c_i = ⌊(i + 1/2) N/m⌋`` and ``w`` the
    ``actuator_width`` in grid points (25 points each for N=256, m=8, width 0.1 L)."""
    n, m = p.N, p.n_actuators
    w = p.actuator_width / p.L * n
    c = jnp.floor((jnp.arange(m) + 0.5) * (n // m))
    j = jnp.arange(n)[:, None]
    left, right = jnp.floor(c - 0.5 * w), jnp.floor(c + 0.5 * w)
    return ((j >= left[None, :]) & (j < right[None, :])).astype(jnp.float32)


def vector_field(x: jax.Array, p: KSParams) -> jax.Array:
    """Physical-space right-hand side −u u_x − u_xx − u_xxxx (spectral, dealiased)."""
    return _model(p).rhs(x, p)


def initial_state(key: jax.Array, p: KSParams) -> jax.Array:
    """A random combination of the lowest four Fourier modes (amplitude ~0.5)."""
    return low_mode_field(key, _model(p).grid.x, p.L, 0.5, 4)


def budget(x: jax.Array, f: jax.Array, p: KSParams) -> dict[str, jax.Array]:
    """Spatial averages in the energy balance d/dt⟨u²/2⟩ = P − D + ⟨u f⟩.

    Returns ``energy`` = ⟨u²⟩/2, ``P`` = ⟨u_x²⟩ (production by the anti-diffusion),
    ``D`` = ⟨u_xx²⟩ (dissipation by hyperviscosity) and ``power`` = ⟨u f⟩.
    """
    g = _model(p).grid
    v = g.fft(x)
    ux = g.ifft(g.derivative(v, order=1))
    uxx = g.ifft(g.derivative(v, order=2))
    return {
        "energy": 0.5 * jnp.mean(x * x),
        "P": jnp.mean(ux * ux),
        "D": jnp.mean(uxx * uxx),
        "power": jnp.mean(x * f),
    }


# ---------------------------------------------------------------------- equilibria
def _diff_matrices(
    L: float, N: int, dealias: float = 2.0 / 3.0
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Float64 matrices of the dealiased ∂_x P (P: the grid's dealiasing projection), ∂_xx
    and ∂_xxxx."""
    n = np.fft.fftfreq(N, 1.0 / N)
    k = 2 * np.pi * n / L
    k_odd = np.where(np.abs(n) == N // 2, 0.0, k)
    keep = np.abs(n) <= Grid(float(L), int(N), 1, False, float(dealias)).max_mode
    F = np.fft.fft(np.eye(N), axis=0)

    def mat(mult):
        return np.real(np.fft.ifft(mult[:, None] * F, axis=0))

    return mat(1j * k_odd * keep), mat(-(k**2)), mat(k**4)


def residual(u: np.ndarray, L: float, dealias: float = 2.0 / 3.0) -> np.ndarray:
    """Float64 NumPy residual −P(u²/2)_x − u_xx − u_xxxx of a profile, in the environment's
    own discretisation (dealiased nonlinear term)."""
    D1, D2, D4 = _diff_matrices(L, u.size, dealias)
    return -D1 @ (0.5 * u * u) - D2 @ u - D4 @ u


def newton_equilibrium(
    u0: np.ndarray, L: float, tol: float = 1e-11, maxiter: int = 50,
    dealias: float = 2.0 / 3.0,
) -> tuple[np.ndarray, float]:
    """Newton iteration for an equilibrium in the odd subspace u(−x) = −u(x).

    The profile is parametrised by its sine coefficients; each step solves the least-squares
    Newton system of the full residual. Returns ``(u, max|residual|)`` in float64.
    """
    u0 = np.asarray(u0, np.float64)
    N = u0.size
    x = np.arange(N) * L / N
    K = N // 2 - 1
    S = np.sin(2 * np.pi * np.outer(x, np.arange(1, K + 1)) / L)  # (N, K)
    b = np.linalg.lstsq(S, u0, rcond=None)[0]
    D1, D2, D4 = _diff_matrices(L, N, dealias)
    for _ in range(maxiter):
        u = S @ b
        r = -D1 @ (0.5 * u * u) - D2 @ u - D4 @ u
        if np.max(np.abs(r)) < tol:
            break
        J = (-D1 @ np.diag(u) - D2 - D4) @ S
        b = b - np.linalg.lstsq(J, r, rcond=None)[0]
    u = S @ b
    return u, float(np.max(np.abs(residual(u, L, dealias))))


def resample(u: np.ndarray, N: int) -> np.ndarray:
    """Band-limited resampling of a periodic profile to ``N`` points."""
    M = u.size
    if M == N:
        return np.asarray(u, np.float64)
    v = np.fft.rfft(u) / M
    w = np.zeros(N // 2 + 1, complex)
    m = min(v.size, w.size) - 1
    w[:m] = v[:m]
    return np.fft.irfft(w * N, n=N)


@functools.lru_cache(maxsize=16)
def equilibria(L: float = 22.0, N: int = 64, dealias: float = 2.0 / 3.0) -> np.ndarray:
    """``(3, N)`` float64 profiles of E1, E2, E3 at L=22 on an ``N``-point grid.

    Loaded from the shipped data (produced by :func:`newton_equilibrium`, see
    ``scripts/ks_equilibria.py``), resampled to ``N`` and re-converged by Newton.
    """
    if abs(L - 22.0) > 1e-12:
        raise ValueError(f"the KS equilibria E1–E3 are provided for L=22 only, got L={L}")
    ref = importlib.resources.files("chaosgym") / "data" / "ks_equilibria_L22.npz"
    with ref.open("rb") as fh:
        data = np.load(fh)
        profiles = np.asarray(data["u"])
    out = []
    for u in profiles:
        u_n, res = newton_equilibrium(resample(u, N), L, dealias=dealias)
        if res > 1e-8:
            raise RuntimeError(f"KS equilibrium failed to converge on N={N}: residual {res:.2e}")
        out.append(u_n)
    return np.stack(out)


def _measured_budget(spec, p: KSParams) -> tuple[float, float, float]:
    """⟨u²⟩, ⟨u_x²⟩, ⟨u_xx²⟩ over 8 uncontrolled runs of 2000 time units (after 200), float64.

    Cached (by the params) only for this module's own spec: a modified spec is measured
    afresh, since its dynamics may differ under the same params."""
    return _budget_means(p) if spec is SPEC else _budget_means_of(spec, p)


@functools.lru_cache(maxsize=4)
def _budget_means(p: KSParams) -> tuple[float, float, float]:
    return _budget_means_of(SPEC, p)


def _budget_means_of(spec, p: KSParams) -> tuple[float, float, float]:
    from chaosgym.integrators import make_stepper
    from chaosgym.systems.pde.analysis import time_average

    step = make_stepper(spec, params=p)
    x0 = jax.vmap(lambda k: spec.initial_state(k, p))(jax.random.split(jax.random.key(7), 8))

    def obs(x):
        b = budget(x, jnp.zeros_like(x), p)
        return jnp.stack([2 * b["energy"], b["P"], b["D"]])

    m = p.n_actuators
    _, x1 = time_average(step, obs, x0.astype(jnp.float64), p, 800, m)
    avg, _ = time_average(step, obs, x1, p, 8000, m)
    return tuple(float(v) for v in avg.mean(axis=0))


def _measure_mean(i: int):
    def measure(spec, p: KSParams) -> float:
        return _measured_budget(spec, p)[i]

    return measure


def _equilibrium_energies(spec, p: KSParams) -> tuple[float, ...]:
    """½⟨u²⟩ of E1, E2, E3 re-converged by Newton on the spec's grid."""
    return tuple(float(0.5 * np.mean(e * e)) for e in equilibria(p.L, p.N))


def fixed_points(p: KSParams) -> jax.Array:
    """E1, E2, E3 (L=22 only), float64 NumPy converted to the default JAX dtype."""
    return jnp.asarray(equilibria(p.L, p.N, p.dealias))


SPEC = PDESpec(
    name="kuramoto_sivashinsky",
    title="KuramotoSivashinsky",
    kind="pde",
    params=KSParams(),
    dim=lambda p: p.N,
    vector_field=vector_field,
    actuations={"forcing": Additive(actuator_matrix, u_max=1.0),
                "controlgym": Additive(controlgym_actuators, u_max=float("inf"))},
    initial_state=initial_state,
    dt=0.25,
    substeps=5,
    integrator="etdrk4",
    fixed_points=fixed_points,
    bound=100.0,
    warmup=100.0,
    bank_chains=64,
    bank_stride=4,
    invariants=(
        Invariant("lyapunov_max", 0.048, REF, abs_tol=0.002,
                  settings={"steps": 8000, "n_ic": 8, "n_exp": 1, "transient": 800}),
        Invariant("mean_u2", 1.41, REF, abs_tol=0.02, measure=_measure_mean(0)),
        Invariant("mean_ux2", 0.92, REF, abs_tol=0.02, measure=_measure_mean(1)),
        Invariant("mean_uxx2", 0.92, REF, abs_tol=0.02, measure=_measure_mean(2)),
        Invariant("equilibrium_energies", EQ_ENERGIES_L22, CDS, abs_tol=1e-4,
                  measure=_equilibrium_energies),
    ),
    references=(
        "Y. Kuramoto and T. Tsuzuki, Prog. Theor. Phys. 55, 356 (1976)",
        "G. I. Sivashinsky, Acta Astronautica 4, 1177 (1977)",
        "A.-K. Kassam and L. N. Trefethen, SIAM J. Sci. Comput. 26, 1214 (2005)",
        CDS,
        "M. A. Bucci et al., Proc. R. Soc. A 475, 20190351 (2019)",
    ),
    lyapunov_dt=0.25,
    make_stepper=make_pde_stepper,
    model=_model,
    sensor_positions=lambda p: np.arange(p.n_sensors) * p.L / p.n_sensors,
    description="Kuramoto–Sivashinsky u_t + u u_x + u_xx + u_xxxx = f (L=22, N=64)",
    doc=__doc__ or "",
)
