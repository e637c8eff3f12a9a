"""The JAX backend: one short rejax training run through the contract's gymnax adapter."""

from __future__ import annotations

import csv
import json

import numpy as np
import pytest

pytest.importorskip("rejax")

import jax

from chaosgym.baselines.jax_train import (
    rejax_env,
    train_jax_run,
    tree_from_bytes,
    tree_to_bytes,
)
from chaosgym.registration import make_functional

ENV = "chaosgym/LorenzStabilize-v1"
TINY_PPO = {"num_envs": 4, "num_steps": 32, "num_epochs": 1, "num_minibatches": 2,
            "normalize_observations": True,
            "agent_kwargs": {"hidden_layer_sizes": [8, 8], "activation": "tanh"}}


def test_adapter_has_gymnax_shape_and_autoresets():
    fenv = make_functional(ENV, max_steps=3)
    env = rejax_env(fenv)
    key = jax.random.PRNGKey(0)
    obs, state = env.reset(key, env.default_params)
    assert obs.shape == env.observation_space(env.default_params).shape
    assert env.action_space(env.default_params).shape == (1,)
    dones = []
    for t in range(4):
        obs, state, r, done, _info = env.step(jax.random.PRNGKey(t), state, np.zeros(1),
                                             env.default_params)
        dones.append(bool(done))
        assert np.isfinite(float(r))
    assert dones == [False, False, True, False]  # the time limit, then a fresh episode
    assert int(state.t) == 1


def test_short_jax_run_two_seeds_vmapped(tmp_path):
    run = tmp_path / "run"
    fenv = make_functional(ENV, max_steps=50)
    done = train_jax_run(ENV, "ppo", [0, 1], run, total_timesteps=256, eval_freq=128,
                         hyperparams=TINY_PPO, n_validation=4, fenv=fenv)
    assert done["num_timesteps"] == 256 and done["seeds"] == [0, 1]
    assert done["env_steps_per_second"] > 0 and done["backend"] == "jax"
    with open(run / "curve.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    assert [(int(r["timesteps"]), int(r["seed"])) for r in rows] == [
        (128, 0), (128, 1), (256, 0), (256, 1)]
    for s in (0, 1):
        best = done["best"][f"seed{s}"]
        assert (run / best["params"]).exists()
        assert 0.0 <= best["summary"]["captured_rate"] <= 1.0
        assert list((run / "tb" / f"seed{s}").glob("events.out.tfevents.*"))
    ptr = json.loads((run / "checkpoint.json").read_text())
    assert ptr["num_timesteps"] == 256 and (run / ptr["state"]).exists()
    assert sorted(p.name for p in run.glob("ckpt_*.json")) == ["ckpt_128.json", "ckpt_256.json"]
    cfg = json.loads((run / "config.json").read_text())
    assert cfg["backend"] == "jax" and cfg["learner"].startswith("rejax")
    # monitor.csv per seed, as SB3's Monitor writes it: 4 envs x 64 steps, 50-step episodes
    for s in (0, 1):
        lines = _monitor(run, s)
        assert json.loads(lines[0][1:])["env_id"] == ENV and lines[1] == "r,l,t"
        rows = list(csv.DictReader(lines[1:]))
        assert [int(r["l"]) for r in rows] == [50] * 4
        assert all(np.isfinite(float(r["r"])) and float(r["t"]) >= 0 for r in rows)
    # the test evaluation: one compiled rollout for both seeds, the same summaries as one by one
    from chaosgym.baselines import jax_train as jt

    ics = np.asarray(fenv.ic_bank[:3])
    traces = []
    rollout = jt.rollout
    jt.rollout = lambda *a: (traces.append(1), rollout(*a))[1]
    try:
        both = jt.evaluate_jax_policies(run, [0, 1], fenv, ics)
    finally:
        jt.rollout = rollout
    assert len(traces) == 1
    for s in (0, 1):
        one = jt.evaluate_jax_policy(run, s, fenv, ics)
        assert json.dumps(both[s], sort_keys=True) == json.dumps(one, sort_keys=True)
    # the kept policies stored apart (as the table's models/ folder holds them) load like the
    # run: the same summaries, through `chaosgym evaluate --model`'s loader, and no checkpoint
    from chaosgym.baselines.evaluate_command import evaluate_model

    stored = tmp_path / "models" / "ppo-jax"
    cfg_run = json.loads((run / "config.json").read_text())
    cfg_run["command"] = f"chaosgym benchmark --runs-dir {tmp_path}/runs --out={tmp_path}/res"
    (run / "config.json").write_text(json.dumps(cfg_run))
    assert jt.store_jax_policies(run, stored, seeds=[1]) == [1]
    assert sorted(p.name for p in stored.iterdir()) == ["best.json", "best_seed1.npz",
                                                        "config.json"]
    assert json.loads((stored / "config.json").read_text())["command"] == (
        "chaosgym benchmark --runs-dir runs --out=res")
    assert jt.store_jax_policies(run, stored) == [0, 1]
    again_stored = evaluate_model(stored, fenv, ics)
    assert sorted(again_stored) == ["agent_seed0", "agent_seed1"]
    for s in (0, 1):
        assert json.dumps(again_stored[f"agent_seed{s}"], sort_keys=True) == json.dumps(
            both[s], sort_keys=True)
    # a completed run is returned as it is (its done.json)
    again = train_jax_run(ENV, "ppo", [0, 1], run, total_timesteps=256)
    assert json.dumps(again, sort_keys=True) == json.dumps(done, sort_keys=True, default=float)


