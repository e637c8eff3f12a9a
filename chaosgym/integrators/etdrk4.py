"""ETDRK4: fourth-order exponential time differencing Runge–Kutta for stiff semilinear systems.

For ``v' = Λ v + N(v)`` with a diagonal linear part ``Λ`` (a Fourier symbol), the scheme of
Cox & Matthews advances one step ``h`` as::

    a = E2 v + Q N(v)
    b = E2 v + Q N(a)
    c = E2 a + Q (2 N(b) − N(v))
    v ← E v + f1 N(v) + 2 f2 (N(a) + N(b)) + f3 N(c)

with ``E = exp(hΛ)``, ``E2 = exp(hΛ/2)`` and the φ-function coefficients ``Q, f1, f2, f3``.
Those suffer catastrophic cancellation for small ``|hΛ|``; following Kassam & Trefethen they
are evaluated as means over a circle of ``M`` points around each ``hΛ`` in the complex plane
(Cauchy's integral formula). For a *real* symbol the contour can be folded onto the upper
half circle and the real part taken; a complex symbol needs the full circle. The coefficients
are computed once per (symbol, h) in float64 NumPy and stored; the step itself only
multiplies.

References:
    S. M. Cox and P. C. Matthews, "Exponential time differencing for stiff systems",
    J. Comput. Phys. 176, 430–455 (2002).
    A.-K. Kassam and L. N. Trefethen, "Fourth-order time-stepping for stiff PDEs",
    SIAM J. Sci. Comput. 26, 1214–1233 (2005).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import jax
import jax.numpy as jnp
import numpy as np

Array = jax.Array

__all__ = ["ETDRK4Coefficients", "etdrk4_coefficients", "etdrk4_step", "make_etdrk4"]


@dataclasses.dataclass(frozen=True, eq=False)
class ETDRK4Coefficients:
    """Precomputed ETDRK4 coefficients (NumPy, float64 or complex128) for one (symbol, h)."""

    h: float
    E: np.ndarray
    E2: np.ndarray
    Q: np.ndarray
    f1: np.ndarray
    f2: np.ndarray
    f3: np.ndarray

    def cast(self, dtype) -> tuple[Array, ...]:
        """The six arrays as JAX constants in the real or complex dtype matching ``dtype``."""
        real = jnp.finfo(dtype).dtype
        cplx = jnp.result_type(real, jnp.complex64)
        out = []
        for a in (self.E, self.E2, self.Q, self.f1, self.f2, self.f3):
            out.append(jnp.asarray(a, real if np.isrealobj(a) else cplx))
        return tuple(out)


def etdrk4_coefficients(
    symbol: np.ndarray, h: float, M: int = 32, real: bool | None = None, radius: float = 1.0
) -> ETDRK4Coefficients:
    """ETDRK4 coefficients for the diagonal linear part ``symbol`` and step ``h``.

    Args:
        symbol: the linear operator's Fourier symbol (any shape).
        h: the time step.
        M: number of contour points.
        real: treat the symbol as real (half circle + real part). ``None`` decides from the
            data: real when ``symbol`` has no imaginary part. Forcing ``real=True`` on a complex
            symbol raises ``ValueError`` (the folded contour would be wrong).
        radius: contour radius.
    """
    lam = np.asarray(symbol)
    is_real = bool(np.all(np.imag(lam) == 0))
    if real is None:
        real = is_real
    if real and not is_real:
        raise ValueError("a complex symbol needs the full-circle contour (real=False)")
    if not np.isfinite(h) or h <= 0:
        raise ValueError(f"h must be a positive finite step, got {h}")
    hl = h * (lam.real if real else lam.astype(np.complex128))
    if real:
        r = radius * np.exp(1j * np.pi * (np.arange(1, M + 1) - 0.5) / M)
    else:
        r = radius * np.exp(2j * np.pi * (np.arange(1, M + 1) - 0.5) / M)
    LR = hl[..., None] + r
    eLR = np.exp(LR)
    eLR2 = np.exp(LR / 2)

    def mean(z):
        m = np.mean(z, axis=-1)
        return m.real if real else m

    Q = h * mean((eLR2 - 1.0) / LR)
    f1 = h * mean((-4.0 - LR + eLR * (4.0 - 3.0 * LR + LR**2)) / LR**3)
    f2 = h * mean((2.0 + LR + eLR * (-2.0 + LR)) / LR**3)
    f3 = h * mean((-4.0 - 3.0 * LR - LR**2 + eLR * (4.0 - LR)) / LR**3)
    E = np.exp(hl)
    E2 = np.exp(hl / 2)
    return ETDRK4Coefficients(float(h), E, E2, Q, f1, f2, f3)


def etdrk4_step(v: Array, coeffs: tuple[Array, ...], N: Callable[[Array], Array]) -> Array:
    """One ETDRK4 step of ``v' = Λ v + N(v)`` (coefficients from ``ETDRK4Coefficients.cast``)."""
    E, E2, Q, f1, f2, f3 = coeffs
    Nv = N(v)
    a = E2 * v + Q * Nv
    Na = N(a)
    b = E2 * v + Q * Na
    Nb = N(b)
    c = E2 * a + Q * (2.0 * Nb - Nv)
    Nc = N(c)
    return E * v + f1 * Nv + 2.0 * f2 * (Na + Nb) + f3 * Nc


def make_etdrk4(
    symbol: np.ndarray, h: float, steps: int, M: int = 32, real: bool | None = None
) -> Callable[[Array, Callable[[Array], Array]], Array]:
    """``(v, N) -> v(t + steps h)``: ``steps`` ETDRK4 steps in one ``fori_loop``.

    The coefficients are computed here, once; the returned function only multiplies.
    """
    if steps < 1:
        raise ValueError(f"steps must be >= 1, got {steps}")
    co = etdrk4_coefficients(symbol, h, M=M, real=real)

    def advance(v: Array, N: Callable[[Array], Array]) -> Array:
        c = co.cast(jnp.real(v).dtype)
        if steps == 1:
            return etdrk4_step(v, c, N)
        return jax.lax.fori_loop(0, steps, lambda _, w: etdrk4_step(w, c, N), v)

    advance.coefficients = co  # type: ignore[attr-defined]
    return advance
