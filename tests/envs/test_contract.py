"""One contract behind every adapter: the same episode, the same info, the same checks.

The adapters are ``gym.make`` (ChaosEnv), ``gym.make_vec`` in each autoreset mode
(ChaosVectorEnv) and Gymnasium's sync vector env, the SB3 VecEnv, the gymnax adapter and the
functional core.
"""

from __future__ import annotations

import pickle
import subprocess
import sys
import warnings

import gymnasium as gym
import jax
import jax.numpy as jnp
import numpy as np
import pytest

import chaosgym
from chaosgym.envs.adapters.gymnax import GymnaxEnv

ID = "chaosgym/LorenzStabilize-v1"
MODES = ("next_step", "same_step", "disabled")
N, STEPS = 3, 50


def _actions(n_inputs, seed=0):
    rng = np.random.default_rng(seed)
    return rng.uniform(-1, 1, (STEPS, N, n_inputs)).astype(np.float32)


@pytest.mark.parametrize(("env_id", "scale"), [(ID, 1.0), ("chaosgym/HenonStabilize-v1", 0.02)])
def test_same_episode_through_every_adapter(env_id, scale):
    seeds = [11, 12, 13]
    fenv = chaosgym.make_functional(env_id)
    acts = _actions(fenv.num_inputs) * scale
    # functional core, driven by hand
    ref = []
    for i, s in enumerate(seeds):
        obs, st = fenv.reset(jax.random.key(s))
        traj = [np.asarray(obs)]
        step = jax.jit(fenv.step)
        for t in range(STEPS):
            obs, st, _r, term, trunc, _i = step(jax.random.key(t), st, acts[t, i],
                                                fenv.default_params)
            assert not (term or trunc)  # a whole episode segment, no reset inside
            traj.append(np.asarray(obs))
        ref.append(np.stack(traj))
    ref = np.stack(ref, axis=1)  # (STEPS+1, N, obs)

    def check(traj, what):
        np.testing.assert_allclose(np.stack(traj), ref, rtol=2e-5, atol=2e-5, err_msg=what)

    # gym.make, one env per seed
    traj = []
    for i, s in enumerate(seeds):
        e = gym.make(env_id)
        o = [e.reset(seed=s)[0]] + [e.step(acts[t, i])[0] for t in range(STEPS)]
        traj.append(np.stack(o))
    check(np.stack(traj, axis=1), "gym.make")
    # make_vec in each mode, per-env seeds
    for mode in MODES:
        v = gym.make_vec(env_id, N, autoreset_mode=mode)
        o = [v.reset(seed=seeds)[0]] + [v.step(acts[t])[0] for t in range(STEPS)]
        check(o, f"make_vec {mode}")
        v.close()
    # Gymnasium's own sync vector env over gym.make
    v = gym.make_vec(env_id, N, vectorization_mode="sync")
    o = [v.reset(seed=seeds[0])[0]] + [v.step(acts[t])[0] for t in range(STEPS)]
    check(o, "sync")
    v.close()
    # SB3 VecEnv
    pytest.importorskip("stable_baselines3")
    from chaosgym.envs.adapters.sb3 import ChaosSB3VecEnv

    sb = ChaosSB3VecEnv(env_id, N, seed=seeds[0])
    o = [sb.reset()] + [sb.step(acts[t])[0] for t in range(STEPS)]
    check(o, "sb3")
    # gymnax adapter, vmapped
    gx = GymnaxEnv(env_id)
    obs, st = jax.vmap(gx.reset, in_axes=(0, None))(
        jnp.stack([jax.random.key(s) for s in seeds]), gx.default_params)
    step = jax.jit(jax.vmap(gx.step, in_axes=(0, 0, 0, None)))
    o = [np.asarray(obs)]
    for t in range(STEPS):
        obs, st, *_ = step(jax.random.split(jax.random.key(t), N), st, acts[t],
                           gx.default_params)
        o.append(np.asarray(obs))
    check(o, "gymnax")


def _kinds(info, names):
    return {k: ("bool" if np.asarray(info[k]).dtype == np.bool_ else "float") for k in names}


@pytest.mark.parametrize("env_id", [ID, "chaosgym/LorenzTrack-v1"])
def test_info_names_and_dtypes_identical_across_adapters(env_id):
    e = gym.make(env_id)
    names = e.unwrapped.contract.info_names
    e.reset(seed=0)
    info = e.step(e.action_space.sample())[4]
    assert tuple(info) == names
    assert all(type(v) in (bool, float) for v in info.values())
    single = {k: ("bool" if isinstance(v, bool) else "float") for k, v in info.items()}
    assert single["diverged"] == single["invalid_action"] == "bool"
    v = gym.make_vec(env_id, 2)
    v.reset(seed=0)
    vinfo = v.step(v.action_space.sample())[4]
    assert {k for k in vinfo if not k.startswith("_")} == set(names)
    assert _kinds(vinfo, names) == single
    pytest.importorskip("stable_baselines3")
    from chaosgym.envs.adapters.sb3 import ChaosSB3VecEnv

    sb = ChaosSB3VecEnv(env_id, 2, seed=0)
    sb.reset()
    sinfo = sb.step(np.zeros((2, *sb.action_space.shape), np.float32))[3][0]
    assert {k: ("bool" if isinstance(sinfo[k], bool) else "float") for k in names} == single
    gx = GymnaxEnv(env_id)
    _, st = gx.reset(jax.random.key(0))
    ginfo = gx.step(jax.random.key(1), st, jnp.zeros(gx.contract.act_shape))[4]
    assert _kinds(ginfo, names) == single


