"""The benchmark: environments × algorithms × seeds, beside zero control and classical controllers.

For every environment the runner

1. loads (or creates once, with a fixed key) the stored initial states ``ics/<Env>.npy``;
2. evaluates every applicable classical controller on them (zero control, saturated LQR,
   Pyragas and OGY where :mod:`chaosgym.control` provides them);
3. trains each (algorithm, seed) run with :func:`chaosgym.baselines.train.train_run` —
   resumable: a killed sweep started again skips completed runs and resumes the others from
   their last committed checkpoint — and evaluates its policy on the same initial states;
4. writes into the results folder (default ``agents/results/``): ``README.md`` (the table:
   IQM over seeds [95 % CI] of the return and of the task metrics, beside the controllers),
   ``results.json``, ``curves/<Env>.png`` (learning curves, IQM over seeds with 95 % CI
   bands), ``videos/`` (best seed, when :mod:`chaosgym.render` is available),
   ``models/<Env>/`` (SB3 policies under 1 MB; a JAX run's kept policies in
   ``models/<Env>/<algo>-jax/``), and ``config.json`` (exact hyperparameters, budgets, seeds,
   versions, command).

``--ray`` runs the training/evaluation tasks on Ray (a local instance, or the cluster at
``--address``): one Ray task per SB3 (env, algorithm, seed) and one per JAX-backend
(env, algorithm) with its seeds vmapped inside (:mod:`chaosgym.baselines.ray_runner`); their
files land in the same run folders and their results in the same table.

Command line::

    chaosgym benchmark --quick --envs chaosgym/LorenzStabilize-v1 --seeds 5
    python -m chaosgym.baselines benchmark --quick            # every registered environment
"""

from __future__ import annotations

import csv
import json
import math
import shutil
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

from chaosgym.baselines.evaluate import (
    CONTROLLERS_VERSION,
    DEFAULT_N_ICS,
    agent_policy,
    evaluate_controllers,
)
from chaosgym.baselines.protocol import (
    env_slug,
    initial_state_set,
    kept_plateau_change,
    observation_of,
    plateau_change,
    plateaued,
    score,
    task_metric,
)
from chaosgym.baselines.runs import run_task
from chaosgym.baselines.storage import atomic_write

__all__ = ["aggregate", "make_jax_tasks", "make_tasks", "run_benchmark", "run_task"]

MAX_MODEL_BYTES = 1_000_000
SCORE_FIELDS = ("rate", "strict tier rate", "-time", "return")  # the entries of score()


# ---------------------------------------------------------------------- the sweep
def make_tasks(envs: list[str], algos: list[str], seeds: list[int], runs_dir: Path,
               ics_dir: Path, n_ics: int, quick: bool,
               total_timesteps: int | None = None) -> list[dict[str, Any]]:
    """One task per (env, algo, seed)."""
    from chaosgym.baselines.train import run_dir_for

    tasks = []
    for env_id in envs:
        ics = initial_state_set(env_id, "test", n_ics, directory=ics_dir)
        for algo in algos:
            for seed in seeds:
                tasks.append({"env_id": env_id, "algo": algo, "seed": seed, "quick": quick,
                              "total_timesteps": total_timesteps, "ics": ics,
                              "run_dir": str(run_dir_for(runs_dir, env_id, algo, seed))})
    return tasks


def make_jax_tasks(envs: list[str], jax_algos: list[str], seeds: list[int], runs_dir: Path,
                   ics_dir: Path, n_ics: int,
                   total_timesteps: int | None = None) -> list[dict[str, Any]]:
    """One task per (env, JAX-backend algorithm), every seed vmapped inside it."""
    from chaosgym.baselines.jax_train import run_dir_for_jax

    tasks = []
    for env_id in envs:
        ics = initial_state_set(env_id, "test", n_ics, directory=ics_dir)
        for algo in jax_algos:
            tasks.append({"env_id": env_id, "algo": algo, "seeds": list(seeds),
                          "run_dir": str(run_dir_for_jax(runs_dir, env_id,
                                                         algo.removesuffix("-jax"))),
                          "ics": ics, "total_timesteps": total_timesteps})
    return tasks


