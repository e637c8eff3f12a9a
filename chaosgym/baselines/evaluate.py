"""Evaluate controllers and trained agents on stored sets of initial conditions.

Every controller and every agent of the benchmark is evaluated on *the same* initial states
of an environment: the stored test set of :func:`chaosgym.baselines.protocol.initial_state_set`
(``agents/results/ics/<Env>.test.npy``, drawn once from its own bank and disjoint from the
training and validation states), which ``chaosgym evaluate`` also reads
(:func:`initial_conditions` draws a set from the environment's training bank, ``<Env>.npy``).
:func:`evaluate_policy` then runs all of them in lockstep — one jitted, vmapped ``fenv.step``
per control interval, no autoreset — for the full time limit.

Policies are callables ``policy(obs, x) -> actions`` on numpy batches (``obs`` the
observations, ``x`` the system states, both with a leading batch axis) returning normalised
actions. :func:`controller_policies` builds the classical ones (zero control, saturated LQR,
and Pyragas / OGY where :mod:`chaosgym.control` provides them); :func:`agent_policy` wraps a
trained stable-baselines3 model (with its observation normalisation, if any);
``chaosgym evaluate`` (:mod:`chaosgym.baselines.evaluate_command`) evaluates a trained SB3
or JAX run beside them.

Task metrics are derived from ``info`` generically, with the sustained-window rule of
:mod:`chaosgym.baselines.protocol`: a boolean metric ``m`` (``captured``) gives ``m_rate`` (the
fraction of episodes where it holds over the whole final window, without diverging) and
``m_time_median`` / ``m_time_mean`` (the first entry into the stretch that is then held to the
end, in time units, over the successful episodes); a float metric (``distance``,
``dissipation``) gives its time average ``m_mean`` and final value ``m_final``, and the
``distance`` of a task with a capture radius also the tolerance tiers ``held_<tol>_rate`` /
``held_<tol>_time_median``.
``return`` is the undiscounted episode return.
"""

from __future__ import annotations

import math
import weakref
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from chaosgym.baselines.protocol import env_slug
from chaosgym.registration import make_functional

__all__ = [
    "agent_policy",
    "controller_policies",
    "env_slug",
    "evaluate_policy",
    "initial_conditions",
    "summarize",
]

Policy = Callable[[np.ndarray, np.ndarray], np.ndarray]

DEFAULT_N_ICS = 150


def initial_conditions(
    env_id: str,
    n: int = DEFAULT_N_ICS,
    seed: int = 2024,
    directory: str | Path | None = None,
    fenv=None,
) -> np.ndarray:
    """``n`` initial states drawn from the environment's own bank with a fixed key.

    With ``directory`` the set is stored as ``<directory>/<Env>.npy`` with a record
    ``<Env>.json`` (seed, count, shape, dtype) and reused from there: a stored set drawn with a
    different seed, of another state shape or holding non-finite values is a ``ValueError``
    naming the file (delete it to draw again); a stored set is never overwritten, so one with
    fewer than ``n`` states is used whole, with a warning. The benchmark's
    validation and test sets are disjoint from training and come from
    :func:`chaosgym.baselines.protocol.initial_state_set` instead.
    """
    from chaosgym.baselines.protocol import load_state_set, save_state_set

    path = None if directory is None else Path(directory) / f"{env_slug(env_id)}.npy"
    fenv = make_functional(env_id) if fenv is None else fenv
    if path is not None and path.exists():
        return load_state_set(path, {"env_id": env_id, "seed": int(seed)},
                              tuple(fenv.ic_bank.shape[1:]), int(n))
    draw = jax.jit(lambda s, p: jax.vmap(fenv.initial_state, in_axes=(0, None))(
        jax.random.split(jax.random.key(s), n), p))
    ics = np.asarray(draw(seed, fenv.default_params), np.float32)
    if path is not None:
        save_state_set(path, ics, {"env_id": env_id, "seed": int(seed),
                                   "source": "environment bank + reset noise"})
    return ics


