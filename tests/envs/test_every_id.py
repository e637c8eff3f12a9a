"""Every registered id through the batched adapters and the gymnax API (slow: one compilation
per id and adapter; ``gym.make`` and both ``check_env`` run per id in tests/test_gym_envs.py)."""

from __future__ import annotations

import pickle

import gymnasium as gym
import jax
import jax.numpy as jnp
import numpy as np
import pytest

import chaosgym
from chaosgym.envs.adapters.gymnax import GymnaxEnv

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("env_id", chaosgym.list_envs())
def test_every_adapter(env_id):
    v = gym.make_vec(env_id, 2, bank_size=2)
    names = v.unwrapped.contract.info_names
    obs, _ = v.reset(seed=0)
    assert v.single_observation_space.contains(obs[0])
    obs, r, term, _trunc, info = v.step(np.zeros(v.action_space.shape, np.float32))
    assert obs.dtype == np.float32 and r.shape == (2,) and term.dtype == np.bool_
    assert {k for k in info if not k.startswith("_")} == set(names)
    v.close()
    sb3 = pytest.importorskip("chaosgym.envs.adapters.sb3")
    s = sb3.ChaosSB3VecEnv(env_id, 2, seed=0, bank_size=2)
    s.reset()
    _, _, _, infos = s.step(np.zeros((2, *s.action_space.shape), np.float32))
    assert set(names) <= set(infos[0])
    g = GymnaxEnv(env_id, bank_size=2)
    o, st = g.reset(jax.random.key(0))
    o, st, _r, _d, i = jax.jit(g.step)(jax.random.key(1), st, jnp.zeros(g.contract.act_shape))
    assert set(names) <= set(i) and np.isfinite(np.asarray(o)).all()
    g2 = pickle.loads(pickle.dumps(g))
    np.testing.assert_array_equal(np.asarray(g2.reset(jax.random.key(0))[0]),
                                  np.asarray(g.reset(jax.random.key(0))[0]))