def test_vector_modes_follow_gymnasium_layouts():
    for mode in MODES:
        v = gym.make_vec(ID, 2, max_episode_steps=2, autoreset_mode=mode)
        expected = {"next_step": "NEXT_STEP", "same_step": "SAME_STEP", "disabled": "DISABLED"}
        assert v.metadata["autoreset_mode"] == gym.vector.AutoresetMode[expected[mode]]
        v.reset(seed=0)
        a = np.zeros((2, 1), np.float32)
        v.step(a)
        obs, _r, _term, trunc, info = v.step(a)
        assert trunc.all()
        if mode == "same_step":
            assert info["_final_obs"].all() and info["_final_info"].all()
            assert info["final_obs"].dtype == object and info["final_obs"][0].shape == (3,)
            assert not info["_distance"].any()
            assert info["final_info"]["_distance"].all()
        obs2, r2, term2, trunc2, info2 = v.step(a)
        if mode == "next_step":
            assert (r2 == 0).all() and not (term2 | trunc2).any()
            assert not info2["_distance"].any()
            assert not np.allclose(obs2, obs)
        if mode == "disabled":
            obs3, _ = v.reset(options={"reset_mask": np.array([True, False])})
            np.testing.assert_array_equal(obs3[1], obs2[1])
        v.close()


def test_gymnasium_vector_wrappers_accept_make_vec():
    v = gym.wrappers.vector.NormalizeObservation(gym.make_vec(ID, 4))
    v = gym.wrappers.vector.RecordEpisodeStatistics(v)
    v.reset(seed=0)
    for _ in range(3):
        obs, *_ = v.step(v.action_space.sample())
    assert obs.shape == (4, 3) and np.isfinite(obs).all()
    v.close()
    with pytest.raises(gym.error.Error, match="wrappers"):
        gym.make_vec(ID, 2, wrappers=[gym.wrappers.ClipAction])
    w = gym.make_vec(ID, 2, vectorization_mode="sync", wrappers=[gym.wrappers.ClipAction])
    assert w.reset(seed=0)[0].shape == (2, 3)
    w.close()


def test_per_env_seeds_are_honoured():
    v = gym.make_vec(ID, 2)
    a = v.reset(seed=[1, 2])[0]
    b = v.reset(seed=[1, 3])[0]
    c = v.reset(seed=1)[0]
    np.testing.assert_array_equal(a[0], b[0])
    assert not np.allclose(a[1], b[1])
    np.testing.assert_array_equal(a, c)  # seed=1 seeds env i with 1 + i
    e = gym.make(ID)
    np.testing.assert_array_equal(e.reset(seed=2)[0], a[1])


def test_async_make_vec_is_safe_by_default():
    code = (
        "import gymnasium as gym, numpy as np, chaosgym\n"
        "v = gym.make_vec('chaosgym/HenonStabilize-v1', 2, vectorization_mode='async')\n"
        "o, _ = v.reset(seed=0)\n"
        "o, r, *_ = v.step(np.zeros((2, 1), np.float32))\n"
        "v.close()\n"
        "print('ok', o.shape)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=240)
    assert out.returncode == 0, out.stderr[-2000:]
    assert "ok (2, 2)" in out.stdout


def test_spec_kwargs_reproduce_the_configuration():
    spec = gym.spec(ID)
    assert {"dt", "substeps", "integrator", "dtype", "bank_size", "ic_noise"} <= set(spec.kwargs)
    e = gym.make(ID, rho=30.0, max_episode_steps=50)
    assert float(e.unwrapped.params.system.rho) == 30.0
    assert int(e.unwrapped.params.max_steps) == 50  # the env's own limit follows the TimeLimit
    e2 = gym.make(e.spec)
    assert float(e2.unwrapped.params.system.rho) == 30.0
    assert e2.spec.max_episode_steps == 50 and int(e2.unwrapped.params.max_steps) == 50
    # a second make of the same configuration reuses the contract and its compiled programs
    assert gym.make(ID).unwrapped.contract is gym.make(ID).unwrapped.contract


def test_pickle_round_trip_keeps_the_episode():
    e = gym.make(ID)
    e.reset(seed=4)
    e.step(np.array([0.2], np.float32))
    e2 = pickle.loads(pickle.dumps(e))
    a = np.array([-0.3], np.float32)
    np.testing.assert_array_equal(e.step(a)[0], e2.step(a)[0])


def test_sb3_episode_statistics_out_of_the_box():
    pytest.importorskip("stable_baselines3")
    from stable_baselines3.common.evaluation import evaluate_policy

    from chaosgym.envs.adapters.sb3 import ChaosSB3VecEnv

    sb = ChaosSB3VecEnv(ID, 2, seed=0, max_episode_steps=5)
    sb.reset()
    total = np.zeros(2)
    for _ in range(5):
        _, r, d, infos = sb.step(np.zeros((2, 1), np.float32))
        total += r
    assert d.all()
    for i, info in enumerate(infos):
        assert info["episode"]["l"] == 5
        np.testing.assert_allclose(info["episode"]["r"], total[i], rtol=1e-5)

    class Zero:
        def predict(self, obs, state=None, episode_start=None, deterministic=True):
            return np.zeros((len(obs), 1), np.float32), None

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        rets, lens = evaluate_policy(Zero(), sb, n_eval_episodes=2, return_episode_rewards=True)
    assert lens == [5, 5] and len(rets) == 2