def evaluate_policy(
    fenv, policy: Policy, ics: np.ndarray, steps: int | None = None, seed: int = 0
) -> dict[str, np.ndarray]:
    """Run ``policy`` from every state in ``ics`` for ``steps`` intervals (default: time limit).

    Returns per-episode arrays: ``return``, ``length`` (steps until termination or the limit)
    and, for every metric in ``info``, its per-step trace ``trace_<name>`` (shape
    ``(n, steps)``; frozen after termination).
    """
    params = fenv.default_params
    steps = int(params.max_steps if steps is None else steps)
    n = ics.shape[0]
    names = ("diverged", *fenv.metric_names)

    reset, step = _compiled(fenv, n, names)
    key, obs, state = reset(seed, np.asarray(ics, fenv.dtype), params)
    done = np.zeros(n, bool)
    x = np.asarray(state.x)
    total = np.zeros(n)
    length = np.full(n, steps)
    traces = np.zeros((len(names), n, steps), np.float32)
    prev_done = np.zeros(n, bool)
    if hasattr(policy, "reset"):  # stateful controllers (a delay line) start afresh
        policy.reset(x)
    last = np.zeros((len(names), n), np.float32)
    for t in range(steps):
        a = np.asarray(policy(np.asarray(obs, np.float32), x), np.float32).reshape(n, -1)
        a = np.nan_to_num(np.clip(a, -1.0, 1.0))
        key, state, obs, done, r, mets, xs = step(key, state, obs, done, a, params)
        r, d, m = np.asarray(r), np.asarray(done), np.asarray(mets).T
        total += r
        m = np.where(prev_done[None], last, m)
        traces[:, :, t] = m
        last = m
        newly = d & ~prev_done
        length[newly] = t + 1
        prev_done = d
        x = np.asarray(xs)
    out: dict[str, np.ndarray] = {"return": total, "length": length,
                                  "flags": np.asarray(_flag_metrics(fenv, names))}
    for i, name in enumerate(names):
        out[f"trace_{name}"] = traces[i]
    return out


_COMPILED: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _compiled(fenv, n: int, names: tuple[str, ...]):
    """Jitted batched ``reset_to`` and frozen-after-termination ``step`` (cached per env)."""
    cache = _COMPILED.setdefault(fenv, {})
    if n in cache:
        return cache[n]

    def one(k, state, a, params):
        obs, st, r, term, _trunc, info = fenv.step(k, state, a, params)
        return obs, st, r, term, jnp.stack([info[m].astype(jnp.float32) for m in names])

    @jax.jit
    def step(key, state, obs, done, actions, params):
        key, sub = jax.random.split(key)
        obs2, st2, r, term, mets = jax.vmap(one, in_axes=(0, 0, 0, None))(
            jax.random.split(sub, n), state, actions, params)
        keep = lambda new, old: jnp.where(  # noqa: E731
            jnp.reshape(done, done.shape + (1,) * (new.ndim - 1)), old, new)
        st2 = jax.tree_util.tree_map(keep, st2, state)
        obs2 = keep(obs2, obs)
        r = jnp.where(done, 0.0, r)
        return key, st2, obs2, done | term, r, mets, st2.x

    @jax.jit
    def reset(seed, ics, params):
        keys = jax.random.split(jax.random.key(seed), n)
        obs, state = jax.vmap(fenv.reset_to, in_axes=(0, 0, None))(keys, ics, params)
        return jax.random.key(seed + 1), obs, state
    cache[n] = (reset, step)
    return reset, step


def _flag_metrics(fenv, names: tuple[str, ...]) -> list[str]:
    """The metrics of ``info`` that are booleans (from the traced output types; nothing runs)."""
    params = fenv.default_params

    def one(key, x0):
        _, state = fenv.reset_to(key, x0, params)
        return fenv.step(key, state, jnp.zeros(fenv.num_inputs, fenv.dtype), params)[5]

    info = jax.eval_shape(one, jax.random.key(0), jnp.zeros(fenv.ic_bank.shape[1:], fenv.dtype))
    return [m for m in names if m in info and info[m].dtype == jnp.bool_]


