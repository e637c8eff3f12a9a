"""Gymnasium ``Env`` adapters on the contract: :class:`ChaosEnv` (``gym.make``) and
:class:`GymEnv` (any pure core, e.g. a stack of robustness wrappers).

One ``step`` is one jitted call (all integrator substeps, reward and termination inside) that
returns every output packed in one array, so a step costs one dispatch and one host transfer.
Observations are float32; ``info`` carries the contract's entries (``diverged``,
``invalid_action``, the task's metrics; bool metrics as Python bools, the others as floats).
Compiled programs belong to the contract, which is shared by every instance of the same id
and configuration, so a second ``gym.make`` does not compile again.

Pickling (SubprocVecEnv, Ray, multiprocessing) stores the configuration and the episode state
(as numpy arrays) and rebuilds the environment on load.
"""

from __future__ import annotations

import sys
from typing import Any, ClassVar

import gymnasium as gym
import jax
import jax.numpy as jnp
import numpy as np

from chaosgym.envs.adapters._contract import EnvContract, ParamsMixin, contract_for
from chaosgym.envs.validation import check_int

__all__ = ["ChaosEnv", "GymEnv"]


def _time_limit_of_gym_make() -> tuple[int | None, bool]:
    """The ``max_episode_steps`` that ``gym.make`` is about to apply, if it is our caller, and
    whether it was passed explicitly (else it is the registered one).

    Gymnasium applies its ``TimeLimit`` outside the environment without telling it; reading
    the limit here keeps the environment's own limit (and with it the divergence charge for
    the remaining steps) consistent with ``gym.make(id, max_episode_steps=k)``.
    """
    make_code = gym.envs.registration.make.__code__
    f = sys._getframe(1)
    for _ in range(6):
        f = f.f_back
        if f is None:
            break
        if f.f_code is make_code:
            limit = f.f_locals.get("max_episode_steps")
            explicit = limit is not None
            if limit is None:
                spec = f.f_locals.get("env_spec")
                limit = getattr(spec, "max_episode_steps", None)
            ok = isinstance(limit, int) and not isinstance(limit, bool) and limit > 0
            return (int(limit) if ok else None), explicit
    return None, False


class _ContractEnv(ParamsMixin, gym.Env):
    """Shared machinery of the Gymnasium adapters (state, seeding, step, reset)."""

    contract: EnvContract

    def _setup(self, contract: EnvContract) -> None:
        self.contract = contract
        self.fenv = contract.fenv
        self.observation_space = contract.observation_space
        self.action_space = contract.action_space
        self._default_params = contract.default_params
        self._params = contract.default_params
        # The episode lives in one uint32 array on the device, [packed outputs | state | key]
        # (one argument in, one result out per step), when the state's leaves allow it
        # (contract.carry); otherwise as the state pytree and the key data.
        self._carry = None
        self._tree = None
        if contract.carry is not None:
            self._step_default = contract.program("carry_step_default")
            self._step_params = contract.program("carry_step")
            self._encode = contract.program("carry_encode")
            self._decode = contract.program("carry_decode")
        else:
            self._step_default = contract.program("step_default")
            self._step_params = contract.program("step")
        self._reset = contract.program("reset")

    @property
    def _step(self):
        """The compiled step in use (for inspection: ``_cache_size()``)."""
        return self._step_default if self._params is self._default_params else self._step_params

    @property
    def _state(self):
        """The current state pytree (``None`` before the first reset)."""
        if self._carry is not None:
            return self._decode(self._carry)[0]
        return None if self._tree is None else self._tree[0]

    @property
    def _key(self):
        """The current key data (``uint32``; ``None`` before the first reset)."""
        if self._carry is not None:
            return self._decode(self._carry)[1]
        return None if self._tree is None else self._tree[1]

    def _set_episode(self, state, key_data) -> None:
        if self.contract.carry is not None:
            self._carry = self._encode(state, key_data)
        else:
            self._tree = (state, key_data)

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None):
        """Start an episode from a fresh attractor state (or ``options["x0"]``)."""
        c = self.contract
        seed = c.check_seed(seed)
        options = c.check_options(options)
        super().reset(seed=seed)
        episode_seed = seed if seed is not None else int(self.np_random.integers(0, 2**31 - 1))
        x0 = c.check_x0(options["x0"]) if "x0" in options else None
        state, key_data, obs = c.reset_single(episode_seed, x0, self._params)
        self._set_episode(state, key_data)
        return obs, {}

    def step(self, action):
        c = self.contract
        if self._carry is not None:
            a = c.check_action(action, flagged=c.flags_invalid)
            if self._params is self._default_params:
                carry = self._step_default(self._carry, a)
            else:
                carry = self._step_params(self._carry, a, self._params)
            obs, reward, term, trunc, info = c.unpack_carry(np.asarray(carry))
            if info["invalid_action"]:
                c.raise_invalid(action)
            self._carry = carry
            return obs, reward, term, trunc, info
        if self._tree is None:
            raise gym.error.ResetNeeded(f"{c.env_id}: call reset() before step()")
        a = c.check_action(action, flagged=c.flags_invalid)
        state, key_data = self._tree
        if self._params is self._default_params:
            res = self._step_default(state, key_data, a)
        else:
            res = self._step_params(state, key_data, a, self._params)
        obs, reward, term, trunc, info = c.unpack(np.asarray(res[-1]))
        if info["invalid_action"]:
            c.raise_invalid(action)
        # a wrapper stack splits its carried key on every step
        self._tree = (res[0], key_data if c.fixed_key else res[1])
        return obs, reward, term, trunc, info

    # ------------------------------------------------------------------ pickling
    def _episode(self) -> dict[str, Any]:
        return {
            "state": None if self._state is None else jax.device_get(self._state),
            "key": None if self._key is None else np.asarray(self._key),
            "params": jax.device_get(self._params),
            "np_random": self._np_random,
            "spec": self.spec,
        }

    def _restore(self, ep: dict[str, Any]) -> None:
        self.params = ep["params"]
        if ep["params"] is not None and _same(ep["params"], self._default_params):
            self._params = self._default_params
        self._np_random = ep["np_random"]
        self.spec = ep["spec"]
        if ep["state"] is not None:
            self._set_episode(jax.tree_util.tree_map(jnp.asarray, ep["state"]),
                              jnp.asarray(ep["key"]))


