"""Run the benchmark's tasks on Ray (optional ``ray`` extra: ``pip install 'chaosgym[ray]'``).

``chaosgym benchmark --ray`` starts a local Ray instance; ``--address ray://host:10001`` (or
``auto``) joins an existing cluster. Each (env, algorithm, seed) run is one Ray task with one
CPU; tasks return their evaluation and small artefacts (config, learning curve, policy,
statistics) as bytes, and the driver writes them into its own run folders, so workers need not
share the driver's disk and the results merge into the same table as a local sweep. A task whose
run folder is already complete on the driver is not submitted again.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

__all__ = ["run_tasks_on_ray"]


def _ray():
    try:
        import ray
    except ImportError as e:
        raise ImportError(
            "--ray needs Ray: pip install 'chaosgym[ray]' (or pip install ray)"
        ) from e
    return ray


def _remote_task(task: dict[str, Any]) -> dict[str, Any]:
    """Run one task in a worker, in a private run folder unless the driver's is reachable."""
    import tempfile

    from chaosgym.baselines.runs import run_task

    task = dict(task)
    if not task.pop("shared_fs", False):
        task["run_dir"] = str(Path(tempfile.mkdtemp(prefix="chaosgym-run-")) / "run")
    task["collect"] = True
    return run_task(task)


def run_tasks_on_ray(tasks: list[dict[str, Any]], address: str | None = None,
                     num_cpus_per_task: float = 1.0) -> list[dict[str, Any]]:
    """Run ``tasks`` as Ray tasks; write their artefacts into the driver's run folders."""
    from chaosgym.baselines.storage import atomic_write

    ray = _ray()
    started = False
    if not ray.is_initialized():
        kwargs: dict[str, Any] = {"ignore_reinit_error": True, "log_to_driver": True}
        if address:
            kwargs["address"] = address
        else:
            kwargs["include_dashboard"] = False
        ray.init(**kwargs)
        started = True
    shared = address is None  # a local instance shares this machine's disk
    remote = ray.remote(num_cpus=num_cpus_per_task)(_remote_task)
    pending = []
    for t in tasks:
        if (Path(t["run_dir"]) / "done.json").exists() and (Path(t["run_dir"]) /
                                                           "eval.json").exists():
            continue
        pending.append((t, remote.remote({**t, "shared_fs": shared, "progress_bar": False})))
    results = []
    try:
        for t, ref in pending:
            out = ray.get(ref)
            run_dir = Path(t["run_dir"])
            run_dir.mkdir(parents=True, exist_ok=True)
            files = out.pop("files", {})
            if Path(out["run_dir"]).resolve() != run_dir.resolve():
                # artefacts from a worker's private folder; eval.json last (it marks completion)
                for name in sorted(files, key=lambda n: n == "eval.json"):
                    atomic_write(run_dir / name, files[name])
                _fix_eval_mtime(run_dir)
            out["run_dir"] = str(run_dir)
            results.append(out)
            print(f"ray: {t['env_id']} {t['algo']} seed {t['seed']} done", flush=True)
    finally:
        if started:
            ray.shutdown()
    return results


def _fix_eval_mtime(run_dir: Path) -> None:
    """Re-stamp ``eval.json`` with the local copy's model time so the cache stays valid."""
    import json

    from chaosgym.baselines.storage import atomic_write

    f = run_dir / "eval.json"
    m = run_dir / "model.zip"
    if f.exists() and m.exists():
        data = json.loads(f.read_text())
        data["model_mtime"] = os.stat(m).st_mtime
        atomic_write(f, json.dumps(data, indent=1))
