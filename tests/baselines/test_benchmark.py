"""The benchmark sweep end to end with tiny budgets (local, and on a local Ray instance)."""

from __future__ import annotations

import json

import pytest

pytest.importorskip("stable_baselines3")

from chaosgym.baselines.benchmark import run_benchmark

ENV = "chaosgym/LorenzStabilize-v1"


def _check(out, runs, algos, seeds):
    res = json.loads((out / "results.json").read_text())
    row = res[ENV]
    assert {"zero", "lqr"} <= set(row["controllers"])
    assert row["controllers"]["lqr"]["captured_rate"] == 1.0
    for algo in algos:
        assert sorted(row["agents"][algo]["per_seed"]) == [f"seed{s}" for s in seeds]
    table = (out / "README.md").read_text()
    assert "| lqr |" in table and "| SAC | " in table
    assert (out / "ics" / "LorenzStabilize-v1.test.npy").exists()
    assert (out / "ics" / "LorenzStabilize-v1.test.json").exists()
    assert all(not r.startswith("/") for r in row["agents"]["sac"]["runs"])
    assert (out / "curves" / "LorenzStabilize-v1.png").exists()
    cfg = json.loads((out / "config.json").read_text())
    assert cfg["seeds"] == list(seeds) and "stable_baselines3" in cfg["versions"]
    assert any((out / "models" / "LorenzStabilize-v1").glob("sac_seed*_model.zip"))


@pytest.mark.slow
def test_sweep_local_then_resume(tmp_path):
    out, runs = tmp_path / "results", tmp_path / "runs"
    kw = dict(envs=[ENV], algos=["sac"], seeds=[0, 1], out_dir=out, runs_dir=runs, n_ics=10,
              total_timesteps=400, progress_bar=False, video=False)
    run_benchmark(**kw)
    _check(out, runs, ["sac"], [0, 1])
    stamp = (runs / "LorenzStabilize-v1" / "sac" / "seed0" / "done.json").stat().st_mtime
    run_benchmark(**kw)  # completed runs are not redone
    assert (runs / "LorenzStabilize-v1" / "sac" / "seed0" / "done.json").stat().st_mtime == stamp


@pytest.mark.slow
def test_sweep_on_ray_merges_into_the_same_table(tmp_path):
    pytest.importorskip("ray")
    out, runs = tmp_path / "results", tmp_path / "runs"
    kw = dict(envs=[ENV], algos=["sac"], out_dir=out, runs_dir=runs, n_ics=10,
              total_timesteps=400, progress_bar=False, video=False)
    run_benchmark(seeds=[0], **kw)  # one seed locally
    run_benchmark(seeds=[0, 1], use_ray=True, **kw)  # the other on Ray; both in one table
    _check(out, runs, ["sac"], [0, 1])
