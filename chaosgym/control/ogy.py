"""OGY control: small parameter kicks that place the next iterate on the stable manifold.

Near a saddle fixed point ``x*`` of a map ``x_{k+1} = F(x_k, p + δp)`` the dynamics is
``δx_{k+1} ≈ A δx_k + w δp`` with ``A = ∂F/∂x`` and ``w = ∂F/∂p`` at ``(x*, p)``. Let ``λ_u`` be
the unstable eigenvalue of ``A`` and ``f_u`` the contravariant (left) eigenvector with
``f_u·e_s = 0`` for every stable eigenvector ``e_s`` and ``f_u·e_u = 1``. The kick

    δp = −λ_u (f_u·δx_k) / (f_u·w)

cancels the unstable component of ``δx_{k+1}``, so the orbit lands on the stable manifold and
then converges. OGY applies it only while ``|δp| ≤ δp_max`` (else no kick): the chaotic orbit
wanders ergodically until it comes close enough, and is then captured with small kicks. For a
one-dimensional map (logistic) the same formula places the next iterate on the fixed point.

References:
    E. Ott, C. Grebogi and J. A. Yorke, "Controlling chaos", Phys. Rev. Lett. 64, 1196–1199
    (1990).
    S. Boccaletti, C. Grebogi, Y.-C. Lai, H. Mancini and D. Maza, "The control of chaos:
    theory and applications", Phys. Rep. 329, 103–197 (2000).
"""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from chaosgym.control.lqr import linearize

Array = jax.Array

__all__ = ["OGY"]


class OGY:
    """OGY controller of a map's saddle fixed point by one bounded parameter kick per step.

    Args:
        spec: a map :class:`~chaosgym.systems.base.SystemSpec` with a parametric actuation.
        params: system params (default: the spec's).
        target: index into ``spec.fixed_points(params)`` or an explicit fixed point.
        actuation: the parametric actuation's name (default: the spec's default; one input).
        bound: largest kick ``|δp|`` applied (default: the actuation's bound).

    Calling the controller maps a state to the kick ``δp`` (zero when the required kick
    exceeds ``bound``); :meth:`action` gives the normalised action for an environment.
    """

    def __init__(
        self,
        spec: Any,
        params: Any = None,
        target: int | Array = 0,
        actuation: str | None = None,
        bound: float | None = None,
    ) -> None:
        if spec.kind != "map":
            raise ValueError(f"OGY needs a map; {spec.name} is a {spec.kind!r} system")
        self.spec = spec
        self.params = spec.params if params is None else params
        act = spec.actuation(actuation)
        if act.num_inputs(self.params) != 1:
            raise ValueError("OGY uses exactly one control parameter")
        self.actuation = actuation
        self.scale = float(np.asarray(act.scale(self.params))[0])
        self.bound = self.scale if bound is None else float(bound)
        if not 0 < self.bound:
            raise ValueError(f"bound must be positive, got {bound}")
        if isinstance(target, int):
            x_eq = spec.fixed_points(self.params)[target]
        else:
            x_eq = jnp.asarray(target)
        with jax.enable_x64(True):
            field = spec.controlled_field(actuation)
            x64 = jnp.asarray(x_eq, jnp.float64)
            A, w = linearize(lambda x, u: field(x, u, self.params), x64, jnp.zeros(1))
        w = w[:, 0]
        evals, right = np.linalg.eig(A)
        order = np.argsort(-np.abs(evals))
        evals, right = evals[order], right[:, order]
        if not abs(evals[0]) > 1.0:
            raise ValueError(f"the fixed point is not unstable (eigenvalues {evals})")
        if len(evals) > 1 and abs(evals[1]) >= 1.0:
            raise ValueError(f"OGY needs a saddle with one unstable direction, got {evals}")
        left = np.linalg.inv(right)  # rows: contravariant basis, left[i] @ right[:, j] = δij
        f_u = np.real_if_close(left[0])
        lam_u = float(np.real(evals[0]))
        fw = float(np.real(f_u @ w))
        if abs(fw) < 1e-12:
            raise ValueError("the parameter does not move the unstable direction (f_u·w = 0)")
        self.x_eq = np.asarray(x_eq, np.float64)
        self.A, self.w = A, w
        self.lambda_u = lam_u
        self.f_u = np.real(f_u).astype(np.float64)
        self.gain = -lam_u * self.f_u / fw  # δp = gain · δx

    def kick(self, x: Array) -> Array:
        """The unbounded OGY kick ``δp`` for state ``x`` (jittable)."""
        x = jnp.asarray(x)
        dx = x - jnp.asarray(self.x_eq, x.dtype)
        return jnp.dot(jnp.asarray(self.gain, x.dtype), dx)

    def __call__(self, x: Array) -> Array:
        """The applied kick ``(δp,)``: the OGY kick when ``|δp| ≤ bound``, else 0."""
        dp = self.kick(x)
        return jnp.where(jnp.abs(dp) <= self.bound, dp, 0.0)[None]

    def action(self, x: Array) -> Array:
        """The normalised action in ``[-1, 1]`` for an environment with this actuation."""
        return jnp.clip(self(x) / self.scale, -1.0, 1.0)

    @classmethod
    def for_env(cls, fenv: Any, bound: float | None = None) -> OGY:
        """An OGY controller for a map environment's Stabilize target and actuation."""
        target = getattr(fenv.default_params.task, "target", 0)
        return cls(fenv.spec, fenv.default_params.system, target, fenv.actuation_name, bound)

    def run(self, x0: Array, steps: int) -> dict[str, Array]:
        """Iterate the controlled map for ``steps`` steps from ``x0`` (one ``lax.scan``)."""
        field = self.spec.controlled_field(self.actuation)
        params = self.params

        def body(x, _):
            u = self(x)
            x2 = field(x, u.astype(x.dtype), params)
            return x2, (x2, u[0])

        _, (xs, us) = jax.lax.scan(body, jnp.asarray(x0), None, length=int(steps))
        return {"x": xs, "u": us}
