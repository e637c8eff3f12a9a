"""The gymnax API on the contract: for JAX-native agents (PureJaxRL-style training loops).

:class:`GymnaxEnv` follows gymnax's conventions (Lange, *gymnax: A JAX-based reinforcement
learning environment library*, 2022; version 1.x)::

    env = GymnaxEnv("chaosgym/LorenzStabilize-v1")
    params = env.default_params
    obs, state = env.reset(key, params)
    obs, state, reward, done, info = env.step(key, state, action, params)
    env.action_space(params).sample(key); env.observation_space(params).shape

Everything is pure and jittable (``jax.jit(jax.vmap(env.step, in_axes=(0, 0, 0, None)))``).
``step`` resets a finished episode inside the call with a *fresh* initial condition (the one
autoreset, :class:`chaosgym.envs.wrappers.AutoReset`); ``step_env`` / ``reset_env`` are the
transitions without it, as in gymnax. ``done = terminated | truncated``; ``info`` carries the
contract's entries (``diverged``, ``invalid_action`` and the task's metrics, bool metrics as
bools) plus ``terminated``, ``truncated``, ``discount`` (``1 - terminated``, for
bootstrapping through time-limit truncations) and ``final_obs``.

A non-finite action cannot raise inside jit: it is replaced by zero control and flagged in
``info["invalid_action"]``. ``reset(jax.random.key(s))`` starts the same episode as
``gym.make(id).reset(seed=s)``.
"""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from chaosgym.envs.adapters._contract import EnvContract, contract_for
from chaosgym.envs.wrappers.autoreset import AutoReset

Array = jax.Array

__all__ = ["Box", "GymnaxEnv", "make_gymnax"]


class Box:
    """A jittable box space with gymnax's interface (``sample(key)``, ``contains(x)``)."""

    def __init__(self, low: Any, high: Any, shape: tuple[int, ...], dtype: Any = jnp.float32):
        self.low = low
        self.high = high
        self.shape = tuple(shape)
        self.dtype = dtype

    def sample(self, rng: Array) -> Array:
        """A uniform sample of the box."""
        return jax.random.uniform(rng, self.shape, minval=self.low,
                                  maxval=self.high).astype(self.dtype)

    def contains(self, x: Array) -> Array:
        """Whether ``x`` lies in the box (jittable)."""
        x = jnp.asarray(x)
        return jnp.logical_and(jnp.all(x >= self.low), jnp.all(x <= self.high))

    def __repr__(self) -> str:
        return f"Box({self.shape}, {jnp.dtype(self.dtype).name})"


def _box(space) -> Box:
    low = np.asarray(space.low, np.float32)
    high = np.asarray(space.high, np.float32)
    lo = float(low.flat[0]) if np.all(low == low.flat[0]) else jnp.asarray(low)
    hi = float(high.flat[0]) if np.all(high == high.flat[0]) else jnp.asarray(high)
    return Box(lo, hi, space.shape, jnp.float32)


class GymnaxEnv:
    """A registered id (or any pure core) behind gymnax's ``Environment`` API.

    Args:
        env_id: the registered id; or pass ``core=`` (a FunctionalEnv or pure wrappers).
        core: a pure core to adapt instead of a registered id.
        **kwargs: configuration accepted by :func:`chaosgym.make_functional`.
    """

    def __init__(self, env_id: str | None = None, *, core: Any = None, **kwargs: Any) -> None:
        if (env_id is None) == (core is None):
            raise TypeError("GymnaxEnv needs exactly one of env_id or core=")
        if env_id is not None:
            self.contract = contract_for(env_id, **kwargs)
        else:
            if kwargs:
                raise TypeError(f"configuration {sorted(kwargs)} applies to an env_id only")
            self.contract = EnvContract(core)
        self._env_id = env_id
        self._kwargs = dict(kwargs)
        self.core = self.contract.core
        self._auto = AutoReset(self.core)

    # pickled by configuration (the core holds compiled functions)
    def __reduce__(self):
        if self._env_id is None:
            raise TypeError("a GymnaxEnv around a custom core pickles only via its env_id")
        return (_rebuild, (self._env_id, self._kwargs))

    @property
    def default_params(self):
        """Environment parameters (an ``EnvParams`` pytree: system, task, max_steps)."""
        return self.contract.default_params

    @property
    def name(self) -> str:
        return self.contract.env_id

    @property
    def num_actions(self) -> int:
        """Number of action components (gymnax's name; the action is a continuous vector)."""
        return int(np.prod(self.contract.act_shape))

    def action_space(self, params: Any = None) -> Box:
        return _box(self.contract.action_space)

    def observation_space(self, params: Any = None) -> Box:
        return _box(self.contract.observation_space)

    # ------------------------------------------------------------------ transitions
    def _action(self, action: Array) -> Array:
        a = jnp.asarray(action)
        if not (jnp.issubdtype(a.dtype, jnp.floating) or jnp.issubdtype(a.dtype, jnp.integer)):
            raise TypeError(
                f"{self.name}: action must be a real-valued array of shape "
                f"{self.contract.act_shape}; got dtype {a.dtype}"
            )
        if a.shape != self.contract.act_shape:
            if a.size != self.num_actions:
                raise ValueError(f"{self.name}: action must have shape "
                                 f"{self.contract.act_shape}, got shape {a.shape}")
            a = a.reshape(self.contract.act_shape)
        return a.astype(jnp.float32)

    def _out(self, obs, state, r, term, trunc, info):
        names = self.contract.info_names
        out_info = {n: info[n] for n in names}
        out_info.update(terminated=term, truncated=trunc,
                        discount=1.0 - term.astype(jnp.float32))
        if "final_obs" in info:
            out_info["final_obs"] = info["final_obs"].astype(jnp.float32)
        return (obs.astype(jnp.float32), state, r.astype(jnp.float32), term | trunc, out_info)

    def reset_env(self, key: Array, params: Any = None):
        params = self.default_params if params is None else params
        obs, state = self.core.reset(key, params)
        return obs.astype(jnp.float32), state

    def reset(self, key: Array, params: Any = None):
        """``(obs, state)`` of a fresh episode drawn from ``key``."""
        return self.reset_env(key, params)

    def step_env(self, key: Array, state: Any, action: Array, params: Any = None):
        """One transition without autoreset: ``(obs, state, reward, done, info)``."""
        params = self.default_params if params is None else params
        return self._out(*self.core.step(key, state, self._action(action), params))

    def step(self, key: Array, state: Any, action: Array, params: Any = None):
        """One transition; a finished episode restarts from a fresh initial condition."""
        params = self.default_params if params is None else params
        return self._out(*self._auto.step(key, state, self._action(action), params))

    def __repr__(self) -> str:
        return f"GymnaxEnv({self.name})"


def _rebuild(env_id: str, kwargs: dict) -> GymnaxEnv:
    return GymnaxEnv(env_id, **kwargs)


def make_gymnax(env_id: str, **kwargs: Any) -> tuple[GymnaxEnv, Any]:
    """``(env, env.default_params)``, as ``gymnax.make`` returns them."""
    env = GymnaxEnv(env_id, **kwargs)
    return env, env.default_params
