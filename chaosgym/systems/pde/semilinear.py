"""Semilinear periodic PDEs ``u_t = L u + N(u) + f(x, a)`` and their environment stepper.

A PDE system module describes its equation by a :class:`Semilinear` model: a :class:`Grid`,
the Fourier symbol of the linear part ``L`` and the (dealiased) nonlinear term ``N`` in
spectral space. :class:`PDESpec` is a :class:`~chaosgym.systems.base.SystemSpec` that also
knows how to build that model from its (static) parameters, where its sensors sit and how to
measure its state.

:func:`make_pde_stepper` turns a spec and an actuation into one pure step over a control
interval: the actuator forcing ``f = B(params) u`` (held constant over the interval) is
transformed once, then all ETDRK4 substeps run inside one ``fori_loop`` with coefficients
computed once per (grid, dt).

Shapes and static parameters:
    Grid size ``N``, box length ``L``, the coefficients of the linear part, the numbers of
    actuators and sensors are *static* fields of a system's params (they fix shapes or the
    ETDRK4 coefficients); the coefficients of the nonlinear term and the actuator width are
    pytree leaves (vmap / grad over them works).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from chaosgym.integrators.etdrk4 import make_etdrk4
from chaosgym.integrators.splitstep import make_strang
from chaosgym.systems.base import Additive, SystemSpec
from chaosgym.systems.pde.spectral import Grid

Array = jax.Array
Params = Any

__all__ = [
    "PDESpec",
    "Semilinear",
    "actuators_1d",
    "advection_term",
    "box_actuators",
    "complex_actuators",
    "cubic_term",
    "fourier_sum",
    "gaussian_jets",
    "gaussian_jets_2d",
    "low_mode_field",
    "make_pde_stepper",
    "real_cubic_term",
    "sensor_matrix",
]


@dataclasses.dataclass(frozen=True, eq=False)
class Semilinear:
    """``v_t = symbol * v + nonlinear(v, params)`` in spectral space on ``grid``.

    ``nonlinear`` must return a dealiased spectral array of the grid's spectral shape.
    ``real_symbol`` selects the half-circle contour of ETDRK4 (valid only for a real symbol).
    ``flow(v, tau, params, g)``, where a system provides it, advances the nonlinear part plus
    the spectral forcing ``g`` by ``tau`` (exactly, or by a symmetric composition): it enables
    the Strang split-step integrator ``"splitstep"``.
    """

    grid: Grid
    symbol: np.ndarray
    nonlinear: Callable[[Array, Params], Array]
    flow: Callable[[Array, float, Params, Array], Array] | None = None

    @property
    def real_symbol(self) -> bool:
        return bool(np.all(np.imag(self.symbol) == 0))

    def rhs(self, x: Array, params: Params) -> Array:
        """The physical-space right-hand side ``L u + N(u)`` for the flat state ``x``."""
        g = self.grid
        v = g.to_spectral(x)
        sym = jnp.asarray(self.symbol, v.dtype) if not self.real_symbol else jnp.asarray(
            np.real(self.symbol), jnp.real(v).dtype)
        return g.to_physical(sym * v + self.nonlinear(v, params))


@dataclasses.dataclass(frozen=True)
class PDESpec(SystemSpec):
    """A :class:`SystemSpec` for a semilinear PDE.

    Extra attributes:
        model: ``params -> Semilinear`` (depends on static fields only; cached by the module).
        sensor_positions: ``params -> positions`` of the point sensors: ``(n,)`` in 1-D or
            ``(n, 2)`` in 2-D, in physical units.
        bank_chains: number of warmed-up trajectories an environment's bank of starting states
            is harvested from (``None``: one warm-up per state), see
            :func:`chaosgym.functional.attractor_bank`.
        bank_stride: steps of ``dt`` between the states recorded along each trajectory.
    """

    model: Callable[[Params], Semilinear] | None = None
    sensor_positions: Callable[[Params], np.ndarray] | None = None
    bank_chains: int | None = None
    bank_stride: int = 1

    def grid(self, params: Params | None = None) -> Grid:
        return self.model(self.params if params is None else params).grid

    def num_sensors(self, params: Params | None = None) -> int:
        p = self.params if params is None else params
        n = len(self.sensor_positions(p))
        return n * self.grid(p).components

    def sense(self, x: Array, params: Params) -> Array:
        """Point-sensor readings (both components for complex fields)."""
        g = self.grid(params)
        pos = np.asarray(self.sensor_positions(params))
        if g.ndim == 1:
            S = jnp.asarray(sensor_matrix(g, pos), x.dtype)
            return (x.reshape(g.components, g.N) @ S.T).ravel()
        idx = np.round(pos / g.dx).astype(int) % g.N
        f = x.reshape(g.components, g.N, g.N)
        return f[:, idx[:, 0], idx[:, 1]].ravel()

    def fourier_modes(self, x: Array, params: Params, n_modes: int) -> Array:
        """Real and imaginary parts of the lowest ``n_modes`` Fourier modes per axis, ÷ N^d."""
        g = self.grid(params)
        v = g.to_spectral(x) / g.points
        if g.ndim == 1:
            sel = v[: n_modes + 1] if not g.complex_field else jnp.concatenate(
                [v[: n_modes + 1], v[-n_modes:]])
        else:
            rows = jnp.concatenate([v[: n_modes + 1], v[-n_modes:]], axis=0)
            sel = rows[:, : n_modes + 1] if not g.complex_field else jnp.concatenate(
                [rows[:, : n_modes + 1], rows[:, -n_modes:]], axis=1)
        sel = sel.ravel()
        return jnp.concatenate([jnp.real(sel), jnp.imag(sel)])

    def num_fourier(self, params: Params, n_modes: int) -> int:
        g = self.grid(params)
        per = (n_modes + 1) if not g.complex_field else (2 * n_modes + 1)
        if g.ndim == 1:
            return 2 * per
        return 2 * (2 * n_modes + 1) * per


# ---------------------------------------------------------------------- shared terms
def advection_term(grid: Grid) -> Callable[[Array, Params], Array]:
    """The dealiased conservative advection ``−(u²/2)_x`` in spectral space (KS, Burgers)."""
    ik_half = -0.5j * grid.k_deriv[0] * grid.dealias

    def term(v: Array, p: Params) -> Array:
        u = grid.ifft(v)
        return jnp.asarray(ik_half, v.dtype) * grid.fft(u * u)

    return term


def cubic_term(
    grid: Grid, coefficient: Callable[[Params], Any]
) -> Callable[[Array, Params], Array]:
    """The dealiased cubic ``c(params) |A|² A`` of a complex field in spectral space
    (Ginzburg–Landau, λ–ω, nonlinear Schrödinger); ``c`` may be complex.

    The product is alias-free on the retained modes when the grid's ``dealias_fraction`` is
    ``1/2`` (the modules' default for cubic terms); with ``2/3`` the modes above ``N/4`` alias.
    """
    if not grid.complex_field:
        raise ValueError("cubic_term is |A|²A of a complex field; use real_cubic_term for u³")
    mask = grid.dealias

    def term(v: Array, p: Params) -> Array:
        A = grid.ifft(v)
        nl = coefficient(p) * (jnp.real(A) ** 2 + jnp.imag(A) ** 2) * A
        return jnp.where(mask, grid.fft(nl.astype(v.dtype)), 0.0)

    return term


def real_cubic_term(
    grid: Grid, coefficient: Callable[[Params], Any]
) -> Callable[[Array, Params], Array]:
    """The dealiased cubic ``c(params) u³`` of a real field in spectral space (``c`` real;
    e.g. Allen–Cahn or Swift–Hohenberg ``−u³``). Alias-free with ``dealias_fraction = 1/2``."""
    if grid.complex_field:
        raise ValueError("real_cubic_term is u³ of a real field; use cubic_term for |A|²A")
    mask = grid.dealias

    def term(v: Array, p: Params) -> Array:
        u = grid.ifft(v)
        return jnp.where(mask, grid.fft(coefficient(p) * u * u * u), 0.0)

    return term


def fourier_sum(c: Array, x: Array, L: float) -> Array:
    """``Σ_n c[0, n−1] cos(2πnx/L) + c[1, n−1] sin(2πnx/L)`` for ``n = 1..c.shape[1]``."""
    ph = 2 * jnp.pi * jnp.arange(1, c.shape[1] + 1)[:, None] * jnp.asarray(x)[None, :] / L
    return jnp.sum(c[0][:, None] * jnp.cos(ph) + c[1][:, None] * jnp.sin(ph), axis=0)


def low_mode_field(key: Array, x: Array, L: float, amplitude: float, modes: int) -> Array:
    """A random smooth real field: :func:`fourier_sum` of the lowest ``modes`` modes with
    normal coefficients of standard deviation ``amplitude``."""
    return fourier_sum(amplitude * jax.random.normal(key, (2, modes)), x, L)


# ---------------------------------------------------------------------- actuators and sensors
def actuators_1d(grid: Grid, kind: str, n: int, width: float | None) -> Array:
    """``(N, n)`` profiles of ``n`` ``"gaussian"`` jets (width σ) or ``"box"`` actuators."""
    if kind == "gaussian":
        return gaussian_jets(grid, n, width)
    if kind == "box":
        return box_actuators(grid, n, width)
    raise ValueError(f"actuator_kind must be 'gaussian' or 'box', got {kind!r}")


def _periodic_gaussian(x: np.ndarray | Array, c, sigma, L: float, xp=jnp):
    d = x - c
    d = d - L * xp.round(d / L)
    return xp.exp(-0.5 * (d / sigma) ** 2)


def gaussian_jets(grid: Grid, n: int, sigma: float, normalise: str = "integral") -> Array:
    """``(N, n)`` forcing profiles of ``n`` Gaussian jets centred at ``L/(2n) + i L/n``.

    ``normalise="integral"`` divides by ``√(2π) σ`` (unit integral: each jet injects the action
    value as total momentum); ``"peak"`` leaves unit peak height. Distances are periodic.
    """
    L = grid.L
    centres = L / (2 * n) + np.arange(n) * L / n
    x = jnp.asarray(grid.x)[:, None]
    g = _periodic_gaussian(x, jnp.asarray(centres)[None, :], sigma, L)
    if normalise == "integral":
        g = g / (jnp.sqrt(2.0 * jnp.pi) * sigma)
    elif normalise != "peak":
        raise ValueError(f"normalise must be 'integral' or 'peak', got {normalise!r}")
    return g


def gaussian_jets_2d(grid: Grid, n_side: int, sigma: float) -> Array:
    """``(N², n_side²)`` unit-integral 2-D Gaussian jets on an ``n_side × n_side`` lattice."""
    L = grid.L
    c = L / (2 * n_side) + np.arange(n_side) * L / n_side
    X, Y = (jnp.asarray(m).ravel()[:, None] for m in grid.mesh)
    cx, cy = np.meshgrid(c, c, indexing="ij")
    gx = _periodic_gaussian(X, jnp.asarray(cx.ravel())[None, :], sigma, L)
    gy = _periodic_gaussian(Y, jnp.asarray(cy.ravel())[None, :], sigma, L)
    return gx * gy / (2.0 * jnp.pi * sigma**2)


def box_actuators(grid: Grid, n: int, width: float | None = None) -> Array:
    """``(N, n)`` indicator profiles of ``n`` boxes of ``width`` (default ``L/n``, tiling the
    domain) centred at ``L/(2n) + i L/n`` (controlgym uses ``width = 0.1 L``)."""
    L = grid.L
    w = L / n if width is None else width
    centres = L / (2 * n) + np.arange(n) * L / n
    d = grid.x[:, None] - centres[None, :]
    d = jnp.asarray(d - L * np.round(d / L))
    return (jnp.abs(d) < 0.5 * w - 1e-9 * L).astype(jnp.float32)


def complex_actuators(profiles: Array) -> Array:
    """``(2P, 2m)`` block matrix forcing Re and Im of a complex field with the same ``(P, m)``
    profiles: inputs are ``[a_Re (m), a_Im (m)]``."""
    z = jnp.zeros_like(profiles)
    return jnp.block([[profiles, z], [z, profiles]])


def sensor_matrix(grid: Grid, positions: np.ndarray) -> np.ndarray:
    """``(n, N)`` matrix of trigonometric interpolation at ``positions`` (1-D grids).

    ``S @ u`` is the band-limited interpolant of the grid values ``u`` at the sensor points
    (exact sampling where a sensor sits on a grid point; the Nyquist mode is split evenly).
    """
    N, L = grid.N, grid.L
    n = np.fft.fftfreq(N, 1.0 / N)
    pos = np.asarray(positions, np.float64)
    # u(x) = (1/N) Σ_n û_n e^{i k_n x} with û = F u; the Nyquist term is replaced by its real
    # cosine part û_{N/2} cos(π N x / L), so the interpolant of real data is real.
    keep = np.abs(n) != N // 2
    phase = np.exp(2j * np.pi * np.outer(pos, n[keep]) / L)
    F = np.exp(-2j * np.pi * np.outer(n[keep], np.arange(N)) / N)
    M = phase @ F / N
    M = M + np.cos(np.pi * N * pos[:, None] / L) * (-1.0) ** np.arange(N)[None, :] / N
    return np.real(M)


# ---------------------------------------------------------------------- the stepper
def make_pde_stepper(
    spec: PDESpec,
    actuation: str | None,
    dt: float,
    substeps: int,
    integrator: str,
    params: Params,
) -> Callable[[Array, Array, Params], Array]:
    """``(x, u, params) -> x(t + dt)``: ``substeps`` ETDRK4 (or Strang split-step, for
    systems whose model has a ``flow``) steps with the forcing held."""
    if integrator not in ("etdrk4", "splitstep"):
        raise ValueError(
            f"{spec.name}: PDE systems are stepped with 'etdrk4' or 'splitstep', got "
            f"integrator={integrator!r}"
        )
    if substeps < 1:
        raise ValueError(f"substeps must be >= 1, got {substeps}")
    if not np.isfinite(dt) or dt <= 0:
        raise ValueError(f"dt must be a positive finite number, got {dt}")
    model = spec.model(params)
    grid = model.grid
    act = spec.actuation(actuation)
    if not isinstance(act, Additive):
        raise ValueError(f"{spec.name}: PDE actuation must be additive forcing")
    if integrator == "splitstep":
        if model.flow is None:
            raise ValueError(
                f"{spec.name}: integrator='splitstep' needs a nonlinear flow; this system "
                "provides none (use 'etdrk4')"
            )
        advance = make_strang(model.symbol, dt / substeps, substeps)

        def step(x: Array, u: Array, p: Params) -> Array:
            B = act.matrix(p).astype(x.dtype)
            fhat = grid.to_spectral(B @ u.astype(x.dtype))
            v = advance(grid.to_spectral(x), lambda w, tau: model.flow(w, tau, p, fhat))
            return grid.to_physical(v).astype(x.dtype)

        step.coefficients = advance.coefficients  # type: ignore[attr-defined]
        step.model = model  # type: ignore[attr-defined]
        return step

    advance = make_etdrk4(model.symbol, dt / substeps, substeps, real=model.real_symbol)

    def step(x: Array, u: Array, p: Params) -> Array:
        B = act.matrix(p).astype(x.dtype)
        fhat = grid.to_spectral(B @ u.astype(x.dtype))
        v = grid.to_spectral(x)
        v = advance(v, lambda w: model.nonlinear(w, p) + fhat)
        return grid.to_physical(v).astype(x.dtype)

    step.coefficients = advance.coefficients  # type: ignore[attr-defined]
    step.model = model  # type: ignore[attr-defined]
    return step
