"""The benchmark protocol: disjoint initial-state splits and sustained-window success.

**Initial states.** Training episodes start from the environment's own attractor bank (built
with bank seed 0, plus a small perturbation at every reset). The validation and test sets are
*separate banks*: the same warm-up from :meth:`SystemSpec.initial_state`, with bank seeds
:data:`SPLIT_SEEDS` (``validation`` 1, ``test`` 2) and one bank state per episode, so the
three sets are disjoint (independent points of the attractor; :func:`check_disjoint` measures
the smallest distance between two sets). A stored set (``<Env>.<split>.npy``) is written beside
a ``.json`` record of its id, split, seed, count, shape and dtype, and is validated against that
record and against the environment on load: a different seed, a wrong state shape (a
Lorenz-96 N=20 env given the N=40 set), a count mismatch or a non-finite entry is a
``ValueError`` naming the file.

**Success.** A boolean metric (``captured``, ``synchronized``, ...) *succeeds* in an episode
when it holds over the whole sustained window — the last :data:`WINDOW_FRACTION` of the horizon
(at least :data:`MIN_WINDOW_STEPS` steps) — and its *capture time* is the first entry into the
stretch that is then held to the end (a chance crossing that is left again does not count).
Where a task reports a ``distance`` to its target, the same rule is applied at the tolerance
tiers :data:`TOLERANCES` (0.1 and 0.01 in the task's distance units), giving ``held_0.1_rate``,
``held_0.01_rate`` and their capture times: a controller that holds the target at 1e-4 and one
that sits at 0.05 are told apart even when the task's own capture radius is 0.1.

**Observation.** :func:`observation_of` names what a method sees: for agents the task's
observation (``"full state"``, ``"sensors (k of n)"`` or ``"state + task (k)"``), ``"full
state"`` for controllers that read the system state (LQR, Pyragas, OGY), ``"none"`` for zero
control; the results table prints it beside every row.
"""

from __future__ import annotations

import json
import math
import warnings
from pathlib import Path
from typing import Any

import numpy as np

__all__ = [
    "MIN_WINDOW_STEPS",
    "SPLIT_SEEDS",
    "TOLERANCES",
    "WINDOW_FRACTION",
    "check_disjoint",
    "choose_variant",
    "env_slug",
    "initial_state_set",
    "kept_plateau_change",
    "kept_validation",
    "load_state_set",
    "observation_of",
    "plateau_change",
    "plateaued",
    "save_state_set",
    "score",
    "sustained",
    "task_metric",
    "window_steps",
]

SPLIT_SEEDS = {"train": 0, "validation": 1, "test": 2}
WINDOW_FRACTION = 0.1
MIN_WINDOW_STEPS = 10
TOLERANCES = (0.1, 0.01)
FULL_STATE_CONTROLLERS = ("lqr", "pyragas", "ogy")
PLATEAU_FRACTION = 0.2
PLATEAU_TOLERANCE = 0.02


def window_steps(horizon: int) -> int:
    """Length of the sustained window for an episode of ``horizon`` steps."""
    horizon = int(horizon)
    if horizon < 1:
        raise ValueError(f"horizon must be >= 1, got {horizon}")
    return min(horizon, max(MIN_WINDOW_STEPS, math.ceil(WINDOW_FRACTION * horizon)))


def sustained(held: np.ndarray, window: int) -> tuple[np.ndarray, np.ndarray]:
    """``(success, capture_step)`` of boolean traces ``held`` (shape ``(n, steps)``).

    ``success[i]``: the metric holds at every one of the last ``window`` steps.
    ``capture_step[i]``: the number of steps until the first entry into the final held
    stretch (1-based: 1 means it holds from the first step on), ``-1`` where not successful.
    """
    held = np.asarray(held, bool)
    if held.ndim != 2:
        raise ValueError(f"held must have shape (episodes, steps), got {held.shape}")
    steps = held.shape[1]
    window = int(window)
    if not 1 <= window <= steps:
        raise ValueError(f"window must be in [1, {steps}], got {window}")
    tail = np.flip(np.cumprod(np.flip(held, axis=1), axis=1), axis=1).astype(bool)
    success = tail[:, steps - window]
    capture = np.where(success, tail.argmax(axis=1) + 1, -1)
    return success, capture


