"""The pure environment: system × integrator × task.

:class:`FunctionalEnv` has no mutable state. ``reset(key, params)`` and
``step(key, state, action, params)`` are pure, jittable, vmappable functions; the Gymnasium
adapters in :mod:`chaosgym.envs.adapters` wrap them on one contract (a jitted call per step).

Actions are normalised to ``[-1, 1]`` per input and scaled by the actuation's ``scale`` (its
``u_max`` or parameter bounds) to physical units; out-of-range actions are clipped, and a
non-finite action is replaced by zero control and flagged in ``info["invalid_action"]``
(the Gymnasium shell raises on it before it gets here). An input whose ``u_max`` is infinite is
unbounded: its action is the physical input itself and its ``action_space`` bounds are ±inf.

Starting states: a bank state plus a small relative perturbation (:func:`attractor_bank`), or,
when the task defines ``initial_state(key, spec, system_params, task_params)``, a fresh draw
from the task's own distribution (the bank then holds ``bank_size`` such draws).

Divergence: when the state after a step is non-finite or leaves ``max|x| <= spec.bound``,
the episode terminates with ``info["diverged"] = True``; the state and observation stay at the
last finite values, and the reward is the environment's reward floor times the number of
remaining steps (this one included). The floor (``params.reward_floor``, or
``env.unwrapped.params`` through Gymnasium) is measured once when the environment is built:
with ``r`` the zero-control step rewards at the states of the initial-state bank,
``floor = min r − max(max r − min r, |min r|)`` (``min r − 1`` when both are 0), so a diverged
step costs about one to two times the worst reward the uncontrolled attractor gives, for every
remaining step. Ordinary step
rewards are clipped below at the same floor, so blowing up is never cheaper than staying, and
the penalty is bounded (``|floor| × max_steps``) on the scale of the task's own rewards.
Environments with unbounded inputs (``u_max = inf``, e.g. controlgym's KS task and its
quadratic action cost) keep their ordinary rewards unclipped: any finite action has a finite
cost there, which no floor can bound.
"""

from __future__ import annotations

import math
from typing import Any

import gymnasium as gym
import jax
import jax.numpy as jnp
import numpy as np

from chaosgym._pytree import pytree_dataclass
from chaosgym.integrators import make_stepper
from chaosgym.systems.base import SystemSpec
from chaosgym.tasks.base import Task

Array = jax.Array

__all__ = ["EnvParams", "EnvState", "FunctionalEnv", "attractor_bank"]


@pytree_dataclass
class EnvParams:
    """All parameters of an environment: ``system`` and ``task`` pytrees, the time limit and
    the reward floor (the per-step reward of a diverged episode's remaining steps; the
    environment sets it from its initial-state bank)."""

    system: Any
    task: Any
    max_steps: Any = 400
    reward_floor: Any = -1e6


@pytree_dataclass
class EnvState:
    """The pure environment state: system state ``x``, step count ``t``, task state."""

    x: Array
    t: Array
    tstate: Any


