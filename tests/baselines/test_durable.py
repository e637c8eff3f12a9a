"""Durable runs: kill/resume continuity, the OS-level run lock, corrupt-checkpoint fallback."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("stable_baselines3")

from chaosgym.baselines.callbacks import CheckpointWarning
from chaosgym.baselines.storage import RunLock, RunLockedError
from chaosgym.baselines.train import train_run
from tests.baselines.killing import child_env, kill_when, start

ENV = "chaosgym/LogisticStabilize-v1"  # 200-step episodes: several monitor rows per run
HP = {"policy": "MlpPolicy", "n_timesteps": 1, "n_envs": 2,
      "normalize": "{'norm_obs': True, 'norm_reward': False}", "learning_starts": 100,
      "batch_size": 32, "buffer_size": 5000, "gradient_steps": 1,
      "policy_kwargs": "dict(net_arch=[16, 16])"}
ROOT = Path(__file__).resolve().parents[2]

CHILD = """
import json, sys, time
from chaosgym.gym.sb3 import ChaosSB3VecEnv
from chaosgym.baselines.train import train_run
wait = ChaosSB3VecEnv.step_wait
def slow(self):
    time.sleep(0.002)
    return wait(self)
ChaosSB3VecEnv.step_wait = slow
train_run(sys.argv[1], "sac", 3, sys.argv[2], total_timesteps=int(sys.argv[3]),
          hyperparams=json.loads(sys.argv[4]), eval_freq=200, checkpoint_freq=400)
"""


def _curve(run: Path) -> list[int]:
    with open(run / "curve.csv", newline="") as f:
        return [int(r["timesteps"]) for r in csv.DictReader(f)]


def _monitor(run: Path) -> list[str]:
    return (run / "monitor.csv").read_text().splitlines()


def _pointer(run: Path) -> dict | None:
    try:
        return json.loads((run / "checkpoint.json").read_text())
    except (OSError, ValueError):
        return None


def _tb_steps(run: Path, tag: str) -> list[int]:
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    acc = EventAccumulator(str(run / "tb" / "run_1"))
    acc.Reload()
    return [e.step for e in acc.Scalars(tag)]


@pytest.mark.slow
def test_kill_and_resume_keep_monitor_curve_and_tensorboard_continuous(tmp_path):
    total = 1000
    run = tmp_path / "run"
    child = start(CHILD, ENV, str(run), str(total), json.dumps(HP))

    def ready() -> bool:  # a checkpoint, and at least one evaluation past it
        ptr = _pointer(run)
        return bool(ptr and (run / "curve.csv").exists()
                    and _curve(run)[-1] > ptr["num_timesteps"] and len(_monitor(run)) >= 4)

    kill_when(child, ready)
    killed_at = _pointer(run)["num_timesteps"]
    monitor_before = _monitor(run)
    curve_before = _curve(run)
    assert curve_before[-1] > killed_at and len(monitor_before) >= 4

    # a refused start (the lock is held) touches nothing
    with RunLock(run), pytest.raises(RunLockedError):
        train_run(ENV, "sac", 3, run, total_timesteps=total, hyperparams=HP)
    assert _monitor(run) == monitor_before

    done = train_run(ENV, "sac", 3, run, total_timesteps=total, hyperparams=HP,
                     eval_freq=200, checkpoint_freq=600)
    assert done["resumed_from"] == killed_at and done["num_timesteps"] == total
    # monitor.csv: appended (every episode of the killed process is kept, one header)
    after = _monitor(run)
    assert after[: len(monitor_before)] == monitor_before and len(after) > len(monitor_before)
    assert sum(line.startswith("#") for line in after) == 1
    t = [float(r["t"]) for r in csv.DictReader(after[1:])]
    assert t == sorted(t)
    # curve.csv: strictly increasing steps, the killed run's rows up to the checkpoint kept
    steps = _curve(run)
    assert steps == sorted(set(steps)) and steps[-1] == total
    assert steps[: len([s for s in curve_before if s <= killed_at])] == [
        s for s in curve_before if s <= killed_at]
    events = [json.loads(x) for x in (run / "events.jsonl").read_text().splitlines()]
    assert [e["event"] for e in events] == ["start", "resume", "done"]
    assert events[1]["curve_rows_dropped"] == len([s for s in curve_before if s > killed_at])
    # TensorBoard: one point per evaluation step, none repeated
    tb = _tb_steps(run, "eval/return_mean")
    assert tb == sorted(set(tb)) and set(steps) <= set(tb) | {total}


LOCKER = """
import os, sys, time
from chaosgym.baselines.storage import RunLock, RunLockedError
run, marker, seconds = sys.argv[1], sys.argv[2], float(sys.argv[3])
ready, go = sys.argv[4], sys.argv[5]
open(ready, "w").close()
while not os.path.exists(go):  # start together, whatever the import times
    time.sleep(0.001)
