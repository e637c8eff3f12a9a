"""Viscous Burgers equation (1-D): a standard, non-chaotic PDE-control testbed.

Description:
    u_t + u u_x = ν u_xx + f(x, t) on x ∈ [0, L), periodic, pseudo-spectral with N modes, 2/3
    dealiasing (``dealias``) and ETDRK4 (real symbol −ν k²). Defaults L=1, N=256, ν=0.01
    (resolved fronts; controlgym's ``burgers`` uses ν=0.001, under-resolved at N=256), control
    interval 0.05 with 25 ETDRK4 substeps.

Actuation:
    ``"forcing"``: ``n_actuators`` = 8 box actuators of width ``actuator_width`` = 0.1 L
    centred at ``L/16 + i L/8`` (controlgym's layout), or ``actuator_kind="gaussian"``
    unit-integral jets of width ``actuator_width``; |a| ≤ ``u_max`` = 1.

Observation (set by the task): ``n_sensors`` = 10 point sensors, the field or Fourier modes.

Starting state:
    Random combinations of the lowest four Fourier modes (amplitude ~0.3), integrated 0.5 time
    units (Burgers has no attractor: the flow decays). Environments draw from a bank of
    ``bank_size`` = 1024 states: 128 random profiles, each recorded at 8 successive control
    intervals after the warm-up (``bank_chains=128, bank_stride=1``).

Track task:
    follow the travelling wave r(x, t) = A sin(2π(x − ct)/L).

References:
    J. M. Burgers, Adv. Appl. Mech. 1, 171 (1948).
    X. Zhang et al., "controlgym: large-scale control environments for benchmarking
    reinforcement learning algorithms", L4DC (2024).

Version History:
    v0: initial release.
    v1 (BurgersTrack-v1): starting states from a bank of 1024 (was 32); the dealiasing
    fraction is a static parameter ``dealias`` (default 2/3: dynamics unchanged).
"""

from __future__ import annotations

import functools

import jax
import numpy as np

from chaosgym._pytree import pytree_dataclass, static
from chaosgym.systems.base import Additive
from chaosgym.systems.pde.semilinear import (
    PDESpec,
    Semilinear,
    actuators_1d,
    advection_term,
    low_mode_field,
    make_pde_stepper,
)
from chaosgym.systems.pde.spectral import Grid


@pytree_dataclass
class BurgersParams:
    """Burgers parameters; ``L, N, nu`` (in the linear symbol) and counts are static."""

    L: float = static(1.0)
    N: int = static(256)
    nu: float = static(0.01)
    n_actuators: int = static(8)
    actuator_kind: str = static("box")
    actuator_width: float = 0.1
    n_sensors: int = static(10)
    dealias: float = static(2.0 / 3.0)


@functools.lru_cache(maxsize=32)
def model(L: float, N: int, nu: float, dealias: float = 2.0 / 3.0) -> Semilinear:
    """Symbol ``−ν k²`` and ``−(u²/2)_x``, cached by every argument it depends on."""
    g = Grid(float(L), int(N), 1, False, float(dealias))
    return Semilinear(g, -nu * g.k2, advection_term(g))


def _model(p: BurgersParams) -> Semilinear:
    return model(p.L, p.N, p.nu, p.dealias)


def actuator_matrix(p: BurgersParams) -> jax.Array:
    return actuators_1d(_model(p).grid, p.actuator_kind, p.n_actuators, p.actuator_width)


def vector_field(x: jax.Array, p: BurgersParams) -> jax.Array:
    return _model(p).rhs(x, p)


def initial_state(key: jax.Array, p: BurgersParams) -> jax.Array:
    return low_mode_field(key, _model(p).grid.x, p.L, 0.3, 4)


SPEC = PDESpec(
    name="burgers",
    title="Burgers",
    kind="pde",
    params=BurgersParams(),
    dim=lambda p: p.N,
    vector_field=vector_field,
    actuations={"forcing": Additive(actuator_matrix, u_max=1.0)},
    initial_state=initial_state,
    dt=0.05,
    substeps=25,
    integrator="etdrk4",
    bound=50.0,
    warmup=0.5,
    bank_chains=128,
    bank_stride=1,
    references=(
        "J. M. Burgers, Adv. Appl. Mech. 1, 171 (1948)",
        "X. Zhang et al., controlgym, L4DC (2024)",
    ),
    lyapunov_dt=0.05,
    make_stepper=make_pde_stepper,
    model=_model,
    sensor_positions=lambda p: np.arange(p.n_sensors) * p.L / p.n_sensors,
    description="viscous Burgers u_t + u u_x = ν u_xx + f (L=1, N=256, ν=0.01)",
    doc=__doc__ or "",
)
