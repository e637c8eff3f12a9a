"""Moehlis–Faisst–Eckhardt nine-mode model of sinusoidal shear flow.

Description:
    A Galerkin truncation of plane flow between free-slip walls driven by a sinusoidal body
    force (Waleffe flow) onto nine Fourier modes: a1 is the laminar profile, a2 a streak,
    a3 a downstream vortex, a4–a8 spanwise/oblique modes and a9 a modification of the
    mean profile. With α = 2π/Lx, β = π/2, γ = 2π/Lz and
    κ_αγ = √(α²+γ²), κ_βγ = √(β²+γ²), κ_αβγ = √(α²+β²+γ²), the amplitudes obey
    a' = (β²/Re) e1 − D a + N(a), with a diagonal viscous damping D and an energy-conserving
    quadratic term N (Σ a_i N_i(a) = 0), equations (21)–(29) of Moehlis et al. (2004).
    The laminar state a = e1 is linearly stable for every Re; at Re = 400, Lx = 4π, Lz = 2π
    turbulence is a long chaotic transient that eventually decays to it.

Actuation:
    ``"modes"`` (default): an additive input on every mode, |u_i| ≤ 0.01.
    ``"vortex"``: inputs on the streak, vortex and mean-modification modes (a2, a3, a9).
    ``"reynolds"``: parametric control of the Reynolds number by at most ±50.

Starting state:
    The laminar state plus a random perturbation of modes 2–9 of norm 0.3 (a finite-amplitude
    perturbation that usually triggers the turbulent transient), integrated for a short
    warm-up.

Invariants:
    Σ a_i N_i(a) = 0 (energy conservation of the nonlinearity); the divergence of the flow is
    the constant −tr D; the laminar state is linearly stable.

References:
    J. Moehlis, H. Faisst and B. Eckhardt, "A low-dimensional model for turbulent shear flows",
    New J. Phys. 6, 56 (2004).
    F. Waleffe, "On a self-sustaining process in shear flows", Phys. Fluids 9, 883 (1997).

Version History:
    v0: initial release.
"""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp

from chaosgym._pytree import pytree_dataclass
from chaosgym.systems._validate import require
from chaosgym.systems.base import Additive, Invariant, Parametric, SystemSpec, components

MOEHLIS = "J. Moehlis, H. Faisst and B. Eckhardt, New J. Phys. 6, 56 (2004)"


@pytree_dataclass
class ShearFlowParams:
    """Reynolds number and box lengths (α = 2π/Lx, γ = 2π/Lz; β = π/2 fixed by the walls)."""

    Re: float = 400.0
    Lx: float = 4.0 * math.pi
    Lz: float = 2.0 * math.pi

    def __post_init__(self) -> None:
        for n in ("Re", "Lx", "Lz"):
            require("shear_flow", n, getattr(self, n), lambda v: v > 0.0, "positive")


def _wavenumbers(p: ShearFlowParams):
    al = 2.0 * jnp.pi / p.Lx
    be = jnp.pi / 2.0
    ga = 2.0 * jnp.pi / p.Lz
    return al, be, ga


def damping(p: ShearFlowParams) -> jax.Array:
    """Diagonal viscous damping rates (the linear part is ``−damping * a``)."""
    al, be, ga = _wavenumbers(p)
    re = p.Re
    return jnp.stack([
        be**2 / re,
        (4.0 * be**2 / 3.0 + ga**2) / re,
        (be**2 + ga**2) / re,
        (3.0 * al**2 + 4.0 * be**2) / (3.0 * re),
        (al**2 + be**2) / re,
        (3.0 * al**2 + 4.0 * be**2 + 3.0 * ga**2) / (3.0 * re),
        (al**2 + be**2 + ga**2) / re,
        (al**2 + be**2 + ga**2) / re,
        9.0 * be**2 / re,
    ])


