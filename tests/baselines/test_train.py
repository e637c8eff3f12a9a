"""Short training runs (PPO and SAC on two ids), evaluation and the benchmark table."""

from __future__ import annotations

import json

import numpy as np
import pytest

pytest.importorskip("stable_baselines3")

from chaosgym.baselines.evaluate import (
    agent_policy,
    controller_policies,
    evaluate_policy,
    initial_conditions,
    summarize,
)
from chaosgym.baselines.hyperparams import load_hyperparams
from chaosgym.baselines.train import load_agent, train_run
from chaosgym.registration import make_functional

IDS = ["chaosgym/LorenzStabilize-v1", "chaosgym/RosslerStabilize-v1"]


def _small(algo: str, env_id: str) -> dict:
    hp = load_hyperparams(algo, env_id)
    if algo == "sac":
        hp.update(n_envs=2, learning_starts=100, batch_size=64, buffer_size=1000)
    else:
        hp.update(n_envs=4, n_steps=64, batch_size=64, n_epochs=2)
    return hp


@pytest.mark.parametrize("env_id", IDS)
@pytest.mark.parametrize("algo", ["ppo", "sac"])
def test_few_hundred_steps_train(tmp_path, algo, env_id):
    hp = _small(algo, env_id)
    run = tmp_path / "run"
    done = train_run(env_id, algo, 0, run, total_timesteps=300, hyperparams=hp,
                     eval_freq=10_000, tensorboard=False)
    assert done["num_timesteps"] >= 300 and done["resumed_from"] == 0
    for f in ("config.json", "done.json", "model.zip", "curve.csv", "checkpoint.json",
              "monitor.csv"):
        assert (run / f).exists(), f
    assert json.loads((run / "config.json").read_text())["versions"]["stable_baselines3"]
    model, rms = load_agent(run)
    assert rms is not None  # trained under VecNormalize(norm_obs=True)
    assert model._n_updates > 0  # the learner took gradient steps
    # the policy was evaluated on validation initial states, with finite task metrics
    val = done["best_validation"]
    assert np.isfinite(val["return_mean"]) and 0.0 <= val["captured_rate"] <= 1.0
    obs = np.zeros((3, *model.observation_space.shape), np.float32)
    assert agent_policy(model, rms)(obs, obs).shape == (3, 1)
    # a completed run is not redone
    mtime = (run / "model.zip").stat().st_mtime
    again = train_run(env_id, algo, 0, run, total_timesteps=300, hyperparams=hp)
    assert again == done and (run / "model.zip").stat().st_mtime == mtime


def test_stored_initial_conditions_and_lqr_baseline(tmp_path):
    env_id = IDS[0]
    fenv = make_functional(env_id)
    a = initial_conditions(env_id, 12, directory=tmp_path, fenv=fenv)
    assert (tmp_path / "LorenzStabilize-v1.npy").exists()
    b = initial_conditions(env_id, 12, directory=tmp_path)
    np.testing.assert_array_equal(a, b)  # reloaded, not redrawn
    np.testing.assert_array_equal(initial_conditions(env_id, 5, directory=tmp_path), a[:5])
    pols = controller_policies(fenv)
    assert {"zero", "lqr"} <= set(pols)
    zero = summarize(evaluate_policy(fenv, pols["zero"], a), fenv.dt)
    lqr = summarize(evaluate_policy(fenv, pols["lqr"], a), fenv.dt)
    # saturated LQR captures every attractor state into the 0.1-ball (REFERENCE: 150/150)
    assert lqr["captured_rate"] == 1.0 and zero["captured_rate"] == 0.0
    assert 2.0 < lqr["captured_time_median"] < 15.0
    assert lqr["return_mean"] > zero["return_mean"]


@pytest.mark.slow
def test_pyragas_and_ogy_baselines():
    orbit = make_functional("chaosgym/RosslerStabilizeOrbit-v1")
    pols = controller_policies(orbit)
    assert "pyragas" in pols and "lqr" not in pols  # an orbit task has no fixed-point target
    ics = initial_conditions("chaosgym/RosslerStabilizeOrbit-v1", 16, fenv=orbit)
    zero = summarize(evaluate_policy(orbit, pols["zero"], ics), orbit.dt)
    pyr = summarize(evaluate_policy(orbit, pols["pyragas"], ics), orbit.dt)
    assert pyr["distance_mean"] < zero["distance_mean"]
    henon = make_functional("chaosgym/HenonStabilize-v1")
    pols = controller_policies(henon)
    assert "ogy" in pols
    ics = initial_conditions("chaosgym/HenonStabilize-v1", 16, fenv=henon)
    ogy = summarize(evaluate_policy(henon, pols["ogy"], ics), henon.dt)
    assert ogy["captured_rate"] > 0.0 and ogy["diverged_rate"] == 0.0


def test_stored_initial_conditions_are_never_overwritten(tmp_path):
    env_id = "chaosgym/HenonStabilize-v1"
    small = initial_conditions(env_id, 4, directory=tmp_path)
    with pytest.warns(UserWarning, match="fewer than the 10 requested"):
        again = initial_conditions(env_id, 10, directory=tmp_path)
    np.testing.assert_array_equal(again, small)
    np.testing.assert_array_equal(np.load(next(tmp_path.glob("*.npy"))), small)