def summarize(result: dict[str, np.ndarray], dt: float) -> dict[str, Any]:
    """Scalar task metrics of one evaluation (see the module docstring)."""
    from chaosgym.baselines.protocol import TOLERANCES, sustained, window_steps

    s: dict[str, Any] = {
        "n_episodes": int(result["return"].shape[0]),
        "return_mean": float(np.mean(result["return"])),
        "return_std": float(np.std(result["return"])),
    }
    flags = set(np.asarray(result.get("flags", ["diverged", "captured"])).tolist())
    diverged = result.get("trace_diverged")
    ok = None if diverged is None else ~(np.asarray(diverged) > 0.5)

    def held_stats(name: str, held: np.ndarray) -> None:
        if ok is not None:
            held = held & ok
        window = window_steps(held.shape[1])
        success, capture = sustained(held, window)
        s[f"{name}_rate"] = float(success.mean())
        times = np.where(success, capture * dt, np.nan)
        s[f"{name}_time_median"] = _nanstat(np.nanmedian, times)
        s[f"{name}_time_mean"] = _nanstat(np.nanmean, times)
        entry = held.any(axis=1)
        first_entry = np.where(entry, held.argmax(axis=1) + 1, -1)
        s[f"{name}_first_time_median"] = _nanstat(
            np.nanmedian, np.where(first_entry >= 0, first_entry * dt, np.nan))

    for key, tr in result.items():
        if not key.startswith("trace_"):
            continue
        name = key[len("trace_"):]
        if name in flags:
            if name == "diverged":
                s["diverged_rate"] = float((tr > 0.5).any(axis=1).mean())
                continue
            held_stats(name, tr > 0.5)
        else:
            s[f"{name}_mean"] = float(np.mean(tr))
            s[f"{name}_final"] = float(np.mean(tr[:, -1]))
            if name == "distance" and "captured" in flags:  # Stabilize-like tasks
                for tol in TOLERANCES:
                    held_stats(f"held_{tol:g}", tr <= tol)
    if result["return"].size and "trace_diverged" in result:
        s["window_steps"] = window_steps(np.asarray(result["trace_diverged"]).shape[1])
    return s


def _nanstat(fn, a: np.ndarray) -> float:
    return float(fn(a)) if np.isfinite(a).any() else math.nan


# ---------------------------------------------------------------------- controllers
def controller_policies(fenv) -> dict[str, Policy]:
    """The classical controllers that apply to ``fenv`` (name → batched policy).

    Always ``zero``; ``lqr`` (saturated, Q=I, R=1) where the task has a fixed-point target,
    and beside it ``lqr-observer`` (the same gain on a state estimated from the task's own
    observation, :class:`_ObserverLQRPolicy`) where that observation is not the full state;
    ``pyragas`` (delayed feedback, delay = the orbit's period) for periodic-orbit tasks and
    ``ogy`` (bounded parameter kicks) for maps with a fixed-point target. Stateful policies
    have a ``reset(x)`` method that :func:`evaluate_policy` calls before the first step.
    """
    m = fenv.num_inputs
    out: dict[str, Policy] = {"zero": lambda obs, x: np.zeros((obs.shape[0], m), np.float32)}
    try:
        from chaosgym.control import LQRController

        if not hasattr(fenv.default_params.task, "target"):
            raise ValueError("no fixed-point target")
        lqr = LQRController.for_env(fenv)
        act = jax.jit(jax.vmap(lqr.action))
        out["lqr"] = lambda obs, x: np.asarray(act(np.asarray(x, fenv.dtype)))
    except (ValueError, AttributeError, TypeError, np.linalg.LinAlgError):
        lqr = None
    if lqr is not None:
        try:
            out["lqr-observer"] = _ObserverLQRPolicy(fenv, lqr, act)
        except (ValueError, np.linalg.LinAlgError):
            pass  # full-state observation, a noisy or nonlinear one, or not detectable
    for name, factory in (("pyragas", _pyragas_policy), ("ogy", _ogy_policy)):
        try:
            pol = factory(fenv)
        except (ImportError, ValueError, AttributeError, TypeError, NotImplementedError,
                np.linalg.LinAlgError):
            pol = None
        if pol is not None:
            out[name] = pol
    return out