def nonlinear(a: jax.Array, p: ShearFlowParams) -> jax.Array:
    """The energy-conserving quadratic term N(a)."""
    al, be, ga = _wavenumbers(p)
    kag = jnp.sqrt(al**2 + ga**2)
    kbg = jnp.sqrt(be**2 + ga**2)
    kabg = jnp.sqrt(al**2 + be**2 + ga**2)
    s6 = math.sqrt(6.0)
    s32 = math.sqrt(1.5)
    a1, a2, a3, a4, a5, a6, a7, a8, a9 = (a[i] for i in range(9))
    n1 = -s32 * be * ga / kabg * a6 * a8 + s32 * be * ga / kbg * a2 * a3
    n2 = (10.0 / (3.0 * s6)) * ga**2 / kag * a4 * a6 \
        - ga**2 / (s6 * kag) * a5 * a7 \
        - al * be * ga / (s6 * kag * kabg) * a5 * a8 \
        - s32 * be * ga / kbg * (a1 * a3 + a3 * a9)
    n3 = 2.0 * al * be * ga / (s6 * kag * kbg) * (a4 * a7 + a5 * a6) \
        + (be**2 * (3.0 * al**2 + ga**2) - 3.0 * ga**2 * (al**2 + ga**2)) \
        / (s6 * kag * kbg * kabg) * a4 * a8
    n4 = -al / s6 * a1 * a5 \
        - 10.0 / (3.0 * s6) * al**2 / kag * a2 * a6 \
        - s32 * al * be * ga / (kag * kbg) * a3 * a7 \
        - s32 * al**2 * be**2 / (kag * kbg * kabg) * a3 * a8 \
        - al / s6 * a5 * a9
    n5 = al / s6 * a1 * a4 \
        + al**2 / (s6 * kag) * a2 * a7 \
        - al * be * ga / (s6 * kag * kabg) * a2 * a8 \
        + al / s6 * a4 * a9 \
        + 2.0 * al * be * ga / (s6 * kag * kbg) * a3 * a6
    n6 = al / s6 * a1 * a7 \
        + s32 * be * ga / kabg * a1 * a8 \
        + 10.0 / (3.0 * s6) * (al**2 - ga**2) / kag * a2 * a4 \
        - 2.0 * math.sqrt(2.0 / 3.0) * al * be * ga / (kag * kbg) * a3 * a5 \
        + al / s6 * a7 * a9 \
        + s32 * be * ga / kabg * a8 * a9
    n7 = -al / s6 * (a1 * a6 + a6 * a9) \
        + (ga**2 - al**2) / (s6 * kag) * a2 * a5 \
        + al * be * ga / (s6 * kag * kbg) * a3 * a4
    n8 = 2.0 * al * be * ga / (s6 * kag * kabg) * a2 * a5 \
        + ga**2 * (3.0 * al**2 - be**2 + 3.0 * ga**2) / (s6 * kag * kbg * kabg) * a3 * a4
    n9 = s32 * be * ga / kbg * a2 * a3 - s32 * be * ga / kabg * a6 * a8
    return jnp.stack([n1, n2, n3, n4, n5, n6, n7, n8, n9])


def vector_field(a: jax.Array, p: ShearFlowParams) -> jax.Array:
    """The nine-mode right-hand side: forcing, viscous damping and the quadratic term."""
    _, be, _ = _wavenumbers(p)
    forcing = jnp.zeros((9,), a.dtype).at[0].set(be**2 / p.Re)
    return forcing - damping(p).astype(a.dtype) * a + nonlinear(a, p)


def fixed_points(p: ShearFlowParams) -> jax.Array:
    """The laminar state a = e1."""
    return jnp.zeros((1, 9)).at[0, 0].set(1.0) + 0.0 * p.Re


def deviation(a: jax.Array) -> jax.Array:
    """‖a − e1‖, the distance from the laminar state."""
    return jnp.sqrt(jnp.sum((a - jnp.zeros_like(a).at[0].set(1.0)) ** 2))


def laminar_stable(spec: SystemSpec, p: ShearFlowParams) -> float:
    """1.0 when every eigenvalue of the Jacobian at the laminar state e1 has a negative real
    part (the invariant ``laminar_stable``), else 0.0."""
    e1 = fixed_points(p)[0]
    eig = jnp.linalg.eigvals(jax.jacfwd(vector_field)(e1, p))
    return float(jnp.max(jnp.real(eig)) < 0)


def initial_state(key: jax.Array, p: ShearFlowParams) -> jax.Array:
    d = jax.random.normal(key, (8,))
    d = 0.3 * d / jnp.linalg.norm(d)
    return jnp.concatenate([jnp.ones((1,)), d])


SPEC = SystemSpec(
    name="shear_flow",
    title="ShearFlow",
    kind="ode",
    params=ShearFlowParams(),
    dim=lambda p: 9,
    vector_field=vector_field,
    actuations={
        "modes": Additive(components(*range(9), n=9), u_max=0.01),
        "vortex": Additive(components(1, 2, 8, n=9), u_max=0.01),
        "reynolds": Parametric(("Re",), (50.0,)),
    },
    initial_state=initial_state,
    dt=1.0,
    substeps=4,
    integrator="rk4",
    fixed_points=fixed_points,
    bound=10.0,
    warmup=20.0,
    invariants=(
        Invariant("laminar_stable", 1.0, MOEHLIS, exact=True, measure=laminar_stable),
    ),
    references=(MOEHLIS, "F. Waleffe, Phys. Fluids 9, 883 (1997)"),
    labels=tuple(f"a{i}" for i in range(1, 10)),
    lyapunov_dt=0.05,
    description="Moehlis–Faisst–Eckhardt nine-mode shear flow (Re=400, Lx=4π, Lz=2π)",
    doc=__doc__ or "",
)
