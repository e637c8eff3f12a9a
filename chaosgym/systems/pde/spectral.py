"""Periodic spectral grids in one and two dimensions.

A :class:`Grid` describes a periodic box ``[0, L)^d`` sampled at ``N`` points per side and the
Fourier side that goes with it: wavenumbers ``k = 2π n / L`` in the layout of ``rfftn`` (real
fields) or ``fftn`` (complex fields), and the dealiasing mask that keeps the modes with
``|n| < f N / 2`` in every direction. The fraction ``f`` is a property of the grid: ``2/3``
(Orszag's rule, the default) makes quadratic products alias-free, ``1/2`` cubic ones; in
general a product of ``p`` retained fields is alias-free when ``(p + 1) |n|_max < N``, i.e.
``f = 2 / (p + 1)`` (Orszag 1971; Boyd 2001, §11.5).

Fields are stored in physical space as *flat real vectors* (the layout environments see):
a real field is ``u.ravel()``; a complex field ``A`` is ``concat(Re A.ravel(), Im A.ravel())``.
:meth:`Grid.to_spectral` and :meth:`Grid.to_physical` convert between that layout and the
spectral array the integrators work on.

References:
    S. A. Orszag, "On the elimination of aliasing in finite-difference schemes by filtering
    high-wavenumber components", J. Atmos. Sci. 28, 1074 (1971).
    L. N. Trefethen, *Spectral Methods in MATLAB*, SIAM (2000), ch. 3.
    J. P. Boyd, *Chebyshev and Fourier Spectral Methods*, 2nd ed., Dover (2001), ch. 11.
"""

from __future__ import annotations

import dataclasses
import functools
import math

import jax
import jax.numpy as jnp
import numpy as np

Array = jax.Array

__all__ = ["Grid"]


