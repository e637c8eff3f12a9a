"""The jitted SB3 VecEnv matches SB3's DummyVecEnv over gym.make, step for step."""

from __future__ import annotations

import gymnasium as gym
import jax
import numpy as np
import pytest

pytest.importorskip("stable_baselines3")

from stable_baselines3.common.monitor import Monitor
from stable_baselines3.common.vec_env import DummyVecEnv

from chaosgym.envs.adapters.sb3 import ChaosSB3VecEnv

N, LIMIT = 2, 12


def _ics(fenv, n, seed):
    keys = jax.random.split(jax.random.key(seed), n)
    return np.asarray(jax.vmap(fenv.initial_state, in_axes=(0, None))(keys, fenv.default_params))


@pytest.mark.parametrize("env_id", ["chaosgym/LorenzStabilize-v1", "chaosgym/HenonStabilize-v1"])
def test_matches_dummy_vec_env_step_for_step(env_id):
    ours = ChaosSB3VecEnv(env_id, N, seed=0, max_episode_steps=LIMIT)
    ref = DummyVecEnv([lambda: gym.make(env_id, max_episode_steps=LIMIT) for _ in range(N)])
    x0 = _ics(ours.fenv, N, 1)
    ours.set_options({"x0": x0})
    ref.set_options([{"x0": x} for x in x0])
    np.testing.assert_allclose(ours.reset(), ref.reset(), rtol=1e-6, atol=1e-6)
    rng = np.random.default_rng(0)
    shape = (N, *ours.action_space.shape)
    for t in range(LIMIT):
        a = rng.uniform(-1, 1, shape).astype(np.float32)
        o1, r1, d1, i1 = ours.step(a)
        o2, r2, d2, i2 = ref.step(a)
        np.testing.assert_array_equal(d1, d2)
        np.testing.assert_allclose(r1, r2, rtol=1e-5, atol=1e-5)
        for a_info, b_info in zip(i1, i2, strict=True):
            assert a_info["TimeLimit.truncated"] == b_info["TimeLimit.truncated"]
            assert a_info["captured"] == b_info["captured"]
            assert a_info["diverged"] == b_info["diverged"]
            np.testing.assert_allclose(a_info["distance"], b_info["distance"], rtol=1e-5)
        if t < LIMIT - 1:
            assert not d1.any()
            np.testing.assert_allclose(o1, o2, rtol=1e-5, atol=1e-5)
    # the time limit: every env finished, SB3's terminal conventions hold
    assert d1.all()
    for a_info, b_info in zip(i1, i2, strict=True):
        assert a_info["TimeLimit.truncated"] is True
        np.testing.assert_allclose(a_info["terminal_observation"], b_info["terminal_observation"],
                                   rtol=1e-5, atol=1e-5)
    # after autoreset the returned observation starts a new episode from a fresh state
    assert not np.allclose(o1, np.stack([i["terminal_observation"] for i in i1]))
    assert ours.observation_space.contains(o1[0])
    ref.close()


def test_seeding_is_reproducible_and_sb3_api():
    env_id = "chaosgym/LorenzStabilize-v1"
    a = ChaosSB3VecEnv(env_id, 4)
    acts = np.zeros((4, 1), np.float32)
    runs = []
    for _ in range(2):
        a.seed(7)
        obs = [a.reset()]
        obs += [a.step(acts)[0] for _ in range(5)]
        runs.append(np.stack(obs))
    np.testing.assert_array_equal(runs[0], runs[1])
    oa = runs[0][0]
    assert len({tuple(o) for o in oa}) == 4  # distinct initial states per env
    a.seed(8)
    assert not np.allclose(a.reset(), oa)
    assert a.get_attr("render_mode") == [None] * 4
    assert a.env_is_wrapped(gym.Wrapper) == [False] * 4
    assert a.env_is_wrapped(Monitor) == [True] * 4  # episode statistics as Monitor reports
    assert a.get_attr("env_id", indices=[1]) == [env_id]
    states = a.env_method("get_state")
    np.testing.assert_array_equal(np.stack(states), a.state)
    with pytest.raises(ValueError, match="shape"):
        a.step(np.zeros((3, 1), np.float32))
    with pytest.raises(ValueError, match="non-finite"):
        a.step(np.full((4, 1), np.nan, np.float32))
    with pytest.raises(ValueError, match="unknown reset option"):
        a.set_options({"bogus": 1})
        a.reset()


def test_returned_arrays_are_writable():
    # SB3 adds to the rewards in place (PPO bootstraps truncated episodes), as DummyVecEnv allows
    venv = ChaosSB3VecEnv("chaosgym/LorenzStabilize-v1", 4, seed=0, max_episode_steps=2)
    assert venv.reset().flags.writeable
    for _ in range(2):
        obs, rewards, dones, _ = venv.step(np.zeros((4, 1), np.float32))
        assert obs.flags.writeable and rewards.flags.writeable and dones.flags.writeable
        rewards[0] += 1.0
    assert dones.all()
