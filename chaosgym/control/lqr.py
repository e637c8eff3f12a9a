"""Linear–quadratic regulators from autodiff linearisations.

:func:`linearize` differentiates any controlled field ``f(x, u)`` at an operating point;
:func:`lqr` solves the continuous (``kind="ct"``) or discrete (``kind="dt"``) algebraic Riccati
equation; :class:`LQRController` combines them for a registered system and target and applies
the saturated feedback ``u = clip(−K (x − x*), ±u_max)``.

References:
    B. D. O. Anderson and J. B. Moore, *Optimal Control: Linear Quadratic Methods*,
    Prentice Hall (1990).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import scipy.linalg
from numpy.typing import ArrayLike

Array = jax.Array

__all__ = ["LQRController", "linearize", "lqr", "lyapunov_matrix"]


def linearize(
    f: Callable[[Array, Array], Array], x_eq: Array, u_eq: Array
) -> tuple[np.ndarray, np.ndarray]:
    """Jacobians ``A = ∂f/∂x`` and ``B = ∂f/∂u`` at ``(x_eq, u_eq)`` (float64 where enabled)."""
    x_eq = jnp.asarray(x_eq)
    u_eq = jnp.asarray(u_eq, x_eq.dtype)
    A = jax.jacfwd(f, argnums=0)(x_eq, u_eq)
    B = jax.jacfwd(f, argnums=1)(x_eq, u_eq)
    return np.asarray(A, np.float64), np.asarray(B, np.float64).reshape(len(x_eq), -1)


def lqr(
    A: ArrayLike, B: ArrayLike, Q: ArrayLike | None = None, R: ArrayLike | None = None,
    kind: str = "ct",
) -> tuple[np.ndarray, np.ndarray]:
    """Optimal gain ``K`` and Riccati solution ``P`` for ``x' = Ax + Bu`` (or ``x⁺ = Ax + Bu``).

    Minimises ``∫ xᵀQx + uᵀRu`` (or the sum); ``u = −K x``. ``Q`` and ``R`` default to identities.
    Raises ``ValueError`` if ``(A, B)`` is not stabilisable (the Riccati solver fails).
    """
    A = np.atleast_2d(np.asarray(A, np.float64))
    B = np.asarray(B, np.float64).reshape(A.shape[0], -1)
    n, m = B.shape
    Q = np.eye(n) if Q is None else np.atleast_2d(np.asarray(Q, np.float64))
    R = np.eye(m) if R is None else np.atleast_2d(np.asarray(R, np.float64))
    try:
        if kind == "ct":
            P = scipy.linalg.solve_continuous_are(A, B, Q, R)
            K = np.linalg.solve(R, B.T @ P)
        elif kind == "dt":
            P = scipy.linalg.solve_discrete_are(A, B, Q, R)
            K = np.linalg.solve(R + B.T @ P @ B, B.T @ P @ A)
        else:
            raise ValueError(f"kind must be 'ct' or 'dt', got {kind!r}")
    except (np.linalg.LinAlgError, ValueError) as e:
        if "kind must" in str(e):
            raise
        raise ValueError(f"LQR failed: (A, B) may not be stabilisable ({e})") from e
    return K, P


def lyapunov_matrix(A: ArrayLike, Q: ArrayLike | None = None, kind: str = "ct") -> np.ndarray:
    """``P`` solving ``AᵀP + PA = −Q`` (ct) or ``AᵀPA − P = −Q`` (dt); ``A`` must be stable."""
    A = np.atleast_2d(np.asarray(A, np.float64))
    Q = np.eye(A.shape[0]) if Q is None else np.asarray(Q, np.float64)
    if kind == "ct":
        return scipy.linalg.solve_continuous_lyapunov(A.T, -Q)
    if kind == "dt":
        return scipy.linalg.solve_discrete_lyapunov(A.T, Q)
    raise ValueError(f"kind must be 'ct' or 'dt', got {kind!r}")


class LQRController:
    """Saturated LQR for a registered system around one of its fixed points.

    Args:
        spec: a :class:`~chaosgym.systems.base.SystemSpec` (or use :meth:`for_env`).
        params: system params (default ``spec.params``).
        target: index into ``spec.fixed_points(params)`` or an explicit state.
        actuation: actuation name (default: the spec's default).
        Q, R: weights (identities by default).
        u_max: saturation per input (default: the actuation's scale).
        dt: for maps, ignored; ODEs use the continuous Riccati equation.

    Calling the controller maps a state to a physical input ``u``; :meth:`action` returns the
    normalised action an environment expects.
    """

    def __init__(
        self,
        spec: Any,
        params: Any = None,
        target: int | Array = 0,
        actuation: str | None = None,
        Q: ArrayLike | None = None,
        R: ArrayLike | None = None,
        u_max: ArrayLike | None = None,
    ) -> None:
        self.spec = spec
        self.params = spec.params if params is None else params
        self.actuation = actuation
        act = spec.actuation(actuation)
        if isinstance(target, int):
            if spec.fixed_points is None:
                raise ValueError(f"{spec.name} has no fixed points; pass target as a state")
            x_eq = spec.fixed_points(self.params)[target]
        else:
            x_eq = jnp.asarray(target)
        m = act.num_inputs(self.params)
        field = spec.controlled_field(actuation)
        self.kind = "dt" if spec.kind == "map" else "ct"
        self.A, self.B = linearize(lambda x, u: field(x, u, self.params), x_eq, jnp.zeros(m))
        self.K, self.P = lqr(self.A, self.B, Q, R, self.kind)
        self.x_eq = np.asarray(x_eq, np.float64)
        self.scale = np.asarray(act.scale(self.params), np.float64)
        self.u_max = self.scale if u_max is None else np.broadcast_to(
            np.asarray(u_max, np.float64), self.scale.shape)

    @classmethod
    def for_env(cls, fenv: Any, Q: ArrayLike | None = None, R: ArrayLike | None = None,
                u_max: ArrayLike | None = None) -> LQRController:
        """An LQR for a :class:`~chaosgym.functional.FunctionalEnv` and its Stabilize target."""
        sp = fenv.default_params.system
        tp = fenv.default_params.task
        target = getattr(tp, "target", 0)
        return cls(fenv.spec, sp, target, fenv.actuation_name, Q, R, u_max)

    def __call__(self, x: Array) -> Array:
        """Physical input ``u = clip(−K (x − x*), ±u_max)`` (jittable)."""
        dx = jnp.asarray(x) - jnp.asarray(self.x_eq, jnp.asarray(x).dtype)
        u = -jnp.asarray(self.K, dx.dtype) @ dx
        lim = jnp.asarray(self.u_max, dx.dtype)
        return jnp.clip(u, -lim, lim)

    def action(self, x: Array) -> Array:
        """The normalised action in ``[-1, 1]`` for an environment (jittable)."""
        u = self(x)
        return jnp.clip(u / jnp.asarray(self.scale, u.dtype), -1.0, 1.0)

    def closed_loop(self) -> Callable[[Array], Array]:
        """``x -> f(x, u(x))``: the closed-loop field (or map) for stability analysis."""
        field = self.spec.controlled_field(self.actuation)
        return lambda x: field(x, self(x), self.params)