def _same(a, b) -> bool:
    la, lb = jax.tree_util.tree_leaves(a), jax.tree_util.tree_leaves(b)
    return len(la) == len(lb) and all(
        np.shape(x) == np.shape(y) and np.array_equal(np.asarray(x), np.asarray(y))
        for x, y in zip(la, lb, strict=True))


class ChaosEnv(_ContractEnv):
    """Gymnasium ``Env`` for any registered ``chaosgym/...`` id.

    Args:
        env_id: the registered id (``gym.make`` passes it).
        render_mode: ``None``, ``"human"`` or ``"rgb_array"``.
        **kwargs: configuration accepted by :func:`chaosgym.make_functional`. Under
            ``gym.make(id, max_episode_steps=k)`` the environment's own limit is ``k``.
    """

    metadata: ClassVar[dict[str, Any]] = {"render_modes": ["human", "rgb_array"], "render_fps": 30}

    def __init__(self, env_id: str, render_mode: str | None = None, **kwargs: Any) -> None:
        if render_mode is not None and render_mode not in self.metadata["render_modes"]:
            raise ValueError(
                f"render_mode must be one of {self.metadata['render_modes']} or None, "
                f"got {render_mode!r}"
            )
        limit, explicit = _time_limit_of_gym_make()
        if "max_steps" in kwargs:
            check_int("max_steps", kwargs["max_steps"], 1, env_id=env_id)
            if explicit and limit is not None and kwargs["max_steps"] != limit:
                raise ValueError(
                    f"{env_id}: max_steps={kwargs['max_steps']} contradicts "
                    f"max_episode_steps={limit}; pass one of them"
                )
        elif limit is not None:
            kwargs["max_steps"] = limit
        self._setup(contract_for(env_id, **kwargs))
        self.env_id = env_id
        self._kwargs = dict(kwargs)
        self.render_mode = render_mode
        self._renderer = None

    def __reduce__(self):
        return (_rebuild_chaos_env, (self.env_id, self.render_mode, self._kwargs),
                self._episode())

    def __setstate__(self, ep: dict[str, Any]) -> None:
        self._restore(ep)

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None):
        obs, info = super().reset(seed=seed, options=options)
        if self._renderer is not None:
            self._renderer.reset(self)
        if self.render_mode == "human":
            self.render()
        return obs, info

    def step(self, action):
        obs, reward, term, trunc, info = super().step(action)
        if self._renderer is not None or self.render_mode == "human":
            self._record(self.contract.check_action(action), reward, info)
        return obs, reward, term, trunc, info

    # ------------------------------------------------------------------ state access
    @property
    def state(self) -> np.ndarray:
        """The current system state (a copy, in the environment's dtype)."""
        if self._state is None:
            raise gym.error.ResetNeeded(f"{self.env_id}: call reset() first")
        return np.asarray(self._state.x)

    @property
    def time(self) -> float:
        """Elapsed time in the episode (control intervals × dt)."""
        return 0.0 if self._state is None else int(self._state.t) * self.fenv.dt

    # ------------------------------------------------------------------ rendering
    def _ensure_renderer(self):
        if self._renderer is None:
            from chaosgym.render import make_renderer

            self._renderer = make_renderer(self)
            self._renderer.reset(self)
        return self._renderer

    def _record(self, action, reward, info) -> None:
        r = self._ensure_renderer()
        r.record(self, action, reward, info)
        if self.render_mode == "human":
            r.show(self)

    def render(self):
        """An RGB frame (``rgb_array``) or a refreshed window (``human``)."""
        if self.render_mode is None:
            gym.logger.warn(
                f"{self.env_id}: render() called without a render_mode; pass "
                "render_mode='rgb_array' or 'human' to gym.make"
            )
            return None
        r = self._ensure_renderer()
        if self.render_mode == "rgb_array":
            return r.frame(self)
        r.show(self)
        return None

    def close(self) -> None:
        if self._renderer is not None:
            self._renderer.close()
            self._renderer = None
        super().close()


def _rebuild_chaos_env(env_id: str, render_mode: str | None, kwargs: dict) -> ChaosEnv:
    return ChaosEnv(env_id, render_mode=render_mode, **kwargs)


class GymEnv(_ContractEnv):
    """A Gymnasium ``Env`` around any pure core (a FunctionalEnv or a stack of wrappers).

    The core goes through the same contract as :class:`ChaosEnv` (validation, packing, info
    names and dtypes); such an environment pickles only if its core does.
    """

    metadata: ClassVar[dict[str, Any]] = {"render_modes": []}

    def __init__(self, env: Any, max_episode_steps: int | None = None) -> None:
        self.core = env
        contract = EnvContract(env)
        self._setup(contract)
        box = env.observation_space
        self.observation_space = gym.spaces.Box(box.low, box.high, box.shape, np.float32)
        if max_episode_steps is not None:
            self.params = self.params.replace(max_steps=int(max_episode_steps))
