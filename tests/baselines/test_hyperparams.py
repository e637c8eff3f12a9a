"""The agents' YAML files parse, name only registered ids and build valid SB3 kwargs."""

from __future__ import annotations

import pytest

pytest.importorskip("stable_baselines3")
pytest.importorskip("yaml")

import chaosgym
from chaosgym.baselines.hyperparams import (
    ALGOS,
    SB3_FROM_JAX,
    budget,
    config_dir,
    load_budgets,
    load_hyperparams,
    load_yaml,
    model_kwargs,
    sb3_from_jax,
)

IDS = set(chaosgym.list_envs())


@pytest.mark.parametrize("algo", ALGOS)
def test_yaml_parses_and_names_registered_ids(algo):
    table = load_yaml(config_dir() / f"{algo}.yml")
    assert "default" in table
    unknown = set(table) - IDS - {"default"}
    assert not unknown, f"{algo}.yml names unregistered ids: {sorted(unknown)}"
    for key, entry in table.items():
        assert int(float(entry["n_timesteps"])) > 0, key
        kwargs, norm, policy = model_kwargs(algo, entry, action_dim=2)
        assert policy == "MlpPolicy"
        assert not set(kwargs) & {"n_timesteps", "n_envs", "normalize", "policy"}
        assert isinstance(norm, dict)
        if "policy_kwargs" in kwargs:
            assert isinstance(kwargs["policy_kwargs"], dict)


def test_budgets_name_registered_ids_and_algos():
    b = load_budgets()
    for section in ("quick", "full"):
        sec = b[section]
        assert set(sec["algos"]) <= set(ALGOS)
        assert int(sec["seeds"]) >= 5
        for key, entry in sec.items():
            if key in ("algos", "seeds", "eval_freq"):
                continue
            assert key == "default" or key in IDS, key
            assert set(entry or {}) <= set(ALGOS)
    for env_id in IDS:  # the full budget is never below the quick one
        for algo in ("sac", "ppo"):
            assert budget(algo, env_id, quick=True) <= budget(algo, env_id, quick=False)
    rossler = "chaosgym/RosslerStabilize-v1"  # no entry of its own: the YAML's n_timesteps
    assert budget("sac", rossler, quick=True) < budget("sac", rossler, quick=False)


def test_every_registered_id_has_hyperparameters():
    for algo in ALGOS:
        for env_id in IDS:
            assert load_hyperparams(algo, env_id)["policy"] == "MlpPolicy"


def test_mini_language():
    kwargs, norm, _ = model_kwargs(
        "ppo",
        {"policy": "MlpPolicy", "normalize": True, "learning_rate": "lin_1e-3",
         "policy_kwargs": "dict(net_arch=dict(pi=[8], vf=[8]), activation_fn=nn.Tanh)"},
        action_dim=1,
    )
    assert norm == {"norm_obs": True, "norm_reward": True}
    assert kwargs["learning_rate"](0.5) == pytest.approx(5e-4)
    assert kwargs["policy_kwargs"]["net_arch"] == {"pi": [8], "vf": [8]}
    assert kwargs["policy_kwargs"]["activation_fn"].__name__ == "Tanh"
    kwargs, _, _ = model_kwargs("td3", {"noise_type": "normal", "noise_std": 0.2}, action_dim=3)
    assert kwargs["action_noise"]._sigma.shape == (3,)
    # clip_range takes the same notation; constants come out as numbers; bad values name the key
    kwargs, _, _ = model_kwargs("ppo", {"clip_range": "lin_0.2", "learning_rate": "3e-4"}, 1)
    assert kwargs["clip_range"](0.25) == pytest.approx(0.05)
    assert kwargs["learning_rate"] == pytest.approx(3e-4)
    for key, bad in (("clip_range", "lin_x"), ("learning_rate", -1e-3), ("learning_rate", "x")):
        with pytest.raises(ValueError, match=key):
            model_kwargs("ppo", {key: bad}, 1)
    with pytest.raises(ValueError):
        load_hyperparams("dqn", "chaosgym/LorenzStabilize-v1")


@pytest.mark.slow
def test_rl_zoo3_trains_from_our_yaml(tmp_path):
    """``python -m rl_zoo3.train --gym-packages chaosgym ... --conf-file agents/...`` runs."""
    pytest.importorskip("rl_zoo3")
    import subprocess
    import sys

    conf = config_dir() / "sac.yml"
    cmd = [sys.executable, "-m", "rl_zoo3.train", "--gym-packages", "chaosgym", "--env",
           "chaosgym/LorenzStabilize-v1", "--algo", "sac", "--conf-file", str(conf),
           "-n", "600", "--eval-freq", "-1", "-f", str(tmp_path), "--seed", "0"]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=600, cwd=tmp_path)
    assert out.returncode == 0, out.stdout[-2000:] + out.stderr[-2000:]
    assert list(tmp_path.glob("sac/*/chaosgym-LorenzStabilize-v1.zip"))


@pytest.mark.parametrize("algo", sorted(SB3_FROM_JAX))
def test_informed_entries_mirror_the_jax_backend(algo):
    """Each SB3 entry named in SB3_FROM_JAX equals sb3_from_jax of the JAX backend's entry
    for that id, key by key after parsing, and its full budget is no smaller than the JAX
    budget: a change on one side that is not made on the other fails here."""
    from chaosgym.baselines.jax_train import load_jax_hyperparams

    for env_id in SB3_FROM_JAX[algo]:
        assert env_id in IDS, env_id
        jhp = load_jax_hyperparams(algo, env_id)
        ours, mirrored = load_hyperparams(algo, env_id), sb3_from_jax(algo, jhp)
        assert int(ours["n_envs"]) == mirrored["n_envs"], env_id
        assert model_kwargs(algo, ours, 1) == model_kwargs(algo, mirrored, 1), env_id
        assert budget(algo, env_id, quick=False) >= int(float(jhp["n_timesteps"])), env_id


def test_sb3_from_jax_follows_each_key():
    """The mapping reads the JAX values it claims to, rather than restating constants."""
    from chaosgym.baselines.jax_train import load_jax_hyperparams

    jhp = load_jax_hyperparams("ppo", "chaosgym/LorenzStabilize-v1")
    jhp.update(num_envs=4, num_steps=32, num_minibatches=2, gamma=0.9, normalize_rewards=True,
               agent_kwargs={"hidden_layer_sizes": [8], "activation": "relu"})
    kw, norm, _ = model_kwargs("ppo", sb3_from_jax("ppo", jhp), 1)
    assert (kw["n_steps"], kw["batch_size"], kw["gamma"]) == (32, 64, 0.9)
    assert norm == {"norm_obs": True, "norm_reward": True}
    assert kw["policy_kwargs"]["net_arch"] == {"pi": [8], "vf": [8]}
    assert kw["policy_kwargs"]["activation_fn"].__name__ == "ReLU"
    # an annealed JAX rate stays annealed in the SB3 entry (rl-zoo3's own lin_ schedule)
    kw, _, _ = model_kwargs("ppo", sb3_from_jax("ppo", {**jhp, "learning_rate": "lin_1e-3"}), 1)
    assert kw["learning_rate"](1.0) == pytest.approx(1e-3) and kw["learning_rate"](0.0) == 0.0
    sac = sb3_from_jax("sac", {**load_jax_hyperparams("sac", "chaosgym/LorenzStabilize-v1"),
                               "polyak": 0.995, "num_epochs": 3})
    assert (sac["tau"], sac["gradient_steps"]) == (0.005, 3)
    with pytest.raises(ValueError, match="td3"):
        sb3_from_jax("td3", jhp)
