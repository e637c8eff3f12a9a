"""Pure environment wrappers for robustness studies, usable in jit/vmap and in Gymnasium.

Each wrapper takes a :class:`~chaosgym.functional.FunctionalEnv` (or another wrapper) and
exposes the same pure interface ``reset(key, params) -> (obs, state)`` and
``step(key, state, action, params) -> (obs, state, reward, terminated, truncated, info)``.
Wrappers that need memory (action delay, randomised parameters) keep it in their state
pytree, so they compose with each other, with the one autoreset
(:class:`chaosgym.envs.wrappers.AutoReset`) and with ``jax.vmap``.
:class:`chaosgym.envs.adapters.gymnasium.GymEnv` runs any wrapped core as a Gymnasium ``Env``
through the adapter contract (one jitted call per step).

Wrappers:
    :class:`PartialObservation` — only a subset of the observation (sensor subsets);
    :class:`ObservationNoise` — additive Gaussian sensor noise;
    :class:`ActionNoise` — additive Gaussian actuation noise (before clipping);
    :class:`ActionDelay` — actions take effect ``delay`` steps late;
    :class:`DomainRandomization` — system parameters drawn afresh at every reset;
    :class:`ActionRepeat` — each action held for ``repeat`` environment steps.

Example::

    fenv = chaosgym.make_functional("chaosgym/LorenzStabilize-v1")
    env = ObservationNoise(PartialObservation(fenv, [0, 2]), std=0.1)
    env = DomainRandomization(env, {"rho": (24.0, 32.0)})
    gym_env = GymEnv(env)            # chaosgym.envs.adapters.gymnasium.GymEnv
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import gymnasium as gym
import jax
import jax.numpy as jnp
import numpy as np

from chaosgym._pytree import field_names

Array = jax.Array

__all__ = [
    "ActionDelay",
    "ActionNoise",
    "ActionRepeat",
    "DomainRandomization",
    "ObservationNoise",
    "PartialObservation",
    "Wrapper",
]


class Wrapper:
    """Base class: forwards everything to the wrapped environment."""

    def __init__(self, env) -> None:
        self.env = env

    def __getattr__(self, name: str):
        if name == "env":
            raise AttributeError(name)
        return getattr(self.env, name)

    @property
    def unwrapped(self):
        """The innermost :class:`~chaosgym.functional.FunctionalEnv`."""
        env = self.env
        while isinstance(env, Wrapper):
            env = env.env
        return env

    def reset(self, key: Array, params=None):
        return self.env.reset(key, params)

    def step(self, key: Array, state, action: Array, params=None):
        return self.env.step(key, state, action, params)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.env!r})"


class PartialObservation(Wrapper):
    """Observe only the components ``indices`` of the wrapped observation (a sensor subset)."""

    def __init__(self, env, indices: Sequence[int]) -> None:
        super().__init__(env)
        idx = np.asarray(list(indices), dtype=np.int64).reshape(-1)
        n = int(env.obs_dim)
        if idx.size == 0:
            raise ValueError("PartialObservation needs at least one index")
        if idx.min() < -n or idx.max() >= n:
            raise ValueError(f"indices {idx.tolist()} out of range for an observation of size {n}")
        self.indices = np.mod(idx, n)
        self.obs_dim = int(idx.size)
        box = env.observation_space
        self.observation_space = gym.spaces.Box(
            box.low[self.indices], box.high[self.indices], (self.obs_dim,), box.dtype
        )

    def reset(self, key, params=None):
        obs, state = self.env.reset(key, params)
        return obs[self.indices], state

    def step(self, key, state, action, params=None):
        obs, state, r, term, trunc, info = self.env.step(key, state, action, params)
        return obs[self.indices], state, r, term, trunc, info


class ObservationNoise(Wrapper):
    """Add Gaussian noise of standard deviation ``std`` (scalar or per component) to every
    observation; ``relative=True`` scales it by the attractor's spread of each component."""

    def __init__(self, env, std: float | Sequence[float], relative: bool = False) -> None:
        super().__init__(env)
        std = np.broadcast_to(np.asarray(std, np.float64), (int(env.obs_dim),)).copy()
        if np.any(std < 0) or not np.all(np.isfinite(std)):
            raise ValueError(f"std must be finite and non-negative, got {std}")
        self.std = std
        self.relative = bool(relative)

    def _noisy(self, key, obs):
        scale = jnp.asarray(self.std, obs.dtype)
        if self.relative:
            scale = scale * self._obs_scale(obs.dtype)
        return obs + scale * jax.random.normal(key, obs.shape, obs.dtype)

    def _obs_scale(self, dtype):
        base = self.unwrapped
        bank_scale = jnp.asarray(base._ic_scale, dtype)
        if bank_scale.shape[0] == self.obs_dim:
            return bank_scale
        return jnp.ones((self.obs_dim,), dtype)

    def reset(self, key, params=None):
        k1, k2 = jax.random.split(key)
        obs, state = self.env.reset(k1, params)
        return self._noisy(k2, obs), state

    def step(self, key, state, action, params=None):
        k1, k2 = jax.random.split(key)
        obs, state, r, term, trunc, info = self.env.step(k1, state, action, params)
        return self._noisy(k2, obs), state, r, term, trunc, info


