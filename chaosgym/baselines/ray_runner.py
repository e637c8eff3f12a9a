"""Run the benchmark's tasks on Ray (optional ``ray`` extra: ``pip install 'chaosgym[ray]'``).

``chaosgym benchmark --ray`` starts a private local Ray instance; ``--address
ray://host:10001`` (or ``auto``, or ``$RAY_ADDRESS``) joins an existing cluster. The tasks:

* stable-baselines3: one Ray task per (env, algorithm, seed), ``num_cpus_per_task`` CPUs
  (default 1);
* JAX backend (``ppo-jax``, ``sac-jax``, ``td3-jax``): one Ray task per (env, algorithm) with
  every seed vmapped inside one program (:func:`chaosgym.baselines.runs.run_jax_task`),
  ``jax_num_cpus_per_task`` CPUs (default: as many as an SB3 task) and
  ``jax_num_gpus_per_task`` GPUs (default 0). JAX tasks are submitted first (they are the
  long ones).

On a local instance (no ``address``) workers share the driver's disk and train in the driver's
run folders directly. On a cluster each task trains in a private folder of its worker: the
driver sends the run folder's current files with the task (so a half-trained run resumes from
its last checkpoint instead of starting over) and writes back every file the task created or
changed, with its modification time, and removes the ones it deleted — the run folder ends up
as a local run would have left it (``.lock`` aside), and the results merge into the same table
as a local sweep. Completion markers (``done.json``, ``eval.json``) are written last, and a
task's files are written as soon as it finishes, so a killed driver loses only unfinished tasks.

A task whose run folder is already complete on the driver (trained and evaluated on the same
number of test states) is not submitted again; a failing task does not stop the others (the
error is raised once they have finished).
"""

from __future__ import annotations

import contextlib
import json
import os
from pathlib import Path
from typing import Any

__all__ = ["is_complete", "run_on_ray", "run_tasks_on_ray"]

_MARKERS = ("done.json", "eval.json")  # written last, in this order


def _ray():
    try:
        import ray
    except ImportError as e:
        raise ImportError(
            "--ray needs Ray: pip install 'chaosgym[ray]' (or pip install ray)"
        ) from e
    return ray


# ---------------------------------------------------------------------- run folders as bytes
def _ignored(rel: str) -> bool:
    name = rel.rsplit("/", 1)[-1]
    return name == ".lock" or (name.startswith(".") and ".tmp" in name)  # lock, temporaries


def _listing(root: Path) -> dict[str, tuple[int, int]]:
    """``{relative path: (size, mtime_ns)}`` of the files under ``root``."""
    out: dict[str, tuple[int, int]] = {}
    if not root.is_dir():
        return out
    for dirpath, _dirs, names in os.walk(root):
        for n in names:
            p = Path(dirpath) / n
            rel = p.relative_to(root).as_posix()
            if _ignored(rel) or not p.is_file():
                continue
            st = p.stat()
            out[rel] = (st.st_size, st.st_mtime_ns)
    return out


def _pack(root: Path, names) -> dict[str, tuple[bytes, int, int]]:
    """``{relative path: (bytes, mtime_ns, permission bits)}`` of ``names`` under ``root``."""
    out = {}
    for rel in names:
        p = root / rel
        st = p.stat()
        out[rel] = (p.read_bytes(), st.st_mtime_ns, st.st_mode & 0o777)
    return out


def _order(rel: str) -> tuple[int, str]:
    name = rel.rsplit("/", 1)[-1]
    return (_MARKERS.index(name) + 1 if name in _MARKERS else 0, rel)


def _unpack(root: Path, files: dict[str, tuple[bytes, int, int]],
            present: list[str] | None = None) -> None:
    """Write ``files`` under ``root`` (modification times and permissions kept, markers last).

    With ``present``, files under ``root`` not in it are removed (the task deleted them: old
    checkpoints, replay buffers of a finished run) before the markers are written.
    """
    from chaosgym.baselines.storage import atomic_write

    def put(rel: str) -> None:
        data, mtime_ns, mode = files[rel]
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(p, data)
        os.chmod(p, mode)
        os.utime(p, ns=(mtime_ns, mtime_ns))

    names = sorted(files, key=_order)
    for rel in (r for r in names if _order(r)[0] == 0):
        put(rel)
    if present is not None:
        keep = set(present)
        for rel in _listing(root):
            if rel not in keep:
                (root / rel).unlink(missing_ok=True)
    for rel in (r for r in names if _order(r)[0] > 0):
        put(rel)


