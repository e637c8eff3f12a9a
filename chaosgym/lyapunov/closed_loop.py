"""Closed loops for stability analysis: a registered system plus a controller, as ``x -> f(x)``.

* :func:`closed_loop` — ``x -> f(x, u(x))`` for a registered system (by name or
  :class:`~chaosgym.systems.base.SystemSpec`) under any JAX controller ``u(x)`` in physical
  units.
* :func:`lqr_closed_loop` — the saturated LQR closed loop around a fixed point.
* :func:`export_sb3_actor` — the deterministic actor of a trained stable-baselines3 policy
  (SAC, TD3, DDPG, PPO, A2C with MLP policies) as a pure JAX function ``obs -> action``;
  weights are copied once, so checking needs no torch.
* :func:`policy_closed_loop` — a functional environment's dynamics under such an actor
  (normalised actions scaled by the actuation, as the environment does).
* :func:`find_equilibrium` — Newton's method for the equilibrium of a closed loop near a guess
  (a learned controller rarely vanishes exactly at the target).

References:
    A. Raffin et al., "Stable-Baselines3: reliable reinforcement learning implementations",
    JMLR 22(268), 1–8 (2021).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

Array = jax.Array

__all__ = [
    "closed_loop",
    "export_sb3_actor",
    "find_equilibrium",
    "lqr_closed_loop",
    "policy_closed_loop",
]


def _spec(system: Any):
    from chaosgym import systems

    return systems.get(system) if isinstance(system, str) else system


def closed_loop(system: Any, controller: Callable[[Array], Array], params: Any = None,
                actuation: str | None = None) -> Callable[[Array], Array]:
    """``x -> f(x, controller(x))`` for a registered system (vector field or map)."""
    spec = _spec(system)
    params = spec.params if params is None else params
    field = spec.controlled_field(actuation)
    return lambda x: field(x, jnp.atleast_1d(controller(x)), params)


def lqr_closed_loop(system: Any, target: int | Array = 0, *, params: Any = None,
                    actuation: str | None = None, Q=None, R=None, u_max=None):
    """The saturated LQR closed loop: ``(f, controller)`` with ``controller.P`` the Riccati
    solution (a quadratic Lyapunov candidate of the linearised closed loop)."""
    from chaosgym.control import LQRController

    with jax.enable_x64(True):  # the fixed point and gains in float64
        spec = _spec(system)
        params = jax.tree_util.tree_map(
            lambda v: jnp.asarray(v, jnp.float64)
            if jnp.issubdtype(jnp.asarray(v).dtype, jnp.floating) else v,
            spec.params if params is None else params)
        ctrl = LQRController(spec, params, target, actuation, Q, R, u_max)
    return ctrl.closed_loop(), ctrl


_ACTS: dict[str, Callable[[Array], Array]] = {
    "ReLU": jax.nn.relu,
    "Tanh": jnp.tanh,
    "ELU": jax.nn.elu,
    "LeakyReLU": lambda x: jnp.where(x >= 0, x, 0.01 * x),
    "Sigmoid": jax.nn.sigmoid,
    "Identity": lambda x: x,
}


def _linears(module) -> list[tuple[np.ndarray, np.ndarray]]:
    import torch

    out = []
    for m in module.modules():
        if isinstance(m, torch.nn.Linear):
            w = m.weight.detach().cpu().double().numpy().copy()
            b = (m.bias.detach().cpu().double().numpy().copy() if m.bias is not None
                 else np.zeros(w.shape[0]))
            out.append((w, b))
    return out


def _act_name(module) -> str:
    import torch

    names = [type(m).__name__ for m in module.modules()
             if not isinstance(m, (torch.nn.Linear, torch.nn.Sequential)) and m is not module]
    acts = [n for n in names if n in _ACTS]
    return acts[0] if acts else "Identity"


def export_sb3_actor(model: Any) -> tuple[Callable[[Array], Array], dict[str, Any]]:
    """The deterministic action map of a stable-baselines3 model as a pure JAX function.

    Returns ``(actor, info)``: ``actor(obs)`` gives the action in the env's action space
    (``[-1, 1]`` for chaosgym envs) exactly as ``model.predict(obs, deterministic=True)``
    (float64 arithmetic on the float32 weights); ``info`` holds the layer sizes and the
    activation name. Only flat MLP policies without observation normalisation are supported.
    """
    policy = model.policy
    space = model.action_space
    low = np.asarray(space.low, np.float64)
    high = np.asarray(space.high, np.float64)
    if hasattr(policy, "actor") and hasattr(policy.actor, "latent_pi"):  # SAC
        actor = policy.actor
        hidden = _linears(actor.latent_pi)
        head = _linears(actor.mu)
        act = _act_name(actor.latent_pi)
        squash = "tanh"
        kind = "sac"
    elif hasattr(policy, "actor") and hasattr(policy.actor, "mu"):  # TD3 / DDPG
        layers = _linears(policy.actor.mu)
        hidden, head = layers[:-1], layers[-1:]
        act = _act_name(policy.actor.mu)
        squash = "tanh"
        kind = "td3"
    elif hasattr(policy, "mlp_extractor") and hasattr(policy, "action_net"):  # PPO / A2C
        hidden = _linears(policy.mlp_extractor.policy_net)
        head = _linears(policy.action_net)
        act = _act_name(policy.mlp_extractor.policy_net)
        squash = "squash" if getattr(policy, "squash_output", False) else "clip"
        kind = "on_policy"
    else:
        raise TypeError(f"unsupported policy type {type(policy).__name__}")
    if len(head) != 1:
        raise TypeError("expected a single linear action head")
    Ws = [w for w, _ in hidden]
    bs = [b for _, b in hidden]
    Wo, bo = head[0]
    sigma = _ACTS[act]

    def actor_fn(obs: Array) -> Array:
        h = jnp.asarray(obs)
        dt = h.dtype
        for W, b in zip(Ws, bs, strict=True):
            h = sigma(jnp.asarray(W, dt) @ h + jnp.asarray(b, dt))
        a = jnp.asarray(Wo, dt) @ h + jnp.asarray(bo, dt)
        lo_j, hi_j = jnp.asarray(low, dt), jnp.asarray(high, dt)
        if squash in ("tanh", "squash"):
            a = jnp.tanh(a)
            return lo_j + 0.5 * (a + 1.0) * (hi_j - lo_j)
        return jnp.clip(a, lo_j, hi_j)

    info = {"kind": kind, "activation": act, "squash": squash,
            "layers": [w.shape for w, _ in hidden] + [head[0][0].shape]}
    return actor_fn, info


def policy_closed_loop(fenv: Any, actor: Callable[[Array], Array]) -> Callable[[Array], Array]:
    """``x -> f(x, scale · actor(obs(x)))`` for a :class:`~chaosgym.functional.FunctionalEnv`:
    the vector field (or map) the environment integrates, under the learned policy."""
    spec = fenv.spec
    sp = fenv.default_params.system
    tp = fenv.default_params.task
    field = spec.controlled_field(fenv.actuation_name)
    scale = np.asarray(fenv.u_scale, np.float64)

    def f(x: Array) -> Array:
        obs = fenv.task.observe(x, None, spec, sp, tp)
        a = jnp.clip(actor(obs), -1.0, 1.0)
        return field(x, a * jnp.asarray(scale, x.dtype), sp)

    return f


def find_equilibrium(f: Callable[[Array], Array], x0: Any, kind: str = "ct",
                     iters: int = 50, tol: float = 1e-13) -> np.ndarray:
    """Newton's method for ``f(x) = 0`` (``kind="ct"``) or ``f(x) = x`` (``"dt"``), float64."""
    with jax.enable_x64(True):
        g = f if kind == "ct" else (lambda x: f(x) - x)
        x = jnp.asarray(x0, jnp.float64)
        J = jax.jacfwd(g)
        for _ in range(iters):
            r = g(x)
            step = jnp.linalg.solve(J(x), r)
            x = x - step
            if float(jnp.max(jnp.abs(step))) <= tol * (1 + float(jnp.max(jnp.abs(x)))):
                break
        return np.asarray(x, np.float64)