def run_benchmark(
    envs: list[str] | None = None,
    algos: list[str] | None = None,
    seeds: int | list[int] | None = None,
    quick: bool = False,
    out_dir: str | Path | None = None,
    runs_dir: str | Path | None = None,
    n_ics: int = DEFAULT_N_ICS,
    total_timesteps: int | None = None,
    use_ray: bool = False,
    address: str | None = None,
    progress_bar: bool = True,
    train: bool = True,
    video: bool = True,
    ray_options: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Run (or resume) the sweep and write the results folder; returns ``results.json``.

    ``ray_options``: keyword arguments of :func:`chaosgym.baselines.ray_runner.run_on_ray`
    (``num_cpus_per_task``, ``jax_num_cpus_per_task``, ``jax_num_gpus_per_task``,
    ``num_cpus``, ``shared_fs``) when ``use_ray``.
    """
    import chaosgym
    from chaosgym.baselines.hyperparams import agents_dir, load_budgets

    if total_timesteps is not None and int(total_timesteps) < 1:
        raise ValueError(f"total_timesteps (--timesteps) must be >= 1, got {total_timesteps}")
    budgets = load_budgets()
    section = budgets.get("quick" if quick else "full", {}) or {}
    envs = list(envs or chaosgym.list_envs())
    algos = [a.lower() for a in (algos or section.get("algos", ["sac", "ppo"]))]
    if seeds is None:
        seeds = int(section.get("seeds", 5))
    seeds = list(range(seeds)) if isinstance(seeds, int) else [int(s) for s in seeds]
    out_dir = Path(out_dir) if out_dir is not None else agents_dir() / "results"
    runs_dir = Path(runs_dir) if runs_dir is not None else agents_dir() / "runs"
    ics_dir = out_dir / "ics"
    out_dir.mkdir(parents=True, exist_ok=True)
    t0 = time.time()
    jax_algos = [a for a in algos if a.endswith("-jax")]
    tasks = make_tasks(envs, [a for a in algos if a not in jax_algos], seeds, runs_dir, ics_dir,
                       n_ics, quick, total_timesteps)
    for t in tasks:
        t["progress_bar"] = progress_bar and not use_ray
        t["eval_freq"] = section.get("eval_freq")
    jax_tasks = make_jax_tasks(envs, jax_algos, seeds, runs_dir, ics_dir, n_ics,
                               total_timesteps)
    for t in jax_tasks:
        t["progress_bar"] = progress_bar and not use_ray
    if train:
        if use_ray:
            from chaosgym.baselines.ray_runner import run_on_ray

            run_on_ray(tasks, jax_tasks, address=address, **(ray_options or {}))
        else:
            from chaosgym.baselines.runs import run_jax_task

            for i, t in enumerate(tasks):
                print(f"[{i + 1}/{len(tasks)}] {t['env_id']} {t['algo']} seed {t['seed']}",
                      flush=True)
                run_task(t)
            for t in jax_tasks:  # JAX runs: every seed of an (env, algo) in one program
                print(f"[jax] {t['env_id']} {t['algo']} seeds {t['seeds']}", flush=True)
                run_jax_task(t)
    results = aggregate(envs, algos, seeds, out_dir, runs_dir, n_ics, video=video)
    write_config(out_dir, envs, algos, seeds, quick, n_ics, total_timesteps, budgets,
                 time.time() - t0, results)
    return results


def _portable(run_dir: Path, runs_dir: Path) -> str:
    """A run folder relative to the runs folder (no machine paths in committed results)."""
    try:
        return Path(run_dir).resolve().relative_to(Path(runs_dir).resolve()).as_posix()
    except ValueError:
        return Path(run_dir).name


def _runs_of(runs_dir: Path, env_id: str, algo: str, seeds: list[int]) -> list[Path]:
    from chaosgym.baselines.train import run_dir_for

    return [d for s in seeds if (d := run_dir_for(runs_dir, env_id, algo, s)).joinpath(
        "eval.json").exists()]


def aggregate(envs: list[str], algos: list[str], seeds: list[int], out_dir: Path,
              runs_dir: Path, n_ics: int = DEFAULT_N_ICS, video: bool = True) -> dict:
    """Collect controller and agent evaluations into ``results.json``, the table and plots."""

    results: dict[str, Any] = {}
    previous = out_dir / "results.json"
    if previous.exists():  # rows of environments not in this call are kept
        try:
            results = json.loads(previous.read_text())
        except json.JSONDecodeError:
            results = {}
    for env_id in envs:
        ics = initial_state_set(env_id, "test", n_ics, directory=out_dir / "ics")
        ctrl_file = out_dir / "controllers" / f"{env_slug(env_id)}.json"
        ctrl, ctrl_file_stale = None, False
        if ctrl_file.exists():
            cached = json.loads(ctrl_file.read_text())
            if cached.get("n_ics") == len(ics):
                ctrl = cached["summaries"]
                if cached.get("version", 1) != CONTROLLERS_VERSION:  # add the new ones
                    ctrl = {**ctrl, **evaluate_controllers(env_id, ics, skip=set(ctrl))}
                    ctrl_file_stale = True
        if ctrl is None:
            ctrl = evaluate_controllers(env_id, ics)
            ctrl_file_stale = True
        if ctrl_file_stale:
            ctrl_file.parent.mkdir(parents=True, exist_ok=True)
            atomic_write(ctrl_file, json.dumps({"n_ics": len(ics), "version": CONTROLLERS_VERSION,
                                                "summaries": ctrl}, indent=1))
        agents: dict[str, Any] = {}
        kept = results.get(env_id, {}).get("agents", {})
        for algo in algos:
            runs = _runs_of(runs_dir, env_id, algo, seeds)
            if not runs:
                if algo in kept:
                    print(f"{env_id} {algo}: no finished run folders in {runs_dir}; keeping "
                          "the stored row", flush=True)
                continue
            per_seed, curves = {}, {}
            for d in runs:
                per_seed[d.name] = json.loads((d / "eval.json").read_text())["summary"]
                done = json.loads((d / "done.json").read_text())
                per_seed[d.name]["num_timesteps"] = done["num_timesteps"]
                per_seed[d.name]["train_seconds"] = done["train_seconds"]
                curves[d.name] = _curve_of(d)
                per_seed[d.name]["plateau_change"] = _plateau(curves[d.name])
            agents[algo] = {"per_seed": per_seed, "runs": [_portable(d, runs_dir) for d in runs],
                            "curves": curves}
            _copy_models(runs, out_dir / "models" / env_slug(env_id), algo)
        # rows of algorithms not in this call, or whose run folders are gone, are kept
        agents = {**kept, **agents}
        results[env_id] = {"n_ics": len(ics), "controllers": ctrl, "agents": agents}
        _plot_curves(env_id, agents, out_dir / "curves" / f"{env_slug(env_id)}.png")
        if video:
            _video(env_id, agents, ics, out_dir / "videos", runs_dir)
    results = dict(sorted(results.items()))
    atomic_write(out_dir / "results.json", json.dumps(results, indent=1, default=float))
    profile = _plot_profiles(results, out_dir / "curves" / "performance_profile.png")
    atomic_write(out_dir / "README.md", render_markdown(results, profile=profile))
    return results


def _mean_score(agent: dict[str, Any]) -> tuple[float, ...]:
    """:func:`score` averaged over an agent's seeds, entry by entry."""
    per = [score(x) for x in agent["per_seed"].values()]
    return tuple(float(np.nanmean([p[i] for p in per])) for i in range(len(SCORE_FIELDS)))


def _curve_of(run: Path) -> dict[str, Any]:
    """A run's learning curve (``curve.csv``) as columns, kept in ``results.json`` so the plots
    can be redrawn without the run folders: ``timesteps``, ``return_mean``, ``task_metric``
    and the metric's name (empty lists where the run has no curve)."""
    path = run / "curve.csv"
    rows: list[dict[str, str]] = []
    if path.exists():
        with path.open(newline="") as f:
            rows = list(csv.DictReader(f))
    return {"task_metric_name": rows[0]["task_metric_name"] if rows else "",
            "timesteps": [int(r["timesteps"]) for r in rows],
            "return_mean": [float(r["return_mean"]) for r in rows],
            "task_metric": [float(r["task_metric"]) for r in rows]}


def _plateau(curve: dict[str, Any]) -> float:
    """:func:`plateau_change` of a stored curve's validation return (NaN without one)."""
    if not curve["timesteps"]:
        return math.nan
    return plateau_change(curve["timesteps"], curve["return_mean"])


def _settled_cell(changes: list[float], n: int, why_unknown: str) -> str:
    """``k/n`` of ``changes`` that :func:`plateaued` (a NaN counts as not) and the largest
    remaining change by size, with its sign; ``unknown (why_unknown)`` when none is finite."""
    ch = np.asarray(changes, float)
    k = sum(plateaued(c) for c in ch)
    ch = ch[np.isfinite(ch)]
    if ch.size == 0:
        return f"unknown ({why_unknown})"
    worst = ch[int(np.argmax(np.abs(ch)))]
    return f"{k}/{n} (max {100 * worst:+.1f} %)"


def _plateau_cell(ps: list[dict[str, Any]]) -> str:
    """Seeds whose raw validation curve :func:`plateaued` (the stored ``plateau_change``);
    a seed whose curve is too short to tell counts as not plateaued."""
    return _settled_cell([p.get("plateau_change", math.nan) for p in ps], len(ps),
                         "too few evaluations")


def _kept_cell(agent: dict[str, Any]) -> str:
    """Seeds whose kept (best-validation) policy settled, from the curves stored in the row
    (:func:`kept_plateau_change`); ``unknown`` for a row stored without curves."""
    curves = [c for c in (agent.get("curves") or {}).values() if c.get("timesteps")]
    return _settled_cell([kept_plateau_change(c["timesteps"], c["return_mean"]) for c in curves],
                         len(agent["per_seed"]),
                         "too few evaluations" if curves else "no stored curve")


# ---------------------------------------------------------------------- reporting
def _pm(values: list[float], fmt: str = "{:.3g}") -> str:
    v = np.asarray([x for x in values if x is not None and np.isfinite(x)], float)
    if v.size == 0:
        return "–"
    if v.size == 1:
        return fmt.format(v[0])
    return f"{fmt.format(v.mean())} ± {fmt.format(v.std())}"


def _iqm_ci(values: list[float], fmt: str = "{:.3g}") -> str:
    """IQM over seeds with its stratified-bootstrap 95 % CI (3+ seeds), else mean ± std."""
    from chaosgym.baselines.stats import iqm, stratified_bootstrap_ci

    v = np.asarray([x for x in values if x is not None and np.isfinite(x)], float)
    if v.size < 3:
        return _pm(list(v), fmt)
    point, low, high = stratified_bootstrap_ci(v, iqm, reps=1000)
    return f"{fmt.format(point)} [{fmt.format(low)}, {fmt.format(high)}]"


def normalized_scores(results: dict[str, Any]) -> dict[str, dict[str, list[float]]]:
    """Per env and algorithm, each seed's headline metric normalised by the controllers.

    0 = zero control, 1 = the best classical (full-state) controller; environments where no
    controller differs from zero control are left out.
    """
    from chaosgym.baselines.stats import normalized_score

    out: dict[str, dict[str, list[float]]] = {}
    for env_id, r in results.items():
        ctrl = r["controllers"]
        if "zero" not in ctrl or len(ctrl) < 2 or not r["agents"]:
            continue
        metric = task_metric(ctrl["zero"])
        best = max((v for k, v in ctrl.items() if k != "zero"), key=score)
        z, b = ctrl["zero"].get(metric, math.nan), best.get(metric, math.nan)
        if not (np.isfinite(z) and np.isfinite(b)) or z == b:
            continue
        out[env_id] = {algo: [float(normalized_score(x.get(metric, math.nan), z, b))
                              for x in a["per_seed"].values()]
                       for algo, a in r["agents"].items()}
    return out


def _aggregate_lines(results: dict[str, Any]) -> list[str]:
    """IQM [95 % CI] of the normalised score over environments × seeds, per algorithm."""
    from chaosgym.baselines.stats import iqm, stratified_bootstrap_ci

    norm = normalized_scores(results)
    algos = sorted({a for v in norm.values() for a in v})
    lines = []
    for algo in algos:
        cols = [v[algo] for v in norm.values() if algo in v and v[algo]
                and np.all(np.isfinite(v[algo]))]
        if not cols:
            continue
        k = min(len(c) for c in cols)
        mat = np.array([c[:k] for c in cols]).T  # (seeds, envs)
        if k >= 2:
            p, lo, hi = stratified_bootstrap_ci(mat, iqm, reps=1000)
            txt = f"{p:.2f} [{lo:.2f}, {hi:.2f}]"
        else:
            txt = f"{iqm(mat):.2f} (one seed: no interval)"
        lines.append(f"- {algo.upper()}: {txt} over {mat.shape[1]} environments × {k} seeds")
    if not lines:
        return []
    return ["Normalised score (0 = zero control, 1 = best classical controller) of the "
            "headline metric, IQM over environments × seeds [stratified-bootstrap 95 % CI]:",
            "", *lines, ""]


def _metric_columns(summaries: list[dict]) -> list[tuple[str, str]]:
    """(key, header) of the task-metric columns present in these summaries."""
    keys = set().union(*[s.keys() for s in summaries]) if summaries else set()
    flags = sorted(k[: -len("_rate")] for k in keys if k.endswith("_rate") and k != "diverged_rate")
    floats = sorted(k[: -len("_final")] for k in keys if k.endswith("_final"))
    cols = []
    for name in flags:
        cols.append((f"{name}_rate", f"{name} rate"))
        if f"{name}_time_median" in keys:
            cols.append((f"{name}_time_median", f"{name} time (median)"))
    cols += [(f"{name}_mean", f"{name} (time avg)") for name in floats]
    if "diverged_rate" in keys:
        cols.append(("diverged_rate", "diverged"))
    return cols


def render_markdown(results: dict[str, Any], profile: bool = False) -> str:
    """The results table (one section per environment); ``profile``: link the performance
    profile plot."""
    lines = [
        "# chaosgym baseline results",
        "",
        "Every controller and agent is evaluated on the same stored test states "
        "(`ics/<Env>.test.npy`, disjoint from the training and validation states), for the "
        "full time limit, with the deterministic policy (protocol: `agents/README.md`).",
        "Agents with 3 or more seeds: interquartile mean over seeds [stratified-bootstrap 95 % "
        "CI] of each seed's value (a seed's value is the mean over the test states; times are "
        "medians over successful episodes); with fewer seeds, mean ± std. Classical controllers "
        "are deterministic: one value, and the return's ± is over initial states.",
        "A rate is the fraction of episodes where the metric holds over the whole final window "
        "(the last 10 % of the horizon, at least 10 steps); a time is the first entry into the "
        "stretch that is then held to the end. `held 0.1` / `held 0.01`: the same at those "
        "distances to the target. Observation: `full state` (the method reads the system "
        "state), `sensors (k of n)` or `state + task (k)` (the task's observation, as the "
        "agents see it). Plateaued: seeds whose validation return moved by less than 2 % of "
        "its whole range, up or down, over the last 20 % of training (the largest change "
        "beside it, with its sign: + still learning, − falling); `unknown` where a curve has "
        "fewer than 4 evaluations. Kept policy settled: the same rule on the running best of "
        "the validation return, i.e. whether the policy the protocol keeps (each run's best "
        "validation evaluation) still improved over the last 20 % of training; `unknown` for "
        "a row stored without its curves.",
        "",
    ]
    lines += _overview(results)
    lines += _aggregate_lines(results)
    if profile:
        lines += ["Performance profiles of the normalised score (every environment × seed, "
                  "95 % bands): `curves/performance_profile.png`.", ""]
    lines += _family_lines(results)
    for env_id, r in results.items():
        summaries = list(r["controllers"].values()) + [
            s for a in r["agents"].values() for s in a["per_seed"].values()]
        cols = _metric_columns(summaries)
        lines += [f"## {env_id}", "", f"{r['n_ics']} stored initial states.", ""]
        head = ["controller / agent", "observation", "seeds", "steps", "plateaued",
                "kept policy settled", "return"] + [h for _, h in cols]
        lines.append("| " + " | ".join(head) + " |")
        lines.append("|" + "---|" * len(head))
        for name, s in r["controllers"].items():
            row = [name, observation_of(name, env_id), "–", "–", "–", "–",
                   _pm([s["return_mean"]]) + f" ± {s['return_std']:.3g}"]
            row += [_pm([s.get(k, math.nan)]) for k, _ in cols]
            lines.append("| " + " | ".join(row) + " |")
        for algo, a in r["agents"].items():
            ps = list(a["per_seed"].values())
            steps = sorted({int(s["num_timesteps"]) for s in ps})
            row = [algo.upper(), observation_of(algo, env_id), str(len(ps)),
                   "/".join(f"{x:,}" for x in steps), _plateau_cell(ps), _kept_cell(a),
                   _iqm_ci([s["return_mean"] for s in ps])]
            row += [_iqm_ci([s.get(k, math.nan) for s in ps]) for k, _ in cols]
            lines.append("| " + " | ".join(row) + " |")
        lines += ["", _headline(r), ""]
        if r["agents"]:
            lines += [f"Learning curves: `curves/{env_slug(env_id)}.png`.", ""]
    lines += [
        "## Reproduce", "",
        "```bash",
        "bash scripts/sweep.sh ppo-jax sac-jax        # every id, JAX backend, 5 seeds, resumable",
        "chaosgym benchmark --envs <id> ... --algos ppo sac --seeds 5     # SB3 on any id",
        "chaosgym benchmark --no-train --envs <id> ... --algos <algos>    # the table only",
        "```", "",
        "`config.json` holds the exact hyperparameters, budgets, seeds and library versions; "
        "each run folder's `config.json` its own. A policy is the best of its run's periodic "
        "evaluations on a separate validation set of initial states (not the stored test set).",
        "",
        "Stored policies: `models/<Env>/` holds SB3 models under 1 MB and, for a JAX row whose "
        "run folders were present when the table was last written, every seed's kept policy "
        "(`<algo>-jax/`); `chaosgym evaluate --env <id> --model "
        "agents/results/models/<Env>/<algo>-jax` "
        "evaluates them again on the test states. The commands above retrain the others.",
        "",
    ]
    return "\n".join(lines) + "\n"


def _overview(results: dict[str, Any]) -> list[str]:
    """One row per environment: headline metric of zero control, best controller, best agent."""
    lines = ["## Overview", "",
             "| environment | metric | zero control | best classical | best agent (seeds) |",
             "|---|---|---|---|---|"]
    for env_id, r in results.items():
        ctrl = r["controllers"]
        metric = task_metric(ctrl.get("zero", next(iter(ctrl.values()))))
        fmt = (lambda v: f"{v:.3g}") if metric == "return_mean" else (lambda v: f"{v:.2f}")
        zero = fmt(ctrl["zero"][metric]) if "zero" in ctrl else "–"
        name, best = max(((k, v) for k, v in ctrl.items() if k != "zero"),
                         key=lambda kv: score(kv[1]), default=(None, None))
        best_c = f"{name}: {fmt(best[metric])}" if best is not None else "–"
        agent = "–"
        if r["agents"]:
            algo, a = max(r["agents"].items(), key=lambda kv: _mean_score(kv[1]))
            ps = list(a["per_seed"].values())
            agent = f"{algo.upper()}: {_iqm_ci([x.get(metric, math.nan) for x in ps])} ({len(ps)})"
        lines.append(f"| {env_id.split('/')[-1]} | {metric.replace('_', ' ')} | {zero} | "
                     f"{best_c} | {agent} |")
    return [*lines, ""]


def _headline(r: dict[str, Any]) -> str:
    """One sentence: the best agent's task metric beside the best classical controller's."""
    if not r["agents"]:
        return "No trained agent yet for this environment."
    best_algo, best_mean = None, None
    for algo, a in r["agents"].items():
        ps = list(a["per_seed"].values())
        mean = _mean_score(a)
        if best_mean is None or mean > best_mean:
            best_algo, best_mean = algo, mean
    ps = list(r["agents"][best_algo]["per_seed"].values())
    metric = task_metric(ps[0])
    ctrl_name, ctrl = max(r["controllers"].items(), key=lambda kv: score(kv[1]))
    if metric == "return_mean":
        return (f"Best agent: {best_algo.upper()} return {_iqm_ci([x['return_mean'] for x in ps])} "
                f"over {len(ps)} seeds; best controller ({ctrl_name}): "
                f"{ctrl['return_mean']:.4g}.")
    flag = metric[: -len("_rate")]
    n = r["n_ics"]
    tkey = f"{flag}_time_median"
    return (f"Best agent: {best_algo.upper()} {flag} rate {_iqm_ci([x[metric] for x in ps])} "
            f"({len(ps)} seeds; per seed: "
            + ", ".join(f"{round(x[metric] * n)}/{n}" for x in ps)
            + f"), median time {_iqm_ci([x.get(tkey, math.nan) for x in ps])}; best controller "
            f"({ctrl_name}): {round(ctrl.get(metric, 0.0) * n)}/{n}, median time "
            f"{_pm([ctrl.get(tkey, math.nan)])}.")


def _curve_point(values: list[float]) -> tuple[float, float, float]:
    """IQM over seeds and its stratified-bootstrap 95 % CI (3+ seeds; else mean, min, max)."""
    from chaosgym.baselines.stats import iqm, stratified_bootstrap_ci

    v = np.asarray(values, float)
    if v.size < 3:
        return float(v.mean()), float(v.min()), float(v.max())
    return tuple(float(x) for x in stratified_bootstrap_ci(v, iqm, reps=300))


def _plot_profiles(results: dict[str, Any], path: Path) -> bool:
    """Performance profiles of the normalised scores (every env × seed), per algorithm, with
    stratified-bootstrap 95 % bands (Agarwal et al. 2021). Returns whether a plot was made."""
    from chaosgym.baselines.stats import performance_profile

    norm = normalized_scores(results)
    algos = sorted({a for v in norm.values() for a in v})
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return False
    taus = np.linspace(-0.25, 1.25, 121)
    fig, ax = plt.subplots(figsize=(5.5, 3.6))
    drawn = False
    for algo in algos:
        cols = [v[algo] for v in norm.values() if len(v.get(algo, [])) >= 2]
        if not cols:
            continue
        k = min(len(c) for c in cols)
        mat = np.clip(np.array([c[:k] for c in cols], float).T, -10, 10)  # (seeds, envs)
        prof, lo, hi = performance_profile(mat, taus, reps=300)
        ax.plot(taus, prof, label=f"{algo.upper()} ({mat.shape[1]} envs × {k} seeds)")
        ax.fill_between(taus, lo, hi, alpha=0.2)
        drawn = True
    if not drawn:
        plt.close(fig)
        return False
    ax.set_xlabel("normalised score τ (0 = zero control, 1 = best classical)")
    ax.set_ylabel("fraction of runs with score > τ")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return True


def _family_lines(results: dict[str, Any]) -> list[str]:
    """SB3 against the JAX backend, per env where both trained the same algorithm: IQM [95 %
    CI] of the headline metric and the return, and whether the intervals overlap."""
    from chaosgym.baselines.stats import iqm, stratified_bootstrap_ci

    def ci(v: list[float]) -> tuple[float, float, float] | None:
        a = np.asarray([x for x in v if x is not None and np.isfinite(x)], float)
        if a.size < 3:
            return None
        return tuple(float(x) for x in stratified_bootstrap_ci(a, iqm, reps=1000))

    rows = []
    for env_id, r in results.items():
        for algo, a in r["agents"].items():
            jax_algo = f"{algo}-jax"
            if algo.endswith("-jax") or jax_algo not in r["agents"]:
                continue
            sb3 = list(a["per_seed"].values())
            jx = list(r["agents"][jax_algo]["per_seed"].values())
            metric = task_metric(sb3[0])
            cells, agree = [], []
            for key in (metric, "held_0.01_rate", "return_mean"):
                c1 = ci([x.get(key, math.nan) for x in sb3])
                c2 = ci([x.get(key, math.nan) for x in jx])
                if c1 is None or c2 is None:
                    cells += ["–", "–"]
                    continue
                cells += [f"{c1[0]:.3g} [{c1[1]:.3g}, {c1[2]:.3g}]",
                          f"{c2[0]:.3g} [{c2[1]:.3g}, {c2[2]:.3g}]"]
                agree.append(c1[1] <= c2[2] and c2[1] <= c1[2])
            steps = (sorted({int(x["num_timesteps"]) for x in sb3})[-1],
                     sorted({int(x["num_timesteps"]) for x in jx})[-1])
            verdict = "–" if not agree else ("agree" if all(agree) else "differ")
            rows.append(f"| {env_slug(env_id)} | {algo.upper()} | {steps[0]:,} / {steps[1]:,} | "
                        f"{metric.removesuffix('_rate')} | " + " | ".join(cells)
                        + f" | {verdict} |")
    if not rows:
        return []
    return ["## SB3 and the JAX backend", "",
            "The same algorithm, protocol and test states in both families (SB3 `learn()` and "
            "rejax on the gymnax adapter): IQM over seeds [95 % CI]; `agree` when every "
            "interval pair overlaps. The families share the protocol. For the algorithm and "
            "id pairs of `chaosgym.baselines.hyperparams.SB3_FROM_JAX` they share the "
            "hyperparameters too: the SB3 entry (`config/{ppo,sac}.yml`, rl-zoo3 layout) "
            "is the JAX one (`config/jax_{ppo,sac}.yml`) mapped key by key, a test holds "
            "the two equal, and the budgets match (steps column), so what remains is the "
            "implementation "
            "(`sb3_from_jax` names where rejax and SB3 still differ). Where they differ, check "
            "the `plateaued` column of both rows first.", "",
            "| environment | algorithm | steps SB3 / JAX | headline | SB3 | JAX | SB3 held 0.01 "
            "| JAX held 0.01 | SB3 return | JAX return | within CIs |",
            "|---|---|---|---|---|---|---|---|---|---|---|", *rows, ""]


def _plot_curves(env_id: str, agents: dict[str, Any], path: Path) -> None:
    """Validation return and task metric vs steps, IQM over seeds per algorithm with a
    stratified-bootstrap 95 % band (3+ seeds; the min–max band otherwise), from the curves
    stored in each agent's row. Rows stored without curves are named in the figure; if no row
    has a curve, an existing figure is left as it is."""
    have = {a: [c for c in v.get("curves", {}).values() if c["timesteps"]]
            for a, v in agents.items()}
    missing = [a for a, cs in have.items() if not cs]
    if not any(have.values()):
        return
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.6))
    metric_name = "task metric"
    for algo, stored in have.items():
        if not stored:
            continue
        metric_name = stored[0]["task_metric_name"] or metric_name
        curves = [dict(zip(c["timesteps"], zip(c["return_mean"], c["task_metric"],
                                               strict=True), strict=True)) for c in stored]
        steps = sorted(set().union(*[c.keys() for c in curves]))
        for j, ax in enumerate(axes):
            mid, lo, hi = (np.asarray(z) for z in zip(
                *[_curve_point([c[s][j] for c in curves if s in c]) for s in steps],
                strict=True))
            ax.plot(steps, mid, label=f"{algo.upper()} ({len(curves)} seeds)")
            ax.fill_between(steps, lo, hi, alpha=0.2)
    axes[0].set_ylabel("validation return")
    axes[1].set_ylabel(metric_name.replace("_", " "))
    if metric_name.endswith("_rate"):
        axes[1].set_ylim(-0.05, 1.05)
    for ax in axes:
        ax.set_xlabel("environment steps")
        ax.grid(alpha=0.3)
    axes[0].legend(fontsize=8)
    title = env_id
    if missing:
        title += f"   (no stored curve: {', '.join(a.upper() for a in missing)})"
    fig.suptitle(title)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=90)
    plt.close(fig)