# ---------------------------------------------------------------------- completeness
def _json(path: Path) -> dict | None:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None


def is_complete(kind: str, task: dict[str, Any]) -> bool:
    """Whether ``task``'s run folder is trained and evaluated on ``len(task["ics"])`` states.

    The same test :func:`chaosgym.baselines.runs.run_task` / ``run_jax_task`` use to reuse a
    cached evaluation; ``kind`` is ``"sb3"`` or ``"jax"``.
    """
    run_dir = Path(task["run_dir"])
    n = len(task["ics"])
    if kind == "sb3":
        ev, model = _json(run_dir / "eval.json"), run_dir / "model.zip"
        return ((run_dir / "done.json").exists() and ev is not None and model.exists()
                and ev.get("n_ics") == n and ev.get("model_mtime") == model.stat().st_mtime)
    done, best = _json(run_dir / "done.json"), run_dir / "best.json"
    if done is None or not best.exists():
        return False
    if not {int(s) for s in task["seeds"]} <= {int(s) for s in done.get("seeds", [])}:
        return False
    best_mtime = best.stat().st_mtime
    for s in task["seeds"]:
        d = run_dir / f"seed{int(s)}"
        ev = _json(d / "eval.json")
        if (not (d / "done.json").exists() or ev is None or ev.get("n_ics") != n
                or ev.get("best_mtime") != best_mtime):
            return False
    return True


def _restamp(kind: str, run_dir: Path) -> None:
    """Keep cached evaluations valid where the file system could not keep a file's mtime."""
    from chaosgym.baselines.storage import atomic_write

    if kind == "sb3":
        pairs = [(run_dir / "eval.json", run_dir / "model.zip", "model_mtime")]
    else:
        pairs = [(d / "eval.json", run_dir / "best.json", "best_mtime")
                 for d in sorted(run_dir.glob("seed*"))]
    for ev_file, ref, key in pairs:
        ev = _json(ev_file)
        if ev is not None and ref.exists() and ev.get(key) != ref.stat().st_mtime:
            ev[key] = ref.stat().st_mtime
            atomic_write(ev_file, json.dumps(ev, indent=1))


# ---------------------------------------------------------------------- the worker side
def _remote_task(kind: str, task: dict[str, Any],
                 files: dict[str, tuple[bytes, int, int]] | None,
                 command: str | None) -> dict[str, Any]:
    """Run one task in a worker: in the driver's run folder, or (``files`` given) a private one.

    Returns ``{"results": [...]}`` and, for a private folder, the files the task created or
    changed (``files``) and every file it left (``present``).
    """
    import shutil
    import tempfile

    from chaosgym.baselines.provenance import recorded_command
    from chaosgym.baselines.runs import run_jax_task, run_task

    def run(t):
        with recorded_command(command):
            return run_jax_task(t) if kind == "jax" else [run_task(t)]

    if files is None:
        return {"results": run(task)}
    tmp = Path(tempfile.mkdtemp(prefix="chaosgym-run-"))
    try:
        run_dir = tmp / "run"
        _unpack(run_dir, files)
        before = _listing(run_dir)
        results = run({**task, "run_dir": str(run_dir)})
        after = _listing(run_dir)
        changed = [rel for rel, st in after.items() if before.get(rel) != st]
        return {"results": results, "files": _pack(run_dir, changed), "present": list(after)}
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _describe(kind: str, t: dict[str, Any]) -> str:
    if kind == "jax":
        return f"{t['env_id']} {t['algo']} seeds {list(t['seeds'])}"
    return f"{t['env_id']} {t['algo']} seed {t['seed']}"


