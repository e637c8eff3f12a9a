"""Every registered id through the Gymnasium API (parametrized over the registry)."""

from __future__ import annotations

import pickle
import warnings

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env

import chaosgym

IDS = chaosgym.list_envs()


@pytest.fixture(scope="module", params=IDS)
def env(request):
    e = gym.make(request.param)
    yield e
    e.close()


def test_registry_is_consistent():
    assert IDS == sorted(IDS) and len(IDS) == len(set(IDS))
    for env_id in IDS:
        assert env_id.startswith("chaosgym/") and env_id in gym.registry
        spec = gym.spec(env_id)
        assert spec.vector_entry_point is not None


def test_check_env_without_warnings(env):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        if np.isinf(env.action_space.high).any():  # unbounded by design (controlgym's KS task)
            warnings.filterwarnings("ignore", message=".*Box action space m.* is .*infinity")
            warnings.filterwarnings("ignore", message=".*recommend using a symmetric and norm")
        check_env(env.unwrapped, skip_render_check=True)


def test_sb3_check_env_and_pickle_round_trip(env):
    pytest.importorskip("stable_baselines3")
    from stable_baselines3.common.env_checker import check_env as sb3_check_env

    sb3_check_env(env, warn=False)
    env2 = pickle.loads(pickle.dumps(env))
    np.testing.assert_array_equal(env.reset(seed=9)[0], env2.reset(seed=9)[0])
    assert env2.unwrapped.contract is env.unwrapped.contract  # no recompilation


def test_spaces_and_dtypes(env):
    obs, info = env.reset(seed=3)
    assert obs.dtype == np.float32 and obs.shape == env.observation_space.shape
    assert env.observation_space.contains(obs)
    a = env.action_space.sample()
    obs, r, term, trunc, info = env.step(a)
    assert obs.dtype == np.float32 and np.isfinite(obs).all()
    assert isinstance(r, float) and isinstance(term, bool) and isinstance(trunc, bool)
    assert info["diverged"] is False


def test_same_seed_same_episode_and_fresh_resets(env):
    rng = np.random.default_rng(0)
    actions = [env.action_space.sample() * 0 + rng.uniform(-1, 1, env.action_space.shape)
               for _ in range(5)]

    def run(seed):
        obs, _ = env.reset(seed=seed)
        out = [obs]
        for a in actions:
            out.append(env.step(a.astype(np.float32))[0])
        return np.stack(out)

    a1, a2 = run(7), run(7)
    np.testing.assert_array_equal(a1, a2)
    o1, _ = env.reset(seed=8)
    o2, _ = env.reset()  # a second reset without a seed draws a fresh state
    assert not np.array_equal(o1, o2)
    assert not np.array_equal(a1[0], o1)


def test_bad_actions_raise_clear_errors(env):
    env.reset(seed=0)
    shape = env.action_space.shape
    with pytest.raises(ValueError, match="non-finite"):
        env.step(np.full(shape, np.nan, np.float32))
    with pytest.raises(ValueError, match="non-finite"):
        env.step(np.full(shape, np.inf, np.float32))
    with pytest.raises(ValueError, match="shape"):
        env.step(np.zeros((shape[0] + 1, 2), np.float32))


def test_one_trace_per_shape(env):
    env.reset(seed=1)
    for _ in range(3):
        env.step(env.action_space.sample())
    env.reset(seed=2)
    env.step(env.action_space.sample())
    assert env.unwrapped._step._cache_size() == 1


def test_unknown_id_and_kwarg():
    with pytest.raises(gym.error.Error):
        gym.make("chaosgym/LorenzStabilise-v0")
    with pytest.raises(gym.error.NameNotFound, match="Did you mean"):
        chaosgym.make_functional("chaosgym/LorenzStabilise-v0")
    with pytest.raises(TypeError, match="unexpected keyword argument 'rhoo'"):
        gym.make("chaosgym/LorenzStabilize-v0", rhoo=3.0)


def test_make_vec_steps_all_envs_in_one_call():
    vec = gym.make_vec("chaosgym/LorenzStabilize-v0", num_envs=16)
    assert vec.metadata["autoreset_mode"] == gym.vector.AutoresetMode.NEXT_STEP
    obs, _ = vec.reset(seed=0)
    assert obs.shape == (16, 3) and obs.dtype == np.float32
    # the compiled program is shared with other batch sizes of the same configuration, so
    # count what these steps add: at most the first trace
    n0 = vec.unwrapped._vstep._cache_size()
    for _ in range(3):
        obs, r, _term, _trunc, info = vec.step(vec.action_space.sample())
    assert r.shape == (16,) and info["distance"].shape == (16,)
    assert vec.unwrapped._vstep._cache_size() - n0 <= 1
    with pytest.raises(ValueError, match="non-finite"):
        vec.step(np.full((16, 1), np.nan, np.float32))
    vec.close()
