"""A stable-baselines3 ``VecEnv`` whose step is one jitted, vmapped call over all environments.

:class:`ChaosSB3VecEnv` drives ``num_envs`` copies of a registered id through the
adapter contract (:mod:`chaosgym.envs.adapters._contract`) and the one autoreset:
one call of ``jax.jit(jax.vmap(step))`` advances every environment, resets finished ones with
a *fresh* attractor state, and returns all outputs packed in one array (one host transfer
per step). Training throughput is then bounded by the learner, not by per-env Python stepping.

It follows SB3's conventions exactly, so it can replace ``DummyVecEnv([gym.make(id)] * n)``:

* ``step_wait`` returns ``(obs, rewards, dones, infos)`` where ``dones = terminated | truncated``
  and, for a finished environment, ``obs`` already holds the first observation of the next
  episode while ``infos[i]["terminal_observation"]`` holds the last one of the finished episode;
* every ``infos[i]`` carries ``"TimeLimit.truncated" = truncated and not terminated`` plus the
  contract's entries (``diverged``, ``invalid_action``, the task's metrics; bool metrics as
  bools, as through ``gym.make``);
* episode statistics come out of the box, as with ``VecMonitor``: a finished environment's
  ``infos[i]["episode"] = {"r": return, "l": length, "t": seconds since creation}``, so SB3
  fills ``model.ep_info_buffer`` and ``evaluate_policy`` reads the returns without warning;
* ``seed(s)`` makes the next ``reset()`` reproducible (environment ``i`` is seeded ``s + i``);
  ``set_options({"x0": ...})`` (one dict, or a list of one dict per env) starts the next
  ``reset()`` from given states, which is how stored initial-condition sets are evaluated.

``get_attr``/``set_attr``/``env_method`` act on light per-environment views exposing ``env_id``,
``fenv``, ``spec``, ``render_mode``, ``state`` and ``time`` (SB3 itself only queries
``render_mode``). Rendering is per single environment (:class:`chaosgym.gym.ChaosEnv`).

Precision: the batched step computes in float32 like ``gym.make``, but XLA may fuse and order
the vmapped arithmetic differently, so trajectories agree with ``gym.make`` only to float32
rounding at first and then drift apart at the system's largest Lyapunov exponent (chaos
amplifies the rounding); compare statistics, not long trajectories.

Example::

    from stable_baselines3 import SAC
    from chaosgym.envs.adapters.sb3 import ChaosSB3VecEnv

    venv = ChaosSB3VecEnv("chaosgym/LorenzStabilize-v1", num_envs=16, seed=0)
    SAC("MlpPolicy", venv).learn(50_000)
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

import numpy as np

from chaosgym.envs.adapters._contract import contract_for
from chaosgym.envs.adapters.vector import check_num_envs

try:  # optional dependency: stable-baselines3 (the ``agents`` extra)
    from stable_baselines3.common.monitor import Monitor
    from stable_baselines3.common.vec_env.base_vec_env import VecEnv
except ImportError as _e:  # pragma: no cover - exercised only without the extra
    raise ImportError(
        "chaosgym.envs.adapters.sb3 needs stable-baselines3: pip install 'chaosgym[agents]'"
    ) from _e

__all__ = ["ChaosSB3VecEnv"]


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
        **kwargs: configuration accepted by :func:`chaosgym.make_functional`.
    """

    def __init__(
        self,
        env_id: str,
        num_envs: int = 1,
        seed: int | None = None,
        max_episode_steps: int | None = None,
        **kwargs: Any,
    ) -> None:
        n = check_num_envs(num_envs)
        if max_episode_steps is not None:
            kwargs["max_steps"] = max_episode_steps
        self.contract = c = contract_for(env_id, **kwargs)
        self.fenv = c.fenv
        self.env_id = env_id
        self.params = c.default_params
        self._views = [_EnvView(self, i) for i in range(n)]
        super().__init__(n, c.observation_space, c.action_space)
        seed = c.check_seed(seed)
        self._seeds = [None if seed is None else seed + i for i in range(n)]
        self._state = None
        self._keys = None
        self._count = 0
        self._actions: np.ndarray | None = None
        self._vstep_default = c.program("batch_step_default:same_step")
        self._vstep_params = c.program("batch_step:same_step")
        self.steps = np.zeros(n, np.int64)
        self._returns = np.zeros(n, np.float64)
        self._t0 = time.time()

    # ------------------------------------------------------------------ VecEnv API
    def reset(self) -> np.ndarray:
        """Reset every environment (using the seeds and options set since the last reset)."""
        c, n = self.contract, self.num_envs
        seeds = self._seeds
        if all(s is None for s in seeds):
            base = int(np.random.SeedSequence().generate_state(1)[0] & 0x7FFFFFFF)
            seeds = [base + i for i in range(n)]
        elif any(s is None for s in seeds):
            first = next(s for s in seeds if s is not None)
            seeds = [first + i if s is None else s for i, s in enumerate(seeds)]
        x0 = np.zeros((n, c.state_dim), np.float64)
        use = np.zeros(n, bool)
        for i, opt in enumerate(self._options):
            opt = c.check_options(opt)
            if "x0" in opt:
                x0[i], use[i] = c.check_x0(opt["x0"], f"options['x0'] of env {i}"), True
        self._state, self._keys, obs = c.reset_batch([int(s) for s in seeds], x0, use,
                                                     self.params)
        self.steps = np.zeros(n, np.int64)
        self._returns = np.zeros(n, np.float64)
        self.reset_infos = [{} for _ in range(n)]
        self._reset_seeds()
        self._reset_options()
        return obs.copy()

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
        c = self.contract
        a = c.check_action(self._actions, self.num_envs)
        self._count += 1
        count = np.uint32(self._count & 0xFFFFFFFF)
        if self.params is c.default_params:
            self._state, out = self._vstep_default(self._keys, count, self._state, a)
        else:
            self._state, out = self._vstep_params(self._keys, count, self._state, a,
                                                  self.params)
        obs, final, rewards, term, trunc, _reset, vals = c.unpack_batch(np.asarray(out))
        # writable copies, as DummyVecEnv returns: SB3 itself adds to the rewards in place
        # (PPO bootstraps truncated episodes with rewards[i] += gamma * value)
        obs, rewards = obs.copy(), rewards.copy()
        dones = term | trunc
        self.steps += 1
        self._returns += rewards
        names = c.info_names
        cols = [vals[k].tolist() for k in names]
        tl = (trunc & ~term).tolist()
        infos: list[dict[str, Any]] = []
        for i in range(self.num_envs):
            info: dict[str, Any] = {"TimeLimit.truncated": tl[i]}
            for k, col in zip(names, cols, strict=True):
                info[k] = col[i]
            infos.append(info)
        for i in np.flatnonzero(dones):
            infos[i]["terminal_observation"] = final[i].copy()
            infos[i]["episode"] = {"r": float(self._returns[i]), "l": int(self.steps[i]),
                                   "t": round(time.time() - self._t0, 6)}
            self.steps[i] = 0
            self._returns[i] = 0.0
        return obs, rewards, dones, infos

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
        """True for SB3's ``Monitor``: episode statistics are reported as it reports them."""
        wrapped = wrapper_class is Monitor
        return [wrapped for _ in self._indices(indices)]

    def get_images(self) -> Sequence[np.ndarray | None]:
        return [None for _ in range(self.num_envs)]

    # ------------------------------------------------------------------ state access
    @property
    def state(self) -> np.ndarray:
        """Current system states, ``(num_envs, state_dim)``."""
        if self._state is None:
            raise RuntimeError(f"{self.env_id}: call reset() first")
        return np.asarray(self._state.x)