def attractor_bank(
    spec: SystemSpec,
    step,
    params: Any,
    n: int,
    key: Array,
    dtype: Any,
    steps: int,
    n_inputs: int,
    chains: int | None = None,
    stride: int = 1,
) -> Array:
    """``n`` states on the attractor: ``initial_state`` samples run ``steps`` uncontrolled steps.

    With ``chains`` (default ``n``: one warm-up per state) fewer than ``n``, each of the
    ``chains`` warmed-up trajectories continues and records a state every ``stride`` steps
    until ``n`` states are collected (for systems whose warm-up is expensive). States that
    diverge are replaced by finite ones (the bank never holds a non-finite state).
    """
    chains = n if chains is None else max(1, min(int(chains), n))
    per = -(-n // chains)
    keys = jax.random.split(key, chains)
    x0 = jax.vmap(lambda k: spec.initial_state(k, params))(keys).astype(dtype)
    u0 = jnp.zeros((n_inputs,), dtype)

    @jax.jit
    def run(x0):
        def body(x, _):
            return jax.vmap(lambda xi: step(xi, u0, params))(x), None

        x = jax.lax.scan(body, x0, None, length=steps)[0]
        if per == 1:
            return x

        def record(x, _):
            x = jax.lax.scan(body, x, None, length=int(stride))[0]
            return x, x

        later = jax.lax.scan(record, x, None, length=per - 1)[1]
        return jnp.concatenate([x[None], later]).reshape(per * chains, *x.shape[1:])[:n]

    xs = np.asarray(run(x0))
    ok = np.all(np.isfinite(xs), axis=tuple(range(1, xs.ndim))) & (
        np.max(np.abs(np.nan_to_num(xs, nan=np.inf)).reshape(n, -1), axis=1) <= spec.bound
    )
    if not ok.any():
        raise RuntimeError(
            f"every warm-up trajectory of {spec.name!r} diverged; check its parameters and dt"
        )
    good = xs[ok]
    return jnp.asarray(good[np.arange(n) % len(good)], dtype)


class FunctionalEnv:
    """A pure, jittable environment built from a system, an actuation and a task.

    Args:
        spec: the system.
        task: the task (reward, termination, metrics).
        env_id: the registered id (for messages and metadata).
        actuation: name of one of ``spec.actuations`` (default: the first).
        dt: control interval (default ``spec.dt``).
        substeps: integrator steps per control interval (default ``spec.substeps``).
        integrator: integrator name (default ``spec.integrator``).
        max_steps: time limit in control intervals.
        dtype: state dtype (``float32`` by default; ``float64`` needs ``jax_enable_x64``).
        system_params / task_params: overrides of the defaults.
        bank_size: number of attractor states initial conditions are drawn from (harvested
            from ``spec.bank_chains`` trajectories every ``spec.bank_stride`` steps where the
            spec sets them, see :func:`attractor_bank`).
        ic_noise: relative size of the random perturbation added to a bank state at reset.
        seed: seed of the attractor bank.
    """

    def __init__(
        self,
        spec: SystemSpec,
        task: Task,
        *,
        env_id: str = "",
        actuation: str | None = None,
        dt: float | None = None,
        substeps: int | None = None,
        integrator: str | None = None,
        max_steps: int = 400,
        dtype: Any = jnp.float32,
        system_params: Any = None,
        task_params: Any = None,
        bank_size: int = 256,
        ic_noise: float = 1e-3,
        seed: int = 0,
    ) -> None:
        self.spec = spec
        self.task = task
        self.env_id = env_id
        self.dtype = jnp.dtype(dtype)
        if self.dtype == jnp.float64 and not jax.config.jax_enable_x64:
            raise ValueError(
                "dtype=float64 needs 64-bit JAX: call jax.config.update('jax_enable_x64', True) "
                "before creating the environment"
            )
        if int(max_steps) < 1:
            raise ValueError(f"max_steps must be >= 1, got {max_steps}")
        self.actuation_name = actuation or spec.default_actuation
        self.actuation = spec.actuation(self.actuation_name)
        self.dt = float(spec.dt if dt is None else dt)
        self.substeps = int(spec.substeps if substeps is None else substeps)
        self.integrator = integrator or spec.integrator
        sp = spec.params if system_params is None else system_params
        tp = task.params if task_params is None else task_params
        task.check(spec, sp, tp)
        self._step_fn = make_stepper(
            spec, self.actuation_name, self.dt, self.substeps, self.integrator, sp
        )
        self.num_inputs = self.actuation.num_inputs(sp)
        self.u_max = np.asarray(self.actuation.scale(sp), dtype=np.float64)
        self.bounded = np.isfinite(self.u_max)
        # physical input per unit action (1 for unbounded inputs: the action is the input)
        self.u_scale = np.where(self.bounded, self.u_max, 1.0)
        self._a_high = np.where(self.bounded, 1.0, np.inf)
        self._clip_reward = bool(np.all(self.bounded))  # see the module docstring
        self.state_dim = int(spec.dim(sp))
        self.obs_dim = int(task.observation_dim(spec, sp))
        # The attractor is sampled with the system's own (stable) discretisation, whatever
        # control interval this environment uses.
        own = getattr(task, "initial_state", None)
        self._task_initial_state = own if callable(own) else None
        if self._task_initial_state is not None:
            keys = jax.random.split(jax.random.key(seed), bank_size)
            self.ic_bank = jax.vmap(lambda k: own(k, spec, sp, tp))(keys).astype(self.dtype)
        else:
            warm_step = make_stepper(spec, self.actuation_name, None, None, None, sp)
            warm_steps = max(1, math.ceil(spec.warmup / spec.dt))
            self.ic_bank = attractor_bank(
                spec, warm_step, sp, bank_size, jax.random.key(seed), self.dtype, warm_steps,
                self.num_inputs, getattr(spec, "bank_chains", None),
                getattr(spec, "bank_stride", 1),
            )
        self.ic_noise = float(ic_noise)
        self._ic_scale = jnp.maximum(jnp.std(self.ic_bank, axis=0), 1e-12).astype(self.dtype)
        bound = np.float32(spec.bound)
        self.observation_space = gym.spaces.Box(-bound, bound, (self.obs_dim,), np.float32)
        high = self._a_high.astype(np.float32)
        self.action_space = gym.spaces.Box(-high, high, (self.num_inputs,), np.float32)
        self.metric_names: tuple[str, ...] = tuple(task.metrics)
        # Tasks that evolve a reference run of the system (Synchronize) receive the stepper
        # and attractor bank here.
        bind = getattr(task, "bind", None)
        if callable(bind):
            bind(self)
        self.default_params = EnvParams(system=sp, task=tp, max_steps=int(max_steps),
                                        reward_floor=self._reward_floor(sp, tp))

    def _reward_floor(self, sp: Any, tp: Any) -> float:
        """The reward floor (module docstring) from the zero-control step rewards at the bank
        states (evaluated once, unjitted, in the environment's dtype)."""
        bank = self.ic_bank
        keys = jax.random.split(jax.random.key(0), bank.shape[0])
        u0 = jnp.zeros((self.num_inputs,), self.dtype)
        spec, task = self.spec, self.task

        def reward(k, x):
            ts = task.init(k, x, spec, sp, tp)
            return task.evaluate(x, u0, x, ts, spec, sp, tp).reward

        r = np.asarray(jax.vmap(reward)(keys, bank), np.float64)
        r = r[np.isfinite(r)]
        if r.size == 0:
            raise ValueError(f"{self.env_id or spec.name}: the task's reward is not finite at "
                             "any state of the initial-state bank")
        lo, hi = float(r.min()), float(r.max())
        margin = max(hi - lo, abs(lo)) or 1.0
        return lo - margin

    # ------------------------------------------------------------------ pure API
    def initial_state(self, key: Array, params: EnvParams) -> Array:
        """A fresh initial condition: a bank state plus a small random perturbation (or a
        draw from the task's own starting-state distribution)."""
        if self._task_initial_state is not None:
            x0 = self._task_initial_state(key, self.spec, params.system, params.task)
            return jnp.asarray(x0, self.dtype)
        k1, k2 = jax.random.split(key)
        i = jax.random.randint(k1, (), 0, self.ic_bank.shape[0])
        noise = jax.random.normal(k2, self.ic_bank.shape[1:], self.dtype)
        return self.ic_bank[i] + self.ic_noise * self._ic_scale * noise

    def reset(self, key: Array, params: EnvParams | None = None) -> tuple[Array, EnvState]:
        """``(obs, state)`` at the start of an episode."""
        params = self.default_params if params is None else params
        k1, k2 = jax.random.split(key)
        x0 = self.initial_state(k1, params)
        return self.reset_to(k2, x0, params)

    def reset_to(self, key: Array, x0: Array, params: EnvParams | None = None):
        """``(obs, state)`` starting from the given state ``x0`` (stored initial-condition sets)."""
        params = self.default_params if params is None else params
        if jnp.shape(x0) != (self.state_dim,):
            raise ValueError(f"{self.env_id or self.spec.name}: x0 must have shape "
                             f"({self.state_dim},), got {jnp.shape(x0)}")
        if not isinstance(x0, jax.core.Tracer):
            xa = np.asarray(x0)
            if xa.dtype.kind not in "fiu" or not np.isfinite(xa).all():
                raise ValueError(f"{self.env_id or self.spec.name}: x0 must be finite and "
                                 f"real, got {xa}")
        x0 = jnp.asarray(x0, self.dtype)
        tstate = self.task.init(key, x0, self.spec, params.system, params.task)
        state = EnvState(x=x0, t=jnp.zeros((), jnp.int32), tstate=tstate)
        return self._observe(state, params), state

    def control(self, action: Array) -> Array:
        """The physical input ``u`` for a normalised action (clipped to ``[-1, 1]``; unbounded
        inputs pass through)."""
        high = jnp.asarray(self._a_high, self.dtype)
        a = jnp.clip(jnp.asarray(action, self.dtype), -high, high)
        return a * jnp.asarray(self.u_scale, self.dtype)

    def action_from_control(self, u: Array) -> Array:
        """The normalised action that applies physical input ``u`` (clipped to the bounds)."""
        dt = jnp.asarray(u).dtype
        high = jnp.asarray(self._a_high, dt)
        return jnp.clip(jnp.asarray(u) / jnp.asarray(self.u_scale, dt), -high, high)

    def step(
        self, key: Array, state: EnvState, action: Array, params: EnvParams | None = None
    ) -> tuple[Array, EnvState, Array, Array, Array, dict[str, Array]]:
        """One control interval: ``(obs, state, reward, terminated, truncated, info)``."""
        params = self.default_params if params is None else params
        sp, tp = params.system, params.task
        action = jnp.reshape(jnp.asarray(action, self.dtype), (self.num_inputs,))
        finite_action = jnp.all(jnp.isfinite(action))
        u = self.control(jnp.where(jnp.isfinite(action), action, 0.0))
        x = state.x
        x_new = self._step_fn(x, u, sp)
        bound = self.spec.bound
        diverged = ~(jnp.all(jnp.isfinite(x_new)) & (jnp.max(jnp.abs(x_new)) <= bound))
        x_clip = jnp.clip(jnp.nan_to_num(x_new, nan=bound, posinf=bound, neginf=-bound),
                          -bound, bound)
        out = self.task.evaluate(x, u, x_clip, state.tstate, self.spec, sp, tp)
        t = state.t + 1
        remaining = jnp.maximum(params.max_steps - state.t, 1).astype(out.reward.dtype)
        floor = jnp.asarray(params.reward_floor, out.reward.dtype)
        r = jnp.maximum(out.reward, floor) if self._clip_reward else out.reward
        reward = jnp.where(diverged, floor * remaining, r)
        new_state = EnvState(
            x=jnp.where(diverged, x, x_clip),
            t=t,
            tstate=jax.tree_util.tree_map(
                lambda old, new: jnp.where(diverged, old, new), state.tstate, out.tstate
            ),
        )
        terminated = out.terminated | diverged
        truncated = (t >= params.max_steps) & ~terminated
        info = {"diverged": diverged, "invalid_action": ~finite_action, **out.metrics}
        return self._observe(new_state, params), new_state, reward, terminated, truncated, info

    # ------------------------------------------------------------------ helpers
    def _observe(self, state: EnvState, params: EnvParams) -> Array:
        obs = self.task.observe(state.x, state.tstate, self.spec, params.system, params.task)
        return jnp.clip(obs, -self.spec.bound, self.spec.bound)

    def rollout(
        self,
        key: Array,
        policy,
        params: EnvParams | None = None,
        steps: int | None = None,
        x0: Array | None = None,
    ) -> dict[str, Array]:
        """Roll out ``policy(obs) -> action`` for ``steps`` control intervals in one scan.

        Steps after termination are frozen (the state is held). Returns arrays of states,
        actions, rewards, flags and metrics, with a leading time axis.
        """
        params = self.default_params if params is None else params
        steps = int(params.max_steps if steps is None else steps)
        k0, key = jax.random.split(key)
        if x0 is None:
            obs, state = self.reset(k0, params)
        else:
            obs, state = self.reset_to(k0, x0, params)

        def body(carry, k):
            obs, state, done = carry
            a = policy(obs)
            obs2, state2, r, term, _trunc, info = self.step(k, state, a, params)
            keep = lambda new, old: jnp.where(done, old, new)  # noqa: E731
            state2 = jax.tree_util.tree_map(keep, state2, state)
            obs2 = keep(obs2, obs)
            r = jnp.where(done, 0.0, r)
            out = {"x": state2.x, "action": a, "reward": r, "terminated": term & ~done,
                   "done": done | term, **{k_: v for k_, v in info.items()}}
            return (obs2, state2, done | term), out

        keys = jax.random.split(key, steps)
        _, traj = jax.lax.scan(body, (obs, state, jnp.zeros((), bool)), keys)
        traj["x0"] = state.x
        return traj

    def __repr__(self) -> str:
        return (
            f"FunctionalEnv({self.env_id or self.spec.name}: system={self.spec.name}, "
            f"task={self.task.name}, actuation={self.actuation_name}, dt={self.dt}, "
            f"substeps={self.substeps}, integrator={self.integrator}, dtype={self.dtype.name})"
        )
