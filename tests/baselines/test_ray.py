"""The benchmark's tasks on a local Ray instance: JAX runs (seeds vmapped) and an SB3 run."""

from __future__ import annotations

import json
import time

import pytest

pytest.importorskip("ray", reason="the Ray runner needs ray: pip install 'chaosgym[ray]'")
pytest.importorskip("rejax", reason="JAX-backend tasks need rejax (chaosgym[jax-agents])")
pytest.importorskip("stable_baselines3", reason="SB3 tasks need chaosgym[agents]")

import ray

import chaosgym
from chaosgym.baselines.benchmark import aggregate, make_jax_tasks, make_tasks
from chaosgym.baselines.protocol import env_slug
from chaosgym.baselines.ray_runner import is_complete, run_on_ray

ENV = next(e for e in chaosgym.list_envs() if e.split("/")[-1].startswith("LorenzStabilize-"))
N_ICS = 4
TINY_JAX_PPO = """default:
  n_timesteps: 256
  num_envs: 4
  num_steps: 32
  num_epochs: 1
  num_minibatches: 2
  normalize_observations: true
  agent_kwargs: {hidden_layer_sizes: [8, 8], activation: tanh}
"""


@pytest.fixture(scope="module")
def local_ray(tmp_path_factory):
    """A 2-CPU local instance whose workers read a tiny JAX PPO configuration.

    Its workers share a persistent XLA compilation cache, so the second test's JAX programs
    (the same ones) are not compiled again.
    """
    cfg = tmp_path_factory.mktemp("config")
    (cfg / "jax_ppo.yml").write_text(TINY_JAX_PPO)
    env = {"CHAOSGYM_CONFIG_DIR": str(cfg), "JAX_COMPILATION_CACHE_DIR": str(cfg / "xla"),
           "JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS": "0.5"}
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CHAOSGYM_CONFIG_DIR", str(cfg))  # the driver reads it too (config.json)
        ray.init(address="local", num_cpus=2, include_dashboard=False, log_to_driver=False,
                 runtime_env={"env_vars": env})
        try:
            yield
        finally:
            ray.shutdown()


def _files(run_dir):
    return sorted(p.relative_to(run_dir).as_posix() for p in run_dir.rglob("*") if p.is_file())


def _tasks(tmp_path):
    runs, ics_dir = tmp_path / "runs", tmp_path / "results" / "ics"
    sb3 = make_tasks([ENV], ["sac"], [0], runs, ics_dir, N_ICS, quick=True,
                     total_timesteps=200)
    sb3[0]["eval_freq"] = 100
    jax = make_jax_tasks([ENV], ["ppo-jax"], [0, 1], runs, ics_dir, N_ICS)
    return runs, sb3, jax


