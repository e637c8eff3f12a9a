"""Explicit Runge–Kutta methods as Butcher tableaux, fixed step, jit friendly.

A method is data (:class:`ButcherTableau`); :func:`rk_step` applies any tableau to a vector
field, and :func:`make_flow` wraps ``substeps`` steps in one ``lax.fori_loop`` so that one
control interval is a single traced computation.

References:
    J. C. Butcher, *Numerical Methods for Ordinary Differential Equations*, Wiley (2016).
    J. R. Dormand and P. J. Prince, "A family of embedded Runge–Kutta formulae",
    J. Comput. Appl. Math. 6, 19–26 (1980).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from fractions import Fraction as Fr

import jax
import numpy as np

Array = jax.Array

__all__ = ["TABLEAUX", "ButcherTableau", "get_tableau", "make_flow", "make_map_step", "rk_step"]


@dataclasses.dataclass(frozen=True)
class ButcherTableau:
    """An explicit RK method: ``a`` strictly lower triangular, weights ``b``, nodes ``c``."""

    name: str
    order: int
    a: tuple[tuple[float, ...], ...]
    b: tuple[float, ...]
    c: tuple[float, ...]

    def __post_init__(self) -> None:
        s = len(self.b)
        if len(self.c) != s or len(self.a) != s:
            raise ValueError(f"{self.name}: inconsistent tableau sizes")
        for i, row in enumerate(self.a):
            if len(row) > i:
                raise ValueError(f"{self.name}: only explicit (strictly lower) tableaux")
        if abs(sum(self.b) - 1.0) > 1e-14:
            raise ValueError(f"{self.name}: weights must sum to 1")

    @property
    def stages(self) -> int:
        return len(self.b)


def _f(rows):
    return tuple(tuple(float(v) for v in r) for r in rows)


EULER = ButcherTableau("euler", 1, ((),), (1.0,), (0.0,))
HEUN = ButcherTableau("heun", 2, ((), (1.0,)), (0.5, 0.5), (0.0, 1.0))
RK4 = ButcherTableau(
    "rk4", 4, ((), (0.5,), (0.0, 0.5), (0.0, 0.0, 1.0)), (1 / 6, 1 / 3, 1 / 3, 1 / 6),
    (0.0, 0.5, 0.5, 1.0),
)
# Dormand–Prince 5(4): the 5th-order solution, used here with a fixed step (FSAL stage dropped).
_DP_A = (
    (),
    (Fr(1, 5),),
    (Fr(3, 40), Fr(9, 40)),
    (Fr(44, 45), Fr(-56, 15), Fr(32, 9)),
    (Fr(19372, 6561), Fr(-25360, 2187), Fr(64448, 6561), Fr(-212, 729)),
    (Fr(9017, 3168), Fr(-355, 33), Fr(46732, 5247), Fr(49, 176), Fr(-5103, 18656)),
)
_DP_B = (Fr(35, 384), Fr(0), Fr(500, 1113), Fr(125, 192), Fr(-2187, 6784), Fr(11, 84))
DOPRI5 = ButcherTableau(
    "dopri5", 5, _f(_DP_A), tuple(float(v) for v in _DP_B),
    (0.0, 0.2, 0.3, 0.8, 8 / 9, 1.0),
)

TABLEAUX: dict[str, ButcherTableau] = {t.name: t for t in (EULER, HEUN, RK4, DOPRI5)}


def get_tableau(name: str | ButcherTableau) -> ButcherTableau:
    """Look a tableau up by name (``"euler"``, ``"heun"``, ``"rk4"``, ``"dopri5"``)."""
    if isinstance(name, ButcherTableau):
        return name
    try:
        return TABLEAUX[name]
    except KeyError:
        raise ValueError(f"unknown integrator {name!r}; choose one of {sorted(TABLEAUX)}") from None


def rk_step(f: Callable[[Array], Array], x: Array, h: float | Array, tab: ButcherTableau) -> Array:
    """One explicit RK step of size ``h`` for the autonomous field ``f``."""
    ks: list[Array] = []
    for i in range(tab.stages):
        xi = x
        for j, aij in enumerate(tab.a[i]):
            if aij != 0.0:
                xi = xi + (h * aij) * ks[j]
        ks.append(f(xi))
    out = x
    for bi, k in zip(tab.b, ks, strict=True):
        if bi != 0.0:
            out = out + (h * bi) * k
    return out


def make_flow(
    f: Callable[[Array, Array, object], Array],
    dt: float,
    substeps: int,
    method: str | ButcherTableau = "rk4",
) -> Callable[[Array, Array, object], Array]:
    """``(x, u, params) -> x(t + dt)`` by ``substeps`` RK steps with ``u`` held constant."""
    tab = get_tableau(method)
    if substeps < 1:
        raise ValueError(f"substeps must be >= 1, got {substeps}")
    if not np.isfinite(dt) or dt <= 0:
        raise ValueError(f"dt must be a positive finite number, got {dt}")
    h = dt / substeps

    def flow(x: Array, u: Array, params: object) -> Array:
        def g(y):
            return f(y, u, params)

        if substeps == 1:
            return rk_step(g, x, h, tab)
        return jax.lax.fori_loop(0, substeps, lambda _, y: rk_step(g, y, h, tab), x)

    return flow


def make_map_step(
    F: Callable[[Array, Array, object], Array], iterations: int = 1
) -> Callable[[Array, Array, object], Array]:
    """``(x, u, params) -> F^iterations(x)`` for a discrete map with ``u`` held constant."""
    if iterations < 1:
        raise ValueError(f"iterations must be >= 1, got {iterations}")

    def step(x: Array, u: Array, params: object) -> Array:
        if iterations == 1:
            return F(x, u, params)
        return jax.lax.fori_loop(0, iterations, lambda _, y: F(y, u, params), x)

    return step