def observation_of(name: str, env_id: str | None = None) -> str:
    """What a method sees: ``"full state"`` (classical controllers), ``"none"`` (zero control),
    else the task's observation, as agents see it. Without ``env_id`` that is ``"sensors"``;
    with it, the observation is named precisely: ``"full state"`` (the task observes the state
    itself), ``"sensors (k of n)"`` (k values of an n-dimensional state) or ``"state + task
    (k)"`` (the state and k − n task values, e.g. a synchronisation error)."""
    if name == "zero":
        return "none"
    if name in FULL_STATE_CONTROLLERS:
        return "full state"
    if env_id is None:
        return "sensors"
    from chaosgym.cli import env_summary
    from chaosgym.registration import env_def
    from chaosgym.tasks.base import Task

    s = env_summary(env_id)
    task = env_def(env_id).task
    own_observe = getattr(task, "observe", Task.observe) is not Task.observe
    k, n = int(s["obs_dim"]), int(s["state_dim"])
    if k == n and not own_observe:
        return "full state"
    if k > n:
        return f"state + task ({k})"
    return f"sensors ({k} of {n})"


def plateau_change(steps: Any, values: Any, fraction: float = PLATEAU_FRACTION) -> float:
    """How much a learning curve still moved at the end: the mean validation value over the
    last ``fraction`` of training minus its mean over the ``fraction`` before, divided by the
    curve's whole range (max − min); positive while still learning, negative while falling.
    NaN for a curve with fewer than 4 evaluations or none in either window. See
    :func:`plateaued`."""
    t = np.asarray(steps, float)
    v = np.asarray(values, float)
    ok = np.isfinite(t) & np.isfinite(v)
    t, v = t[ok], v[ok]
    if t.size < 4:
        return math.nan
    end = t.max()
    last = v[t > end * (1 - fraction)]
    before = v[(t > end * (1 - 2 * fraction)) & (t <= end * (1 - fraction))]
    span = float(v.max() - v.min())
    if last.size == 0 or before.size == 0:
        return math.nan
    if span == 0.0:
        return 0.0
    return float((last.mean() - before.mean()) / span)


def kept_plateau_change(steps: Any, values: Any, fraction: float = PLATEAU_FRACTION) -> float:
    """:func:`plateau_change` of the running best of a learning curve: how much the *kept*
    policy (the protocol keeps each run's best validation evaluation) still improved over the
    last ``fraction`` of training, as a fraction of the curve's whole range. Never negative.

    The raw curve of a policy-gradient learner can move by far more than 2 % of its range
    from one evaluation to the next while the policy it would report no longer changes; this
    tells the two apart. Settled under the same :func:`plateaued` rule. NaN as
    :func:`plateau_change`.
    """
    t = np.asarray(steps, float)
    v = np.asarray(values, float)
    ok = np.isfinite(t) & np.isfinite(v)
    t, v = t[ok], v[ok]
    order = np.argsort(t, kind="stable")
    return plateau_change(t[order], np.maximum.accumulate(v[order]), fraction)


def plateaued(change: float) -> bool:
    """Whether a :func:`plateau_change` says the run has settled: its last 20 % of training
    moved the curve by under :data:`PLATEAU_TOLERANCE` of its whole range, in either
    direction (a curve that collapses late has not settled). False for NaN (too short to
    tell)."""
    return bool(np.isfinite(change) and abs(change) < PLATEAU_TOLERANCE)


