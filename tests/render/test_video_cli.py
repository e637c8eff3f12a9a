"""Videos (helper and Gymnasium's RecordVideo), the command line and the examples."""

from __future__ import annotations

import os
import runpy
import shutil
import subprocess
import sys
from pathlib import Path

import gymnasium as gym
import imageio.v3 as iio
import numpy as np
import pytest

import chaosgym
from chaosgym import cli
from chaosgym.render.video import record_comparison, run_episode, write_video

ROOT = Path(__file__).resolve().parents[2]


def _frames(path):
    return np.stack(list(iio.imiter(path)))


@pytest.mark.parametrize("suffix", [".mp4", ".gif"])
def test_write_video_round_trip(tmp_path, suffix):
    rng = np.random.default_rng(0)
    frames = [np.full((48, 64, 3), 30 * i, np.uint8) + rng.integers(0, 20, (48, 64, 3),
                                                                     dtype=np.uint8)
              for i in range(6)]
    out = write_video(frames, tmp_path / f"clip{suffix}", fps=10)
    back = _frames(out)
    assert back.shape[0] == 6 and back.shape[1:3] == (48, 64)
    # brightness ramps up through the clip
    means = back.reshape(6, -1).mean(axis=1)
    assert np.all(np.diff(means) > 10)
    with pytest.raises(ValueError, match="unsupported"):
        write_video(frames, tmp_path / "clip.avi")
    snap = iio.imread(write_video(frames, tmp_path / "last.png"))
    np.testing.assert_array_equal(snap, frames[-1])


def test_gymnasium_record_video(tmp_path):
    env = gym.make("chaosgym/HenonStabilize-v1", render_mode="rgb_array", bank_size=8,
                   max_episode_steps=8)
    folder = tmp_path / "videos"
    env = gym.wrappers.RecordVideo(env, str(folder), episode_trigger=lambda e: True,
                                   disable_logger=True)
    env.reset(seed=0)
    done = False
    while not done:
        _, _, term, trunc, _ = env.step(env.action_space.sample())
        done = term or trunc
    env.close()
    files = sorted(folder.glob("*.mp4"))
    assert files, "RecordVideo wrote no file"
    back = _frames(files[0])
    assert back.shape[0] >= 8 and back.shape[1:] == (480, 640, 3)


def test_lqr_beats_no_control_from_the_same_state(rgb_envs):
    env = rgb_envs.get("chaosgym/LorenzStabilize-v1")
    zero, lqr = record_comparison("chaosgym/LorenzStabilize-v1", None, ("zero", "lqr"),
                                  env=env, seed=3)
    np.testing.assert_array_equal(zero.x0, lqr.x0)
    assert lqr.capture_time is not None and lqr.final_distance < 0.1
    assert zero.capture_time is None and zero.final_distance > 1.0
    assert lqr.episode_return > zero.episode_return


def test_side_by_side_gif(rgb_envs, tmp_path):
    env = rgb_envs.get("chaosgym/LorenzStabilize-v1")
    out = tmp_path / "cmp.gif"
    s = record_comparison("chaosgym/LorenzStabilize-v1", out, ("zero", "lqr"), env=env,
                          steps=6, scale=0.5)
    assert [x.steps for x in s] == [6, 6]
    back = _frames(out)
    assert back.shape[0] == 7 and back.shape[2] == 2 * 320 + 2
    summary, frames = run_episode(env, "random", seed=0, steps=3, frames=True)
    assert len(frames) == 4 and summary.steps == 3


def test_cli_list_and_info(capsys):
    assert cli.main(["list", "--plain"]) == 0
    out = capsys.readouterr().out
    for env_id in chaosgym.list_envs():
        assert env_id in out
    lorenz = next(line for line in out.splitlines() if "LorenzStabilize-v1" in line)
    assert lorenz.split()[1:5] == ["ode", "3", "3", "1"]
    assert cli.main(["info", "chaosgym/LorenzStabilize-v1"]) == 0
    out = capsys.readouterr().out
    assert "rho=28" in out and "References" in out and "Box(3,)" in out
    assert cli.main(["info", "chaosgym/LorenzStabilise-v0"]) == 2
    assert "did you mean chaosgym/LorenzStabilize-v1" in capsys.readouterr().err


def test_cli_record_and_play(tmp_path, capsys):
    out = tmp_path / "henon.gif"
    assert cli.main(["record", "chaosgym/HenonStabilize-v1", "--policy", "random", "--steps",
                     "5", "--out", str(out), "--quiet"]) == 0
    assert _frames(out).shape[0] == 6
    assert "wrote" in capsys.readouterr().out
    assert cli.main(["play", "chaosgym/HenonStabilize-v1", "--policy", "zero", "--steps",
                     "4"]) == 0
    assert "played 4 steps" in capsys.readouterr().out


