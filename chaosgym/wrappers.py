"""Pure wrappers around :class:`~chaosgym.functional.FunctionalEnv` (jit/vmap safe).

:class:`AutoReset` resets a finished episode inside the same jitted step with a *fresh*
initial condition drawn from the key (chaotic episodes never repeat). The observation that
ended the episode is returned in ``info["final_obs"]`` with ``info["done"]`` marking it
(Gymnasium's same-step autoreset convention).
"""

from __future__ import annotations

import jax
import jax.numpy as jnp

__all__ = ["AutoReset", "batched_autoreset_step", "batched_reset", "where_done"]


class AutoReset:
    """Same-step autoreset with a fresh initial condition; same signature as the env."""

    def __init__(self, env) -> None:
        self.env = env

    def __getattr__(self, name):
        return getattr(self.env, name)

    def reset(self, key, params=None):
        return self.env.reset(key, params)

    def step(self, key, state, action, params=None):
        k_step, k_reset = jax.random.split(key)
        obs, state2, r, term, trunc, info = self.env.step(k_step, state, action, params)
        done = term | trunc
        obs_r, state_r = self.env.reset(k_reset, params)
        state_out = jax.tree_util.tree_map(lambda a, b: jnp.where(done, a, b), state_r, state2)
        obs_out = jnp.where(done, obs_r, obs)
        info = {**info, "final_obs": obs, "done": done}
        return obs_out, state_out, r, term, trunc, info


def where_done(done, new, old):
    """Per-environment select over a batched pytree (``done`` has shape ``(num_envs,)``)."""
    def sel(a, b):
        return jnp.where(done.reshape(done.shape + (1,) * (a.ndim - 1)), a, b)

    return jax.tree_util.tree_map(sel, new, old)


def batched_reset(env, num_envs: int):
    """``(key, params) -> (state, key, obs)`` resetting ``num_envs`` copies at once."""

    def reset(key, params):
        key, sub = jax.random.split(key)
        obs, state = jax.vmap(env.reset, in_axes=(0, None))(
            jax.random.split(sub, num_envs), params
        )
        return state, key, obs.astype(jnp.float32)

    return reset


def batched_autoreset_step(env, num_envs: int):
    """``(state, key, actions, params) -> (state, key, (obs, reward, term, trunc, info))``.

    Steps ``num_envs`` copies with one ``vmap`` and resets the finished ones with fresh
    initial conditions (same-step autoreset; ``info["final_obs"]`` and ``info["done"]``).
    The batched reset runs under ``lax.cond`` only on steps where some episode ended, so
    it costs nothing on the other steps.
    """

    def step(state, key, actions, params):
        key, k_step, k_reset = jax.random.split(key, 3)
        keys = jax.random.split(k_step, num_envs)
        obs, state2, r, term, trunc, info = jax.vmap(env.step, in_axes=(0, 0, 0, None))(
            keys, state, actions, params
        )
        done = term | trunc

        def do_reset(_):
            obs_r, state_r = jax.vmap(env.reset, in_axes=(0, None))(
                jax.random.split(k_reset, num_envs), params
            )
            return where_done(done, (obs_r, state_r), (obs, state2))

        obs_out, state_out = jax.lax.cond(
            jnp.any(done), do_reset, lambda _: (obs, state2), None
        )
        info = {**info, "final_obs": obs.astype(jnp.float32), "done": done}
        return state_out, key, (obs_out.astype(jnp.float32), r.astype(jnp.float32), term,
                                trunc, info)

    return step
