"""A Gymnasium ``VectorEnv`` whose step is one jitted, vmapped call over all environments.

Autoreset happens inside that call (same-step mode, declared in ``metadata``): a finished
environment starts again from a *fresh* attractor state, its last observation is in
``info["final_obs"]`` (an ``(num_envs, obs_dim)`` array, valid where ``info["_final_obs"]``).
"""

from __future__ import annotations

from typing import Any, ClassVar

import gymnasium as gym
import jax
import jax.numpy as jnp
import numpy as np
from gymnasium.vector import AutoresetMode
from gymnasium.vector.utils import batch_space

from chaosgym.gym._checks import check_action
from chaosgym.registration import make_functional
from chaosgym.wrappers import batched_reset, where_done

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

    metadata: ClassVar[dict[str, Any]] = {
        "autoreset_mode": AutoresetMode.SAME_STEP, "render_modes": [],
    }

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
        self._state = None
        self._key = None
        self._rng: np.random.Generator | None = None
        self._count = 0
        self._every_env = np.ones(self.num_envs, bool)  # "_key" masks: every entry is valid
        self._every_env.flags.writeable = False
        fenv, n = self.fenv, self.num_envs

        def vstep(state, key, count, actions, params):
            keys = jax.random.split(jax.random.fold_in(key, count), n)  # dropped if unused
            obs, state, r, term, trunc, info = jax.vmap(fenv.step, in_axes=(0, 0, 0, None))(
                keys, state, actions, params
            )
            return state, (obs.astype(jnp.float32), r.astype(jnp.float32), term, trunc, info)

        def vreset_done(state, key, done, params):
            fresh, key, obs = reset(key, params)
            return where_done(done, fresh, state), key, obs

        reset = batched_reset(fenv, n)
        # Autoreset runs on the host's side of the step: the batched reset is dispatched only
        # on steps where some episode ended, so ordinary steps are a single jitted call.
        self._vstep = jax.jit(vstep)
        self._vreset = jax.jit(reset)
        self._vreset_done = jax.jit(vreset_done)

    @property
    def params(self):
        """Environment parameters shared by all copies (an ``EnvParams`` pytree)."""
        return self._params

    @params.setter
    def params(self, value) -> None:
        self._params = jax.tree_util.tree_map(jnp.asarray, value)

    def reset(self, *, seed: int | list[int] | None = None, options: dict | None = None):
        if isinstance(seed, list | tuple):
            seed = int(seed[0]) if seed and seed[0] is not None else None
        if seed is not None or self._rng is None:
            self._rng = np.random.default_rng(seed)
        if options:
            raise ValueError(f"{self.env_id}: reset options are not supported by the vector env")
        key = jax.random.key(int(self._rng.integers(0, 2**31 - 1)))
        self._state, self._key, obs = self._vreset(key, self.params)
        return np.asarray(obs), {}

    def step(self, actions):
        if self._state is None:
            raise gym.error.ResetNeeded(f"{self.env_id}: call reset() before step()")
        a = check_action(actions, self.action_space.shape, self.env_id)
        self._count += 1
        self._state, (obs, r, term, trunc, info) = self._vstep(
            self._state, self._key, np.uint32(self._count % 2**32), a, self._params
        )
        obs, r, term, trunc = np.asarray(obs), np.asarray(r), np.asarray(term), np.asarray(trunc)
        info = {k: np.asarray(v) for k, v in info.items()}
        done = term | trunc
        if done.any():
            self._state, self._key, fresh = self._vreset_done(
                self._state, self._key, done, self._params
            )
            info["final_obs"] = obs
            obs = np.where(done[:, None], np.asarray(fresh), obs)
        else:
            info["final_obs"] = np.zeros_like(obs)
        info["_final_obs"] = done
        for k in list(info):
            if not k.startswith("_") and k != "final_obs":
                info["_" + k] = self._every_env
        return obs, r, term, trunc, info

    @property
    def state(self) -> np.ndarray:
        """Current system states, ``(num_envs, state_dim)``."""
        if self._state is None:
            raise gym.error.ResetNeeded(f"{self.env_id}: call reset() first")
        return np.asarray(self._state.x)

    def close_extras(self, **kwargs: Any) -> None:
        self._state = None