def _monitor(run, seed: int) -> list[str]:
    return (run / f"seed{seed}" / "monitor.csv").read_text().splitlines()


CHILD = """
import json, sys, time
import chaosgym.baselines.jax_train as jt
from chaosgym.registration import make_functional
save = jt._save_checkpoint
def slow(*a, **k):
    save(*a, **k)
    time.sleep(0.3)
jt._save_checkpoint = slow
jt.train_jax_run(sys.argv[1], "ppo", [0, 1], sys.argv[2], total_timesteps=int(sys.argv[3]),
                 eval_freq=128, hyperparams=json.loads(sys.argv[4]), n_validation=4,
                 tensorboard=False, fenv=make_functional(sys.argv[1], max_steps=50))
"""


@pytest.mark.slow
def test_kill_and_resume_append_to_the_jax_monitor(tmp_path):
    from tests.baselines.killing import kill_when, start

    run, total = tmp_path / "run", 128 * 12
    child = start(CHILD, ENV, str(run), str(total), json.dumps(TINY_PPO))

    def ready() -> bool:  # a checkpoint past the first chunk, and episodes written
        try:
            ptr = json.loads((run / "checkpoint.json").read_text())
            return ptr["num_timesteps"] >= 256 and len(_monitor(run, 1)) > 2
        except (OSError, ValueError, KeyError):
            return False

    kill_when(child, ready)
    assert not (run / "done.json").exists()
    killed_at = json.loads((run / "checkpoint.json").read_text())["num_timesteps"]
    before = {s: _monitor(run, s) for s in (0, 1)}
    done = train_jax_run(ENV, "ppo", [0, 1], run, total_timesteps=total, eval_freq=128,
                         hyperparams=TINY_PPO, n_validation=4, tensorboard=False,
                         fenv=make_functional(ENV, max_steps=50))
    assert done["resumed_from"] == killed_at and done["num_timesteps"] == total
    for s in (0, 1):
        after = _monitor(run, s)
        # appended, never truncated: the killed process's episodes stay, under one header
        assert after[: len(before[s])] == before[s] and len(after) > len(before[s])
        assert sum(line.startswith("#") for line in after) == 1
        assert after.count("r,l,t") == 1
        rows = list(csv.DictReader(after[1:]))
        t = [float(r["t"]) for r in rows]
        assert t == sorted(t)
        assert all(int(r["l"]) == 50 for r in rows)
        # every 50-step episode the resumed run finished is there: 4 envs x (total - killed) / 4
        resumed = len(after) - len(before[s])
        assert resumed == 4 * ((total // 4) // 50 - (killed_at // 4) // 50)


def test_state_bytes_round_trip_and_reject_a_foreign_state():
    tree = {"a": np.arange(3.0), "k": jax.random.PRNGKey(1), "b": (np.ones((2, 2), np.int32),)}
    back = tree_from_bytes(tree, tree_to_bytes(tree))
    np.testing.assert_array_equal(back["a"], tree["a"])
    np.testing.assert_array_equal(back["k"], tree["k"])
    with pytest.raises(ValueError, match="expected"):
        tree_from_bytes({**tree, "a": np.arange(4.0)}, tree_to_bytes(tree))


@pytest.mark.slow
def test_jax_run_resumes_from_the_last_good_checkpoint(tmp_path):
    from chaosgym.baselines.storage import CheckpointWarning

    run = tmp_path / "run"
    fenv = make_functional(ENV, max_steps=50)
    kw = dict(eval_freq=128, hyperparams=TINY_PPO, n_validation=4, fenv=fenv)
    train_jax_run(ENV, "ppo", [0, 1], run, total_timesteps=384, **kw)
    (run / "done.json").unlink()
    data = (run / "ckpt_384.npz").read_bytes()
    (run / "ckpt_384.npz").write_bytes(data[: len(data) // 2])
    with pytest.warns(CheckpointWarning, match="ckpt_384.npz"):
        done = train_jax_run(ENV, "ppo", [0, 1], run, total_timesteps=512, **kw)
    assert done["resumed_from"] == 256 and done["num_timesteps"] == 512
    with open(run / "curve.csv", newline="") as f:
        rows = [(int(r["timesteps"]), int(r["seed"])) for r in csv.DictReader(f)]
    assert rows == [(t, s) for t in (128, 256, 384, 512) for s in (0, 1)]


@pytest.mark.slow
def test_benchmark_table_with_the_jax_backend(tmp_path):
    from chaosgym.baselines.benchmark import run_benchmark

    out, runs = tmp_path / "results", tmp_path / "runs"
    res = run_benchmark(envs=[ENV], algos=["ppo-jax"], seeds=[0, 1], out_dir=out,
                        runs_dir=runs, n_ics=4, total_timesteps=4096, progress_bar=False,
                        video=False)
    row = res[ENV]["agents"]["ppo-jax"]
    assert sorted(row["per_seed"]) == ["seed0", "seed1"]
    assert all(not r.startswith("/") for r in row["runs"])
    assert "| PPO-JAX | full state | 2 |" in (out / "README.md").read_text()
    stored = out / "models" / "LorenzStabilize-v1" / "ppo-jax"
    assert sorted(p.name for p in stored.iterdir()) == [
        "best.json", "best_seed0.npz", "best_seed1.npz", "config.json"]


def test_clip_value_loss_option_fits_the_critic_by_plain_squared_error():
    """rejax clips the critic's prediction within clip_eps of the rollout's value and keeps the
    larger loss: with the target far off and the old value below the current one, the clipped
    loss wins and its gradient is zero. ``clip_value_loss: false`` fits plain squared error
    (SB3's default), so the critic moves."""
    from types import SimpleNamespace

    import jax.numpy as jnp

    from chaosgym.baselines.jax_train import make_learner

    fenv = make_functional(ENV, max_steps=50)
    moved = {}
    for clip in (True, False):
        learner = make_learner(fenv, "ppo", {**TINY_PPO, "clip_value_loss": clip}, 128,
                               episode_log=False)
        ts = learner.init_state(jax.random.PRNGKey(0))
        obs = jnp.ones((4, *learner.env.observation_space(learner.env_params).shape))
        value = learner.critic.apply(ts.critic_ts.params, obs)
        batch = SimpleNamespace(trajectories=SimpleNamespace(obs=obs, value=value - 1.0),
                                targets=value + 5.0)
        new = learner.update_critic(ts, batch)
        moved[clip] = max(float(jnp.abs(a - b).max()) for a, b in zip(
            jax.tree_util.tree_leaves(new.critic_ts.params),
            jax.tree_util.tree_leaves(ts.critic_ts.params), strict=True))
    assert moved[True] == 0.0 and moved[False] > 0.0
    with pytest.raises(ValueError, match="clip_value_loss"):
        make_learner(fenv, "sac", {"clip_value_loss": False}, 128)


def test_orthogonal_init_and_observation_clip_options():
    """``init: orthogonal`` gives SB3's initialisation: orthogonal kernels of gain sqrt(2) in the
    hidden layers, 0.01 on the action mean (so the initial mean action is near 0 everywhere)
    and 1 on the value head. ``clip_observations`` bounds the normalised observation, in
    training and in the deterministic policy. Bad values are refused by name."""
    import jax.numpy as jnp

    from chaosgym.baselines.jax_train import deterministic_policy, make_learner

    fenv = make_functional(ENV, max_steps=50)
    hp = {**TINY_PPO, "agent_kwargs": {"hidden_layer_sizes": [16, 16], "activation": "tanh"}}
    obs = jax.random.normal(jax.random.PRNGKey(1), (64, 3)) * 3.0
    mean = {}
    for init in ("lecun_normal", "orthogonal"):
        learner = make_learner(fenv, "ppo", {**hp, "init": init}, 128, episode_log=False)
        ts = learner.init_state(jax.random.PRNGKey(0))
        mean[init] = float(jnp.abs(learner.actor.apply(
            ts.actor_ts.params, obs, method=lambda m, x: m._action_dist(x).mean())).mean())
        if init == "orthogonal":
            actor, critic = ts.actor_ts.params["params"], ts.critic_ts.params["params"]
            gains = {"hidden": actor["features"]["Dense_1"]["kernel"],
                     "mean": actor["action_mean"]["kernel"], "value": critic["Dense_2"]["kernel"]}
            for name, want in (("hidden", 2 ** 0.5), ("mean", 0.01), ("value", 1.0)):
                sv = np.linalg.svd(np.asarray(gains[name]), compute_uv=False)
                assert np.allclose(sv, want, rtol=1e-4), (name, sv)
    assert mean["orthogonal"] < 0.05 < mean["lecun_normal"]

    learner = make_learner(fenv, "ppo", {**hp, "clip_observations": 0.5}, 128, episode_log=False)
    ts = learner.init_state(jax.random.PRNGKey(0))
    assert float(jnp.abs(learner.normalize_obs(ts.obs_rms_state, obs)).max()) == 0.5
    act = jax.jit(deterministic_policy(learner, "ppo"))
    big = act(ts, jnp.array([1e3, -1e3, 1e3]))
    assert np.allclose(big, act(ts, jnp.array([1.0, -1.0, 1.0])))  # both clip to ±0.5

    for bad, match in (({"init": "xavier"}, "init must be"),
                       ({"clip_observations": -1.0}, "clip_observations must be"),
                       ({"clip_observations": 10.0, "normalize_observations": False},
                        "needs normalize_observations")):
        with pytest.raises(ValueError, match=match):
            make_learner(fenv, "ppo", {**hp, **bad}, 128, episode_log=False)
    with pytest.raises(ValueError, match="applies to ppo"):
        make_learner(fenv, "sac", {"init": "orthogonal"}, 128)


def test_shared_optimizer_clips_actor_and_critic_by_one_norm():
    """``shared_optimizer: true`` updates as SB3's PPO does: one global-norm clip over actor and
    critic, Adam eps 1e-5. With the critic's targets far off its gradient dominates that norm,
    so the actor barely moves; rejax's separate clips move it by about the learning rate."""
    from types import SimpleNamespace

    import jax.numpy as jnp

    from chaosgym.baselines.jax_train import make_learner

    fenv = make_functional(ENV, max_steps=50)
    moved = {}
    for shared in (False, True):
        learner = make_learner(fenv, "ppo", {**TINY_PPO, "shared_optimizer": shared,
                                             "max_grad_norm": 0.5, "learning_rate": 1e-3},
                               128, episode_log=False)
        ts = learner.init_state(jax.random.PRNGKey(0))
        obs = jax.random.normal(jax.random.PRNGKey(1), (16, 3))
        act = jax.random.normal(jax.random.PRNGKey(2), (16, 3))
        log_prob, _ = learner.actor.apply(ts.actor_ts.params, obs, act,
                                          method="log_prob_entropy")
        value = learner.critic.apply(ts.critic_ts.params, obs)
        batch = SimpleNamespace(
            trajectories=SimpleNamespace(obs=obs, action=act, log_prob=log_prob, value=value),
            advantages=jnp.linspace(-1.0, 1.0, 16), targets=value + 1e6)
        new = learner.update(ts, batch)
        moved[shared] = {k: max(float(jnp.abs(a - b).max()) for a, b in zip(
            jax.tree_util.tree_leaves(getattr(new, k).params),
            jax.tree_util.tree_leaves(getattr(ts, k).params), strict=True))
            for k in ("actor_ts", "critic_ts")}
    assert moved[False]["actor_ts"] > 5e-4  # Adam's first step: about lr per parameter
    assert moved[True]["actor_ts"] < 1e-4 < moved[True]["critic_ts"]
    with pytest.raises(ValueError, match="shared_optimizer applies to ppo"):
        make_learner(fenv, "sac", {"shared_optimizer": True}, 128)


def test_bootstrap_truncation_adds_the_discounted_value_of_the_final_observation():
    """``bootstrap_truncation: true`` collects the same rollout as rejax (same actions, values,
    observations) and changes a reward only where a time limit cut the episode, by
    gamma · V(final observation), as SB3's PPO does."""
    from chaosgym.baselines.jax_train import make_learner

    fenv = make_functional(ENV, max_steps=5)
    hp = {**TINY_PPO, "num_steps": 12, "num_minibatches": 1}
    out = {}
    for boot in (False, True):
        learner = make_learner(fenv, "ppo", {**hp, "bootstrap_truncation": boot}, 48,
                               episode_log=False)
        ts = learner.init_state(jax.random.PRNGKey(0))
        out[boot] = learner.collect_trajectories(ts)[1]
    plain, boot = out[False], out[True]
    for field in ("obs", "action", "value", "done"):
        assert np.array_equal(getattr(plain, field), getattr(boot, field)), field
    done = np.asarray(plain.done)
    assert done[4].all() and done[9].all() and done.sum() == 2 * done.shape[1]
    diff = np.asarray(boot.reward - plain.reward)
    assert np.all(diff[~done] == 0.0) and np.all(np.abs(diff[done]) > 0.0)
    with pytest.raises(ValueError, match="bootstrap_truncation"):
        make_learner(fenv, "ppo", {**hp, "bootstrap_truncation": True,
                                   "normalize_rewards": True}, 48)


def test_sac_bootstrap_truncation_stores_the_final_observation_and_no_ending():
    """SAC with ``bootstrap_truncation: true`` stores what SB3's replay buffer stores at a time
    limit (``done = terminated``, the episode's own last observation as ``next_obs``); rejax
    stores an ending and the next episode's first observation. Elsewhere nothing differs."""
    from chaosgym.baselines.jax_train import make_learner

    fenv = make_functional(ENV, max_steps=2)
    hp = {"num_envs": 2, "fill_buffer": 4, "batch_size": 4, "buffer_size": 64,
          "normalize_observations": True,
          "agent_kwargs": {"hidden_layer_sizes": [8, 8], "activation": "relu"}}
    got = {}
    for boot in (False, True):
        learner = make_learner(fenv, "sac", {**hp, "bootstrap_truncation": boot}, 8,
                               episode_log=False)
        ts = learner.init_state(jax.random.PRNGKey(0))
        steps = []
        for _ in range(4):
            ts, batch = learner.collect_transitions(ts)
            steps.append(batch)
        got[boot] = jax.tree_util.tree_map(lambda *x: np.stack(x), *steps)
    plain, boot = got[False], got[True]
    for field in ("obs", "action", "reward"):
        assert np.array_equal(getattr(plain, field), getattr(boot, field)), field
    cut = np.asarray(plain.done)
    assert cut[1].all() and cut[3].all() and not cut[0].any() and not cut[2].any()
    assert not np.asarray(boot.done).any()
    assert np.array_equal(plain.next_obs[~cut], boot.next_obs[~cut])
    # at a cut, rejax's next_obs is the next episode's first observation, which the next
    # transition starts from; the bootstrapped one is where the finished episode ended
    assert np.array_equal(plain.next_obs[1], plain.obs[2])
    assert not np.allclose(boot.next_obs[1], plain.next_obs[1])


def test_annealed_learning_rate_decays_to_zero_over_the_budget_across_chunks():
    """``learning_rate: lin_<rate>`` decays to 0 over the run's budget, counted in the
    optimiser state, so it carries across chunks: over a two-chunk budget both chunks move
    the actor, a third chunk past the budget leaves it exactly where it was, while a constant
    rate keeps moving it. Bad rates are refused by name."""
    from chaosgym.baselines.hyperparams import parse_learning_rate
    from chaosgym.baselines.jax_train import make_learner

    fenv = make_functional(ENV, max_steps=50)

    def actor_moves(rate):
        learner = make_learner(fenv, "ppo", {**TINY_PPO, "learning_rate": rate}, 128,
                               episode_log=False, total_timesteps=256)
        train = jax.jit(lambda ts: learner.train(train_state=ts)[0])
        ts = learner.init_state(jax.random.PRNGKey(0))
        moves = []
        for _ in range(3):
            new = train(ts)
            moves.append(max(float(abs(a - b).max()) for a, b in zip(
                jax.tree_util.tree_leaves(new.actor_ts.params),
                jax.tree_util.tree_leaves(ts.actor_ts.params), strict=True)))
            ts = new
        return moves

    annealed = actor_moves("lin_1e-3")
    assert annealed[0] > 0.0 and annealed[1] > 0.0 and annealed[2] == 0.0
    assert actor_moves(1e-3)[2] > 0.0
    assert parse_learning_rate("lin_3e-4") == (3e-4, True)
    assert parse_learning_rate(3e-4) == (3e-4, False)
    for bad in ("fast", "lin_x", -1e-3, "lin_0"):
        with pytest.raises(ValueError, match="learning_rate"):
            parse_learning_rate(bad)
    with pytest.raises(ValueError, match="applies to ppo"):
        make_learner(fenv, "sac", {"learning_rate": "lin_1e-3"}, 128)