@dataclasses.dataclass(frozen=True)
class Grid:
    """A periodic grid of ``N`` points per side on ``[0, L)^ndim``.

    Args:
        L: side length of the periodic box.
        N: points per side (even).
        ndim: 1 or 2.
        complex_field: the field is complex (full ``fftn``) rather than real (``rfftn``).
        dealias_fraction: the dealiasing mask keeps ``|n| < dealias_fraction * N / 2`` on every
            axis (``2/3`` for quadratic nonlinear terms, ``1/2`` for cubic ones).
    """

    L: float
    N: int
    ndim: int = 1
    complex_field: bool = False
    dealias_fraction: float = 2.0 / 3.0

    def __post_init__(self) -> None:
        if self.ndim not in (1, 2):
            raise ValueError(f"ndim must be 1 or 2, got {self.ndim}")
        if int(self.N) != self.N or self.N < 4 or self.N % 2:
            raise ValueError(f"N must be an even integer >= 4, got {self.N}")
        if not np.isfinite(self.L) or self.L <= 0:
            raise ValueError(f"L must be a positive finite length, got {self.L}")
        f = self.dealias_fraction
        if not (isinstance(f, int | float) and np.isfinite(f) and 0 < f <= 1):
            raise ValueError(f"dealias_fraction must be in (0, 1], got {f!r}")
        if self.max_mode < 1:
            raise ValueError(
                f"dealias_fraction={f} keeps no mode on N={self.N} points; raise N or the fraction"
            )

    # ------------------------------------------------------------------ physical side
    @property
    def shape(self) -> tuple[int, ...]:
        """Shape of one component in physical space."""
        return (self.N,) * self.ndim

    @property
    def points(self) -> int:
        """Number of grid points (one component)."""
        return self.N**self.ndim

    @property
    def components(self) -> int:
        """Real numbers per grid point in the flat layout (1 real, 2 complex)."""
        return 2 if self.complex_field else 1

    @property
    def size(self) -> int:
        """Length of the flat physical state vector."""
        return self.components * self.points

    @property
    def dx(self) -> float:
        return self.L / self.N

    @functools.cached_property
    def x(self) -> np.ndarray:
        """1-D grid coordinates ``x_j = j L / N``."""
        return np.arange(self.N) * self.L / self.N

    @functools.cached_property
    def mesh(self) -> tuple[np.ndarray, ...]:
        """Coordinate arrays of shape :attr:`shape` (``indexing="ij"``)."""
        return tuple(np.meshgrid(*([self.x] * self.ndim), indexing="ij"))

    # ------------------------------------------------------------------ spectral side
    @property
    def spectral_shape(self) -> tuple[int, ...]:
        if self.complex_field:
            return self.shape
        return (*self.shape[:-1], self.N // 2 + 1)

    @functools.cached_property
    def mode_numbers(self) -> tuple[np.ndarray, ...]:
        """Integer mode numbers ``n`` along each axis, broadcastable to :attr:`spectral_shape`."""
        full = np.fft.fftfreq(self.N, 1.0 / self.N)
        last = full if self.complex_field else np.fft.rfftfreq(self.N, 1.0 / self.N)
        axes = [full] * (self.ndim - 1) + [last]
        out = []
        for i, a in enumerate(axes):
            shp = [1] * self.ndim
            shp[i] = a.size
            out.append(a.reshape(shp))
        return tuple(out)

    @functools.cached_property
    def k(self) -> tuple[np.ndarray, ...]:
        """Wavenumbers ``2π n / L`` per axis (broadcastable, float64)."""
        return tuple(2.0 * np.pi / self.L * n for n in self.mode_numbers)

    @functools.cached_property
    def k_deriv(self) -> tuple[np.ndarray, ...]:
        """Wavenumbers for odd derivatives: the Nyquist mode ``n = -N/2`` is set to zero."""
        return tuple(
            np.where(np.abs(n) == self.N // 2, 0.0, kk)
            for n, kk in zip(self.mode_numbers, self.k, strict=True)
        )

    @functools.cached_property
    def k2(self) -> np.ndarray:
        """``|k|^2`` on :attr:`spectral_shape`."""
        out = np.zeros(self.spectral_shape)
        for kk in self.k:
            out = out + kk**2
        return out

    @property
    def max_mode(self) -> int:
        """Largest retained ``|n|``: the largest integer below ``dealias_fraction * N / 2``
        (``N // 3`` for the 2/3 rule when 3 does not divide ``N``; ``N/4 − 1`` for the 1/2
        rule when 4 divides ``N``)."""
        return math.ceil(self.dealias_fraction * self.N / 2 - 1e-9) - 1

    @functools.cached_property
    def dealias(self) -> np.ndarray:
        """Dealiasing mask on :attr:`spectral_shape`: keeps ``|n| <= max_mode`` on every axis."""
        keep = np.ones(self.spectral_shape, bool)
        for n in self.mode_numbers:
            keep = keep & (np.abs(n) <= self.max_mode)
        return keep

    # ------------------------------------------------------------------ transforms
    def fft(self, u: Array) -> Array:
        """Forward transform of a physical array of shape :attr:`shape`."""
        axes = tuple(range(-self.ndim, 0))
        return jnp.fft.fftn(u, axes=axes) if self.complex_field else jnp.fft.rfftn(u, axes=axes)

    def ifft(self, v: Array) -> Array:
        """Inverse of :meth:`fft`."""
        axes = tuple(range(-self.ndim, 0))
        if self.complex_field:
            return jnp.fft.ifftn(v, axes=axes)
        return jnp.fft.irfftn(v, s=self.shape, axes=axes)

    def unflatten(self, x: Array) -> Array:
        """Flat real state vector -> physical field (real, or complex for complex grids)."""
        if self.complex_field:
            n = self.points
            return jax.lax.complex(x[:n], x[n:]).reshape(self.shape)
        return x.reshape(self.shape)

    def flatten(self, u: Array) -> Array:
        """Physical field -> flat real state vector."""
        if self.complex_field:
            return jnp.concatenate([jnp.real(u).ravel(), jnp.imag(u).ravel()])
        return u.ravel()

    def to_spectral(self, x: Array) -> Array:
        return self.fft(self.unflatten(x))

    def to_physical(self, v: Array) -> Array:
        return self.flatten(self.ifft(v))

    def mean(self, f: Array) -> Array:
        """Spatial average ``<f>`` of a physical array of shape :attr:`shape`."""
        return jnp.mean(f, axis=tuple(range(-self.ndim, 0)))

    def derivative(self, v: Array, axis: int = -1, order: int = 1) -> Array:
        """Spectral derivative ``∂^order v`` along ``axis`` (spectral in, spectral out)."""
        kk = (self.k_deriv if order % 2 else self.k)[axis]
        return v * (1j * kk) ** order