got = clash = 0
deadline = time.monotonic() + seconds
while time.monotonic() < deadline:
    try:
        with RunLock(run):
            got += 1
            try:
                fd = os.open(marker, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
            except FileExistsError:
                clash += 1
                continue
            time.sleep(0.0005)
            os.close(fd)
            os.unlink(marker)
    except RunLockedError:
        pass
    time.sleep(0.0002)
print(got, clash)
"""


def test_run_lock_is_mutually_exclusive_between_processes(tmp_path):
    run, marker = tmp_path / "run", tmp_path / "inside"
    run.mkdir()
    (run / ".lock").write_text("")  # an empty lock file left behind is no reason to refuse
    go = tmp_path / "go"
    ready = [tmp_path / f"ready{i}" for i in range(2)]
    procs = [subprocess.Popen([sys.executable, "-c", LOCKER, str(run), str(marker), "1.5",
                               str(ready[i]), str(go)],
                              env=child_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True) for i in range(2)]
    t0 = time.monotonic()
    while not all(r.exists() for r in ready) and time.monotonic() - t0 < 120:
        if any(p.poll() is not None for p in procs):
            break
        time.sleep(0.01)
    go.touch()
    outs = [p.communicate(timeout=120) for p in procs]
    assert all(p.returncode == 0 for p in procs), outs
    counts = [tuple(map(int, o[0].split())) for o in outs]
    assert sum(c[1] for c in counts) == 0, counts  # never two processes inside at once
    assert all(c[0] > 0 for c in counts), counts
    assert (run / ".lock").exists()


def test_refused_start_prints_one_line(tmp_path):
    run = tmp_path / "run"
    with RunLock(run):
        out = subprocess.run(
            [sys.executable, "-m", "chaosgym.baselines", "train", "--env", ENV, "--algo", "sac",
             "--run-dir", str(run), "--timesteps", "100", "--no-progress"],
            env=child_env(), capture_output=True, text=True, timeout=180)
    assert out.returncode == 3
    assert "Traceback" not in out.stderr and len(out.stderr.strip().splitlines()) == 1
    assert str(os.getpid()) in out.stderr and "not started" in out.stderr


def _truncate(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 3])


@pytest.mark.slow
def test_corrupt_checkpoints_fall_back_to_the_last_good_one(tmp_path):
    run = tmp_path / "run"
    kw = dict(hyperparams=HP, eval_freq=10_000, checkpoint_freq=200, tensorboard=False)
    train_run(ENV, "sac", 0, run, total_timesteps=600, **kw)
    assert sorted(p.name for p in run.glob("ckpt_*.json")) == ["ckpt_400.json", "ckpt_600.json"]
    monitor = _monitor(run)

    # 1. a truncated pointer: the newest manifest is used, with a warning naming the pointer
    (run / "done.json").unlink()
    _truncate(run / "checkpoint.json")
    with pytest.warns(CheckpointWarning, match="checkpoint.json"):
        done = train_run(ENV, "sac", 0, run, total_timesteps=800, **kw)
    assert done["resumed_from"] == 600 and done["num_timesteps"] == 800

    # 2. a truncated model zip: back to the set before, with a warning naming the file
    (run / "done.json").unlink()
    _truncate(run / "ckpt_800_model.zip")
    with pytest.warns(CheckpointWarning, match="ckpt_800_model.zip"):
        done = train_run(ENV, "sac", 0, run, total_timesteps=900, **kw)
    assert done["resumed_from"] == 600 and done["num_timesteps"] == 900

    # 3. a truncated VecNormalize pickle of the newest set: the same
    (run / "done.json").unlink()
    _truncate(run / "ckpt_900_vecnormalize.pkl")
    with pytest.warns(CheckpointWarning, match="ckpt_900_vecnormalize.pkl"):
        done = train_run(ENV, "sac", 0, run, total_timesteps=1000, **kw)
    assert done["resumed_from"] == 800
    assert _monitor(run)[: len(monitor)] == monitor  # never truncated
    steps = _curve(run)
    assert steps == sorted(set(steps)) and steps[-1] == 1000


def test_state_sets_record_seed_and_shape_and_are_validated(tmp_path):
    from chaosgym.baselines.protocol import load_state_set, save_state_set

    path = tmp_path / "Lorenz96Stabilize-v1.test.npy"
    states = np.random.default_rng(0).normal(size=(6, 40)).astype(np.float32)
    save_state_set(path, states, {"env_id": "L96", "split": "test", "seed": 2})
    meta = json.loads(path.with_suffix(".json").read_text())
    assert meta["seed"] == 2 and meta["shape"] == [40] and meta["n"] == 6
    ok = load_state_set(path, {"env_id": "L96", "seed": 2}, (40,))
    np.testing.assert_array_equal(ok, states)
    with pytest.raises(ValueError, match="seed=2"):
        load_state_set(path, {"env_id": "L96", "seed": 3}, (40,))
    with pytest.raises(ValueError, match=r"state shape \(40,\)"):
        load_state_set(path, {"env_id": "L96", "seed": 2}, (20,))  # an N=20 env, N=40 set
    with pytest.raises(ValueError, match="non-finite"):
        save_state_set(path, np.full((2, 40), np.nan), {"seed": 2})
    np.save(path, np.full((6, 40), np.nan, np.float32))  # damaged behind the record's back
    with pytest.raises(ValueError, match="non-finite"):
        load_state_set(path, {"seed": 2}, (40,))
    assert [p.name for p in tmp_path.iterdir() if ".tmp" in p.name] == []