def _copy_models(runs: list[Path], dest: Path, algo: str) -> None:
    """Copy each run's final policy (and its statistics) if it is small enough to keep; for a
    JAX run, every seed's kept policy into ``dest/<algo>/`` (a folder that loads like the run,
    :func:`chaosgym.baselines.jax_train.store_jax_policies`)."""
    if algo.endswith("-jax") and runs:
        from chaosgym.baselines.jax_train import store_jax_policies

        store_jax_policies(runs[0].parent, dest / algo,
                           [int(d.name.removeprefix("seed")) for d in runs], MAX_MODEL_BYTES)
        return
    for d in runs:
        m = d / "model.zip"
        if not m.exists() or m.stat().st_size > MAX_MODEL_BYTES:
            continue
        dest.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(m, dest / f"{algo}_{d.name}_model.zip")
        vn = d / "vecnormalize.pkl"
        if vn.exists():
            shutil.copyfile(vn, dest / f"{algo}_{d.name}_vecnormalize.pkl")


def _video(env_id: str, agents: dict[str, Any], ics: np.ndarray, dest: Path,
           runs_dir: Path) -> None:
    """A short video of the best seed of the best algorithm from the first stored state."""
    import importlib.util

    if not agents or importlib.util.find_spec("chaosgym.render") is None:
        return
    best = max(((score(s), algo, seed) for algo, a in agents.items()
                for seed, s in a["per_seed"].items()), default=None)
    if best is None:
        return
    _, algo, seed = best
    run = next(runs_dir / r for r in agents[algo]["runs"] if Path(r).name == seed)
    stem = dest / f"{env_slug(env_id)}_{algo}_{seed}"
    done = [p for p in (stem.with_suffix(".mp4"), stem.with_suffix(".gif")) if p.exists()]
    jax_run = algo.endswith("-jax")  # <run>/seed<k> of a vmapped run: the policy is in <run>
    model_file = run.parent / "best.json" if jax_run else run / "model.zip"
    if done and (not model_file.exists()  # the run folder is gone: keep the stored video
                 or done[0].stat().st_mtime >= model_file.stat().st_mtime):
        return
    try:
        import gymnasium as gym
        import imageio

        env = gym.make(env_id, render_mode="rgb_array")
        if jax_run:
            import jax
            import jax.numpy as jnp

            from chaosgym.baselines.jax_train import load_jax_policy
            from chaosgym.registration import make_functional

            act = jax.jit(load_jax_policy(run.parent, int(seed.removeprefix("seed")),
                                          make_functional(env_id)))

            def pol(o, _x):
                return np.asarray(act(jnp.asarray(o[0])))[None]
        else:
            from chaosgym.baselines.sb3_agents import load_agent

            model, rms = load_agent(run)
            pol = agent_policy(model, rms)
        obs, _ = env.reset(seed=0, options={"x0": ics[0]})
        frames = [env.render()]
        for _ in range(min(int(env.unwrapped.params.max_steps), 200)):  # the transient
            a = pol(obs[None], env.unwrapped.state[None])[0]
            obs, _, term, trunc, _ = env.step(a)
            frames.append(env.render())
            if term or trunc:
                break
        env.close()
        frames = [np.asarray(f) for f in frames[::2] if f is not None]
        if frames:
            dest.mkdir(parents=True, exist_ok=True)
            try:  # a small mp4 where ffmpeg is available, else a downscaled gif
                imageio.mimsave(stem.with_suffix(".mp4"), [f[::2, ::2] for f in frames],
                                fps=15, quality=5, macro_block_size=8)
            except (ImportError, RuntimeError, ValueError, OSError):
                imageio.mimsave(stem.with_suffix(".gif"), [f[::2, ::2] for f in frames[::2]],
                                duration=2 / 15, loop=0)
    except Exception as e:  # the renderer is optional; a failed video must not lose results
        print(f"video of {env_id} skipped: {type(e).__name__}: {e}", file=sys.stderr)