#: covariances (times the identity) of the observer's model and sensor noise
OBSERVER_PROCESS_NOISE = 1e-2
OBSERVER_SENSOR_NOISE = 1e-4


class _ObserverLQRPolicy:
    """The saturated LQR of ``lqr`` acting on an estimate of the state built from the task's
    observation alone: the output-feedback counterpart of the full-state LQR.

    The estimator is a constant-gain extended Kalman filter. It predicts with the
    environment's own (nonlinear) control-interval map ``x⁺ = F(x, a)`` and corrects with the
    steady-state Kalman gain of the map linearised at the target,
    ``L = P Cᵀ (C P Cᵀ + V)⁻¹`` with ``P`` the discrete Riccati solution for ``(Aᵀ, Cᵀ, W, V)``
    (``W = 1e-2 I``, ``V = 1e-4 I``). Each episode starts from the mean of the attractor bank,
    not from the true initial state. Like the LQR it knows the model and its parameters; it
    never reads the state.

    Raises ``ValueError`` where it does not apply: the observation determines the state
    (``C = ∂obs/∂x`` has full column rank), depends on the episode (two resets observe the
    target differently: sensor noise, a reference run), is not linear in the state, or leaves
    ``(A, C)`` undetectable (the Riccati equation has no stabilising solution).

    Reference: B. D. O. Anderson and J. B. Moore, *Optimal Filtering*, Prentice Hall (1979),
    ch. 4 (steady-state filter) and ch. 8 (extended Kalman filter).
    """

    def __init__(self, fenv, lqr, act: Callable[[Any], Any] | None = None) -> None:
        import scipy.linalg

        sp, tp = fenv.default_params.system, fenv.default_params.task
        task = fenv.task
        x_eq = jnp.asarray(lqr.x_eq, fenv.dtype)
        a0 = jnp.zeros(fenv.num_inputs, fenv.dtype)
        tstates = [fenv.reset(jax.random.key(i))[1].tstate for i in (0, 1)]

        def observe(x, tstate=tstates[0]):
            return task.observe(x, tstate, fenv.spec, sp, tp)

        h0 = np.asarray(observe(x_eq), np.float64)
        if not np.allclose(h0, np.asarray(observe(x_eq, tstates[1]), np.float64)):
            raise ValueError("the observation depends on the episode (noise or a reference run)")

        def step(x, a):
            return fenv._step_fn(x, fenv.control(a), sp)

        A = np.asarray(jax.jacfwd(step, 0)(x_eq, a0), np.float64)
        C = np.asarray(jax.jacfwd(observe)(x_eq), np.float64)
        if np.linalg.matrix_rank(C) == fenv.state_dim:
            raise ValueError("the observation determines the state (no estimator needed)")
        probe = np.asarray(fenv.ic_bank[:4], np.float64)
        lin = h0 + (probe - np.asarray(x_eq, np.float64)) @ C.T
        got = np.asarray(jax.vmap(observe)(jnp.asarray(probe, fenv.dtype)), np.float64)
        if not np.allclose(got, lin, rtol=1e-3, atol=1e-3 * (1 + np.abs(got).max())):
            raise ValueError("the observation is not linear in the state")
        k, n = C.shape
        W, V = OBSERVER_PROCESS_NOISE * np.eye(n), OBSERVER_SENSOR_NOISE * np.eye(k)
        P = scipy.linalg.solve_discrete_are(A.T, C.T, W, V)
        self.gain = P @ C.T @ np.linalg.inv(C @ P @ C.T + V)
        self.C, self.h0, self.x_eq = C, h0, np.asarray(x_eq, np.float64)
        self.prior = np.asarray(fenv.ic_bank, np.float64).mean(axis=0)
        self.dtype = fenv.dtype
        self._act = jax.jit(jax.vmap(lqr.action)) if act is None else act  # batched, jitted
        self._predict = jax.jit(jax.vmap(step))
        self.estimate: np.ndarray | None = None

    def reset(self, x: np.ndarray) -> None:
        """Forget the last episode; only the batch size of ``x`` is used."""
        self.estimate = np.repeat(self.prior[None], x.shape[0], axis=0)

    def __call__(self, obs: np.ndarray, x: np.ndarray) -> np.ndarray:
        if self.estimate is None:
            self.reset(x)
        innovation = obs - self.h0 - (self.estimate - self.x_eq) @ self.C.T
        xh = (self.estimate + innovation @ self.gain.T).astype(self.dtype)
        a = self._act(xh)
        self.estimate = np.asarray(self._predict(xh, a), np.float64)
        return np.asarray(a)


