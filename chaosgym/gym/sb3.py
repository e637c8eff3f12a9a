"""A stable-baselines3 ``VecEnv`` whose step is one jitted, vmapped call over all environments.

:class:`ChaosSB3VecEnv` drives ``num_envs`` copies of a registered id through the pure core
(:func:`chaosgym.make_functional` wrapped in :class:`chaosgym.wrappers.AutoReset`): one call of
``jax.jit(jax.vmap(step))`` advances every environment, resets finished ones with a *fresh*
attractor state, and returns all outputs packed in one float32 array (one host transfer per
step). Training throughput is then bounded by the learner, not by per-env Python stepping.

It follows SB3's conventions exactly, so it can replace ``DummyVecEnv([gym.make(id)] * n)``:

* ``step_wait`` returns ``(obs, rewards, dones, infos)`` where ``dones = terminated | truncated``
  and, for a finished environment, ``obs`` already holds the first observation of the next
  episode while ``infos[i]["terminal_observation"]`` holds the last one of the finished episode;
* every ``infos[i]`` carries ``"TimeLimit.truncated" = truncated and not terminated`` plus the
  task's metrics (``distance``, ``captured``, ...) and ``diverged``;
* ``seed(s)`` makes the next ``reset()`` reproducible (environment ``i`` is seeded ``s + i``);
  ``set_options({"x0": ...})`` (one dict, or a list of one dict per env) starts the next
  ``reset()`` from given states, which is how stored initial-condition sets are evaluated.

``get_attr``/``set_attr``/``env_method`` act on light per-environment views exposing ``env_id``,
``fenv``, ``spec``, ``render_mode``, ``state`` and ``time`` (SB3 itself only queries
``render_mode``). Rendering is per single environment (:class:`chaosgym.gym.ChaosEnv`).

Example::

    from stable_baselines3 import SAC
    from chaosgym.gym.sb3 import ChaosSB3VecEnv

    venv = ChaosSB3VecEnv("chaosgym/LorenzStabilize-v0", num_envs=16, seed=0)
    SAC("MlpPolicy", venv).learn(50_000)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from chaosgym.gym._checks import check_action
from chaosgym.registration import make_functional
from chaosgym.wrappers import AutoReset

try:  # optional dependency: stable-baselines3 (the ``agents`` extra)
    from stable_baselines3.common.vec_env.base_vec_env import VecEnv
except ImportError as _e:  # pragma: no cover - exercised only without the extra
    raise ImportError(
        "chaosgym.gym.sb3 needs stable-baselines3: pip install 'chaosgym[agents]'"
    ) from _e

__all__ = ["ChaosSB3VecEnv"]

_BOOL_INFO = ("diverged", "captured", "invalid_action")


class _EnvView:
    """Attributes of environment ``index`` of a :class:`ChaosSB3VecEnv` (for ``get_attr``)."""

    def __init__(self, venv: ChaosSB3VecEnv, index: int) -> None:
        self._venv = venv
        self._index = index
        self.render_mode = None

    @property
    def env_id(self) -> str:
        return self._venv.env_id

    @property
    def fenv(self):
        return self._venv.fenv

    @property
    def spec(self):
        return self._venv.fenv.spec

    @property
    def state(self) -> np.ndarray:
        """The current system state of this environment."""
        return self._venv.state[self._index]

    @property
    def time(self) -> float:
        """Elapsed time of this environment's episode."""
        return float(self._venv.steps[self._index]) * self._venv.fenv.dt

    def get_state(self) -> np.ndarray:
        """The current system state (method form, for ``env_method``)."""
        return self.state


