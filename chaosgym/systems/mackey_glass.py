"""Mackey–Glass: a delay differential equation for blood-cell production.

Description:
    x'(t) = β x(t − τ) / (1 + x(t − τ)ⁿ) − γ x(t),  β = 0.2, γ = 0.1, n = 10, τ = 17.
    The state is infinite dimensional; here it is the history buffer
    (x(t), x(t − h), …, x(t − τ − h)) of K + 2 samples, K = τ/h, advanced by the method of
    steps with a fourth-order Runge–Kutta step whose delayed mid-point value is a four-point
    (cubic) interpolation of the buffer. One iterate of the resulting map advances time by h,
    so ``SPEC`` is a map (``kind="map"``) and a control interval is ``substeps`` iterates.
    Chaotic for τ = 17 (Farmer 1982); τ = 16 is not.

Actuation:
    ``"additive"`` (default): an input u added to x' (entering the step as h·u), |u| ≤ 0.05.
    ``"beta"``: parametric control of the production rate β by at most ±0.02.

Starting state:
    A constant history x ≡ c with c uniform in [0.5, 1.3], integrated onto the attractor.

Arguments:
    ``tau`` (static, default 17) and ``h`` (static, default 0.1) with τ/h an integer; the
    delay must be longer than the step (``tau > h``), otherwise construction raises.

Invariants:
    A small positive leading exponent and an attractor dimension ≈ 2.1 at τ = 17 (Farmer 1982);
    this library measures λ1 ≈ 0.005 per unit time in float64
    (benchmarks/results/invariants.md). The equilibrium x* = (β/γ − 1)^{1/n} = 1 is
    unstable.

References:
    M. C. Mackey and L. Glass, "Oscillation and chaos in physiological control systems",
    Science 197, 287–289 (1977).
    J. D. Farmer, "Chaotic attractors of an infinite-dimensional dynamical system",
    Physica D 4, 366–393 (1982).

Version History:
    v0: initial release.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp

from chaosgym._pytree import pytree_dataclass, static
from chaosgym.systems._validate import require
from chaosgym.systems.base import Additive, Parametric, SparseActuators, SystemSpec

FARMER = "J. D. Farmer, Physica D 4, 366 (1982)"


@pytree_dataclass
class MackeyGlassParams:
    """Mackey–Glass parameters; ``tau`` and the step ``h`` are static (they fix the buffer)."""

    beta: float = 0.2
    gamma: float = 0.1
    n: float = 10.0
    tau: float = static(17.0)
    h: float = static(0.1)

    def __post_init__(self) -> None:
        tau, h = self.tau, self.h
        if not isinstance(tau, int | float) or not isinstance(h, int | float):
            raise ValueError(f"mackey_glass: tau and h must be numbers, got tau={tau!r}, h={h!r}")
        if not h > 0:
            raise ValueError(f"mackey_glass: the step h must be positive, got h={h!r}")
        if not tau > h:
            raise ValueError(
                f"mackey_glass: the delay tau={tau!r} must be longer than the step h={h!r} "
                "(the history buffer needs at least one sample per delay)"
            )
        k = tau / h
        if abs(k - round(k)) > 1e-9 * max(1.0, k):
            raise ValueError(
                f"mackey_glass: tau/h must be an integer (buffer length), got {tau}/{h} = {k}"
            )
        require("mackey_glass", "gamma", self.gamma, lambda v: v >= 0.0, "non-negative")

    @property
    def delay_steps(self) -> int:
        """K = τ/h, the number of steps per delay."""
        return round(self.tau / self.h)


def _rhs(x: jax.Array, xd: jax.Array, p: MackeyGlassParams) -> jax.Array:
    return p.beta * xd / (1.0 + jnp.abs(xd) ** p.n) - p.gamma * x


def step_map(buf: jax.Array, p: MackeyGlassParams) -> jax.Array:
    """Advance the history buffer by one step h (RK4, cubic interpolation of the delay)."""
    k = p.delay_steps
    h = p.h
    x = buf[0]
    d0 = buf[k]
    d1 = buf[k - 1]
    dm1 = buf[k + 1]
    dp2 = buf[k - 2] if k >= 2 else buf[0]
    dmid = (-dm1 + 9.0 * d0 + 9.0 * d1 - dp2) / 16.0
    k1 = _rhs(x, d0, p)
    k2 = _rhs(x + 0.5 * h * k1, dmid, p)
    k3 = _rhs(x + 0.5 * h * k2, dmid, p)
    k4 = _rhs(x + h * k3, d1, p)
    x_new = x + (h / 6.0) * (k1 + 2.0 * k2 + 2.0 * k3 + k4)
    return jnp.concatenate([x_new[None], buf[:-1]])


def dim(p: MackeyGlassParams) -> int:
    return p.delay_steps + 2


# the input enters the newest history value with weight h (sparse: no dim × 1 matrix)
_input = SparseActuators(rows=lambda p: (0,), n=dim, weight=lambda p: p.h)


def fixed_points(p: MackeyGlassParams) -> jax.Array:
    """The positive equilibrium x* = (β/γ − 1)^{1/n} as a constant history; when β ≤ γ it
    does not exist and the equilibrium returned is x* = 0 (then the only one, and stable)."""
    xs = jnp.maximum(jnp.asarray(p.beta, float) / p.gamma - 1.0, 0.0) ** (1.0 / p.n)
    return jnp.ones((1, dim(p))) * xs


def iterate_time(p: MackeyGlassParams) -> float:
    """Time advanced by one iterate of the buffer map: the step h."""
    return float(p.h)


def initial_state(key: jax.Array, p: MackeyGlassParams) -> jax.Array:
    c = jax.random.uniform(key, (), minval=0.5, maxval=1.3)
    return jnp.full((dim(p),), c)


SPEC = SystemSpec(
    name="mackey_glass",
    title="MackeyGlass",
    kind="map",
    params=MackeyGlassParams(),
    dim=dim,
    vector_field=step_map,
    actuations={
        "additive": Additive(_input, u_max=0.05),
        "beta": Parametric(("beta",), (0.02,)),
    },
    initial_state=initial_state,
    dt=1.0,
    substeps=10,
    integrator="map",
    fixed_points=fixed_points,
    bound=10.0,
    warmup=500.0,
    invariants=(),
    references=("M. C. Mackey and L. Glass, Science 197, 287 (1977)", FARMER),
    labels=None,
    lyapunov_dt=1.0,
    iterate_time=iterate_time,
    description="Mackey–Glass delay equation (τ=17) with its history buffer as state",
    doc=__doc__ or "",
    model_kind="dde",
)
