"""Training callbacks: atomic checkpoints (resume after a kill) and learning curves.

A checkpoint is a *set* of files — the model, the ``VecNormalize`` statistics and (for
off-policy algorithms) the replay buffer — written under names carrying the step count, then
committed by atomically replacing ``checkpoint.json`` (write to a temporary file, then
``os.replace``), which names the set. A run killed at any moment therefore finds either the
previous or the new complete checkpoint, never a torn one; older sets are deleted only after
the pointer moved on.

:class:`LearningCurveCallback` evaluates the deterministic policy at intervals on a fixed
validation set of initial states (distinct from the stored test set of the benchmark), appends
one row per evaluation to ``curve.csv`` and keeps the best policy so far (selected by the task
metric, then the settling time, then the return) as a file set named by ``best.json``.
"""

from __future__ import annotations

import csv
import json
import math
import os
import time
from pathlib import Path
from typing import Any

import numpy as np
from stable_baselines3.common.callbacks import BaseCallback

__all__ = ["AtomicCheckpointCallback", "LearningCurveCallback", "atomic_write",
           "load_checkpoint_pointer", "score", "task_metric"]

POINTER = "checkpoint.json"


def atomic_write(path: str | Path, data: bytes | str) -> None:
    """Write ``data`` to ``path`` atomically (a temporary file, then ``os.replace``)."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.tmp{os.getpid()}")
    mode = "wb" if isinstance(data, bytes) else "w"
    with open(tmp, mode) as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def _atomic_save(save_fn, path: Path) -> None:
    """Call ``save_fn(tmp)`` then move ``tmp`` onto ``path`` atomically."""
    tmp = path.with_name(f".{path.name}.tmp{os.getpid()}{path.suffix}")
    save_fn(tmp)
    os.replace(tmp, path)


def load_checkpoint_pointer(run_dir: str | Path) -> dict[str, Any] | None:
    """The committed checkpoint of a run (``None`` if there is none or its files are missing)."""
    p = Path(run_dir) / POINTER
    if not p.exists():
        return None
    try:
        ptr = json.loads(p.read_text())
    except (json.JSONDecodeError, OSError):
        return None
    for key in ("model", "vecnormalize", "replay_buffer"):
        f = ptr.get(key)
        if f and not (Path(run_dir) / f).exists():
            return None
    return ptr


def save_checkpoint(model, run_dir: str | Path, extra: dict[str, Any] | None = None) -> dict:
    """Save a complete checkpoint of ``model`` into ``run_dir`` and commit it atomically."""
    run_dir = Path(run_dir)
    step = int(model.num_timesteps)
    old = load_checkpoint_pointer(run_dir)
    ptr: dict[str, Any] = {"num_timesteps": step, "time": time.time(), **(extra or {})}
    mname = f"ckpt_{step}_model.zip"
    _atomic_save(lambda p: model.save(p), run_dir / mname)
    ptr["model"] = mname
    venv = model.get_vec_normalize_env()
    if venv is not None:
        vname = f"ckpt_{step}_vecnormalize.pkl"
        _atomic_save(lambda p: venv.save(str(p)), run_dir / vname)
        ptr["vecnormalize"] = vname
    if hasattr(model, "replay_buffer") and model.replay_buffer is not None:
        bname = f"ckpt_{step}_replay_buffer.pkl"
        _atomic_save(lambda p: model.save_replay_buffer(p), run_dir / bname)
        ptr["replay_buffer"] = bname
    atomic_write(run_dir / POINTER, json.dumps(ptr, indent=1))
    if old is not None:
        for key in ("model", "vecnormalize", "replay_buffer"):
            f = old.get(key)
            if f and f != ptr.get(key):
                (run_dir / f).unlink(missing_ok=True)
    return ptr


class AtomicCheckpointCallback(BaseCallback):
    """Commit a complete checkpoint every ``save_freq`` environment steps (see module doc)."""

    def __init__(self, run_dir: str | Path, save_freq: int, verbose: int = 0) -> None:
        super().__init__(verbose)
        self.run_dir = Path(run_dir)
        self.save_freq = max(int(save_freq), 1)
        self._last = 0

    def _init_callback(self) -> None:
        self._last = self.model.num_timesteps

    def _on_step(self) -> bool:
        if self.model.num_timesteps - self._last >= self.save_freq:
            self._last = self.model.num_timesteps
            save_checkpoint(self.model, self.run_dir)
        return True


def task_metric(summary: dict[str, Any]) -> str:
    """The headline metric of a summary: the first success rate (``captured_rate``, ...),
    else the return."""
    rates = sorted(k for k in summary if k.endswith("_rate") and k != "diverged_rate")
    return rates[0] if rates else "return_mean"


def score(summary: dict[str, Any]) -> tuple[float, float, float]:
    """Sort key of an evaluation: task success rate, then −(settling time), then the return."""
    name = task_metric(summary)
    if name == "return_mean":
        return (0.0, 0.0, float(summary.get("return_mean", -math.inf)))
    t = summary.get(name[: -len("_rate")] + "_time_mean", math.nan)
    t = -t if isinstance(t, float) and math.isfinite(t) else -math.inf
    return (float(summary[name]), float(t), float(summary.get("return_mean", -math.inf)))


class LearningCurveCallback(BaseCallback):
    """Evaluate every ``eval_freq`` steps on ``ics``; log to ``curve.csv`` and TensorBoard."""

    FIELDS = ("timesteps", "wall_time", "return_mean", "return_std", "task_metric",
              "task_metric_name")

    def __init__(self, run_dir: str | Path, fenv, ics: np.ndarray, eval_freq: int,
                 verbose: int = 0) -> None:
        super().__init__(verbose)
        self.run_dir = Path(run_dir)
        self.fenv = fenv
        self.ics = ics
        self.eval_freq = max(int(eval_freq), 1)
        self._last = 0
        self.best: tuple | None = None
        best_file = self.run_dir / "best.json"
        if best_file.exists():
            try:
                self.best = tuple(json.loads(best_file.read_text())["score"])
            except (json.JSONDecodeError, KeyError, OSError):
                self.best = None

    def _init_callback(self) -> None:
        self._last = self.model.num_timesteps

    def evaluate_now(self) -> dict[str, Any]:
        """Evaluate the current deterministic policy on the validation states and log it."""
        from chaosgym.baselines.evaluate import agent_policy, evaluate_policy, summarize

        venv = self.model.get_vec_normalize_env()
        rms = venv.obs_rms if venv is not None and venv.norm_obs else None
        clip = venv.clip_obs if venv is not None else 10.0
        s = summarize(
            evaluate_policy(self.fenv, agent_policy(self.model, rms, clip), self.ics),
            self.fenv.dt,
        )
        name = task_metric(s)
        row = {"timesteps": self.model.num_timesteps, "wall_time": round(time.time(), 2),
               "return_mean": s["return_mean"], "return_std": s["return_std"],
               "task_metric": s[name], "task_metric_name": name}
        path = self.run_dir / "curve.csv"
        new = not path.exists()
        with open(path, "a", newline="") as f:
            w = csv.DictWriter(f, fieldnames=self.FIELDS)
            if new:
                w.writeheader()
            w.writerow(row)
        self.logger.record("eval/return_mean", s["return_mean"])
        self.logger.record(f"eval/{name}", s[name])
        sc = score(s)
        if self.best is None or sc > self.best:
            self.best = sc
            self._save_best(sc, s, venv)
        return s

    def _save_best(self, sc: tuple, s: dict[str, Any], venv) -> None:
        """Save the best policy as a file set committed by ``best.json`` (as checkpoints)."""
        step = int(self.model.num_timesteps)
        info: dict[str, Any] = {"score": list(sc), "timesteps": step, "summary": s}
        old = None
        best_file = self.run_dir / "best.json"
        if best_file.exists():
            try:
                old = json.loads(best_file.read_text())
            except (json.JSONDecodeError, OSError):
                old = None
        info["model"] = f"best_{step}_model.zip"
        _atomic_save(lambda p: self.model.save(p), self.run_dir / info["model"])
        if venv is not None:
            info["vecnormalize"] = f"best_{step}_vecnormalize.pkl"
            _atomic_save(lambda p: venv.save(str(p)), self.run_dir / info["vecnormalize"])
        atomic_write(best_file, json.dumps(info, indent=1))
        if old:
            for key in ("model", "vecnormalize"):
                f = old.get(key)
                if f and f != info.get(key):
                    (self.run_dir / f).unlink(missing_ok=True)

    def _on_step(self) -> bool:
        if self.model.num_timesteps - self._last >= self.eval_freq:
            self._last = self.model.num_timesteps
            self.evaluate_now()
        return True
