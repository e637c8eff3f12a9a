"""A Gymnasium ``VectorEnv`` on the contract: one jitted, vmapped call steps every copy.

Autoreset (the one pure autoreset, :func:`chaosgym.envs.wrappers.autoreset.batched_step`)
happens inside that call and draws a *fresh* attractor state. The mode is chosen with
``gym.make_vec(id, n, autoreset_mode=...)`` and declared in ``metadata["autoreset_mode"]``:

* ``"next_step"`` (default, as Gymnasium's own vector envs, so Gymnasium's vector wrappers such
  as ``NormalizeObservation`` and ``RecordEpisodeStatistics`` accept it);
* ``"same_step"`` — Gymnasium's same-step layout: for a finished environment ``obs`` is the
  next episode's first observation, ``info["final_obs"]`` (an object array, valid where
  ``info["_final_obs"]``) its last one and ``info["final_info"]`` (with ``_final_info``) its
  last info;
* ``"disabled"`` — reset finished environments with ``reset(options={"reset_mask": mask})``.

``info`` entries are arrays with Gymnasium's ``_name`` masks; their names and dtypes are the
contract's (``diverged``, ``invalid_action``, the task's metrics; bool metrics ``np.bool_``).
``reset(seed=s)`` seeds environment ``i`` with ``s + i``; ``reset(seed=[...])`` one seed each;
``reset(options={"x0": x0})`` starts from given states (``(num_envs, dim)`` or ``(dim,)``).
"""

from __future__ import annotations

from typing import Any, ClassVar

import gymnasium as gym
import jax.numpy as jnp
import numpy as np
from gymnasium.vector import AutoresetMode
from gymnasium.vector.utils import batch_space

from chaosgym.envs.adapters._contract import ParamsMixin, contract_for
from chaosgym.envs.validation import check_int
from chaosgym.envs.wrappers.autoreset import MODES

__all__ = ["ChaosVectorEnv", "check_num_envs"]

_MODE_OF = {AutoresetMode.NEXT_STEP: "next_step", AutoresetMode.SAME_STEP: "same_step",
            AutoresetMode.DISABLED: "disabled"}
_MODE_NAMES: dict[Any, AutoresetMode] = {
    **{m: m for m in _MODE_OF}, **{v.replace("_", ""): m for m, v in _MODE_OF.items()},
}


def check_num_envs(num_envs: Any) -> int:
    """``num_envs`` as a positive int (``TypeError``/``ValueError`` otherwise)."""
    return check_int("num_envs", num_envs, 1, 2**31)