# ---------------------------------------------------------------------- the driver side
def run_on_ray(
    tasks: list[dict[str, Any]] | None = None,
    jax_tasks: list[dict[str, Any]] | None = None,
    address: str | None = None,
    num_cpus_per_task: float = 1.0,
    jax_num_cpus_per_task: float | None = None,
    jax_num_gpus_per_task: float = 0.0,
    num_cpus: int | None = None,
    shared_fs: bool | None = None,
) -> list[dict[str, Any]]:
    """Run SB3 ``tasks`` and JAX ``jax_tasks`` as Ray tasks; their files land in the run folders.

    Args:
        tasks: :func:`chaosgym.baselines.benchmark.make_tasks` entries (one per seed).
        jax_tasks: :func:`chaosgym.baselines.benchmark.make_jax_tasks` entries (all seeds).
        address: a Ray cluster (``auto``, ``ray://host:10001``); default: ``$RAY_ADDRESS``,
            else a local instance, unless Ray is already initialised in this process (then
            that one is used, and taken to share this disk unless ``shared_fs=False``).
        num_cpus_per_task: CPUs Ray reserves for an SB3 task.
        jax_num_cpus_per_task: CPUs for a JAX task (default ``num_cpus_per_task``).
        jax_num_gpus_per_task: GPUs for a JAX task (a fraction shares one GPU; JAX then does
            not preallocate its memory).
        num_cpus: CPUs of a local instance started here (default: all of the machine).
        shared_fs: whether workers see the driver's run folders (default: only for a local
            instance, ``address`` unset).

    Returns the tasks' result rows (one per seed; ``run_dir`` is the driver's folder) of the
    tasks that ran; complete runs are skipped. Raises ``RuntimeError`` after the others
    finished if any task failed.
    """
    from chaosgym.baselines.provenance import command_line
    from chaosgym.baselines.storage import RunLock

    ray = _ray()
    address = address or os.environ.get("RAY_ADDRESS") or None  # what ray.init would join
    started = False
    if not ray.is_initialized():
        kwargs: dict[str, Any] = {"log_to_driver": True, "address": address or "local"}
        if not address:  # a new instance, even where `ray start` left one on this machine
            kwargs["include_dashboard"] = False
            if num_cpus is not None:
                kwargs["num_cpus"] = int(num_cpus)
        ray.init(**kwargs)
        started = True
    shared = (address is None) if shared_fs is None else bool(shared_fs)
    jax_cpus = num_cpus_per_task if jax_num_cpus_per_task is None else jax_num_cpus_per_task
    remote = ray.remote(_remote_task)
    options = {"sb3": {"num_cpus": num_cpus_per_task},
               "jax": {"num_cpus": jax_cpus, "num_gpus": jax_num_gpus_per_task}}
    if 0 < jax_num_gpus_per_task < 1:
        options["jax"]["runtime_env"] = {"env_vars": {"XLA_PYTHON_CLIENT_PREALLOCATE": "false"}}
    command = command_line()
    pending: dict[Any, tuple[str, dict[str, Any]]] = {}
    for kind, t in [("jax", t) for t in jax_tasks or []] + [("sb3", t) for t in tasks or []]:
        if is_complete(kind, t):
            print(f"ray: {_describe(kind, t)} complete, not submitted", flush=True)
            continue
        run_dir = Path(t["run_dir"]).resolve()
        files = None if shared else _pack(run_dir, _listing(run_dir))
        sent = {**t, "run_dir": str(run_dir), "progress_bar": False}
        pending[remote.options(**options[kind]).remote(kind, sent, files, command)] = (kind, t)
    results, failures = [], []
    try:
        while pending:
            ready, _ = ray.wait(list(pending), num_returns=1)
            for ref in ready:
                kind, t = pending.pop(ref)
                run_dir = Path(t["run_dir"])
                try:
                    out = ray.get(ref)
                    if "files" in out:
                        with RunLock(run_dir):
                            _unpack(run_dir, out["files"], out["present"])
                        _restamp(kind, run_dir)
                except Exception as e:  # one failed run must not lose the others
                    failures.append((kind, t, e))
                    print(f"ray: {_describe(kind, t)} FAILED: {type(e).__name__}: {e}",
                          flush=True)
                    continue
                for r in out["results"]:
                    r["run_dir"] = str(run_dir / f"seed{r['seed']}" if kind == "jax"
                                       else run_dir)
                    results.append(r)
                print(f"ray: {_describe(kind, t)} done", flush=True)
    finally:
        if started:
            with contextlib.suppress(Exception):
                ray.shutdown()
    if failures:
        names = "; ".join(_describe(k, t) for k, t, _ in failures)
        raise RuntimeError(f"{len(failures)} Ray task(s) failed: {names}") from failures[0][2]
    return results


def run_tasks_on_ray(tasks: list[dict[str, Any]], address: str | None = None,
                     num_cpus_per_task: float = 1.0) -> list[dict[str, Any]]:
    """SB3 ``tasks`` only: :func:`run_on_ray` ``(tasks, address=..., num_cpus_per_task=...)``."""
    return run_on_ray(tasks, address=address, num_cpus_per_task=num_cpus_per_task)
