"""Train one stable-baselines3 agent on one registered environment, resumably.

A run lives in its own directory::

    <run_dir>/config.json        exact hyperparameters, budget, seed and versions
    <run_dir>/checkpoint.json    the committed checkpoint (see chaosgym.baselines.callbacks)
    <run_dir>/ckpt_<step>.*      the newest two checkpoint sets and their manifests
    <run_dir>/curve.csv          learning curve on the validation initial states
    <run_dir>/best.json          best evaluation so far and its model files
    <run_dir>/model.zip          the final policy (the best one evaluated), written at the end
    <run_dir>/vecnormalize.pkl   its observation statistics (when normalised)
    <run_dir>/done.json          present once the run completed
    <run_dir>/tb/                TensorBoard logs (a resumed run purges the steps it redoes)
    <run_dir>/monitor.csv        training episodes (return, length), appended across resumes
    <run_dir>/events.jsonl       start / resume / done events
    <run_dir>/.lock              held (fcntl.flock) while a process trains the run

Training uses :class:`chaosgym.gym.sb3.ChaosSB3VecEnv` (one jitted, vmapped step for all
environments). :func:`train_run` started again on the same directory resumes from the committed
checkpoint (model, ``VecNormalize`` statistics and replay buffer) and trains only the missing
steps; on a completed run it returns at once. Resuming restores the learner exactly; the
environments restart from fresh initial states. A damaged newest checkpoint falls back to the
previous one with a :class:`~chaosgym.baselines.callbacks.CheckpointWarning` naming the file; a
second process started on a run that is being trained stops with
:class:`~chaosgym.baselines.storage.RunLockedError` (one line on the command line).

Command line: ``chaosgym train --env chaosgym/LorenzStabilize-v1 --algo sac --seed 0``.
"""

from __future__ import annotations

import json
import shutil
import sys
import time
import warnings
from pathlib import Path
from typing import Any

import numpy as np

from chaosgym.baselines.hyperparams import (
    ALGOS,
    budget,
    load_hyperparams,
    model_kwargs,
)
from chaosgym.baselines.provenance import command_line, versions
from chaosgym.baselines.sb3_agents import algo_class, load_agent, require_sb3
from chaosgym.baselines.storage import RunLock, RunLockedError, atomic_write

__all__ = ["RunLockedError", "algo_class", "load_agent", "run_dir_for", "train_run",
           "versions"]