def kept_validation(curves: dict[str, dict[str, Any]]) -> tuple[float, float]:
    """What a configuration's kept policies scored on the validation states, from its stored
    learning curves (``{"seed<k>": {"timesteps", "return_mean", "task_metric",
    "task_metric_name"}}``, as a results row stores them): per seed the evaluation with the
    highest ``(task metric, return)``, then the interquartile mean over seeds of each. Tasks
    scored by their return count 0 for the metric. Never reads the test states."""
    from chaosgym.baselines.stats import iqm

    metric, ret = [], []
    for c in curves.values():
        r = np.asarray(c.get("return_mean", []), float)
        if r.size == 0:
            continue
        m = (np.zeros_like(r) if c.get("task_metric_name") in (None, "", "return_mean")
             else np.asarray(c["task_metric"], float))
        best = max(zip(m.tolist(), r.tolist(), strict=True))
        metric.append(best[0])
        ret.append(best[1])
    if not ret:
        raise ValueError("no stored validation curve to choose from")
    return float(iqm(metric)), float(iqm(ret))


def choose_variant(variants: dict[str, dict[str, dict[str, Any]]], default: str) -> str:
    """The configuration of one algorithm to report on an id, chosen on validation alone:
    the one whose :func:`kept_validation` is highest (the success rate's IQM, then the
    return's), ``default`` on an exact tie. ``variants`` maps a name to its stored curves."""
    if default not in variants:
        raise ValueError(f"default {default!r} is not one of the variants {sorted(variants)}")
    scores = {name: kept_validation(c) for name, c in variants.items()}
    best = max(scores.values())
    return default if scores[default] == best else min(n for n, v in scores.items() if v == best)


# ---------------------------------------------------------------------- stored state sets
def env_slug(env_id: str) -> str:
    """A file-name-safe form of an id: ``chaosgym/LorenzStabilize-v1`` → ``LorenzStabilize-v1``."""
    return env_id.split("/")[-1].replace(":", "_")


def task_metric(summary: dict[str, Any]) -> str:
    """The headline metric of a summary: the first success rate (``captured_rate``, ...),
    else the return."""
    rates = sorted(k for k in summary if k.endswith("_rate") and k != "diverged_rate")
    return rates[0] if rates else "return_mean"


def score(summary: dict[str, Any]) -> tuple[float, float, float, float]:
    """Sort key of an evaluation (model selection on the validation states, and the best row
    of a table): the task's success rate, then the success rate at the strictest tolerance
    tier (``held_0.01_rate``; 0 for tasks without a distance), then −(capture time), then the
    return. Of two policies that capture every state, the one that also holds the target at
    0.01 wins, whatever their capture times."""
    name = task_metric(summary)
    ret = float(summary.get("return_mean", -math.inf))
    if name == "return_mean":
        return (0.0, 0.0, 0.0, ret)
    strict = float(summary.get(f"held_{min(TOLERANCES):g}_rate", 0.0))
    t = summary.get(name[: -len("_rate")] + "_time_mean", math.nan)
    t = -t if isinstance(t, float) and math.isfinite(t) else -math.inf
    return (float(summary[name]), strict, float(t), ret)


def _paths(directory: str | Path, env_id: str, split: str) -> tuple[Path, Path]:
    base = Path(directory) / f"{env_slug(env_id)}.{split}"
    return base.with_name(base.name + ".npy"), base.with_name(base.name + ".json")


def save_state_set(path: str | Path, states: np.ndarray, meta: dict[str, Any]) -> None:
    """Store ``states`` as ``path`` (``.npy``) with its record ``path.json`` (both atomic)."""
    from chaosgym.baselines.storage import atomic_save, atomic_write

    path = Path(path)
    states = np.asarray(states)
    if not np.all(np.isfinite(states)):
        raise ValueError(f"refusing to store {path}: it holds non-finite states")
    path.parent.mkdir(parents=True, exist_ok=True)
    record = {**meta, "n": int(states.shape[0]), "shape": list(states.shape[1:]),
              "dtype": str(states.dtype)}
    atomic_save(lambda tmp: np.save(tmp, states), path)
    atomic_write(path.with_suffix(".json"), json.dumps(record, indent=1, sort_keys=True))


