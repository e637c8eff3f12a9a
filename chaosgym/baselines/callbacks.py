"""Training callbacks: atomic checkpoints (resume after a kill) and learning curves.

A checkpoint is a *set* of files — the model, the ``VecNormalize`` statistics and (for
off-policy algorithms) the replay buffer — written under names carrying the step count, then
committed by a manifest ``ckpt_<step>.json`` naming the set and by atomically replacing the
pointer ``checkpoint.json`` (see :mod:`chaosgym.baselines.storage`). A run killed at any moment
therefore finds either the previous or the new complete checkpoint, never a torn one. The
newest ``keep`` sets (default 2) stay on disk, so a checkpoint that is damaged later (a
truncated pointer, model zip or pickle) falls back to the one before it:
:func:`checkpoint_candidates` lists them newest first and the trainer takes the first one that
loads, warning with the name of every file it had to skip.

:class:`LearningCurveCallback` evaluates the deterministic policy at intervals on a fixed
validation set of initial states (disjoint from the training and test states, see
:mod:`chaosgym.baselines.protocol`), appends one row per evaluation to ``curve.csv`` and keeps
the best policy so far (selected by the task metric, then the settling time, then the return)
as a file set named by ``best.json``. On resume, :func:`trim_curve` drops the rows written after
the restored checkpoint, so the curve is neither duplicated nor reordered.
"""

from __future__ import annotations

import csv
import io
import json
import re
import time
import warnings
from pathlib import Path
from typing import Any

import numpy as np
from stable_baselines3.common.callbacks import BaseCallback

from chaosgym.baselines.protocol import score, task_metric
from chaosgym.baselines.storage import CheckpointWarning, atomic_save, atomic_write

__all__ = ["AtomicCheckpointCallback", "CheckpointWarning", "LearningCurveCallback",
           "checkpoint_candidates", "load_checkpoint_pointer", "save_checkpoint", "score",
           "task_metric", "trim_curve"]

POINTER = "checkpoint.json"
KEEP_CHECKPOINTS = 2
_MANIFEST = re.compile(r"^ckpt_(\d+)\.json$")
_SET_FILE = re.compile(r"^ckpt_(\d+)_(model\.zip|vecnormalize\.pkl|replay_buffer\.pkl)$")
_KEYS = ("model", "vecnormalize", "replay_buffer")


def _read_json(path: Path) -> dict[str, Any]:
    data = json.loads(path.read_text())
    if not isinstance(data, dict) or "num_timesteps" not in data or "model" not in data:
        raise ValueError("not a checkpoint record")
    return data


def load_checkpoint_pointer(run_dir: str | Path) -> dict[str, Any] | None:
    """The committed checkpoint record of a run, or ``None`` (no pointer, or it is unreadable).

    Use :func:`checkpoint_candidates` to resume: it also lists the older sets, with warnings.
    """
    p = Path(run_dir) / POINTER
    try:
        ptr = _read_json(p)
    except (OSError, ValueError):
        return None
    if any(ptr.get(k) and not (Path(run_dir) / ptr[k]).exists() for k in _KEYS):
        return None
    return ptr


def checkpoint_candidates(run_dir: str | Path) -> list[dict[str, Any]]:
    """Checkpoint records to try, newest first: the pointer, then every manifest on disk.

    A pointer or manifest that cannot be parsed, or that names a missing file, is skipped
    with a :class:`CheckpointWarning` naming the file. The caller still has to load the set's
    files (which may be truncated) and move on to the next record on failure.
    """
    run_dir = Path(run_dir)
    records: list[tuple[Path, dict[str, Any]]] = []
    ptr_path = run_dir / POINTER
    if ptr_path.exists():
        try:
            records.append((ptr_path, _read_json(ptr_path)))
        except (OSError, ValueError) as e:
            warnings.warn(f"checkpoint pointer {ptr_path} is unreadable ({type(e).__name__}: "
                          f"{e}); falling back to the newest checkpoint set on disk",
                          CheckpointWarning, stacklevel=2)
    manifests = sorted((int(m.group(1)), f) for f in run_dir.glob("ckpt_*.json")
                       if (m := _MANIFEST.match(f.name)))
    for _, f in reversed(manifests):
        try:
            records.append((f, _read_json(f)))
        except (OSError, ValueError) as e:
            warnings.warn(f"checkpoint manifest {f} is unreadable ({type(e).__name__}: {e}); "
                          "skipping it", CheckpointWarning, stacklevel=2)
    out, seen = [], set()
    for src, rec in records:
        key = tuple(rec.get(k) for k in _KEYS)
        if key in seen:
            continue
        seen.add(key)
        missing = [rec[k] for k in _KEYS if rec.get(k) and not (run_dir / rec[k]).exists()]
        if missing:
            warnings.warn(f"checkpoint {src} names missing file(s) "
                          f"{[str(run_dir / m) for m in missing]}; falling back to an older one",
                          CheckpointWarning, stacklevel=2)
            continue
        out.append({**rec, "source": src.name})
    return out