class ChaosSB3VecEnv(VecEnv):
    """``num_envs`` copies of a registered ``chaosgym/...`` id as one SB3 ``VecEnv``.

    Args:
        env_id: the registered id.
        num_envs: number of parallel environments.
        seed: seed of the first ``reset()`` (a random one if ``None``); ``seed()`` overrides it.
        max_episode_steps: time limit in control intervals (default: the registered one).
        **kwargs: overrides accepted by :func:`chaosgym.make_functional`.
    """

    def __init__(
        self,
        env_id: str,
        num_envs: int = 1,
        seed: int | None = None,
        max_episode_steps: int | None = None,
        **kwargs: Any,
    ) -> None:
        if int(num_envs) < 1:
            raise ValueError(f"num_envs must be >= 1, got {num_envs}")
        if max_episode_steps is not None:
            kwargs["max_steps"] = int(max_episode_steps)
        self.fenv = make_functional(env_id, **kwargs)
        self.env_id = env_id
        self.params = self.fenv.default_params
        n = int(num_envs)
        self._views = [_EnvView(self, i) for i in range(n)]
        super().__init__(n, self.fenv.observation_space, self.fenv.action_space)
        self._seeds = [None if seed is None else int(seed) + i for i in range(n)]
        self._info_names = ("diverged", *self.fenv.metric_names)
        self._obs_dim = self.fenv.obs_dim
        self._act_shape = (n, *self.action_space.shape)
        self._state = None
        self._key = None
        self._actions: np.ndarray | None = None
        self.steps = np.zeros(n, np.int64)
        env = AutoReset(self.fenv)
        info_names = self._info_names
        dtype = self.fenv.dtype

        def vstep(state, key, actions, params):
            key, sub = jax.random.split(key)
            keys = jax.random.split(sub, n)
            obs, state, r, term, trunc, info = jax.vmap(env.step, in_axes=(0, 0, 0, None))(
                keys, state, actions.astype(dtype), params
            )
            cols = [r, term, trunc, info["done"], *(info[k] for k in info_names)]
            tail = jnp.stack([c.astype(jnp.float32) for c in cols], axis=1)
            packed = jnp.concatenate(
                [obs.astype(jnp.float32), info["final_obs"].astype(jnp.float32), tail], axis=1
            )
            return state, key, packed

        def vreset(seeds, x0, use_x0, params):
            keys = jax.vmap(jax.random.key)(seeds)

            def one(k, x0_i, use_i):
                k1, k2 = jax.random.split(k)
                x = jnp.where(use_i, x0_i.astype(dtype), self.fenv.initial_state(k1, params))
                return self.fenv.reset_to(k2, x, params)

            obs, state = jax.vmap(one, in_axes=(0, 0, 0))(keys, x0, use_x0)
            # the stepping key continues from the first seed (a seeded run is reproducible)
            step_key = jax.random.fold_in(jax.random.key(seeds[0]), 1)
            return state, step_key, obs.astype(jnp.float32)

        self._vstep = jax.jit(vstep, donate_argnums=(0,))
        self._vreset = jax.jit(vreset)

    # ------------------------------------------------------------------ VecEnv API
    def reset(self) -> np.ndarray:
        """Reset every environment (using the seeds and options set since the last reset)."""
        n = self.num_envs
        seeds = self._seeds
        if all(s is None for s in seeds):
            base = int(np.random.SeedSequence().generate_state(1)[0] & 0x7FFFFFFF)
            seeds = [base + i for i in range(n)]
        elif any(s is None for s in seeds):
            first = next(s for s in seeds if s is not None)
            seeds = [first + i if s is None else s for i, s in enumerate(seeds)]
        seeds_arr = np.asarray([int(s) & 0x7FFFFFFF for s in seeds], np.uint32)
        x0 = np.zeros((n, self.fenv.state_dim), np.float64)
        use = np.zeros(n, bool)
        for i, opt in enumerate(self._options):
            unknown = set(opt or {}) - {"x0"}
            if unknown:
                raise ValueError(
                    f"{self.env_id}: unknown reset option(s) {sorted(unknown)}; supported: ['x0']"
                )
            if opt and "x0" in opt:
                xi = np.asarray(opt["x0"], np.float64)
                if xi.shape != (self.fenv.state_dim,) or not np.isfinite(xi).all():
                    raise ValueError(
                        f"{self.env_id}: options['x0'] must be a finite array of shape "
                        f"({self.fenv.state_dim},), got shape {xi.shape}"
                    )
                x0[i], use[i] = xi, True
        self._state, self._key, obs = self._vreset(
            seeds_arr, np.asarray(x0, self.fenv.dtype), use, self.params)
        self.steps = np.zeros(n, np.int64)
        self.reset_infos = [{} for _ in range(n)]
        self._reset_seeds()
        self._reset_options()
        return np.array(obs)

    def set_options(self, options: list[dict] | dict | None = None) -> None:
        """Options for the next ``reset()``: ``{"x0": (num_envs, dim) or (dim,)}`` or a list."""
        if options is None:
            options = {}
        if isinstance(options, dict):
            if "x0" in options and np.ndim(options["x0"]) == 2:
                x0 = np.asarray(options["x0"])
                if x0.shape[0] != self.num_envs:
                    raise ValueError(
                        f"{self.env_id}: options['x0'] has {x0.shape[0]} rows for "
                        f"{self.num_envs} environments"
                    )
                rest = {k: v for k, v in options.items() if k != "x0"}
                self._options = [{**rest, "x0": x0[i]} for i in range(self.num_envs)]
            else:
                self._options = [dict(options) for _ in range(self.num_envs)]
        else:
            if len(options) != self.num_envs:
                raise ValueError(f"need one options dict per env ({self.num_envs})")
            self._options = [dict(o or {}) for o in options]

    def step_async(self, actions: np.ndarray) -> None:
        self._actions = actions

    def step_wait(self):
        if self._state is None:
            raise RuntimeError(f"{self.env_id}: call reset() before step()")
        a = check_action(self._actions, self._act_shape, self.env_id)
        self._state, self._key, out = self._vstep(self._state, self._key, a, self.params)
        out = np.asarray(out)
        d = self._obs_dim
        obs = out[:, :d]
        final = out[:, d : 2 * d]
        tail = out[:, 2 * d :]
        rewards = tail[:, 0].copy()
        term = tail[:, 1] > 0.5
        trunc = tail[:, 2] > 0.5
        dones = tail[:, 3] > 0.5
        self.steps += 1
        names = self._info_names
        infos: list[dict[str, Any]] = []
        for i in range(self.num_envs):
            info: dict[str, Any] = {"TimeLimit.truncated": bool(trunc[i] and not term[i])}
            for j, name in enumerate(names):
                v = tail[i, 4 + j]
                info[name] = bool(v > 0.5) if name in _BOOL_INFO else float(v)
            if dones[i]:
                info["terminal_observation"] = final[i].copy()
                self.steps[i] = 0
            infos.append(info)
        return obs.copy(), rewards, dones, infos

    def close(self) -> None:
        self._state = None

    # ------------------------------------------------------------------ attribute access
    def _indices(self, indices) -> Sequence[int]:
        if indices is None:
            return range(self.num_envs)
        if isinstance(indices, int | np.integer):
            return [int(indices)]
        return list(indices)

    def get_attr(self, attr_name: str, indices=None) -> list[Any]:
        views = getattr(self, "_views", None)
        if views is None:
            raise AttributeError(attr_name)
        return [getattr(views[i], attr_name) for i in self._indices(indices)]

    def set_attr(self, attr_name: str, value: Any, indices=None) -> None:
        for i in self._indices(indices):
            setattr(self._views[i], attr_name, value)

    def env_method(self, method_name: str, *method_args, indices=None, **method_kwargs):
        return [
            getattr(self._views[i], method_name)(*method_args, **method_kwargs)
            for i in self._indices(indices)
        ]

    def env_is_wrapped(self, wrapper_class, indices=None) -> list[bool]:
        return [False for _ in self._indices(indices)]

    def get_images(self) -> Sequence[np.ndarray | None]:
        return [None for _ in range(self.num_envs)]

    # ------------------------------------------------------------------ state access
    @property
    def state(self) -> np.ndarray:
        """Current system states, ``(num_envs, state_dim)``."""
        if self._state is None:
            raise RuntimeError(f"{self.env_id}: call reset() first")
        return np.asarray(self._state.x)
