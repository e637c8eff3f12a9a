"""A Lyapunov problem: a closed loop, a candidate function, a box and an equilibrium.

For a continuous-time system ``x' = f(x)`` (``kind="ct"``) the candidate ``V`` is a (strict)
Lyapunov function on the box ``D`` around the equilibrium ``x*`` when, for every
``x ∈ D \\ {x*}``,

* ``V(x) − V(x*) > m(x)`` (positivity) and
* ``∇V(x)·f(x) + m(x) < 0`` (decrease, the Lie derivative, computed by ``jax.jvp``),

with the margin ``m(x) = margin · ‖x − x*‖₂^margin_power`` (``margin = 0``: strict
inequalities). For maps ``x⁺ = f(x)`` (``kind="dt"``) the decrease is
``V(f(x)) − V(x) + m(x) < 0``. A margin of the degree of the decrease (``margin_power=4`` for a
quartic ``dV/dt``) turns a degenerate but valid candidate into a strictly checkable one.

References:
    A. M. Lyapunov, *The General Problem of the Stability of Motion* (1892; Taylor & Francis
    1992). H. K. Khalil, *Nonlinear Systems*, 3rd ed., Prentice Hall (2002), ch. 4.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

Array = jax.Array

__all__ = ["Box", "LyapunovProblem"]


@dataclasses.dataclass(frozen=True)
class Box:
    """An axis-aligned box ``[lo, hi] ⊂ Rⁿ`` (float64 bounds)."""

    lo: np.ndarray
    hi: np.ndarray

    def __init__(self, lo: Any, hi: Any) -> None:
        lo = np.atleast_1d(np.asarray(lo, np.float64)).copy()
        hi = np.atleast_1d(np.asarray(hi, np.float64)).copy()
        lo, hi = np.broadcast_arrays(lo, hi)
        if lo.ndim != 1:
            raise ValueError(f"box bounds must be vectors, got shape {lo.shape}")
        if not (np.all(np.isfinite(lo)) and np.all(np.isfinite(hi))):
            raise ValueError("box bounds must be finite")
        if np.any(hi < lo):
            raise ValueError(f"box needs lo <= hi, got lo={lo}, hi={hi}")
        object.__setattr__(self, "lo", lo.copy())
        object.__setattr__(self, "hi", hi.copy())

    @classmethod
    def cube(cls, n: int, half_width: float, center: Any = None) -> Box:
        """``center ± half_width`` in every coordinate (``center`` defaults to the origin)."""
        c = np.zeros(n) if center is None else np.asarray(center, np.float64)
        return cls(c - half_width, c + half_width)

    @property
    def dim(self) -> int:
        return int(self.lo.shape[0])

    @property
    def center(self) -> np.ndarray:
        return 0.5 * (self.lo + self.hi)

    @property
    def width(self) -> np.ndarray:
        return self.hi - self.lo

    def contains(self, x: Any) -> np.ndarray:
        x = np.asarray(x, np.float64)
        return np.all((x >= self.lo) & (x <= self.hi), axis=-1)

    def __repr__(self) -> str:
        pairs = ", ".join(f"[{a:g}, {b:g}]" for a, b in zip(self.lo, self.hi, strict=True))
        return f"Box({pairs})"

    def __hash__(self) -> int:
        return hash((self.lo.tobytes(), self.hi.tobytes()))

    def __eq__(self, other: object) -> bool:
        return (isinstance(other, Box) and np.array_equal(self.lo, other.lo)
                and np.array_equal(self.hi, other.hi))


def _check_indices(f: Callable, V: Callable, n: int, x_eq: np.ndarray) -> dict[str, Any]:
    """Reads beyond the input vector (``x[2]`` on a 2-D box, which JAX clamps silently) are
    errors: found by one interval evaluation at ``x*`` (functions the interval interpreter
    does not support are skipped here). Returns the interval functions that were built."""
    from chaosgym.lyapunov.interval import IndexOutOfRange, IntervalFunction

    out = {}
    for name, fn in (("V", V), ("f", f)):
        try:
            F = IntervalFunction(fn, n)
            F(x_eq[None], x_eq[None])
            out[name] = F
        except IndexOutOfRange as e:
            raise ValueError(f"{name} reads outside its input of dimension {n}: {e}") from None
        except Exception:  # unsupported functions are checked when certified
            pass
    return out


class LyapunovProblem:
    """A candidate ``V`` for the equilibrium ``x_eq`` of ``f`` on the box ``domain``.

    Args:
        f: ``x -> dx/dt`` (``kind="ct"``) or ``x -> x_next`` (``kind="dt"``), a JAX function of a
            vector of shape ``(n,)``.
        V: ``x -> scalar``, any JAX function (polynomial, analytic, neural).
        domain: a :class:`Box` (or ``(lo, hi)``) containing ``x_eq``.
        x_eq: the equilibrium (default: the origin).
        kind: ``"ct"`` or ``"dt"``.
        margin: ``m ≥ 0`` of the margin ``m‖x − x*‖^p`` (see the module docstring).
        margin_power: ``p``, an even integer ≥ 2.
        name: a label for reports.

    The condition functions are exposed for the falsifier and the certifier:
    :meth:`conditions` returns ``[positivity violation, decrease violation, V(x) − V(x*)]``;
    the candidate fails at ``x ≠ x*`` wherever one of the first two is ``≥ 0``.
    """

    def __init__(
        self,
        f: Callable[[Array], Array],
        V: Callable[[Array], Array],
        domain: Box | tuple[Any, Any],
        x_eq: Any = None,
        kind: str = "ct",
        margin: float = 0.0,
        margin_power: int = 2,
        name: str = "",
    ) -> None:
        if kind not in ("ct", "dt"):
            raise ValueError(f"kind must be 'ct' or 'dt', got {kind!r}")
        if not isinstance(domain, Box):
            domain = Box(*domain)
        n = domain.dim
        x_eq = np.zeros(n) if x_eq is None else np.asarray(x_eq, np.float64).reshape(-1)
        if x_eq.shape != (n,):
            raise ValueError(f"x_eq has shape {x_eq.shape}, the domain has dimension {n}")
        if not domain.contains(x_eq):
            raise ValueError(f"the equilibrium {x_eq} lies outside the domain {domain}")
        if margin < 0 or not np.isfinite(margin):
            raise ValueError(f"margin must be a finite number >= 0, got {margin}")
        if int(margin_power) != margin_power or margin_power < 2 or margin_power % 2:
            raise ValueError(f"margin_power must be an even integer >= 2, got {margin_power}")
        self.f = f
        self.V = V
        self.domain = domain
        self.x_eq = x_eq
        self.kind = kind
        self.margin = float(margin)
        self.margin_power = int(margin_power)
        self.name = name
        self.n = n
        with jax.enable_x64(True):  # shapes only: trace, do not run
            x0 = jax.ShapeDtypeStruct((n,), jnp.float64)
            fx = jax.eval_shape(f, x0)
            v = jax.eval_shape(V, x0)
        if fx.shape != (n,):
            raise ValueError(f"f must map shape ({n},) to ({n},), got {fx.shape}")
        if v.shape != ():
            raise ValueError(f"V must return a scalar, got shape {v.shape}")
        self._cache: dict[Any, Any] = {}
        self._cache["point_functions"] = _check_indices(f, V, n, x_eq)

    # ------------------------------------------------------------------ conditions
    def margin_term(self, x: Array) -> Array:
        dx = x - jnp.asarray(self.x_eq, x.dtype)
        if self.margin == 0.0:
            return jnp.zeros((), x.dtype)
        return self.margin * jnp.sum(dx * dx) ** (self.margin_power // 2)

    def v_rel(self, x: Array) -> Array:
        """``V(x) − V(x*)``."""
        return self.V(x) - self.V(jnp.asarray(self.x_eq, x.dtype))

    def decrease(self, x: Array) -> Array:
        """``∇V(x)·f(x)`` (by ``jax.jvp``) or ``V(f(x)) − V(x)``."""
        if self.kind == "ct":
            return jax.jvp(self.V, (x,), (self.f(x),))[1]
        return self.V(self.f(x)) - self.V(x)

    def conditions(self, x: Array) -> Array:
        """``[m(x) − (V(x) − V(x*)), decrease(x) + m(x), V(x) − V(x*)]``."""
        m = self.margin_term(x)
        vr = self.v_rel(x)
        return jnp.stack([m - vr, self.decrease(x) + m, vr])

    def violation(self, x: Array) -> Array:
        """``max`` of the positivity and decrease violations (``≥ 0`` means the check fails)."""
        c = self.conditions(x)
        return jnp.maximum(c[0], c[1])

    def __repr__(self) -> str:
        return (f"LyapunovProblem({self.name or 'unnamed'}: n={self.n}, kind={self.kind}, "
                f"domain={self.domain}, x_eq={self.x_eq}, margin={self.margin}·|dx|^"
                f"{self.margin_power})")
