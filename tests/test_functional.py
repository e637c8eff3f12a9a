"""The pure core: jit == eager, vmap == loop, autoreset freshness, divergence, gradients."""

from __future__ import annotations

import gymnasium as gym
import jax
import jax.numpy as jnp
import numpy as np
import pytest

import chaosgym
from chaosgym.wrappers import AutoReset

ID = "chaosgym/LorenzStabilize-v1"


@pytest.fixture(scope="module")
def fenv():
    return chaosgym.make_functional(ID)


def test_jit_equals_eager(fenv):
    key = jax.random.key(0)
    _obs, s = fenv.reset(key)
    a = jnp.array([0.3])
    eager = fenv.step(key, s, a)
    jitted = jax.jit(fenv.step)(key, s, a, fenv.default_params)
    for e, j in zip(jax.tree_util.tree_leaves(eager), jax.tree_util.tree_leaves(jitted),
                    strict=True):
        np.testing.assert_allclose(np.asarray(e), np.asarray(j), rtol=1e-5, atol=1e-5)


def test_vmap_over_states_and_params_equals_loop(fenv):
    keys = jax.random.split(jax.random.key(1), 4)
    rhos = jnp.array([24.0, 26.0, 28.0, 30.0])
    params = jax.vmap(lambda r: fenv.default_params.replace(
        system=fenv.default_params.system.replace(rho=r)))(rhos)
    step = jax.jit(jax.vmap(fenv.step, in_axes=(0, 0, 0, 0)))
    _, states = jax.vmap(fenv.reset, in_axes=(0, None))(keys, fenv.default_params)
    acts = jnp.linspace(-1, 1, 4)[:, None]
    obs_v, *_ = step(keys, states, acts, params)
    for i in range(4):
        s_i = jax.tree_util.tree_map(lambda x, i=i: x[i], states)
        p_i = jax.tree_util.tree_map(lambda x, i=i: x[i], params)
        obs_i, *_ = fenv.step(keys[i], s_i, acts[i], p_i)
        np.testing.assert_allclose(np.asarray(obs_v[i]), np.asarray(obs_i), rtol=1e-5)
    # different rho => different dynamics
    assert not np.allclose(np.asarray(obs_v[0]), np.asarray(obs_v[3]))


def test_autoreset_draws_fresh_initial_conditions():
    env = AutoReset(chaosgym.make_functional(ID, max_steps=2))
    step = jax.jit(env.step)
    _, s = env.reset(jax.random.key(0))
    starts = [np.asarray(s.x)]
    key = jax.random.key(1)
    for _ in range(6):
        key, k = jax.random.split(key)
        _obs, s, _r, _term, trunc, info = step(k, s, jnp.zeros(1), env.default_params)
        if bool(info["done"]):
            assert bool(trunc) and int(s.t) == 0
            starts.append(np.asarray(s.x))
    assert len(starts) == 4
    starts = np.stack(starts)
    assert len({tuple(np.round(x, 6)) for x in starts}) == len(starts)


def test_vector_autoreset_reports_final_obs():
    vec = gym.make_vec(ID, num_envs=8, max_episode_steps=3, autoreset_mode="same_step")
    vec.reset(seed=0)
    seen = []
    for _ in range(3):
        obs, _r, _term, trunc, info = vec.step(np.zeros((8, 1), np.float32))
        seen.append(obs)
    assert trunc.all() and info["_final_obs"].all()
    assert not np.allclose(np.stack(info["final_obs"]), obs)  # obs is the fresh start
    assert len({tuple(np.round(o, 5)) for o in obs}) == 8
    vec.close()


def test_divergence_ends_episode_with_flag_and_finite_obs():
    env = gym.make(ID, dt=2.0, substeps=1)  # RK4 far beyond its stability limit
    obs, _ = env.reset(seed=0)
    for _ in range(20):
        obs, r, term, _trunc, info = env.step(np.ones(1, np.float32))
        assert np.isfinite(obs).all() and np.isfinite(r)
        if term:
            break
    assert term and info["diverged"] is True
    assert r < -1e3  # the remaining steps are charged
    env.close()


def test_gradient_through_a_rollout(fenv):
    def ret(rho):
        p = fenv.default_params.replace(system=fenv.default_params.system.replace(rho=rho))
        tr = fenv.rollout(jax.random.key(0), lambda o: jnp.zeros(1), p, steps=5)
        return jnp.sum(tr["reward"])

    g = jax.grad(ret)(28.0)
    assert np.isfinite(float(g)) and float(g) != 0.0


def test_kwarg_overrides_reach_the_dynamics():
    f = chaosgym.make_functional("chaosgym/Lorenz96Stabilize-v1", N=8, F=6.0)
    assert f.state_dim == 8 and f.observation_space.shape == (8,)
    assert float(f.default_params.system.F) == 6.0
    with pytest.raises(ValueError, match="N >= 4"):
        chaosgym.make_functional("chaosgym/Lorenz96Stabilize-v1", N=2)
    with pytest.raises(ValueError, match="actuation"):
        chaosgym.make_functional(ID, actuation="z")


def test_reset_options_x0():
    env = gym.make(ID)
    x0 = np.array([1.0, 2.0, 20.0])
    obs, _ = env.reset(seed=0, options={"x0": x0})
    np.testing.assert_allclose(obs, x0, rtol=1e-6)
    with pytest.raises(ValueError, match="x0"):
        env.reset(options={"x0": [1.0, np.nan, 0.0]})
    env.close()
