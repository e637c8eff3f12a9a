"""Train one stable-baselines3 agent on one registered environment, resumably.

A run lives in its own directory::

    <run_dir>/config.json        exact hyperparameters, budget, seed and versions
    <run_dir>/checkpoint.json    the committed checkpoint (see chaosgym.baselines.callbacks)
    <run_dir>/curve.csv          learning curve on the validation initial states
    <run_dir>/best.json          best evaluation so far and its model files
    <run_dir>/model.zip          the final policy (the best one evaluated), written at the end
    <run_dir>/vecnormalize.pkl   its observation statistics (when normalised)
    <run_dir>/done.json          present once the run completed
    <run_dir>/tb/                TensorBoard logs
    <run_dir>/monitor.csv        training episodes (return, length)

Training uses :class:`chaosgym.gym.sb3.ChaosSB3VecEnv` (one jitted, vmapped step for all
environments). :func:`train_run` started again on the same directory resumes from the committed
checkpoint (model, ``VecNormalize`` statistics and replay buffer) and trains only the missing
steps; on a completed run it returns at once. Resuming restores the learner exactly; the
environments restart from fresh initial states.

Command line: ``chaosgym train --env chaosgym/LorenzStabilize-v0 --algo sac --seed 0``.
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

from chaosgym.baselines.hyperparams import (
    ALGOS,
    budget,
    load_hyperparams,
    model_kwargs,
)

__all__ = ["algo_class", "load_agent", "run_dir_for", "train_run", "versions"]

VALIDATION_SEED = 777
N_VALIDATION = 30


def _require_sb3():
    try:
        import stable_baselines3  # noqa: F401
    except ImportError as e:  # pragma: no cover - exercised only without the extra
        raise ImportError(
            "training agents needs stable-baselines3 and torch: pip install 'chaosgym[agents]'"
        ) from e


def algo_class(algo: str):
    """The stable-baselines3 class of an algorithm name."""
    _require_sb3()
    import stable_baselines3 as sb3

    algo = algo.lower()
    if algo not in ALGOS:
        raise ValueError(f"unknown algorithm {algo!r}; choose from {list(ALGOS)}")
    return getattr(sb3, algo.upper())


def versions() -> dict[str, str]:
    """Versions of Python and of every library a result depends on (and the git commit)."""
    import importlib.metadata as md

    out = {"python": platform.python_version(), "platform": platform.platform()}
    for pkg in ("chaosgym", "jax", "jaxlib", "numpy", "gymnasium", "stable_baselines3", "torch"):
        try:
            out[pkg] = md.version(pkg.replace("_", "-"))
        except md.PackageNotFoundError:
            out[pkg] = "not installed"
    try:
        import subprocess

        root = Path(__file__).resolve().parents[2]
        out["git_commit"] = subprocess.run(
            ["git", "-C", str(root), "rev-parse", "HEAD"], capture_output=True, text=True,
            timeout=10,
        ).stdout.strip() or "unknown"
    except (OSError, subprocess.SubprocessError):
        out["git_commit"] = "unknown"
    return out


def run_dir_for(root: str | Path, env_id: str, algo: str, seed: int) -> Path:
    """``<root>/<Env>/<algo>/seed<seed>``."""
    from chaosgym.baselines.evaluate import env_slug

    return Path(root) / env_slug(env_id) / algo / f"seed{seed}"


def _jsonable(hp: dict) -> dict:
    return {k: (v if isinstance(v, str | int | float | bool | list | dict | None) else repr(v))
            for k, v in hp.items()}


def train_run(
    env_id: str,
    algo: str,
    seed: int,
    run_dir: str | Path,
    total_timesteps: int | None = None,
    quick: bool = False,
    hyperparams: dict | None = None,
    eval_freq: int | None = None,
    checkpoint_freq: int | None = None,
    progress_bar: bool = False,
    tensorboard: bool = True,
    threads: int = 1,
    verbose: int = 0,
) -> dict[str, Any]:
    """Train (or resume, or skip a completed) run; returns the contents of ``done.json``.

    Args:
        env_id: registered id.
        algo: ``ppo``, ``sac``, ``td3``, ``a2c`` or ``ddpg``.
        seed: seed of the learner and of the environments.
        run_dir: the run's directory (created).
        total_timesteps: budget (default: the quick/full budget from ``agents/budgets.yml``).
        quick: use the quick budget.
        hyperparams: raw hyperparameters (default: ``agents/hyperparams/<algo>.yml``).
        eval_freq: steps between learning-curve evaluations (default: budget / 10).
        checkpoint_freq: steps between committed checkpoints (default: budget / 10).
        progress_bar: show a progress bar (tqdm/rich).
        tensorboard: log to ``<run_dir>/tb``.
        threads: torch threads.
    """
    _require_sb3()
    run_dir = Path(run_dir)
    run_dir.mkdir(parents=True, exist_ok=True)
    done_file = run_dir / "done.json"
    if done_file.exists():
        return json.loads(done_file.read_text())

    with _RunLock(run_dir):
        return _train_locked(env_id, algo, seed, run_dir, total_timesteps, quick, hyperparams,
                             eval_freq, checkpoint_freq, progress_bar, tensorboard, threads,
                             verbose, done_file)


class _RunLock:
    """An exclusive lock on a run folder (``.lock`` holding the owner's pid).

    A second process training the same run raises ``RuntimeError``; a lock left by a killed
    process (its pid no longer exists) is taken over.
    """

    def __init__(self, run_dir: Path) -> None:
        self.path = Path(run_dir) / ".lock"

    def __enter__(self):
        for _ in range(2):
            try:
                fd = os.open(self.path, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
            except FileExistsError:
                try:
                    pid = int(self.path.read_text().strip() or "0")
                except (OSError, ValueError):
                    pid = 0
                if pid and pid != os.getpid() and _alive(pid):
                    raise RuntimeError(
                        f"{self.path.parent} is being trained by process {pid}") from None
                self.path.unlink(missing_ok=True)
                continue
            with os.fdopen(fd, "w") as f:
                f.write(str(os.getpid()))
            return self
        raise RuntimeError(f"could not lock {self.path.parent}")

    def __exit__(self, *exc) -> None:
        self.path.unlink(missing_ok=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _train_locked(env_id, algo, seed, run_dir, total_timesteps, quick, hyperparams, eval_freq,
                  checkpoint_freq, progress_bar, tensorboard, threads, verbose, done_file):
    import torch
    from stable_baselines3.common.callbacks import CallbackList
    from stable_baselines3.common.vec_env import VecMonitor, VecNormalize

    from chaosgym.baselines.callbacks import (
        AtomicCheckpointCallback,
        LearningCurveCallback,
        load_checkpoint_pointer,
        save_checkpoint,
    )
    from chaosgym.baselines.evaluate import initial_conditions
    from chaosgym.gym.sb3 import ChaosSB3VecEnv

    if done_file.exists():  # finished by another process while we waited
        return json.loads(done_file.read_text())
    torch.set_num_threads(max(int(threads), 1))
    hp = load_hyperparams(algo, env_id) if hyperparams is None else dict(hyperparams)
    total = int(total_timesteps) if total_timesteps is not None else budget(
        algo, env_id, quick, hp)
    n_envs = int(hp.get("n_envs", 1))
    eval_freq = int(eval_freq or max(total // 10, 1))
    checkpoint_freq = int(checkpoint_freq or max(total // 10, 1))
    config = {
        "env_id": env_id, "algo": algo, "seed": int(seed), "total_timesteps": total,
        "quick": bool(quick), "hyperparams": _jsonable(hp), "eval_freq": eval_freq,
        "checkpoint_freq": checkpoint_freq, "n_validation": N_VALIDATION,
        "validation_seed": VALIDATION_SEED, "versions": versions(),
        "command": " ".join(sys.argv),
    }
    from chaosgym.baselines.callbacks import atomic_write

    if not (run_dir / "config.json").exists():
        atomic_write(run_dir / "config.json", json.dumps(config, indent=1))

    venv = ChaosSB3VecEnv(env_id, n_envs, seed=int(seed) * 1000)
    fenv = venv.fenv
    kwargs, norm, policy = model_kwargs(algo, hp, int(np.prod(fenv.action_space.shape)))
    env = VecMonitor(venv, filename=str(run_dir / "monitor.csv"))
    cls = algo_class(algo)
    ptr = load_checkpoint_pointer(run_dir)
    tb = str(run_dir / "tb") if tensorboard else None
    events = run_dir / "events.jsonl"
    if ptr is not None:
        if "vecnormalize" in ptr:
            env = VecNormalize.load(str(run_dir / ptr["vecnormalize"]), env)
            env.training = True
        model = cls.load(run_dir / ptr["model"], env=env, tensorboard_log=tb, device="cpu")
        if "replay_buffer" in ptr:
            model.load_replay_buffer(run_dir / ptr["replay_buffer"])
        start = int(model.num_timesteps)
        _log_event(events, {"event": "resume", "num_timesteps": start})
    else:
        if norm:
            env = VecNormalize(env, gamma=float(hp.get("gamma", 0.99)), **norm)
        model = cls(policy, env, seed=int(seed), tensorboard_log=tb, verbose=verbose,
                    device="cpu", **kwargs)
        start = 0
        _log_event(events, {"event": "start", "num_timesteps": 0})
    val_ics = initial_conditions(env_id, N_VALIDATION, seed=VALIDATION_SEED, fenv=fenv)
    curve = LearningCurveCallback(run_dir, fenv, val_ics, eval_freq)
    callbacks = CallbackList([curve, AtomicCheckpointCallback(run_dir, checkpoint_freq)])
    t0 = time.time()
    remaining = total - start
    if remaining > 0:
        model.learn(remaining, callback=callbacks, progress_bar=progress_bar,
                    reset_num_timesteps=(start == 0), tb_log_name="run")
        save_checkpoint(model, run_dir)
    # a final evaluation so the last policy competes for "best" too
    curve.init_callback(model)
    curve.evaluate_now()
    best = json.loads((run_dir / "best.json").read_text())
    shutil.copyfile(run_dir / best["model"], run_dir / ".model.zip.tmp")
    os.replace(run_dir / ".model.zip.tmp", run_dir / "model.zip")
    if best.get("vecnormalize"):
        shutil.copyfile(run_dir / best["vecnormalize"], run_dir / ".vecnormalize.pkl.tmp")
        os.replace(run_dir / ".vecnormalize.pkl.tmp", run_dir / "vecnormalize.pkl")
    done = {"env_id": env_id, "algo": algo, "seed": int(seed), "num_timesteps":
            int(model.num_timesteps), "resumed_from": start, "train_seconds": time.time() - t0,
            "best_timesteps": best["timesteps"], "best_validation": best["summary"]}
    _log_event(events, {"event": "done", "num_timesteps": int(model.num_timesteps)})
    # the replay buffer is only needed to resume; drop it once the run is complete
    ptr = load_checkpoint_pointer(run_dir)
    if ptr and ptr.get("replay_buffer"):
        (run_dir / ptr["replay_buffer"]).unlink(missing_ok=True)
        ptr.pop("replay_buffer")
        atomic_write(run_dir / "checkpoint.json", json.dumps(ptr, indent=1))
    atomic_write(done_file, json.dumps(done, indent=1))
    env.close()
    return done


def _log_event(path: Path, event: dict) -> None:
    with open(path, "a") as f:
        f.write(json.dumps({**event, "time": time.time()}) + "\n")


def load_agent(path: str | Path):
    """``(model, obs_rms)`` from a run directory or a model ``.zip`` (with its statistics).

    ``obs_rms`` is ``None`` when the model was trained without observation normalisation.
    """
    _require_sb3()
    import pickle

    path = Path(path)
    if path.is_dir():
        cfg = json.loads((path / "config.json").read_text())
        algo = cfg["algo"]
        zip_path, norm_path = path / "model.zip", path / "vecnormalize.pkl"
    else:
        zip_path = path
        norm_path = path.with_name(path.stem.replace("model", "vecnormalize") + ".pkl")
        algo = _algo_from_zip(zip_path)
    model = algo_class(algo).load(zip_path, device="cpu")
    rms = None
    if norm_path.exists():
        with open(norm_path, "rb") as f:
            vn = pickle.load(f)
        if getattr(vn, "norm_obs", False):
            rms = vn.obs_rms
    return model, rms


def _algo_from_zip(zip_path: Path) -> str:
    """The algorithm of a saved model from its name (``sac_seed0.zip``) or its folder's config."""
    stem = zip_path.stem.lower()
    for a in ALGOS:
        if stem.startswith(a):
            return a
    cfg = zip_path.parent / "config.json"
    if cfg.exists():
        return json.loads(cfg.read_text())["algo"]
    raise ValueError(
        f"cannot tell the algorithm of {zip_path}: name it <algo>_*.zip or pass its run directory"
    )


def main(argv: list[str] | None = None) -> int:
    """``train``: one agent on one environment (resumes a killed run in the same folder)."""
    import argparse

    p = argparse.ArgumentParser(prog="chaosgym train", description=main.__doc__)
    add_arguments(p)
    return run_from_args(p.parse_args(argv))


def add_arguments(p) -> None:
    """Arguments of the ``train`` command."""
    p.add_argument("--env", required=True, help="registered id, e.g. chaosgym/LorenzStabilize-v0")
    p.add_argument("--algo", default="sac", choices=ALGOS)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--timesteps", type=int, default=None, help="override the budget")
    p.add_argument("--quick", action="store_true", help="use the quick budget")
    p.add_argument("--run-dir", default=None, help="default: agents/runs/<Env>/<algo>/seed<k>")
    p.add_argument("--eval-freq", type=int, default=None)
    p.add_argument("--checkpoint-freq", type=int, default=None)
    p.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    p.add_argument("--no-tensorboard", action="store_true")
    p.add_argument("--threads", type=int, default=1, help="torch threads")


def run_from_args(args) -> int:
    """Run ``train`` from parsed arguments."""
    run_dir = args.run_dir or run_dir_for("agents/runs", args.env, args.algo, args.seed)
    done = train_run(
        args.env, args.algo, args.seed, run_dir, total_timesteps=args.timesteps,
        quick=args.quick, eval_freq=args.eval_freq, checkpoint_freq=args.checkpoint_freq,
        progress_bar=not args.no_progress, tensorboard=not args.no_tensorboard,
        threads=args.threads,
    )
    print(json.dumps({k: v for k, v in done.items() if k != "best_validation"}, indent=1))
    return 0
