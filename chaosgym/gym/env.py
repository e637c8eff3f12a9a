"""A single Gymnasium environment around a :class:`~chaosgym.functional.FunctionalEnv`.

One ``step`` is one jitted call (all integrator substeps, reward and termination inside) that
returns every output packed in one float32 array, so a step costs one dispatch and one host
transfer. Observations are float32; ``info`` carries ``diverged`` and the task's metrics.
"""

from __future__ import annotations

from typing import Any, ClassVar

import gymnasium as gym
import jax
import jax.numpy as jnp
import numpy as np

from chaosgym.gym._checks import check_action
from chaosgym.registration import make_functional

__all__ = ["ChaosEnv"]


class ChaosEnv(gym.Env):
    """Gymnasium ``Env`` for any registered ``chaosgym/...`` id.

    Args:
        env_id: the registered id (``gym.make`` passes it).
        render_mode: ``None``, ``"human"`` or ``"rgb_array"``.
        **kwargs: overrides accepted by :func:`chaosgym.make_functional`.
    """

    metadata: ClassVar[dict[str, Any]] = {"render_modes": ["human", "rgb_array"], "render_fps": 30}

    def __init__(self, env_id: str, render_mode: str | None = None, **kwargs: Any) -> None:
        if render_mode is not None and render_mode not in self.metadata["render_modes"]:
            raise ValueError(
                f"render_mode must be one of {self.metadata['render_modes']} or None, "
                f"got {render_mode!r}"
            )
        self.fenv = make_functional(env_id, **kwargs)
        self.env_id = env_id
        self.render_mode = render_mode
        self.params = self.fenv.default_params
        self.observation_space = self.fenv.observation_space
        self.action_space = self.fenv.action_space
        self.metadata = {**self.metadata, "render_fps": self._fps()}
        self._obs_dim = self.fenv.obs_dim
        self._act_shape = self.action_space.shape
        self._info_names = ("diverged", *self.fenv.metric_names)
        # Boolean metrics are reported as bools, the others as floats (from the traced types).
        k0 = jax.random.key(0)
        _, st0 = jax.eval_shape(self.fenv.reset, k0, self._params)
        a0 = jax.ShapeDtypeStruct(self.action_space.shape, jnp.float32)
        info0 = jax.eval_shape(self.fenv.step, k0, st0, a0, self._params)[5]
        self._info_kinds = tuple((n, info0[n].dtype == jnp.bool_) for n in self._info_names)
        self._state = None
        self._key = None
        self._renderer = None
        fenv = self.fenv

        names = self._info_names

        def packed_step(state, key, action, params):
            # The step key is derived from the episode key and the step count, so it costs
            # nothing when the dynamics and task are deterministic (XLA drops it).
            sub = jax.random.fold_in(key, state.t)
            obs, state, r, term, trunc, info = fenv.step(sub, state, action, params)
            tail = jnp.stack(
                [r, term, trunc, info["invalid_action"], *(info[n] for n in names)]
            ).astype(jnp.float32)
            return state, jnp.concatenate([obs.astype(jnp.float32).ravel(), tail])

        # Two compiled steps: with the default parameters baked in as constants (fewer
        # arguments to pass on every call), and with parameters as an argument (used once
        # `env.params` is set to something else; no retrace for further changes).
        default = self._params
        self._step_default = jax.jit(lambda state, key, action: packed_step(
            state, key, action, default))
        self._step_params = jax.jit(packed_step)
        self._default_params = default

        def packed_reset(key, params):
            key, sub = jax.random.split(key)
            obs, state = fenv.reset(sub, params)
            return state, key, obs.astype(jnp.float32)

        def packed_reset_to(key, x0, params):
            key, sub = jax.random.split(key)
            obs, state = fenv.reset_to(sub, x0, params)
            return state, key, obs.astype(jnp.float32)

        self._reset = jax.jit(packed_reset)
        self._reset_to = jax.jit(packed_reset_to)

    @property
    def _step(self):
        """The compiled step currently in use (for inspection: ``_cache_size()``)."""
        if self._params is self._default_params:
            return self._step_default
        return self._step_params

    @property
    def params(self):
        """Environment parameters (an :class:`~chaosgym.functional.EnvParams` pytree)."""
        return self._params

    @params.setter
    def params(self, value) -> None:
        # Leaves become arrays once here, not on every jitted call.
        self._params = jax.tree_util.tree_map(jnp.asarray, value)

    def _fps(self) -> int:
        return 30

    # ------------------------------------------------------------------ Gymnasium API
    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None):
        """Start an episode from a fresh attractor state (or ``options["x0"]``)."""
        super().reset(seed=seed)
        limit = getattr(self.spec, "max_episode_steps", None) if self.spec is not None else None
        if limit is not None and int(limit) != int(self.params.max_steps):
            self.params = self.params.replace(max_steps=int(limit))
        key = jax.random.key(int(self.np_random.integers(0, 2**31 - 1)))
        options = options or {}
        unknown = set(options) - {"x0"}
        if unknown:
            raise ValueError(f"{self.env_id}: unknown reset option(s) {sorted(unknown)}; "
                             "supported: ['x0']")
        if "x0" in options:
            x0 = np.asarray(options["x0"], dtype=np.float64)
            if x0.shape != (self.fenv.state_dim,) or not np.isfinite(x0).all():
                raise ValueError(
                    f"{self.env_id}: options['x0'] must be a finite array of shape "
                    f"({self.fenv.state_dim},), got {x0!r}"
                )
            self._state, self._key, obs = self._reset_to(key, jnp.asarray(x0), self.params)
        else:
            self._state, self._key, obs = self._reset(key, self.params)
        obs = np.asarray(obs)
        if self._renderer is not None:
            self._renderer.reset(self)
        if self.render_mode == "human":
            self.render()
        return obs, {}

    def step(self, action):
        if self._state is None:
            raise gym.error.ResetNeeded(f"{self.env_id}: call reset() before step()")
        if (type(action) is np.ndarray and action.dtype == np.float32
                and action.shape == self._act_shape):
            a = action  # fast path; finiteness is checked inside the jitted step
        else:
            a = check_action(action, self._act_shape, self.env_id)
        if self._params is self._default_params:
            state, out = self._step_default(self._state, self._key, a)
        else:
            state, out = self._step_params(self._state, self._key, a, self._params)
        out = np.asarray(out)
        n = self._obs_dim
        reward, term, trunc, invalid, *rest = out[n:].tolist()
        if invalid:
            raise ValueError(f"{self.env_id}: action contains non-finite values (NaN or inf): "
                             f"{action}")
        self._state = state
        obs = out[:n]
        term, trunc = term != 0.0, trunc != 0.0
        info = {name: (v != 0.0 if is_bool else v)
                for (name, is_bool), v in zip(self._info_kinds, rest, strict=True)}
        if self._renderer is not None or self.render_mode == "human":
            self._record(a, reward, info)
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