class ActionNoise(Wrapper):
    """Add Gaussian noise (in normalised action units) to every action before it is applied;
    the environment then clips it to ``[-1, 1]``."""

    def __init__(self, env, std: float | Sequence[float]) -> None:
        super().__init__(env)
        m = int(env.action_space.shape[0])
        std = np.broadcast_to(np.asarray(std, np.float64), (m,)).copy()
        if np.any(std < 0) or not np.all(np.isfinite(std)):
            raise ValueError(f"std must be finite and non-negative, got {std}")
        self.std = std

    def step(self, key, state, action, params=None):
        k1, k2 = jax.random.split(key)
        a = jnp.asarray(action)
        dtype = a.dtype if jnp.issubdtype(a.dtype, jnp.floating) else jnp.float32
        a = a.astype(dtype)
        noisy = a + jnp.asarray(self.std, dtype) * jax.random.normal(k2, a.shape, dtype)
        return self.env.step(k1, state, noisy, params)


class ActionDelay(Wrapper):
    """Apply each action ``delay`` steps after it is chosen (zero action until then).

    The state is ``{"env": inner_state, "queue": (delay, m) pending actions}``.
    """

    def __init__(self, env, delay: int) -> None:
        super().__init__(env)
        if int(delay) < 0:
            raise ValueError(f"delay must be >= 0, got {delay}")
        self.delay = int(delay)
        self._m = int(env.action_space.shape[0])

    def reset(self, key, params=None):
        obs, state = self.env.reset(key, params)
        dtype = obs.dtype
        return obs, {"env": state, "queue": jnp.zeros((self.delay, self._m), dtype)}

    def step(self, key, state, action, params=None):
        queue = state["queue"]
        a = jnp.reshape(jnp.asarray(action, queue.dtype), (self._m,))
        if self.delay == 0:
            applied, queue2 = a, queue
        else:
            applied = queue[0]
            queue2 = jnp.concatenate([queue[1:], a[None]], axis=0)
        obs, inner, r, term, trunc, info = self.env.step(key, state["env"], applied, params)
        return obs, {"env": inner, "queue": queue2}, r, term, trunc, info


