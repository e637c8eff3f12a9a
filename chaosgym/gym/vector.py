"""A Gymnasium ``VectorEnv`` whose step is one jitted, vmapped call over all environments.

Autoreset happens inside that call (same-step mode, declared in ``metadata``): a finished
environment starts again from a *fresh* attractor state, its last observation is in
``info["final_obs"]`` (an ``(num_envs, obs_dim)`` array, valid where ``info["_final_obs"]``).
"""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import jax
import jax.numpy as jnp
import numpy as np
from gymnasium.vector import AutoresetMode
from gymnasium.vector.utils import batch_space

from chaosgym.gym._checks import check_action
from chaosgym.registration import make_functional
from chaosgym.wrappers import AutoReset

__all__ = ["ChaosVectorEnv"]


class ChaosVectorEnv(gym.vector.VectorEnv):
    """``num_envs`` copies of a registered id stepped by one jitted ``vmap``.

    Args:
        env_id: the registered id.
        num_envs: number of parallel environments.
        max_episode_steps: time limit (``gym.make_vec`` passes the registered one).
        render_mode: accepted for API compatibility; rendering is per single env.
        **kwargs: overrides accepted by :func:`chaosgym.make_functional`.
    """

    metadata = {"autoreset_mode": AutoresetMode.SAME_STEP, "render_modes": []}

    def __init__(
        self,
        env_id: str,
        num_envs: int = 1,
        max_episode_steps: int | None = None,
        render_mode: str | None = None,
        **kwargs: Any,
    ) -> None:
        if int(num_envs) < 1:
            raise ValueError(f"num_envs must be >= 1, got {num_envs}")
        if max_episode_steps is not None:
            kwargs.setdefault("max_steps", int(max_episode_steps))
        self.fenv = make_functional(env_id, **kwargs)
        self.env_id = env_id
        self.num_envs = int(num_envs)
        self.render_mode = render_mode
        self.params = self.fenv.default_params
        self.single_observation_space = self.fenv.observation_space
        self.single_action_space = self.fenv.action_space
        self.observation_space = batch_space(self.single_observation_space, self.num_envs)
        self.action_space = batch_space(self.single_action_space, self.num_envs)
        self._env = AutoReset(self.fenv)
        self._state = None
        self._key = None
        env = self._env

        def vstep(state, key, actions, params):
            key, sub = jax.random.split(key)
            keys = jax.random.split(sub, self.num_envs)
            obs, state, r, term, trunc, info = jax.vmap(env.step, in_axes=(0, 0, 0, None))(
                keys, state, actions, params
            )
            return state, key, (obs.astype(jnp.float32), r.astype(jnp.float32), term, trunc,
                                info)

        def vreset(key, params):
            key, sub = jax.random.split(key)
            keys = jax.random.split(sub, self.num_envs)
            obs, state = jax.vmap(env.reset, in_axes=(0, None))(keys, params)
            return state, key, obs.astype(jnp.float32)

        self._vstep = jax.jit(vstep)
        self._vreset = jax.jit(vreset)

    def reset(self, *, seed: int | list[int] | None = None, options: dict | None = None):
        if isinstance(seed, list | tuple):
            seed = int(seed[0]) if seed and seed[0] is not None else None
        self._np_random, _ = gym.utils.seeding.np_random(seed) if (
            seed is not None or getattr(self, "_np_random", None) is None
        ) else (self._np_random, None)
        if options:
            raise ValueError(f"{self.env_id}: reset options are not supported by the vector env")
        key = jax.random.key(int(self._np_random.integers(0, 2**31 - 1)))
        self._state, self._key, obs = self._vreset(key, self.params)
        return np.asarray(obs), {}

    def step(self, actions):
        if self._state is None:
            raise gym.error.ResetNeeded(f"{self.env_id}: call reset() before step()")
        a = check_action(actions, self.action_space.shape, self.env_id)
        self._state, self._key, (obs, r, term, trunc, info) = self._vstep(
            self._state, self._key, a, self.params
        )
        info = {k: np.asarray(v) for k, v in info.items()}
        done = info.pop("done")
        info["_final_obs"] = done
        for k in list(info):
            if not k.startswith("_") and k != "final_obs":
                info["_" + k] = np.ones(self.num_envs, bool)
        return np.asarray(obs), np.asarray(r), np.asarray(term), np.asarray(trunc), info

    @property
    def state(self) -> np.ndarray:
        """Current system states, ``(num_envs, state_dim)``."""
        if self._state is None:
            raise gym.error.ResetNeeded(f"{self.env_id}: call reset() first")
        return np.asarray(self._state.x)

    def close_extras(self, **kwargs: Any) -> None:
        self._state = None
