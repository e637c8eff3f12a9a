"""The one autoreset: a finished episode restarts from a *fresh* initial condition, inside jit.

Every batched path (the Gymnasium vector env, the SB3 VecEnv, the gymnax adapter, user code
that ``vmap``\\ s a core) resets through this module. A reset draws a new attractor state from
the key, so chaotic episodes never repeat (unlike caching the first state, as Brax's
``AutoResetWrapper`` does; see Freeman et al., *Brax*, 2021, and Lange, *gymnax*, 2022, whose
same-step convention :class:`AutoReset` follows).

Modes (Gymnasium's :class:`~gymnasium.vector.AutoresetMode` names):

* ``"same_step"`` — the step that ends an episode returns the first observation of the next
  one; the last observation of the finished episode is ``info["final_obs"]``;
* ``"next_step"`` — the step that ends an episode returns its last observation; the next step
  of that environment ignores its action and returns the first observation of a new episode
  with reward 0 and both flags false;
* ``"disabled"`` — no reset; the caller resets (``reset_mask``).
"""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp

Array = jax.Array

__all__ = ["MODES", "AutoReset", "batched_reset", "batched_step", "where_done"]

MODES = ("next_step", "same_step", "disabled")


def where_done(done: Array, new: Any, old: Any) -> Any:
    """Select ``new`` where ``done`` (leading axes of every leaf) and ``old`` elsewhere."""

    def sel(a, b):
        d = jnp.reshape(done, done.shape + (1,) * (jnp.ndim(a) - done.ndim))
        return jnp.where(d, a, b)

    return jax.tree_util.tree_map(sel, new, old)


class AutoReset:
    """Same-step autoreset around a pure core; the same ``reset``/``step`` signature.

    ``step(key, state, action, params)`` splits ``key`` into a step key and a reset key,
    steps, and where the episode ended returns the fresh episode's observation and state.
    ``info`` gains ``"final_obs"`` (the observation that ended the episode, else the
    ordinary one) and ``"done"`` (``terminated | truncated``).
    """

    def __init__(self, env: Any) -> None:
        self.env = env

    def __getattr__(self, name: str):
        if name == "env":
            raise AttributeError(name)
        return getattr(self.env, name)

    def reset(self, key: Array, params: Any = None):
        return self.env.reset(key, params)

    def step(self, key: Array, state: Any, action: Array, params: Any = None):
        k_step, k_reset = jax.random.split(key)
        obs, state2, r, term, trunc, info = self.env.step(k_step, state, action, params)
        done = term | trunc
        obs_r, state_r = self.env.reset(k_reset, params)
        state_out = where_done(done, state_r, state2)
        obs_out = jnp.where(done, obs_r, obs)
        return obs_out, state_out, r, term, trunc, {**info, "final_obs": obs, "done": done}


def batched_reset(env: Any, keys: Array, params: Any):
    """``(obs, state)`` of ``len(keys)`` copies of ``env`` reset with one key each."""
    return jax.vmap(env.reset, in_axes=(0, None))(keys, params)


def batched_step(env: Any, mode: str):
    """A pure batched step with autoreset ``mode`` (one of :data:`MODES`).

    Returns ``step(keys, count, state, actions, params, pending) -> (state, pending, out)``:
    ``keys`` are per-environment episode-stream keys and ``count`` the call number (the step
    key of environment ``i`` is ``fold_in(keys[i], 2 count)``, its reset key
    ``fold_in(keys[i], 2 count + 1)``, so no key repeats), ``pending`` marks environments
    whose episode ended on the previous call (``next_step`` mode; ignored otherwise), and
    ``out = (obs, final_obs, reward, terminated, truncated, reset, info)`` where ``reset``
    marks the environments that started a new episode in this call. The fresh states are
    computed under ``lax.cond`` only on calls where some environment resets, so ordinary
    calls cost one vmapped step.
    """
    if mode not in MODES:
        raise ValueError(f"autoreset mode must be one of {MODES}, got {mode!r}")
    fold = jax.vmap(jax.random.fold_in, in_axes=(0, None))

    def step(keys, count, state, actions, params, pending):
        count = jnp.asarray(count, jnp.uint32)
        obs, state2, r, term, trunc, info = jax.vmap(env.step, in_axes=(0, 0, 0, None))(
            fold(keys, 2 * count), state, actions, params
        )
        if mode == "disabled":
            reset = jnp.zeros_like(term)
        elif mode == "same_step":
            reset = term | trunc
        else:
            reset = pending

        def with_reset(_):
            obs_r, state_r = batched_reset(env, fold(keys, 2 * count + 1), params)
            return where_done(reset, obs_r, obs), where_done(reset, state_r, state2)

        if mode == "disabled":
            obs_out, state_out = obs, state2
        else:
            obs_out, state_out = jax.lax.cond(jnp.any(reset), with_reset,
                                              lambda _: (obs, state2), None)
        if mode == "next_step":
            # an environment that was pending did not step: it only reset
            r = jnp.where(reset, jnp.zeros_like(r), r)
            term = term & ~reset
            trunc = trunc & ~reset
            pending_out = term | trunc
        else:
            pending_out = jnp.zeros_like(term)
        return state_out, pending_out, (obs_out, obs, r, term, trunc, reset, info)

    return step