VALIDATION_SEED = 777
N_VALIDATION = 30


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
        total_timesteps: budget (default: the quick/full budget from ``config/budgets.yml``).
        quick: use the quick budget.
        hyperparams: raw hyperparameters (default: ``config/<algo>.yml``).
        eval_freq: steps between learning-curve evaluations (default: budget / 10).
        checkpoint_freq: steps between committed checkpoints (default: budget / 10).
        progress_bar: show a progress bar (tqdm/rich).
        tensorboard: log to ``<run_dir>/tb``.
        threads: torch threads.
    """
    require_sb3()
    run_dir = Path(run_dir)
    run_dir.mkdir(parents=True, exist_ok=True)
    done_file = run_dir / "done.json"
    if done_file.exists():
        return json.loads(done_file.read_text())

    with RunLock(run_dir):
        return _train_locked(env_id, algo, seed, run_dir, total_timesteps, quick, hyperparams,
                             eval_freq, checkpoint_freq, progress_bar, tensorboard, threads,
                             verbose, done_file)


def _train_locked(env_id, algo, seed, run_dir, total_timesteps, quick, hyperparams, eval_freq,
                  checkpoint_freq, progress_bar, tensorboard, threads, verbose, done_file):
    import torch
    from stable_baselines3.common.callbacks import CallbackList
    from stable_baselines3.common.vec_env import VecNormalize

    from chaosgym.baselines.callbacks import (
        AtomicCheckpointCallback,
        LearningCurveCallback,
        appending_monitor,
        save_checkpoint,
        trim_curve,
    )
    from chaosgym.baselines.protocol import initial_state_set
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
        "env_id": env_id, "algo": algo, "backend": "sb3", "seed": int(seed),
        "total_timesteps": total, "quick": bool(quick), "hyperparams": _jsonable(hp),
        "eval_freq": eval_freq, "checkpoint_freq": checkpoint_freq,
        "n_validation": N_VALIDATION, "validation_split": "validation",
        "versions": versions(), "command": command_line(),
    }
    if not (run_dir / "config.json").exists():
        atomic_write(run_dir / "config.json", json.dumps(config, indent=1))

    venv = ChaosSB3VecEnv(env_id, n_envs, seed=int(seed) * 1000)
    fenv = venv.fenv
    kwargs, norm, policy = model_kwargs(algo, hp, int(np.prod(fenv.action_space.shape)))
    env = appending_monitor(venv, run_dir / "monitor.csv")
    cls = algo_class(algo)
    events = run_dir / "events.jsonl"
    model, env, start, source = _restore(cls, run_dir, env)
    if model is None:
        if norm:
            env = VecNormalize(env, gamma=float(hp.get("gamma", 0.99)), **norm)
        model = cls(policy, env, seed=int(seed), verbose=verbose, device="cpu", **kwargs)
    dropped = trim_curve(run_dir, start)
    _log_event(events, {"event": "resume" if source else "start", "num_timesteps": start,
                        **({"checkpoint": source, "curve_rows_dropped": dropped}
                           if source else {})})
    if tensorboard:
        model.set_logger(_tensorboard_logger(run_dir / "tb", start, verbose))
    val_ics = initial_state_set(env_id, "validation", N_VALIDATION, fenv=fenv)
    curve = LearningCurveCallback(run_dir, fenv, val_ics, eval_freq)
    callbacks = CallbackList([curve, AtomicCheckpointCallback(run_dir, checkpoint_freq)])
    t0 = time.time()
    remaining = total - start
    if remaining > 0:
        model.learn(remaining, callback=callbacks, progress_bar=progress_bar,
                    reset_num_timesteps=(start == 0), tb_log_name="run")
        save_checkpoint(model, run_dir)
    # a final evaluation so the last policy competes for "best" too (once per step count)
    curve.init_callback(model)
    if curve.last_logged_step() != int(model.num_timesteps):
        curve.evaluate_now()
    best = json.loads((run_dir / "best.json").read_text())
    _copy_atomic(run_dir / best["model"], run_dir / "model.zip")
    if best.get("vecnormalize"):
        _copy_atomic(run_dir / best["vecnormalize"], run_dir / "vecnormalize.pkl")
    train_seconds = time.time() - t0
    done = {"env_id": env_id, "algo": algo, "backend": "sb3", "seed": int(seed),
            "num_timesteps": int(model.num_timesteps), "resumed_from": start,
            "train_seconds": train_seconds,
            "env_steps_per_second": (int(model.num_timesteps) - start) / max(train_seconds, 1e-9),
            "best_timesteps": best["timesteps"], "best_validation": best["summary"]}
    _log_event(events, {"event": "done", "num_timesteps": int(model.num_timesteps)})
    _drop_replay_buffers(run_dir)
    atomic_write(done_file, json.dumps(done, indent=1))
    env.close()
    return done


def _restore(cls, run_dir: Path, env):
    """``(model, env, start_step, source)`` from the newest readable checkpoint.

    ``(None, env, 0, None)`` when there is none. A set whose model, statistics or replay buffer
    does not load is skipped with a :class:`CheckpointWarning` naming the file.
    """
    from stable_baselines3.common.vec_env import VecNormalize

    from chaosgym.baselines.callbacks import CheckpointWarning, checkpoint_candidates

    candidates = checkpoint_candidates(run_dir)
    for rec in candidates:
        current = None
        try:
            current = "vecnormalize"
            wrapped = env
            if rec.get("vecnormalize"):
                wrapped = VecNormalize.load(str(run_dir / rec["vecnormalize"]), env)
                wrapped.training = True
            current = "model"
            model = cls.load(run_dir / rec["model"], env=wrapped, device="cpu")
            if rec.get("replay_buffer"):
                current = "replay_buffer"
                model.load_replay_buffer(run_dir / rec["replay_buffer"])
        except Exception as e:  # any unreadable file: fall back to the previous set
            warnings.warn(f"checkpoint file {run_dir / rec[current]} is unreadable "
                          f"({type(e).__name__}: {e}); falling back to an older checkpoint",
                          CheckpointWarning, stacklevel=3)
            continue
        return model, wrapped, int(model.num_timesteps), rec["source"]
    if candidates or any(run_dir.glob("ckpt_*")):
        warnings.warn(f"no readable checkpoint in {run_dir}; training starts again from step 0",
                      CheckpointWarning, stacklevel=3)
    return None, env, 0, None


def _tensorboard_logger(folder: Path, start: int, verbose: int):
    """An SB3 logger writing TensorBoard events to ``folder/run_1``, purging steps > ``start``.

    A resumed run redoes the steps after its checkpoint; TensorBoard's ``purge_step`` marks the
    events the killed process logged for them as orphaned, so each step appears once (the
    events at the checkpoint's own step, like its learning-curve row, are kept).
    """
    from stable_baselines3.common.logger import HumanOutputFormat, Logger, TensorBoardOutputFormat
    from torch.utils.tensorboard import SummaryWriter

    path = folder / "run_1"
    path.mkdir(parents=True, exist_ok=True)
    tb = TensorBoardOutputFormat(str(path))
    tb.writer.close()
    tb.writer = SummaryWriter(log_dir=str(path), purge_step=int(start) + 1 if start else None)
    formats = [tb] + ([HumanOutputFormat(sys.stdout)] if verbose else [])
    return Logger(folder=str(path), output_formats=formats)


def _copy_atomic(src: Path, dst: Path) -> None:
    from chaosgym.baselines.storage import atomic_save

    atomic_save(lambda tmp: shutil.copyfile(src, tmp), dst)


def _drop_replay_buffers(run_dir: Path) -> None:
    """The replay buffer is only needed to resume; drop it once the run is complete."""
    from chaosgym.baselines.callbacks import POINTER

    for f in [run_dir / POINTER, *run_dir.glob("ckpt_*.json")]:
        try:
            rec = json.loads(f.read_text())
        except (OSError, ValueError):
            continue
        if rec.get("replay_buffer"):
            (run_dir / rec.pop("replay_buffer")).unlink(missing_ok=True)
            atomic_write(f, json.dumps(rec, indent=1))


def _log_event(path: Path, event: dict) -> None:
    with open(path, "a") as f:
        f.write(json.dumps({**event, "time": time.time()}) + "\n")


def main(argv: list[str] | None = None) -> int:
    """``train``: one agent on one environment (resumes a killed run in the same folder)."""
    import argparse

    p = argparse.ArgumentParser(prog="chaosgym train", description=main.__doc__)
    add_arguments(p)
    return run_from_args(p.parse_args(argv))


def add_arguments(p) -> None:
    """Arguments of the ``train`` command."""
    p.add_argument("--env", required=True, help="registered id, e.g. chaosgym/LorenzStabilize-v1")
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
    p.add_argument("--backend", default="sb3", choices=("sb3", "jax"),
                   help="sb3: stable-baselines3 (default); jax: rejax PPO/SAC/TD3, the whole "
                        "training compiled and vmapped over --n-seeds seeds")
    p.add_argument("--n-seeds", type=int, default=1,
                   help="jax backend: train seeds --seed .. --seed+N-1 at once")


def run_from_args(args) -> int:
    """Run ``train`` from parsed arguments (a run locked by another process: one line, exit 3)."""
    if getattr(args, "backend", "sb3") == "jax":
        return _run_jax(args)
    run_dir = args.run_dir or run_dir_for("agents/runs", args.env, args.algo, args.seed)
    try:
        done = train_run(
            args.env, args.algo, args.seed, run_dir, total_timesteps=args.timesteps,
            quick=args.quick, eval_freq=args.eval_freq, checkpoint_freq=args.checkpoint_freq,
            progress_bar=not args.no_progress, tensorboard=not args.no_tensorboard,
            threads=args.threads,
        )
    except RunLockedError as e:
        print(f"chaosgym train: {e}; not started", file=sys.stderr)
        return 3
    print(json.dumps({k: v for k, v in done.items() if k != "best_validation"}, indent=1))
    return 0


def _run_jax(args) -> int:
    from chaosgym.baselines.jax_train import JAX_ALGOS, run_dir_for_jax, train_jax_run

    if args.algo not in JAX_ALGOS:
        print(f"chaosgym train: the jax backend trains {', '.join(JAX_ALGOS)}, not "
              f"{args.algo}", file=sys.stderr)
        return 2
    if args.n_seeds < 1:
        print("chaosgym train: --n-seeds must be >= 1", file=sys.stderr)
        return 2
    seeds = list(range(args.seed, args.seed + args.n_seeds))
    run_dir = args.run_dir or run_dir_for_jax("agents/runs", args.env, args.algo)
    try:
        done = train_jax_run(args.env, args.algo, seeds, run_dir,
                             total_timesteps=args.timesteps, eval_freq=args.eval_freq,
                             progress_bar=not args.no_progress,
                             tensorboard=not args.no_tensorboard)
    except RunLockedError as e:
        print(f"chaosgym train: {e}; not started", file=sys.stderr)
        return 3
    print(json.dumps({k: v for k, v in done.items() if k != "best"}, indent=1, default=float))
    return 0
