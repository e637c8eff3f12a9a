"""Certificates for a trained stable-baselines3 policy in closed loop with Lorenz (slow)."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from chaosgym.lyapunov import Box, LyapunovProblem, Status, certify


@pytest.mark.slow
def test_sac_policy_on_lorenz_is_certified_or_refuted(x64):
    pytest.importorskip("stable_baselines3")
    import gymnasium as gym
    from stable_baselines3 import SAC

    import chaosgym  # noqa: F401
    from chaosgym.lyapunov.candidates import quadratic_candidate
    from chaosgym.lyapunov.closed_loop import (
        export_sb3_actor,
        find_equilibrium,
        lqr_closed_loop,
        policy_closed_loop,
    )

    env = gym.make("chaosgym/LorenzStabilize-v1", max_steps=200)
    model = SAC("MlpPolicy", env, seed=0, learning_starts=200,
                policy_kwargs={"net_arch": [32, 32]})
    model.learn(total_timesteps=600)
    actor, _ = export_sb3_actor(model)
    fenv = env.unwrapped.fenv
    f = policy_closed_loop(fenv, actor)
    # the exported actor reproduces the torch policy
    obs = np.asarray(fenv.ic_bank[:4], np.float32)
    ref, _ = model.predict(obs, deterministic=True)
    got = np.asarray(jax.vmap(actor)(jnp.asarray(obs, jnp.float64)))
    np.testing.assert_allclose(got, ref, atol=2e-5)
    _, ctrl = lqr_closed_loop("lorenz")
    x_eq = find_equilibrium(f, ctrl.x_eq)
    A = np.asarray(jax.jacfwd(f)(jnp.asarray(x_eq)))
    if np.max(np.linalg.eigvals(A).real) >= 0:
        return  # refuted by linearisation: nothing to certify
    V, _ = quadratic_candidate(f, x_eq)
    cert = certify(LyapunovProblem(f, V, Box.cube(3, 0.05, x_eq), x_eq=x_eq),
                   max_boxes=100_000, time_limit=300)
    assert cert.status in (Status.CERTIFIED, Status.CERTIFIED_OUTSIDE_HOLE,
                           Status.COUNTEREXAMPLE, Status.UNKNOWN)
    if cert.status == Status.COUNTEREXAMPLE:
        x = cert.counterexamples[0]
        p = LyapunovProblem(f, V, Box.cube(3, 0.05, x_eq), x_eq=x_eq)
        assert float(p.violation(jnp.asarray(x))) >= 0