def load_state_set(path: str | Path, expect: dict[str, Any], state_shape: tuple[int, ...],
                   n: int | None = None) -> np.ndarray:
    """Load a stored set and validate it against its record, ``expect`` and ``state_shape``.

    ``expect`` holds record fields that must match (``env_id``, ``split``, ``seed``);
    ``n`` (optional) the number of states wanted: a stored set is never overwritten, so one
    with fewer states is used whole, with a warning.
    """
    path = Path(path)
    meta_path = path.with_suffix(".json")
    try:
        states = np.load(path)
    except (OSError, ValueError) as e:
        raise ValueError(f"stored initial states {path} are unreadable: {e}") from e
    if meta_path.exists():
        try:
            meta = json.loads(meta_path.read_text())
        except (OSError, ValueError) as e:
            raise ValueError(f"record {meta_path} of stored states is unreadable: {e}") from e
        for k, v in expect.items():
            if k in meta and meta[k] != v:
                raise ValueError(f"stored initial states {path} were drawn with {k}="
                                 f"{meta[k]!r}, not the requested {v!r}; delete the file (and "
                                 f"{meta_path.name}) to draw the requested set")
        if list(states.shape[1:]) != list(meta.get("shape", states.shape[1:])) or (
                states.shape[0] != meta.get("n", states.shape[0])):
            raise ValueError(f"stored initial states {path} have shape {states.shape}, but "
                             f"{meta_path.name} records n={meta.get('n')}, "
                             f"shape={meta.get('shape')}")
    else:
        warnings.warn(f"stored initial states {path} have no record {meta_path.name}; their "
                      "seed cannot be checked", stacklevel=3)
    if tuple(states.shape[1:]) != tuple(state_shape):
        raise ValueError(f"stored initial states {path} have state shape {states.shape[1:]}, "
                         f"but {expect.get('env_id', 'the environment')} has states of shape "
                         f"{tuple(state_shape)}")
    if not np.all(np.isfinite(states)):
        raise ValueError(f"stored initial states {path} hold non-finite values")
    if n is not None and states.shape[0] < n:
        warnings.warn(f"{path} holds {states.shape[0]} stored initial states, fewer than the {n} "
                      "requested; evaluating on the stored set (delete the file to draw a larger "
                      "one)", stacklevel=3)
    return states if n is None else states[:n]


def initial_state_set(env_id: str, split: str, n: int, directory: str | Path | None = None,
                      fenv=None) -> np.ndarray:
    """``n`` initial states of ``env_id`` from the ``split`` bank (see the module docstring).

    ``split`` is ``"validation"`` or ``"test"`` (``"train"`` states are the environment's own
    bank). With ``directory`` the set is stored there and reused (validated) on later calls.
    """
    from chaosgym.registration import make_functional

    if split not in SPLIT_SEEDS or split == "train":
        raise ValueError(f"split must be 'validation' or 'test', got {split!r}")
    n = int(n)
    if n < 1:
        raise ValueError(f"n must be >= 1, got {n}")
    seed = SPLIT_SEEDS[split]
    expect = {"env_id": env_id, "split": split, "seed": seed}
    if directory is not None:
        path, _ = _paths(directory, env_id, split)
        if path.exists():
            shape = _state_shape(env_id, fenv)
            return load_state_set(path, expect, shape, n)
    kw: dict[str, Any] = {"seed": seed, "bank_size": n}
    if fenv is not None:  # the same configuration as the env being trained / evaluated
        kw["max_steps"] = int(fenv.default_params.max_steps)
    split_env = make_functional(env_id, **kw)
    states = np.asarray(split_env.ic_bank, np.float32)
    if directory is not None:
        save_state_set(path, states, {**expect, "source": f"attractor bank, bank seed {seed}"})
    return states


def _state_shape(env_id: str, fenv=None) -> tuple[int, ...]:
    if fenv is None:
        from chaosgym.registration import make_functional

        fenv = make_functional(env_id, bank_size=1)
    return tuple(int(d) for d in fenv.ic_bank.shape[1:])


def check_disjoint(a: np.ndarray, b: np.ndarray) -> float:
    """The smallest Euclidean distance between a state of ``a`` and one of ``b``."""
    a = np.asarray(a, np.float64).reshape(len(a), -1)
    b = np.asarray(b, np.float64).reshape(len(b), -1)
    d2 = (a * a).sum(1)[:, None] + (b * b).sum(1)[None] - 2.0 * a @ b.T
    return float(np.sqrt(max(float(d2.min()), 0.0)))