def write_config(out_dir: Path, envs, algos, seeds, quick, n_ics, total_timesteps, budgets,
                 wall: float, results: dict[str, Any] | None = None) -> None:
    """``config.json``: everything needed to reproduce the table.

    ``timesteps`` and ``hyperparams`` are kept per (env, algorithm), the rows of earlier calls
    included; a budget is the one the stored runs trained for (``num_timesteps`` in
    ``results``), else the configured one.
    """
    from chaosgym.baselines.hyperparams import budget, load_hyperparams
    from chaosgym.baselines.jax_train import load_jax_hyperparams
    from chaosgym.baselines.provenance import command_line, versions

    def hp_of(algo: str, env_id: str) -> dict:
        if algo.endswith("-jax"):
            return load_jax_hyperparams(algo.removesuffix("-jax"), env_id)
        return load_hyperparams(algo, env_id)

    def steps_of(algo: str, env_id: str, hp: dict) -> int:
        if total_timesteps:
            return int(total_timesteps)
        if algo.endswith("-jax"):
            return int(float(hp["n_timesteps"]))
        return budget(algo, env_id, quick, hp, budgets)

    results = results or {}

    def trained(env_id: str, algo: str) -> int | None:
        seeds_done = results.get(env_id, {}).get("agents", {}).get(algo, {}).get("per_seed", {})
        n = [int(v["num_timesteps"]) for v in seeds_done.values() if "num_timesteps" in v]
        return max(n) if n else None

    hp = {env_id: {algo: hp_of(algo, env_id) for algo in algos} for env_id in envs}
    steps = {env_id: {algo: trained(env_id, algo) or steps_of(algo, env_id, hp[env_id][algo])
                      for algo in algos} for env_id in envs}
    old: dict[str, Any] = {}
    if (out_dir / "config.json").exists():  # environments of earlier calls are kept
        try:
            old = json.loads((out_dir / "config.json").read_text())
        except json.JSONDecodeError:
            old = {}
    merge = lambda key, new: {**old.get(key, {}), **new}  # noqa: E731

    def merge2(key: str, new: dict[str, dict]) -> dict[str, dict]:  # per env, then per algo
        out = {e: dict(v) for e, v in old.get(key, {}).items()}
        for e, v in new.items():
            out.setdefault(e, {}).update(v)
        return out

    n_ics_by_env = merge("n_ics", {env_id: n_ics for env_id in envs})
    hp_all = merge2("hyperparams", hp)
    # every algorithm of the table (rows of earlier calls are kept), not only this call's
    algos_all = list(dict.fromkeys(a for v in hp_all.values() for a in v))
    cfg = {"envs": sorted(set(old.get("envs", [])) | set(envs)), "algos": algos_all,
           "seeds": seeds,
           "quick": quick, "n_ics": n_ics_by_env, "ics_seed": 2024,
           "timesteps": merge2("timesteps", steps), "hyperparams": hp_all,
           "budgets": budgets, "versions": versions(),
           "commands": [*old.get("commands", []), command_line()][-20:],
           "last_wall_seconds": round(wall, 1)}
    atomic_write(out_dir / "config.json", json.dumps(cfg, indent=1, default=str))