class DomainRandomization(Wrapper):
    """Draw system parameters afresh at every reset (domain randomisation).

    Args:
        env: the environment.
        ranges: ``{name: (low, high)}`` of system-parameter fields drawn uniformly, or
        sampler: ``(key, system_params) -> system_params`` for anything else.
        relative: interpret ranges as factors of the default value.

    The drawn parameters live in the state (``{"env": inner_state, "params": EnvParams}``) and
    are used for the whole episode; ``info["params"]`` is not added (read them from the state).
    Only non-static (leaf) fields can be randomised.
    """

    def __init__(
        self,
        env,
        ranges: Mapping[str, tuple[float, float]] | None = None,
        sampler: Callable[[Array, Any], Any] | None = None,
        relative: bool = False,
    ) -> None:
        super().__init__(env)
        if (ranges is None) == (sampler is None):
            raise ValueError("pass exactly one of ranges or sampler")
        sp = env.default_params.system
        if ranges is not None:
            valid = field_names(sp)
            leaves = _leaf_fields(sp)
            for name, rng in ranges.items():
                if name not in valid:
                    raise ValueError(f"unknown system parameter {name!r}; valid: {sorted(valid)}")
                if name not in leaves:
                    raise ValueError(
                        f"{name!r} is static (it fixes shapes) and cannot be randomised"
                    )
                lo, hi = (float(v) for v in rng)
                if not (np.isfinite(lo) and np.isfinite(hi) and lo <= hi):
                    raise ValueError(f"range for {name!r} must be finite with low <= high")
        self.ranges = None if ranges is None else {k: tuple(map(float, v))
                                                    for k, v in ranges.items()}
        self.sampler = sampler
        self.relative = bool(relative)

    def sample_params(self, key, params=None):
        """Environment params with freshly drawn system parameters (jittable)."""
        params = self.env.default_params if params is None else params
        sp = params.system
        if self.sampler is not None:
            return params.replace(system=self.sampler(key, sp))
        keys = jax.random.split(key, len(self.ranges))
        changes = {}
        for k, (name, (lo, hi)) in zip(keys, self.ranges.items(), strict=True):
            base = jnp.asarray(getattr(sp, name))
            v = jax.random.uniform(k, base.shape, minval=lo, maxval=hi)
            changes[name] = base * v if self.relative else v.astype(base.dtype)
        return params.replace(system=sp.replace(**changes))

    def reset(self, key, params=None):
        k1, k2 = jax.random.split(key)
        p = self.sample_params(k1, params)
        obs, state = self.env.reset(k2, p)
        return obs, {"env": state, "params": p}

    def step(self, key, state, action, params=None):
        obs, inner, r, term, trunc, info = self.env.step(key, state["env"], action,
                                                         state["params"])
        return obs, {"env": inner, "params": state["params"]}, r, term, trunc, info


def _leaf_fields(obj) -> set[str]:
    import dataclasses

    return {f.name for f in dataclasses.fields(obj) if not f.metadata.get("static")}


class ActionRepeat(Wrapper):
    """Hold each action for ``repeat`` environment steps (one ``lax.scan``); rewards are summed
    and the steps after termination or truncation inside the window are skipped."""

    def __init__(self, env, repeat: int) -> None:
        super().__init__(env)
        if int(repeat) < 1:
            raise ValueError(f"repeat must be >= 1, got {repeat}")
        self.repeat = int(repeat)

    def step(self, key, state, action, params=None):
        keys = jax.random.split(key, self.repeat)
        obs, state, r, term, trunc, info = self.env.step(keys[0], state, action, params)
        if self.repeat == 1:
            return obs, state, r, term, trunc, info

        def body(carry, k):
            obs, state, r, term, trunc, info = carry
            done = term | trunc
            o2, s2, r2, t2, tr2, i2 = self.env.step(k, state, action, params)
            keep = lambda new, old: jnp.where(done, old, new)  # noqa: E731
            return (
                keep(o2, obs),
                jax.tree_util.tree_map(keep, s2, state),
                r + jnp.where(done, 0.0, r2).astype(r.dtype),
                keep(t2, term),
                keep(tr2, trunc),
                jax.tree_util.tree_map(keep, i2, info),
            ), None

        carry, _ = jax.lax.scan(body, (obs, state, r, term, trunc, info), keys[1:])
        return carry
