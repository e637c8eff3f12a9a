"""Complex Ginzburg–Landau equation (1-D): defect turbulence.

Description:
    A_t = A + (1 + iα) A_xx − (1 + iβ) |A|² A on x ∈ [0, L), periodic, pseudo-spectral with N
    modes, 1/2-rule dealiasing (``dealias=0.5``: the cubic term is alias-free; ``dealias=2/3``
    keeps more modes but aliases it) and ETDRK4. The linear symbol ``1 − (1 + iα) k²`` is
    complex, so the ETDRK4 coefficients use the full-circle contour (M=32). Plane waves are
    Benjamin–Feir–Newell unstable when 1 + αβ < 0; the default (α, β) = (2, −2), L=100, N=256 is
    in the defect (amplitude) turbulence regime, where |A| repeatedly drops to zero (phase
    slips). The state is the flat vector ``[Re A (N), Im A (N)]``.

Actuation:
    ``"forcing"``: ``n_actuators`` unit-integral periodic Gaussian jets (width
    ``actuator_width``) centred at ``L/(2m) + i L/m``, each acting on Re A and on Im A:
    2·n_actuators inputs ``[a_Re, a_Im]``, |a| ≤ 1.

Observation (set by the task): Re and Im of A at ``n_sensors`` equally spaced points, the whole
    field, or the lowest Fourier modes.

Suppress task:
    cost ⟨(1 − |A|²)²⟩ (zero on the uniform oscillation |A| = 1, large near defects);
    metrics ``min_amplitude`` = min_x |A| and ``mean_amplitude2`` = ⟨|A|²⟩.

Starting state:
    Small random low-mode noise integrated ``warmup`` = 100 time units. Environments draw from
    a bank of ``bank_size`` = 1024 such states harvested from 16 independent trajectories,
    one every time unit after the warm-up (``bank_chains=16, bank_stride=2``).

Invariants:
    λ1 and ⟨|A|²⟩ are measured here (float64) on two grids and reported with the benchmarks;
    both converge under refinement N=256 → 512. Dealiasing (benchmarks/pde_numerics.py, 8
    trajectories × 2000 time units): ⟨|A|²⟩ = 0.5593 ± 0.0008 with the 2/3 rule and
    0.5585 ± 0.0003 with the 1/2 rule at N=256, 0.5597 ± 0.0004 at N=512 (1/2 rule): at this
    resolution the aliased modes carry too little energy to move the statistics beyond their
    sampling error; the 1/2 rule is the default because it is exact for the cubic term.

References:
    I. S. Aranson and L. Kramer, "The world of the complex Ginzburg–Landau equation",
    Rev. Mod. Phys. 74, 99 (2002).
    H. Chaté, "Spatiotemporal intermittency regimes of the one-dimensional complex
    Ginzburg–Landau equation", Nonlinearity 7, 185 (1994).
    A.-K. Kassam and L. N. Trefethen, SIAM J. Sci. Comput. 26, 1214 (2005).

Version History:
    v0: initial release.
    v1 (GinzburgLandauSuppress-v1): the cubic term is dealiased by the alias-free 1/2 rule
    (was 2/3); starting states from a bank of 1024 harvested from 16 trajectories (was 16
    states: 20 resets gave 12 distinct).
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
    fourier_sum,
    gaussian_jets,
    make_pde_stepper,
)
from chaosgym.systems.pde.spectral import Grid


@pytree_dataclass
class CGLEParams:
    """CGLE parameters; ``L, N, alpha`` (in the linear symbol) and counts are static."""

    L: float = static(100.0)
    N: int = static(256)
    alpha: float = static(2.0)
    beta: float = -2.0
    n_actuators: int = static(8)
    actuator_width: float = 2.0
    n_sensors: int = static(16)
    dealias: float = static(0.5)


@functools.lru_cache(maxsize=32)
def model(L: float, N: int, alpha: float, dealias: float = 0.5) -> Semilinear:
    """Symbol ``1 − (1 + iα) k²`` and ``−(1 + iβ)|A|²A``, cached by every argument it
    depends on."""
    g = Grid(float(L), int(N), 1, True, float(dealias))
    symbol = 1.0 - (1.0 + 1j * alpha) * g.k2
    return Semilinear(g, symbol, cubic_term(g, lambda p: -(1.0 + 1j * p.beta)))


def _model(p: CGLEParams) -> Semilinear:
    return model(p.L, p.N, p.alpha, p.dealias)


def actuator_matrix(p: CGLEParams) -> jax.Array:
    return complex_actuators(gaussian_jets(_model(p).grid, p.n_actuators, p.actuator_width))


def vector_field(x: jax.Array, p: CGLEParams) -> jax.Array:
    return _model(p).rhs(x, p)


def initial_state(key: jax.Array, p: CGLEParams) -> jax.Array:
    """Random modes |n| ≤ 8 with amplitude ~0.1 in Re A and Im A."""
    x = _model(p).grid.x
    c = 0.1 * jax.random.normal(key, (4, 8))
    return jnp.concatenate([fourier_sum(c[:2], x, p.L), fourier_sum(c[2:], x, p.L)])


def amplitude2(x: jax.Array, p: CGLEParams) -> jax.Array:
    n = p.N
    return x[:n] ** 2 + x[n:] ** 2


SUPPRESS_METRICS = ("cost", "min_amplitude", "mean_amplitude2")


def suppress_cost(x: jax.Array, p: CGLEParams) -> dict[str, jax.Array]:
    a2 = amplitude2(x, p)
    return {
        "cost": jnp.mean((1.0 - a2) ** 2),
        "min_amplitude": jnp.sqrt(jnp.min(a2)),
        "mean_amplitude2": jnp.mean(a2),
    }


SPEC = PDESpec(
    name="ginzburg_landau",
    title="GinzburgLandau",
    kind="pde",
    params=CGLEParams(),
    dim=lambda p: 2 * p.N,
    vector_field=vector_field,
    actuations={"forcing": Additive(actuator_matrix, u_max=1.0)},
    initial_state=initial_state,
    dt=0.5,
    substeps=10,
    integrator="etdrk4",
    bound=20.0,
    warmup=100.0,
    bank_chains=16,
    bank_stride=2,
    references=(
        "I. S. Aranson and L. Kramer, Rev. Mod. Phys. 74, 99 (2002)",
        "H. Chaté, Nonlinearity 7, 185 (1994)",
        "A.-K. Kassam and L. N. Trefethen, SIAM J. Sci. Comput. 26, 1214 (2005)",
    ),
    lyapunov_dt=0.5,
    make_stepper=make_pde_stepper,
    model=_model,
    sensor_positions=lambda p: np.arange(p.n_sensors) * p.L / p.n_sensors,
    description="complex Ginzburg–Landau, defect turbulence at (α, β) = (2, −2), L=100",
    doc=__doc__ or "",
)