PYRAGAS_GAIN = 0.2  # K of Pyragas (1992) for the Rössler period-1 orbit


class _PyragasPolicy:
    """Batched Pyragas delayed feedback; the delay lines restart at every evaluation."""

    def __init__(self, ctrl, fenv) -> None:
        self.ctrl = ctrl
        self.scale = np.asarray(fenv.u_scale, np.float32)
        self.dtype = fenv.dtype
        self._init = jax.jit(jax.vmap(ctrl.init))
        self._call = jax.jit(jax.vmap(ctrl))
        self.state = None

    def reset(self, x: np.ndarray) -> None:
        self.state = self._init(np.asarray(x, self.dtype))

    def __call__(self, obs: np.ndarray, x: np.ndarray) -> np.ndarray:
        if self.state is None:
            self.reset(x)
        u, self.state = self._call(self.state, np.asarray(x, self.dtype))
        return np.clip(np.asarray(u) / self.scale, -1.0, 1.0)


def _pyragas_policy(fenv) -> Policy | None:
    """Pyragas delayed feedback (gain 0.2, delay = the orbit's period) for orbit tasks."""
    orbit = getattr(fenv.task, "orbit", None)
    if orbit is None or fenv.spec.kind != "ode":
        return None
    from chaosgym.control import Pyragas

    ctrl = Pyragas.for_env(fenv, gain=PYRAGAS_GAIN, period=float(orbit.period),
                           u_max=float(np.max(fenv.u_scale)))
    if len(ctrl.outputs) != fenv.num_inputs:
        return None
    return _PyragasPolicy(ctrl, fenv)


def _ogy_policy(fenv) -> Policy | None:
    """OGY parameter kicks for a map with a fixed-point target and a parametric input."""
    if fenv.spec.kind != "map" or not hasattr(fenv.default_params.task, "target"):
        return None
    from chaosgym.control import OGY

    ctrl = OGY.for_env(fenv)
    act = jax.jit(jax.vmap(ctrl.action))
    return lambda obs, x: np.asarray(act(np.asarray(x, fenv.dtype)))


def agent_policy(model, obs_rms: Any | None = None, clip_obs: float = 10.0,
                 epsilon: float = 1e-8) -> Policy:
    """A deterministic batched policy from a stable-baselines3 model.

    ``obs_rms`` is the running mean/variance of a ``VecNormalize`` the model was trained
    under (observations are normalised the same way before the model sees them).
    """

    def policy(obs: np.ndarray, x: np.ndarray) -> np.ndarray:
        o = obs
        if obs_rms is not None:
            o = np.clip((obs - obs_rms.mean) / np.sqrt(obs_rms.var + epsilon), -clip_obs, clip_obs)
        a, _ = model.predict(np.array(o, np.float32), deterministic=True)
        return np.asarray(a, np.float32)

    return policy


#: bumped whenever :func:`controller_policies` gains a controller or one changes, so that stored
#: controller summaries are completed (see :func:`chaosgym.baselines.benchmark.aggregate`)
CONTROLLERS_VERSION = 2


def evaluate_controllers(
    env_id: str, ics: np.ndarray, names: list[str] | None = None, skip: Any = ()
) -> dict[str, dict[str, Any]]:
    """Summaries of every applicable classical controller on ``ics`` (only ``names`` if
    given; none of ``skip``)."""
    fenv = make_functional(env_id)
    out = {}
    for name, pol in controller_policies(fenv).items():
        if (names is not None and name not in names) or name in skip:
            continue
        out[name] = summarize(evaluate_policy(fenv, pol, ics), fenv.dt)
    return out
