"""λ–ω reaction–diffusion system (2-D): rotating spiral waves and spiral breakup.

Description:
    u_t = λ(A) u − ω(A) v + d ∇²u,   v_t = ω(A) u + λ(A) v + d ∇²v,
    A² = u² + v²,  λ(A) = 1 − A²,  ω(A) = −β A².
    With W = u + i v this is W_t = (1 − |W|²) W − iβ|W|² W + d ∇²W, a real-diffusion
    Ginzburg–Landau equation: the linear symbol 1 − d|k|² is real (half-circle ETDRK4 contour)
    although the field is complex. Periodic square [0, L)², L=20, N=128 per side, d=0.1,
    1/2-rule dealiasing (``dealias=0.5``, alias-free for the cubic term). β=1 (default)
    supports a steadily rotating one-armed spiral; at larger twist (β=3) the spiral breaks up
    into spatiotemporal chaos of many spiral cores.
    The state is the flat vector ``[u (N²), v (N²)]``.

Actuation:
    ``"forcing"``: an ``n_actuators × n_actuators`` lattice of unit-integral 2-D Gaussian jets
    (width ``actuator_width``), each acting on u and on v: 2·n_actuators² inputs.

Observation (set by the task): u and v on an ``n_sensors × n_sensors`` lattice of grid points,
    the whole field, or the lowest Fourier modes.

Starting state:
    A one-armed spiral u + iv = tanh(r) e^{i(θ − r)} about a random centre, integrated
    ``warmup`` = 40 time units. Environments harvest their bank of ``bank_size`` = 512 states
    from 4 independent trajectories, one state per control interval (0.5 time units) after
    the warm-up (``bank_chains=4, bank_stride=1``).

Suppress task:
    cost ⟨(1 − A²)²⟩ (the area of spiral cores); metric ``defects`` = number of phase
    singularities (plaquettes with non-zero winding of the phase of u + iv).

References:
    N. Kopell and L. N. Howard, "Plane wave solutions to reaction–diffusion equations",
    Stud. Appl. Math. 52, 291 (1973).
    J. N. Kutz, *Data-Driven Modeling & Scientific Computation*, OUP (2013) (λ–ω spiral data).
    S. L. Brunton, J. L. Proctor and J. N. Kutz, PNAS 113, 3932 (2016).

Version History:
    v0: initial release.
    v1 (LambdaOmegaSuppress-v1): the cubic term is dealiased by the alias-free 1/2 rule (was
    2/3); starting states from a bank of 512 harvested from 4 trajectories (was 2 states:
    every episode started from one of two).
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
    gaussian_jets_2d,
    make_pde_stepper,
)
from chaosgym.systems.pde.spectral import Grid


@pytree_dataclass
class LambdaOmegaParams:
    """λ–ω parameters; ``L, N, d`` (in the linear symbol) and counts are static."""

    L: float = static(20.0)
    N: int = static(128)
    d: float = static(0.1)
    beta: float = 1.0
    n_actuators: int = static(3)
    actuator_width: float = 1.0
    n_sensors: int = static(8)
    dealias: float = static(0.5)


@functools.lru_cache(maxsize=16)
def model(L: float, N: int, d: float, dealias: float = 0.5) -> Semilinear:
    """Symbol ``1 − d|k|²`` and ``−(1 + iβ)|W|²W``, cached by every argument it depends on."""
    g = Grid(float(L), int(N), 2, True, float(dealias))
    return Semilinear(g, 1.0 - d * g.k2, cubic_term(g, lambda p: -(1.0 + 1j * p.beta)))


def _model(p: LambdaOmegaParams) -> Semilinear:
    return model(p.L, p.N, p.d, p.dealias)


def actuator_matrix(p: LambdaOmegaParams) -> jax.Array:
    return complex_actuators(gaussian_jets_2d(_model(p).grid, p.n_actuators, p.actuator_width))


def vector_field(x: jax.Array, p: LambdaOmegaParams) -> jax.Array:
    return _model(p).rhs(x, p)


def spiral(
    p: LambdaOmegaParams, centre: jax.typing.ArrayLike | None = None, chirality: float = 1.0
) -> jax.Array:
    """A one-armed spiral tanh(r) e^{i(±θ − r)} about ``centre`` (default the box centre)."""
    X, Y = (jnp.asarray(m) for m in _model(p).grid.mesh)
    c = jnp.asarray([p.L / 2, p.L / 2] if centre is None else centre)
    dx, dy = X - c[0], Y - c[1]
    r = jnp.sqrt(dx**2 + dy**2)
    th = jnp.arctan2(dy, dx)
    W = jnp.tanh(r) * jnp.exp(1j * (chirality * th - r))
    return jnp.concatenate([jnp.real(W).ravel(), jnp.imag(W).ravel()])


def initial_state(key: jax.Array, p: LambdaOmegaParams) -> jax.Array:
    c = p.L / 2 + (p.L / 8) * jax.random.uniform(key, (2,), minval=-1.0, maxval=1.0)
    return spiral(p, c)


def defects(x: jax.Array, p: LambdaOmegaParams) -> jax.Array:
    """Number of phase singularities of u + iv: plaquettes whose phase winds by ±2π."""
    N = p.N
    th = jnp.arctan2(x[N * N:].reshape(N, N), x[: N * N].reshape(N, N))

    def wrap(a):
        return (a + jnp.pi) % (2 * jnp.pi) - jnp.pi

    t00, t10 = th, jnp.roll(th, -1, 0)
    t11, t01 = jnp.roll(t10, -1, 1), jnp.roll(th, -1, 1)
    w = wrap(t10 - t00) + wrap(t11 - t10) + wrap(t01 - t11) + wrap(t00 - t01)
    return jnp.sum(jnp.abs(w) > jnp.pi)


SUPPRESS_METRICS = ("cost", "defects")


def suppress_cost(x: jax.Array, p: LambdaOmegaParams) -> dict[str, jax.Array]:
    n = p.N * p.N
    a2 = x[:n] ** 2 + x[n:] ** 2
    return {"cost": jnp.mean((1.0 - a2) ** 2), "defects": defects(x, p).astype(x.dtype)}


SPEC = PDESpec(
    name="lambda_omega",
    title="LambdaOmega",
    kind="pde",
    params=LambdaOmegaParams(),
    dim=lambda p: 2 * p.N * p.N,
    vector_field=vector_field,
    actuations={"forcing": Additive(actuator_matrix, u_max=1.0)},
    initial_state=initial_state,
    dt=0.5,
    substeps=5,
    integrator="etdrk4",
    bound=20.0,
    warmup=40.0,
    bank_chains=4,
    bank_stride=1,
    references=(
        "N. Kopell and L. N. Howard, Stud. Appl. Math. 52, 291 (1973)",
        "S. L. Brunton, J. L. Proctor and J. N. Kutz, PNAS 113, 3932 (2016)",
    ),
    lyapunov_dt=0.5,
    make_stepper=make_pde_stepper,
    model=_model,
    sensor_positions=lambda p: np.stack(
        [m.ravel() for m in np.meshgrid(*(2 * [np.arange(p.n_sensors) * p.L / p.n_sensors]),
                                        indexing="ij")], axis=1),
    description="2-D λ–ω reaction–diffusion: rotating spiral (β=1), breakup (β=3)",
    doc=__doc__ or "",
)
