"""One benchmark run: train (or resume, or skip) and evaluate on the stored test states.

:func:`run_task` is what the local sweep of :mod:`chaosgym.baselines.benchmark` and the Ray
workers of :mod:`chaosgym.baselines.ray_runner` both call; neither imports the other.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from chaosgym.baselines.evaluate import agent_policy, evaluate_policy, summarize
from chaosgym.baselines.storage import atomic_write

__all__ = ["ARTEFACTS", "run_jax_task", "run_task"]

ARTEFACTS = ("config.json", "done.json", "eval.json", "curve.csv", "model.zip",
             "vecnormalize.pkl")


def run_task(task: dict[str, Any]) -> dict[str, Any]:
    """Train (resume / skip) one run and evaluate it on the stored initial states.

    ``task`` holds ``env_id, algo, seed, run_dir, ics`` (the array), and optionally
    ``total_timesteps, quick, progress_bar, collect``. With ``collect`` the run's small
    artefacts are returned as bytes (for workers that do not share the driver's disk).
    """
    from chaosgym.baselines.sb3_agents import load_agent
    from chaosgym.baselines.train import train_run
    from chaosgym.registration import make_functional

    run_dir = Path(task["run_dir"])
    done = train_run(
        task["env_id"], task["algo"], int(task["seed"]), run_dir,
        total_timesteps=task.get("total_timesteps"), quick=bool(task.get("quick", False)),
        eval_freq=task.get("eval_freq"), progress_bar=bool(task.get("progress_bar", False)),
    )
    ics = np.asarray(task["ics"])
    eval_file = run_dir / "eval.json"
    summary = None
    if eval_file.exists():
        cached = json.loads(eval_file.read_text())
        if cached.get("n_ics") == len(ics) and cached.get("model_mtime") == _mtime(run_dir):
            summary = cached["summary"]
    if summary is None:
        fenv = make_functional(task["env_id"])
        model, rms = load_agent(run_dir)
        summary = summarize(evaluate_policy(fenv, agent_policy(model, rms), ics), fenv.dt)
        atomic_write(eval_file, json.dumps(
            {"n_ics": len(ics), "model_mtime": _mtime(run_dir), "summary": summary}, indent=1))
    out = {"env_id": task["env_id"], "algo": task["algo"], "seed": int(task["seed"]),
           "run_dir": str(run_dir), "summary": summary, "done": done}
    if task.get("collect"):
        out["files"] = {n: (run_dir / n).read_bytes() for n in ARTEFACTS
                        if (run_dir / n).exists()}
    return out


def _mtime(run_dir: Path) -> float:
    p = run_dir / "model.zip"
    return p.stat().st_mtime if p.exists() else -1.0


def run_jax_task(task: dict[str, Any]) -> list[dict[str, Any]]:
    """Train (resume / skip) one JAX run — all ``task["seeds"]`` at once — and evaluate each seed.

    ``task`` holds ``env_id, algo`` (``ppo-jax``, ``sac-jax``, ...), ``seeds, run_dir, ics`` and
    optionally ``total_timesteps, eval_freq, progress_bar``. Each seed gets a folder
    ``<run_dir>/seed<k>`` with ``eval.json``, ``done.json`` and its ``curve.csv`` rows, so the
    table aggregates JAX and SB3 runs alike.
    """
    import csv

    from chaosgym.baselines.jax_train import evaluate_jax_policies, train_jax_run
    from chaosgym.registration import make_functional

    run_dir = Path(task["run_dir"])
    algo = task["algo"].removesuffix("-jax")
    seeds = [int(s) for s in task["seeds"]]
    done = train_jax_run(task["env_id"], algo, seeds, run_dir,
                         total_timesteps=task.get("total_timesteps"),
                         eval_freq=task.get("eval_freq"),
                         progress_bar=bool(task.get("progress_bar", False)))
    ics = np.asarray(task["ics"])
    best_mtime = (run_dir / "best.json").stat().st_mtime
    with open(run_dir / "curve.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    summaries: dict[int, dict[str, Any]] = {}
    for s in seeds:
        eval_file = run_dir / f"seed{s}" / "eval.json"
        if eval_file.exists():
            cached = json.loads(eval_file.read_text())
            if cached.get("n_ics") == len(ics) and cached.get("best_mtime") == best_mtime:
                summaries[s] = cached["summary"]
    todo = [s for s in seeds if s not in summaries]
    if todo:  # one compiled rollout for every seed still to evaluate
        fenv = make_functional(task["env_id"])
        summaries.update(evaluate_jax_policies(run_dir, todo, fenv, ics))
    out = []
    for s in seeds:
        d = run_dir / f"seed{s}"
        d.mkdir(exist_ok=True)
        summary = summaries[s]
        if s in todo:
            atomic_write(d / "eval.json", json.dumps(
                {"n_ics": len(ics), "best_mtime": best_mtime, "summary": summary}, indent=1))
        atomic_write(d / "done.json", json.dumps(
            {"env_id": task["env_id"], "algo": task["algo"], "seed": s, "backend": "jax",
             "num_timesteps": done["num_timesteps"], "train_seconds": done["wall_seconds"],
             "env_steps_per_second": done["env_steps_per_second"], "vmapped_seeds": seeds},
            indent=1, default=float))
        mine = [r for r in rows if int(r["seed"]) == s]
        if mine:
            import io

            buf = io.StringIO()
            w = csv.DictWriter(buf, fieldnames=list(mine[0]))
            w.writeheader()
            w.writerows(mine)
            atomic_write(d / "curve.csv", buf.getvalue())
        out.append({"env_id": task["env_id"], "algo": task["algo"], "seed": s,
                    "run_dir": str(d), "summary": summary, "done": done})
    return out
