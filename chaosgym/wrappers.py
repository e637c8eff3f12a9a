"""Pure wrappers around :class:`~chaosgym.functional.FunctionalEnv` (jit/vmap safe).

:class:`AutoReset` resets a finished episode inside the same jitted step with a *fresh*
initial condition drawn from the key (chaotic episodes never repeat). The observation that
ended the episode is returned in ``info["final_obs"]`` with ``info["done"]`` marking it
(Gymnasium's same-step autoreset convention).
"""

from __future__ import annotations

import jax
import jax.numpy as jnp

__all__ = ["AutoReset"]


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