class ChaosVectorEnv(ParamsMixin, gym.vector.VectorEnv):
    """``num_envs`` copies of a registered id stepped by one jitted ``vmap``.

    Args:
        env_id: the registered id.
        num_envs: number of parallel environments.
        max_episode_steps: time limit (``gym.make_vec`` passes the registered one).
        render_mode: accepted for API compatibility; rendering is per single env.
        autoreset_mode: ``"next_step"``, ``"same_step"`` or ``"disabled"`` (or an
            :class:`~gymnasium.vector.AutoresetMode`).
        **kwargs: configuration accepted by :func:`chaosgym.make_functional`.
    """

    metadata: ClassVar[dict[str, Any]] = {
        "autoreset_mode": AutoresetMode.NEXT_STEP, "render_modes": [],
    }

    def __init__(
        self,
        env_id: str,
        num_envs: int = 1,
        max_episode_steps: int | None = None,
        render_mode: str | None = None,
        autoreset_mode: str | AutoresetMode = AutoresetMode.NEXT_STEP,
        **kwargs: Any,
    ) -> None:
        n = check_num_envs(num_envs)
        mode = _MODE_NAMES.get(autoreset_mode if isinstance(autoreset_mode, AutoresetMode)
                               else str(autoreset_mode).lower().replace("_", ""))
        if mode is None:
            raise ValueError(
                f"autoreset_mode must be one of {list(MODES)} or an AutoresetMode, "
                f"got {autoreset_mode!r}"
            )
        if max_episode_steps is not None:
            if "max_steps" in kwargs and int(kwargs["max_steps"]) != int(max_episode_steps):
                raise ValueError(f"{env_id}: max_steps={kwargs['max_steps']} contradicts "
                                 f"max_episode_steps={max_episode_steps}; pass one of them")
            kwargs["max_steps"] = max_episode_steps
        self.contract = c = contract_for(env_id, **kwargs)
        self.fenv = c.fenv
        self.env_id = env_id
        self.num_envs = n
        self.render_mode = render_mode
        self.metadata = {**type(self).metadata, "autoreset_mode": mode}
        self._mode = _MODE_OF[mode]
        self._params = c.default_params
        self.single_observation_space = c.observation_space
        self.single_action_space = c.action_space
        self.observation_space = batch_space(self.single_observation_space, n)
        self.action_space = batch_space(self.single_action_space, n)
        self._vstep_default = c.program(f"batch_step_default:{self._mode}")
        self._vstep_params = c.program(f"batch_step:{self._mode}")
        self._info_keys = tuple((k, "_" + k) for k in c.info_names)
        self._state = None
        self._keys = None
        self._pending = jnp.zeros((n,), bool)
        self._rng: np.random.Generator | None = None
        self._count = 0
        self._all = np.ones(n, bool)  # the "_name" mask when every entry is valid
        self._all.flags.writeable = False

    @property
    def _vstep(self):
        """The compiled batched step in use (for inspection: ``_cache_size()``)."""
        if self._params is self.contract.default_params:
            return self._vstep_default
        return self._vstep_params

    # ------------------------------------------------------------------ reset
    def _seeds(self, seed) -> list[int]:
        c, n = self.contract, self.num_envs
        if isinstance(seed, list | tuple | np.ndarray):
            if len(seed) != n:
                raise ValueError(f"{self.env_id}: reset(seed=[...]) needs {n} seeds, "
                                 f"got {len(seed)}")
            seeds = [c.check_seed(s, "seed[i]") for s in seed]
            first = next((s for s in seeds if s is not None), None)
            if first is not None:
                self._rng = np.random.default_rng(first)
        else:
            s = c.check_seed(seed)
            seeds = [None if s is None else s + i for i in range(n)]
            if s is not None:
                self._rng = np.random.default_rng(s)
        if self._rng is None:
            self._rng = np.random.default_rng()
        return [int(self._rng.integers(0, 2**31 - 1)) if s is None else s for s in seeds]

    def reset(self, *, seed: int | list[int | None] | None = None,
              options: dict[str, Any] | None = None):
        c, n = self.contract, self.num_envs
        options = c.check_options(options, extra=("reset_mask",))
        seeds = self._seeds(seed)
        x0 = np.zeros((n, c.state_dim))
        use = np.zeros(n, bool)
        if "x0" in options:
            xs = np.asarray(options["x0"], dtype=np.float64)
            xs = np.broadcast_to(xs, (n, c.state_dim)) if xs.ndim == 1 else xs
            if xs.shape != (n, c.state_dim):
                raise ValueError(f"{self.env_id}: options['x0'] must have shape "
                                 f"({c.state_dim},) or ({n}, {c.state_dim}), got {xs.shape}")
            x0 = np.stack([c.check_x0(x, f"options['x0'][{i}]") for i, x in enumerate(xs)])
            use[:] = True
        state, keys, obs = c.reset_batch(seeds, x0, use, self._params)
        mask = options.get("reset_mask")
        if mask is not None:
            mask = np.asarray(mask)
            if mask.shape != (n,) or mask.dtype != np.bool_:
                raise ValueError(f"{self.env_id}: options['reset_mask'] must be a bool array "
                                 f"of shape ({n},), got {mask.dtype} {mask.shape}")
            if self._state is None:
                raise gym.error.ResetNeeded(
                    f"{self.env_id}: reset_mask needs a full reset() first")
            merge = c.program("merge")
            m = jnp.asarray(mask)
            state = merge(m, state, self._state)
            keys = merge(m, keys, self._keys)
            obs = np.where(mask[:, None], obs, self._obs)
            self._pending = self._pending & ~m
        else:
            self._pending = jnp.zeros((n,), bool)
        self._state, self._keys, self._obs = state, keys, obs
        return obs, {}

    # ------------------------------------------------------------------ step
    def step(self, actions):
        if self._state is None:
            raise gym.error.ResetNeeded(f"{self.env_id}: call reset() before step()")
        c = self.contract
        a = c.check_action(actions, self.num_envs)
        self._count += 1
        count = np.uint32(self._count & 0xFFFFFFFF)
        extra = () if self._params is c.default_params else (self._params,)
        if self._mode == "next_step":
            prog = self._vstep_params if extra else self._vstep_default
            self._state, self._pending, out = prog(self._keys, count, self._state, a, *extra,
                                                   self._pending)
        else:
            prog = self._vstep_params if extra else self._vstep_default
            self._state, out = prog(self._keys, count, self._state, a, *extra)
        obs, final, r, term, trunc, reset, vals = c.unpack_batch(np.asarray(out))
        self._obs = obs
        info: dict[str, Any] = {}
        if self._mode == "same_step":
            done = term | trunc
            if done.any():
                mask = ~done
                final_info: dict[str, Any] = {}
                for k, mk in self._info_keys:
                    v = vals[k]
                    final_info[k], final_info[mk] = v, done
                    info[k], info[mk] = v, mask
                final_obs = np.full(self.num_envs, None, dtype=object)
                for i in np.flatnonzero(done):
                    final_obs[i] = final[i]
                info.update(final_obs=final_obs, _final_obs=done, final_info=final_info,
                            _final_info=done)
                return obs, r, term, trunc, info
            mask = self._all
        elif self._mode == "next_step" and reset.any():
            mask = ~reset
        else:
            mask = self._all
        for k, mk in self._info_keys:
            info[k], info[mk] = vals[k], mask
        return obs, r, term, trunc, info

    # ------------------------------------------------------------------ state access
    @property
    def state(self) -> np.ndarray:
        """Current system states, ``(num_envs, state_dim)``."""
        if self._state is None:
            raise gym.error.ResetNeeded(f"{self.env_id}: call reset() first")
        return np.asarray(self._state.x)

    def close_extras(self, **kwargs: Any) -> None:
        self._state = None