def test_cli_demo(capsys):
    assert cli.main(["demo", "--n-ic", "8"]) == 0
    out = capsys.readouterr().out
    rows = [ln.split() for ln in out.splitlines() if ln.strip().startswith(("no control", "LQR"))]
    episode_zero, episode_lqr, batch_zero, batch_lqr = rows
    assert "never" in episode_zero and float(episode_zero[2]) > 1.0
    assert float(episode_lqr[1]) < 0.1 and float(episode_lqr[2]) > 0
    assert "0/8" in batch_zero and "8/8" in batch_lqr
    assert "capture time" in out and "return" in out


def test_cli_plugins_and_help(capsys):
    parser = cli.build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    for name in cli.BUILTIN:
        assert name in sub.choices
    for mod in cli.PLUGINS:
        if cli._module_exists(mod):
            assert len(sub.choices) > len(cli.BUILTIN)
    assert cli.main([]) == 0
    assert "demo" in capsys.readouterr().out


def test_console_script():
    exe = shutil.which("chaosgym") or str(Path(sys.executable).parent / "chaosgym")
    if not os.path.exists(exe):
        pytest.skip("console script not installed")
    res = subprocess.run([exe, "info", "chaosgym/HenonStabilize-v1"], capture_output=True,
                         text=True, timeout=120)
    assert res.returncode == 0 and "Hénon" in res.stdout


def _run_example(name, monkeypatch, tmp_path, *args):
    monkeypatch.setenv("CHAOSGYM_QUICK", "1")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "argv", [name, *args])
    runpy.run_path(str(ROOT / "examples" / name), run_name="__main__")


def test_example_quickstart(monkeypatch, tmp_path):
    _run_example("quickstart.py", monkeypatch, tmp_path, "out")
    assert (tmp_path / "out" / "quickstart.png").stat().st_size > 1000
    assert _frames(tmp_path / "out" / "quickstart.gif").shape[0] > 10


def test_example_rho_sweep(monkeypatch, tmp_path, capsys):
    _run_example("lorenz_rho_sweep.py", monkeypatch, tmp_path, "sweep.png")
    assert (tmp_path / "sweep.png").stat().st_size > 5000
    out = capsys.readouterr().out
    lam28 = float(out.split("lambda1(rho=28.0) = ")[1].split()[0])
    assert 0.75 < lam28 < 1.05  # short run; the full run gives 0.91 (Sprott: 0.906)


def test_example_record_lqr_video(monkeypatch, tmp_path):
    _run_example("record_lqr_video.py", monkeypatch, tmp_path, "lqr.gif")
    assert _frames(tmp_path / "lqr.gif").shape[0] == 21


@pytest.mark.slow
def test_example_ks_control_video(monkeypatch, tmp_path):
    _run_example("ks_control_video.py", monkeypatch, tmp_path, "ks.mp4")
    assert _frames(tmp_path / "ks.mp4").shape[0] >= 30


@pytest.mark.slow
def test_cli_demo_video(tmp_path, capsys):
    out = tmp_path / "demo.mp4"
    assert cli.main(["demo", "--video", str(out)]) == 0
    back = _frames(out)
    assert back.shape[0] == 201 and back.shape[2] == 2 * 640 + 4
    assert "64/64" in capsys.readouterr().out


@pytest.mark.slow
def test_example_certify_lqr(monkeypatch, tmp_path, capsys):
    _run_example("certify_lqr.py", monkeypatch, tmp_path, "--half-width", "1")
    out = capsys.readouterr().out
    assert "CERTIFIED" in out and "region of attraction" in out


@pytest.mark.slow
def test_example_certify_sac(monkeypatch, tmp_path, capsys):
    pytest.importorskip("stable_baselines3")
    _run_example("certify_sac_lorenz.py", monkeypatch, tmp_path, "--steps", "1000", "--no-roa")
    out = capsys.readouterr().out
    assert "LQR" in out and ("CERTIFIED" in out or "refuted" in out.lower())


@pytest.mark.slow
def test_example_train_sac_lorenz(monkeypatch, tmp_path):
    pytest.importorskip("stable_baselines3")
    _run_example("train_sac_lorenz.py", monkeypatch, tmp_path, "sac")
    assert (tmp_path / "sac" / "run" / "done.json").exists()
    assert _frames(tmp_path / "sac" / "sac_vs_lqr.gif").shape[0] == 21
