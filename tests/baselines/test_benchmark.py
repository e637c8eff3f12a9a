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


def test_aggregate_keeps_rows_curves_and_budgets_once_run_folders_are_gone(tmp_path):
    """A table rebuilt without the run folders (a fresh checkout) keeps every stored row, redraws
    the curves from results.json and records the steps the runs trained, not the packaged
    budget."""
    import csv
    import shutil

    from chaosgym.baselines.benchmark import aggregate, write_config
    from chaosgym.baselines.evaluate import CONTROLLERS_VERSION, evaluate_controllers
    from chaosgym.baselines.hyperparams import load_budgets
    from chaosgym.baselines.protocol import initial_state_set
    from chaosgym.baselines.train import run_dir_for

    out, runs = tmp_path / "results", tmp_path / "runs"
    ics = initial_state_set(ENV, "test", 4, directory=out / "ics")
    summary = evaluate_controllers(ENV, ics, names=["zero"])["zero"]
    for seed in (0, 1):
        d = run_dir_for(runs, ENV, "sac", seed)
        d.mkdir(parents=True)
        (d / "eval.json").write_text(json.dumps({"summary": summary}))
        (d / "done.json").write_text(json.dumps({"num_timesteps": 3000, "train_seconds": 1.0}))
        with open(d / "curve.csv", "w", newline="") as f:
            w = csv.writer(f)
            w.writerow(["timesteps", "return_mean", "task_metric", "task_metric_name"])
            for t in (1000, 2000, 3000):
                w.writerow([t, -t / 1000 - seed, 0.1 * t / 1000, "captured_rate"])
    res = aggregate([ENV], ["sac"], [0, 1], out, runs, n_ics=4, video=False)
    row = res[ENV]["agents"]["sac"]
    assert row["curves"]["seed1"]["return_mean"] == [-2.0, -3.0, -4.0]
    png = out / "curves" / "LorenzStabilize-v1.png"
    assert png.exists()
    ctrl = json.loads((out / "controllers" / "LorenzStabilize-v1.json").read_text())
    assert ctrl["version"] == CONTROLLERS_VERSION and {"zero", "lqr"} <= set(ctrl["summaries"])

    png.unlink()
    shutil.rmtree(runs)
    again = aggregate([ENV], ["sac"], [0, 1], out, runs, n_ics=4, video=False)
    assert json.dumps(again[ENV]["agents"]["sac"]) == json.dumps(row)  # NaN != NaN
    assert png.exists()  # redrawn from the stored curves
    write_config(out, [ENV], ["sac"], [0, 1], False, 4, None, load_budgets(), 1.0, again)
    cfg = json.loads((out / "config.json").read_text())
    assert cfg["timesteps"][ENV]["sac"] == 3000  # what ran, not sac.yml's 200 000
    write_config(out, [ENV], ["ppo-jax"], [0, 1], False, 4, None, load_budgets(), 1.0, again)
    cfg = json.loads((out / "config.json").read_text())
    assert cfg["algos"] == ["sac", "ppo-jax"]  # a later call keeps the earlier algorithms
    assert set(cfg["hyperparams"][ENV]) == {"sac", "ppo-jax"}


def test_a_zero_budget_is_refused_before_any_run_starts(tmp_path):
    with pytest.raises(ValueError, match="total_timesteps"):
        run_benchmark(envs=[ENV], algos=["sac"], seeds=[0], out_dir=tmp_path / "r",
                      runs_dir=tmp_path / "runs", total_timesteps=0)
    assert not (tmp_path / "runs").exists()