def save_checkpoint(model, run_dir: str | Path, extra: dict[str, Any] | None = None,
                    keep: int = KEEP_CHECKPOINTS) -> dict:
    """Save a complete checkpoint of ``model`` into ``run_dir`` and commit it atomically.

    The newest ``keep`` sets are kept; older ones are deleted after the new one is committed.
    """
    run_dir = Path(run_dir)
    step = int(model.num_timesteps)
    ptr: dict[str, Any] = {"num_timesteps": step, "time": time.time(), **(extra or {})}
    mname = f"ckpt_{step}_model.zip"
    atomic_save(lambda p: model.save(p), run_dir / mname)
    ptr["model"] = mname
    venv = model.get_vec_normalize_env()
    if venv is not None:
        vname = f"ckpt_{step}_vecnormalize.pkl"
        atomic_save(lambda p: venv.save(str(p)), run_dir / vname)
        ptr["vecnormalize"] = vname
    if hasattr(model, "replay_buffer") and model.replay_buffer is not None:
        bname = f"ckpt_{step}_replay_buffer.pkl"
        atomic_save(lambda p: model.save_replay_buffer(p), run_dir / bname)
        ptr["replay_buffer"] = bname
    text = json.dumps(ptr, indent=1)
    atomic_write(run_dir / f"ckpt_{step}.json", text)
    atomic_write(run_dir / POINTER, text)
    prune_checkpoints(run_dir, keep)
    return ptr


def prune_checkpoints(run_dir: str | Path, keep: int = KEEP_CHECKPOINTS) -> None:
    """Delete checkpoint sets (and stray set files) older than the newest ``keep`` manifests."""
    run_dir = Path(run_dir)
    steps = sorted({int(m.group(1)) for f in run_dir.glob("ckpt_*.json")
                    if (m := _MANIFEST.match(f.name))})
    kept = set(steps[-max(int(keep), 1):])
    for f in run_dir.glob("ckpt_*"):
        m = _MANIFEST.match(f.name) or _SET_FILE.match(f.name)
        if m and int(m.group(1)) not in kept:
            f.unlink(missing_ok=True)


def trim_curve(run_dir: str | Path, step: int) -> int:
    """Drop the rows of ``curve.csv`` after ``step`` (and repeated steps); returns how many.

    Called when a run resumes from the checkpoint at ``step``: rows written after it describe
    a policy that was discarded and would otherwise be repeated by the resumed run.
    """
    path = Path(run_dir) / "curve.csv"
    if not path.exists():
        return 0
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    kept, seen = [], set()
    for r in rows:
        t = int(float(r["timesteps"]))
        if t <= step and t not in seen and (not kept or t > int(float(kept[-1]["timesteps"]))):
            kept.append(r)
            seen.add(t)
    if len(kept) != len(rows):
        buf = io.StringIO()
        w = csv.DictWriter(buf, fieldnames=LearningCurveCallback.FIELDS, extrasaction="ignore")
        w.writeheader()
        w.writerows(kept)
        atomic_write(path, buf.getvalue())
    return len(rows) - len(kept)


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


def appending_monitor(venv, path: str | Path):
    """A ``VecMonitor`` writing ``path`` that appends to an existing file instead of truncating it.

    A resumed (or failed) run keeps every episode already recorded; the ``t`` column stays the
    time since the run's first start (read from the file's JSON header line).
    """
    from stable_baselines3.common.monitor import ResultsWriter
    from stable_baselines3.common.vec_env import VecMonitor

    path = Path(path)
    with warnings.catch_warnings():
        # ChaosSB3VecEnv reports Monitor-style episode statistics itself (so evaluate_policy
        # accepts it); VecMonitor's statistics are the same episodes, written to the file
        warnings.filterwarnings("ignore", message=".*already wrapped with a `Monitor`")
        mon = VecMonitor(venv)
    header = {"t_start": mon.t_start, "env_id": str(getattr(venv, "env_id", ""))}
    exists = path.exists() and path.stat().st_size > 0
    if exists:
        with open(path) as f:
            first = f.readline()
        try:
            mon.t_start = float(json.loads(first[1:])["t_start"])
        except (ValueError, KeyError, TypeError):
            warnings.warn(f"{path}: no readable header line; appending episodes anyway",
                          stacklevel=2)
        with open(path, "rb+") as f:  # a killed writer may have left half a row
            data = f.read()
            if data and not data.endswith(b"\n"):
                f.truncate(data.rfind(b"\n") + 1)
    mon.results_writer = ResultsWriter(str(path), header=header, override_existing=not exists)
    return mon


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
                # re-scored from the stored summary, so a best kept under an older score()
                # compares on the current key
                self.best = score(json.loads(best_file.read_text())["summary"])
            except (json.JSONDecodeError, KeyError, OSError, TypeError):
                self.best = None

    def _init_callback(self) -> None:
        self._last = self.model.num_timesteps

    def last_logged_step(self) -> int | None:
        """The step of the last row of ``curve.csv`` (``None`` when there is none)."""
        path = self.run_dir / "curve.csv"
        if not path.exists():
            return None
        with open(path, newline="") as f:
            rows = list(csv.DictReader(f))
        return int(float(rows[-1]["timesteps"])) if rows else None

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
        self.logger.dump(int(self.model.num_timesteps))  # one TensorBoard point per evaluation
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
        atomic_save(lambda p: self.model.save(p), self.run_dir / info["model"])
        if venv is not None:
            info["vecnormalize"] = f"best_{step}_vecnormalize.pkl"
            atomic_save(lambda p: venv.save(str(p)), self.run_dir / info["vecnormalize"])
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