def test_jax_and_sb3_tasks_land_in_the_driver_folders_and_resume(local_ray, tmp_path):
    runs, sb3, jax = _tasks(tmp_path)
    # shared_fs=False: each task trains in a private folder of its worker (as on a cluster)
    # and the driver writes its files back
    rows = run_on_ray(sb3, jax, shared_fs=False)
    assert sorted((r["algo"], r["seed"]) for r in rows) == [
        ("ppo-jax", 0), ("ppo-jax", 1), ("sac", 0)]
    jdir, sdir = runs / env_slug(ENV) / "ppo-jax", runs / env_slug(ENV) / "sac" / "seed0"
    assert {r["run_dir"] for r in rows} == {str(jdir / "seed0"), str(jdir / "seed1"),
                                            str(sdir)}

    files = _files(jdir)
    expected = {"config.json", "curve.csv", "checkpoint.json", "best.json", "done.json",
                "events.jsonl", "best_seed0.npz", "best_seed1.npz", "ckpt_128.json",
                "ckpt_128.npz", "ckpt_256.json", "ckpt_256.npz", ".lock"}
    expected |= {f"seed{s}/{n}" for s in (0, 1) for n in ("eval.json", "done.json",
                                                            "curve.csv", "monitor.csv")}
    assert expected <= set(files)
    assert {f.split("/")[0] for f in set(files) - expected} == {"tb"}  # TensorBoard events
    assert {f.split("/")[1] for f in files if f.startswith("tb/")} == {"seed0", "seed1"}
    done = json.loads((jdir / "done.json").read_text())
    assert done["seeds"] == [0, 1] and done["num_timesteps"] == 256
    assert json.loads((jdir / "seed1" / "done.json").read_text())["vmapped_seeds"] == [0, 1]
    sfiles = set(_files(sdir))
    assert {"config.json", "done.json", "eval.json", "curve.csv", "model.zip", "best.json",
            "monitor.csv", "events.jsonl"} <= sfiles
    assert not [f for f in files + sorted(sfiles) if ".tmp" in f]
    # the driver's command is recorded, not the Ray worker's
    for d in (jdir, sdir):
        assert "default_worker" not in json.loads((d / "config.json").read_text())["command"]
    # cached evaluations are valid on the driver (modification times kept)
    assert all(is_complete("jax", t) for t in jax) and all(is_complete("sb3", t) for t in sb3)

    res = aggregate([ENV], ["ppo-jax", "sac"], [0, 1], tmp_path / "results", runs, N_ICS,
                    video=False)
    agents = res[ENV]["agents"]
    assert sorted(agents["ppo-jax"]["per_seed"]) == ["seed0", "seed1"]
    assert sorted(agents["sac"]["per_seed"]) == ["seed0"]
    assert agents["ppo-jax"]["runs"] == [f"{env_slug(ENV)}/ppo-jax/seed{s}" for s in (0, 1)]
    for a in agents.values():
        for s in a["per_seed"].values():
            assert 0.0 <= s["captured_rate"] <= 1.0 and s["num_timesteps"] > 0
    table = (tmp_path / "results" / "README.md").read_text()
    assert "| PPO-JAX | full state | 2 |" in table and "| SAC | full state | 1 |" in table

    # submitted again: complete runs are skipped, nothing is rewritten
    stamps = {p: p.stat().st_mtime_ns for p in (jdir / "done.json", sdir / "done.json",
                                                 jdir / "seed0" / "eval.json")}
    t0 = time.time()
    assert run_on_ray(sb3, jax, shared_fs=False) == []
    assert time.time() - t0 < 5
    assert {p: p.stat().st_mtime_ns for p in stamps} == stamps

    # a lost evaluation: the run is resubmitted with its files and re-evaluated, not retrained
    (jdir / "seed1" / "eval.json").unlink()
    rows = run_on_ray([], jax, shared_fs=False)
    assert sorted(r["seed"] for r in rows) == [0, 1]
    assert (jdir / "done.json").stat().st_mtime_ns == stamps[jdir / "done.json"]
    assert (jdir / "seed1" / "eval.json").exists() and is_complete("jax", jax[0])


def test_benchmark_on_the_local_instance_shares_the_run_folders(local_ray, tmp_path):
    from chaosgym.baselines.benchmark import run_benchmark

    out, runs = tmp_path / "results", tmp_path / "runs"
    res = run_benchmark(envs=[ENV], algos=["ppo-jax"], seeds=[0, 1], out_dir=out,
                        runs_dir=runs, n_ics=N_ICS, progress_bar=False, video=False,
                        use_ray=True)
    assert sorted(res[ENV]["agents"]["ppo-jax"]["per_seed"]) == ["seed0", "seed1"]
    assert json.loads((out / "config.json").read_text())["timesteps"][ENV]["ppo-jax"] == 256
    jdir = runs / env_slug(ENV) / "ppo-jax"
    stamp = (jdir / "done.json").stat().st_mtime_ns
    run_benchmark(envs=[ENV], algos=["ppo-jax"], seeds=[0, 1], out_dir=out, runs_dir=runs,
                  n_ics=N_ICS, progress_bar=False, video=False, use_ray=True)
    assert (jdir / "done.json").stat().st_mtime_ns == stamp
