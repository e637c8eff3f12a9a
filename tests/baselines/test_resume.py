"""A training run killed mid-way resumes from its committed checkpoint; finished runs are kept."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytest.importorskip("stable_baselines3")

ENV = "chaosgym/LorenzStabilize-v0"
TOTAL = 800
HP = {"policy": "MlpPolicy", "n_timesteps": TOTAL, "n_envs": 2,
      "normalize": "{'norm_obs': True, 'norm_reward': False}", "learning_starts": 100,
      "batch_size": 32, "buffer_size": 5000, "gradient_steps": 1,
      "policy_kwargs": "dict(net_arch=[16, 16])"}

# The child trains the same run, slowed down per step so that the kill lands mid-training.
CHILD = """
import json, sys, time
from chaosgym.gym.sb3 import ChaosSB3VecEnv
from chaosgym.baselines.train import train_run
wait = ChaosSB3VecEnv.step_wait
def slow(self):
    time.sleep(0.01)
    return wait(self)
ChaosSB3VecEnv.step_wait = slow
train_run(sys.argv[1], "sac", 3, sys.argv[2], total_timesteps=int(sys.argv[3]),
          hyperparams=json.loads(sys.argv[4]), eval_freq=200, checkpoint_freq=200,
          tensorboard=False)
"""


def _pointer(run: Path) -> dict | None:
    try:
        return json.loads((run / "checkpoint.json").read_text())
    except (OSError, json.JSONDecodeError):
        return None


def test_killed_run_resumes_from_checkpoint(tmp_path):
    from chaosgym.baselines.train import train_run

    run = tmp_path / "run"
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, ENV, str(run), str(TOTAL), json.dumps(HP)],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.time() + 240
        while time.time() < deadline:
            ptr = _pointer(run)
            if ptr and ptr["num_timesteps"] >= 200:
                break
            assert child.poll() is None, child.stdout.read().decode()[-2000:]
            time.sleep(0.05)
        else:
            pytest.fail("no checkpoint was committed in time")
        child.send_signal(signal.SIGKILL)  # a hard kill: no cleanup runs
        child.wait(timeout=30)
    finally:
        if child.poll() is None:
            child.kill()
    assert not (run / "done.json").exists()
    ptr = _pointer(run)
    killed_at = ptr["num_timesteps"]
    assert 200 <= killed_at < TOTAL
    assert (run / ptr["model"]).exists() and (run / ptr["replay_buffer"]).exists()
    rows_before = (run / "curve.csv").read_text().splitlines()

    done = train_run(ENV, "sac", 3, run, total_timesteps=TOTAL, hyperparams=HP,
                     eval_freq=200, checkpoint_freq=200, tensorboard=False)
    assert done["resumed_from"] == killed_at
    assert done["num_timesteps"] == TOTAL  # only the missing steps were trained
    events = [json.loads(x) for x in (run / "events.jsonl").read_text().splitlines()]
    assert [e["event"] for e in events] == ["start", "resume", "done"]
    assert events[1]["num_timesteps"] == killed_at
    rows_after = (run / "curve.csv").read_text().splitlines()
    assert rows_after[: len(rows_before)] == rows_before and len(rows_after) > len(rows_before)
    assert _pointer(run)["num_timesteps"] == TOTAL
    # old checkpoint sets are removed, only the committed one remains (buffer dropped at the end)
    assert sorted(p.name for p in run.glob("ckpt_*")) == sorted(
        [f"ckpt_{TOTAL}_model.zip", f"ckpt_{TOTAL}_vecnormalize.pkl"])

    # a completed run is not redone
    stamp = (run / "done.json").stat().st_mtime
    assert train_run(ENV, "sac", 3, run, total_timesteps=TOTAL, hyperparams=HP) == done
    assert (run / "done.json").stat().st_mtime == stamp
    assert len((run / "events.jsonl").read_text().splitlines()) == 3
