"""Pure robustness wrappers: semantics, jit/vmap safety and the Gymnasium adapter."""

from __future__ import annotations

import warnings

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env

import chaosgym
from chaosgym.envwrappers import (
    ActionDelay,
    ActionNoise,
    ActionRepeat,
    DomainRandomization,
    GymEnv,
    ObservationNoise,
    PartialObservation,
)
from chaosgym.wrappers import AutoReset


@pytest.fixture(scope="module")
def fenv():
    return chaosgym.make_functional("chaosgym/LorenzStabilize-v1", bank_size=16, max_steps=50)


def test_partial_observation(fenv):
    env = PartialObservation(fenv, [0, 2])
    obs, state = env.reset(jax.random.key(0))
    assert obs.shape == (2,) and env.observation_space.shape == (2,)
    np.testing.assert_array_equal(np.asarray(obs), np.asarray(state.x[jnp.asarray([0, 2])]))
    obs, state, *_ = env.step(jax.random.key(1), state, jnp.zeros(1))
    np.testing.assert_array_equal(np.asarray(obs), np.asarray(state.x[jnp.asarray([0, 2])]))
    with pytest.raises(ValueError, match="out of range"):
        PartialObservation(fenv, [5])


def test_observation_noise_has_the_requested_spread(fenv):
    env = ObservationNoise(fenv, std=0.5)
    keys = jax.random.split(jax.random.key(0), 2000)
    obs, states = jax.vmap(env.reset)(keys)
    noise = np.asarray(obs - states.x)
    assert abs(noise.std() - 0.5) < 0.03 and abs(noise.mean()) < 0.03
    with pytest.raises(ValueError):
        ObservationNoise(fenv, std=-1.0)


def test_action_noise_perturbs_the_applied_input(fenv):
    _, state = fenv.reset(jax.random.key(0))
    noisy = ActionNoise(fenv, std=0.3)
    a = jnp.zeros(1)
    clean = fenv.step(jax.random.key(5), state, a)[1].x
    outs = [noisy.step(jax.random.key(k), state, a)[1].x for k in range(3)]
    assert not all(np.allclose(np.asarray(o), np.asarray(clean)) for o in outs)
    zero = ActionNoise(fenv, std=0.0).step(jax.random.key(5), state, a)[1].x
    np.testing.assert_allclose(np.asarray(zero), np.asarray(clean), rtol=1e-6)


def test_action_delay_applies_actions_late(fenv):
    env = ActionDelay(fenv, delay=2)
    _, s = env.reset(jax.random.key(0))
    _, s_ref = fenv.reset(jax.random.key(0))
    acts = [jnp.asarray([1.0]), jnp.asarray([-1.0]), jnp.asarray([0.5]), jnp.asarray([0.0])]
    applied = [jnp.zeros(1), jnp.zeros(1), acts[0], acts[1]]
    for k, (a, b) in enumerate(zip(acts, applied, strict=True)):
        _, s, *_ = env.step(jax.random.key(k), s, a)
        _, s_ref, *_ = fenv.step(jax.random.key(k), s_ref, b)
        np.testing.assert_allclose(np.asarray(s["env"].x), np.asarray(s_ref.x), rtol=1e-6)
    with pytest.raises(ValueError):
        ActionDelay(fenv, -1)


def test_domain_randomization_draws_params_per_episode(fenv):
    env = DomainRandomization(fenv, {"rho": (20.0, 35.0)})
    keys = jax.random.split(jax.random.key(0), 64)
    _, states = jax.jit(jax.vmap(env.reset))(keys)
    rho = np.asarray(states["params"].system.rho)
    assert rho.min() >= 20.0 and rho.max() <= 35.0 and rho.std() > 2.0
    # the drawn parameters drive the dynamics of that episode
    _, s = env.reset(keys[0])
    _, s2, *_ = env.step(jax.random.key(1), s, jnp.zeros(1))
    _, ref, *_ = fenv.step(jax.random.key(1), s["env"], jnp.zeros(1), s["params"])
    np.testing.assert_allclose(np.asarray(s2["env"].x), np.asarray(ref.x), rtol=1e-6)
    with pytest.raises(ValueError, match="unknown"):
        DomainRandomization(fenv, {"rhoo": (1.0, 2.0)})
    l96 = chaosgym.make_functional("chaosgym/Lorenz96Stabilize-v1", bank_size=4)
    with pytest.raises(ValueError, match="static"):
        DomainRandomization(l96, {"N": (4, 8)})


def test_action_repeat_equals_repeated_steps(fenv):
    env = ActionRepeat(fenv, 3)
    _, s = fenv.reset(jax.random.key(0))
    a = jnp.asarray([0.3])
    _, s3, r3, *_ = env.step(jax.random.key(1), s, a)
    ref, total = s, 0.0
    for k in jax.random.split(jax.random.key(1), 3):
        _, ref, r, *_ = fenv.step(k, ref, a)
        total += float(r)
    np.testing.assert_allclose(np.asarray(s3.x), np.asarray(ref.x), rtol=1e-6)
    np.testing.assert_allclose(float(r3), total, rtol=1e-5)
    assert int(s3.t) == 3


def test_wrappers_compose_with_autoreset_jit_and_vmap(fenv):
    env = AutoReset(ActionRepeat(ActionDelay(ObservationNoise(PartialObservation(
        DomainRandomization(fenv, {"rho": (26.0, 30.0)}), [0, 1]), 0.1), 1), 2))
    keys = jax.random.split(jax.random.key(0), 8)
    obs, states = jax.vmap(env.reset)(keys)
    step = jax.jit(jax.vmap(env.step))
    for k in range(30):
        obs, states, _r, _term, _trunc, _info = step(jax.random.split(jax.random.key(k), 8), states,
                                                 jnp.zeros((8, 1)))
    assert obs.shape == (8, 2) and np.isfinite(np.asarray(obs)).all()
    assert step._cache_size() == 1


def test_gym_adapter_passes_check_env(fenv):
    env = GymEnv(ActionDelay(ObservationNoise(PartialObservation(fenv, [0, 1]), 0.05), 1))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        check_env(env, skip_render_check=True)
    obs, _ = env.reset(seed=0)
    assert obs.shape == (2,) and obs.dtype == np.float32
    obs, r, _term, _trunc, info = env.step(env.action_space.sample())
    assert isinstance(r, float) and isinstance(info["distance"], float)
    with pytest.raises(ValueError, match="non-finite"):
        env.step(np.asarray([np.nan], np.float32))