# ---------------------------------------------------------------------- command line
def add_arguments(p) -> None:
    """Arguments of the ``benchmark`` command."""
    p.add_argument("--envs", nargs="*", default=None, help="ids (default: every registered one)")
    p.add_argument("--algos", nargs="*", default=None,
                   help="SB3 algorithms (sac ppo td3 a2c ddpg) and/or JAX-backend ones "
                        "(ppo-jax sac-jax td3-jax); default: from the packaged budgets.yml")
    p.add_argument("--seeds", type=int, default=None, help="number of seeds (default 5)")
    p.add_argument("--seed-list", type=int, nargs="*", default=None, help="explicit seeds")
    p.add_argument("--quick", action="store_true", help="the minutes-long budget")
    p.add_argument("--timesteps", type=int, default=None, help="override every budget")
    p.add_argument("--out", default=None, help="results folder (default agents/results)")
    p.add_argument("--runs-dir", default=None, help="run folders (default agents/runs)")
    p.add_argument("--n-ics", type=int, default=DEFAULT_N_ICS)
    p.add_argument("--ray", action="store_true", help="run the tasks on Ray")
    p.add_argument("--address", default=None,
                   help="join this Ray cluster: auto, ray://host:10001 (implies --ray)")
    p.add_argument("--cpus-per-task", type=float, default=1.0, metavar="N",
                   help="CPUs Ray reserves for each SB3 task (default 1)")
    p.add_argument("--jax-cpus-per-task", type=float, default=None, metavar="N",
                   help="CPUs for each JAX-backend task (default: --cpus-per-task)")
    p.add_argument("--jax-gpus-per-task", type=float, default=0.0, metavar="N",
                   help="GPUs for each JAX-backend task (default 0; a fraction shares one)")
    p.add_argument("--ray-num-cpus", type=int, default=None, metavar="N",
                   help="CPUs of the local Ray instance --ray starts (default: all)")
    p.add_argument("--no-train", action="store_true", help="only aggregate finished runs")
    p.add_argument("--no-video", action="store_true")
    p.add_argument("--no-progress", action="store_true")


def run_from_args(args) -> int:
    """Run ``benchmark`` from parsed arguments."""
    res = run_benchmark(
        envs=args.envs, algos=args.algos,
        seeds=args.seed_list if args.seed_list else args.seeds, quick=args.quick,
        out_dir=args.out, runs_dir=args.runs_dir, n_ics=args.n_ics,
        total_timesteps=args.timesteps, use_ray=args.ray or args.address is not None,
        address=args.address, progress_bar=not args.no_progress, train=not args.no_train,
        video=not args.no_video,
        ray_options={"num_cpus_per_task": args.cpus_per_task,
                     "jax_num_cpus_per_task": args.jax_cpus_per_task,
                     "jax_num_gpus_per_task": args.jax_gpus_per_task,
                     "num_cpus": args.ray_num_cpus},
    )
    print(render_markdown(res))
    return 0


def main(argv: list[str] | None = None) -> int:
    """``benchmark``: the sweep over environments × algorithms × seeds."""
    import argparse

    p = argparse.ArgumentParser(prog="chaosgym benchmark", description=main.__doc__)
    add_arguments(p)
    return run_from_args(p.parse_args(argv))
