"""The gymnax-API adapter: pure, jittable, vmappable; the same episodes as ``gym.make``."""

from __future__ import annotations

import pickle

import gymnasium as gym
import jax
import jax.numpy as jnp
import numpy as np
import pytest

import chaosgym  # noqa: F401
from chaosgym.envs.adapters.gymnax import GymnaxEnv, make_gymnax

ID = "chaosgym/LorenzStabilize-v1"


@pytest.fixture(scope="module")
def env():
    return GymnaxEnv(ID)


def test_api_shapes_dtypes_and_spaces(env):
    params = env.default_params
    key = jax.random.key(0)
    obs, state = env.reset(key, params)
    space = env.action_space(params)
    assert obs.dtype == jnp.float32 and obs.shape == env.observation_space(params).shape
    a = space.sample(jax.random.key(1))
    assert a.shape == (env.num_actions,) and bool(space.contains(a))
    assert not bool(space.contains(jnp.full(a.shape, 2.0)))
    obs, state, r, done, info = jax.jit(env.step)(key, state, a, params)
    assert obs.dtype == jnp.float32 and r.dtype == jnp.float32 and done.dtype == jnp.bool_
    names = env.contract.info_names
    assert set(info) == {*names, "terminated", "truncated", "discount", "final_obs"}
    assert info["captured"].dtype == jnp.bool_ and info["diverged"].dtype == jnp.bool_
    assert info["distance"].dtype == jnp.float32 and not bool(info["invalid_action"])


def test_same_episode_as_gym_make(env):
    g = gym.make(ID)
    o_g, _ = g.reset(seed=5)
    o_x, s = env.reset(jax.random.key(5))
    np.testing.assert_array_equal(o_g, np.asarray(o_x))
    step = jax.jit(env.step)
    rng = np.random.default_rng(0)
    for t in range(20):
        a = rng.uniform(-1, 1, (1,)).astype(np.float32)
        o_g, r_g, *_ = g.step(a)
        o_x, s, r_x, _d, _i = step(jax.random.key(t), s, a, env.default_params)
        np.testing.assert_allclose(o_g, np.asarray(o_x), rtol=1e-5, atol=1e-5)
        np.testing.assert_allclose(r_g, float(r_x), rtol=1e-5, atol=1e-5)
    g.close()


def test_vmapped_autoreset_draws_fresh_initial_conditions():
    env, params = make_gymnax(ID, max_steps=3)
    n = 4
    obs, state = jax.vmap(env.reset, in_axes=(0, None))(jax.random.split(jax.random.key(0), n),
                                                        params)
    step = jax.jit(jax.vmap(env.step, in_axes=(0, 0, 0, None)))
    starts = [np.asarray(obs)]
    for t in range(6):
        obs, state, _r, done, info = step(jax.random.split(jax.random.key(10 + t), n), state,
                                          jnp.zeros((n, 1)), params)
        if bool(done.all()):
            assert bool(info["truncated"].all()) and float(info["discount"].min()) == 1.0
            assert not np.allclose(np.asarray(info["final_obs"]), np.asarray(obs))
            starts.append(np.asarray(obs))
    assert len(starts) == 3 and step._cache_size() == 1
    flat = np.concatenate(starts)
    assert len({tuple(np.round(x, 5)) for x in flat}) == len(flat)  # no start repeats


def test_non_finite_action_is_flagged_not_propagated(env):
    _, s = env.reset(jax.random.key(0))
    obs, _s, r, _d, info = env.step(jax.random.key(1), s, jnp.array([jnp.nan]))
    assert bool(info["invalid_action"]) and np.isfinite(np.asarray(obs)).all()
    assert np.isfinite(float(r))
    with pytest.raises(ValueError, match="shape"):
        env.step(jax.random.key(1), s, jnp.zeros(3))
    with pytest.raises(TypeError, match="real-valued"):
        env.step(jax.random.key(1), s, jnp.array([1 + 2j]))


def test_pickle_round_trip(env):
    env2 = pickle.loads(pickle.dumps(env))
    o1, _ = env.reset(jax.random.key(3))
    o2, _ = env2.reset(jax.random.key(3))
    np.testing.assert_array_equal(np.asarray(o1), np.asarray(o2))
