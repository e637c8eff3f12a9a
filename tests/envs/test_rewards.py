"""Reward contract of the v1/v2 ids: the bounded divergence penalty, the reward floor, the
precision reward that ranks policies as the capture tiers do, and the Version History."""

from __future__ import annotations

import gymnasium as gym
import jax
import jax.numpy as jnp
import numpy as np
import pytest

import chaosgym
from chaosgym.control import LQRController
from chaosgym.registration import ENVS, env_def
from chaosgym.tasks.base import precision_cost

LORENZ = "chaosgym/LorenzStabilize-v1"


def _blow_up(env_id: str, action: float, **kw):
    """Step with a constant action until the episode ends; ``(t, reward, info, env)``."""
    env = gym.make(env_id, **kw)
    env.reset(seed=0)
    a = np.full(env.action_space.shape, action, np.float32)
    rewards: list[float] = []
    done = False
    while not done:
        _, r, term, trunc, info = env.step(a)
        rewards.append(r)
        done = term or trunc
    return len(rewards) - 1, rewards, info, env


@pytest.mark.parametrize("steps", [None, 57])
def test_divergence_costs_the_floor_for_every_remaining_step(steps):
    kw = {"dt": 2.0, "substeps": 1}
    if steps is not None:
        kw["max_episode_steps"] = steps
    t, rewards, info, env = _blow_up(LORENZ, 1.0, **kw)
    assert info["diverged"] is True
    limit = steps or env_def(LORENZ).max_steps
    floor = float(env.unwrapped.params.reward_floor)
    assert -1e3 < floor < 0
    # the step that diverges is step t (0-based): it and the limit - t - 1 later ones cost the floor
    np.testing.assert_allclose(rewards[-1], floor * (limit - t), rtol=1e-6)
    assert all(r >= floor for r in rewards[:-1])  # ordinary steps are clipped at the floor
    env.close()


def test_sabra_blow_up_is_bounded_on_the_scale_of_its_rewards():
    # at 4x its step (and full forcing) Sabra blows up; the old rule charged -9.45e10
    t, rewards, info, env = _blow_up("chaosgym/SabraSuppress-v1", 1.0, dt=4 * 0.05)
    floor = float(env.unwrapped.params.reward_floor)
    assert info["diverged"] is True
    np.testing.assert_allclose(rewards[-1], floor * (1000 - t), rtol=1e-5)
    ordinary = np.abs(np.asarray(rewards[:-1]))
    assert abs(floor) <= 10 * float(np.median(ordinary))
    env.close()


def test_henon_divergence_is_comparable_to_ordinary_steps():
    # the old rule gave -7 602 to -19 431 against about -1 per ordinary step
    env = gym.make("chaosgym/HenonStabilize-v1")
    env.reset(seed=0)
    floor = float(env.unwrapped.params.reward_floor)
    rs = [env.step(np.zeros(1, np.float32))[1] for _ in range(100)]
    assert min(rs) >= floor and abs(floor) <= 4 * np.max(np.abs(rs))
    assert abs(floor) * env_def("chaosgym/HenonStabilize-v1").max_steps < 5e3
    env.close()


def test_blowing_up_is_never_cheaper_than_staying():
    """Every ordinary step pays at least the floor, so the diverged return is the minimum."""
    fenv = chaosgym.make_functional(LORENZ, dt=2.0, substeps=1)
    p = fenv.default_params
    tr = fenv.rollout(jax.random.key(1), lambda o: jnp.ones(1), p)
    k = int(np.argmax(np.asarray(tr["diverged"])))
    assert bool(tr["diverged"][k])
    rewards = np.asarray(tr["reward"])
    floor = float(p.reward_floor)
    assert float(np.sum(rewards[k:])) == pytest.approx(floor * (int(p.max_steps) - k), rel=1e-6)
    # any continuation pays at least the floor per step, so the diverged tail is the minimum
    assert np.all(rewards[:k] >= floor)


def test_precision_cost_is_monotone_and_small_near_zero():
    d = jnp.asarray([0.0, 1e-6, 1e-4, 1e-2, 0.05, 1.0, 30.0])
    for sq in (False, True):
        c = np.asarray(precision_cost(d, 0.01, sq))
        assert c[0] == 0 and np.all(np.diff(c) > 0)
        assert c[2] < 0.011 and c[4] > 1.0


def test_holding_the_target_closer_scores_better():
    """LQR holds C+ at ~3e-5; the same LQR with an action bias sits ~0.024 away after the
    same transient. The v1 reward separates them by hundreds (the v0 reward, −d, by 5–13: a
    slightly faster transient with an offset outscored LQR there)."""
    fenv = chaosgym.make_functional(LORENZ)
    ctrl = LQRController.for_env(fenv)
    bias = 0.02
    ics = np.asarray(fenv.ic_bank[:8])

    def returns(b):
        pol = lambda o: ctrl.action(o) + b  # noqa: E731
        run = jax.jit(jax.vmap(lambda x0, k: fenv.rollout(k, pol, x0=x0)))
        tr = run(jnp.asarray(ics), jax.random.split(jax.random.key(0), len(ics)))
        return np.asarray(tr["reward"]).sum(1), np.asarray(tr["distance"])[:, -1]

    r0, d0 = returns(0.0)
    r1, d1 = returns(bias)
    assert np.all(d0 < 1e-3) and np.all((d1 > 0.01) & (d1 < 0.2)), (d0, d1)
    assert np.all(r0 > r1 + 50), (r0, r1)


@pytest.mark.parametrize("d", ENVS, ids=lambda d: d.id)
def test_version_history_covers_every_version(d):
    assert len(d.history) == d.version + 1
    for k, line in enumerate(d.history):
        assert line.startswith(f"v{k}: ")


def test_previous_versions_name_the_new_one():
    with pytest.raises(gym.error.DeprecatedEnv, match="LorenzStabilize-v1"):
        gym.make("chaosgym/LorenzStabilize-v0")
