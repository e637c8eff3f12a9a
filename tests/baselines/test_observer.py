"""The output-feedback LQR: the full-state LQR's gain on a state estimated from the sensors."""

from __future__ import annotations

import numpy as np

from chaosgym.baselines.evaluate import controller_policies, evaluate_policy, summarize
from chaosgym.baselines.protocol import initial_state_set, observation_of
from chaosgym.registration import make_functional

KS = "chaosgym/KuramotoSivashinskyTarget-v2"


def _blind(policy):
    """``policy`` handed NaN wherever it could read the true state."""

    def pol(obs, x):
        return policy(obs, np.full_like(x, np.nan))

    pol.reset = lambda x: policy.reset(np.full_like(x, np.nan))
    return pol


def test_observer_lqr_holds_the_ks_equilibrium_from_8_sensors_without_the_state():
    fenv = make_functional(KS)
    pols = controller_policies(fenv)
    assert {"lqr", "lqr-observer"} <= set(pols)
    assert observation_of("lqr-observer", KS) == "sensors (8 of 64)"
    assert observation_of("lqr", KS) == "full state"
    ics = initial_state_set(KS, "test", 6, fenv=fenv)
    blind = summarize(evaluate_policy(fenv, _blind(pols["lqr-observer"]), ics), fenv.dt)
    assert blind["held_0.01_rate"] == 1.0
    assert blind["distance_final"] < 1e-3
    zero = summarize(evaluate_policy(fenv, pols["zero"], ics), fenv.dt)
    assert zero["held_0.1_rate"] == 0.0  # the sensors alone do not make the task easy
    # the state ends within 1e-3 of E1, and so does the estimate of it (it started at the
    # attractor's mean, far away)
    obs_pol = pols["lqr-observer"]
    assert np.abs(obs_pol.prior - obs_pol.x_eq).max() > 0.5
    assert obs_pol.estimate.shape == (len(ics), fenv.state_dim)
    assert np.abs(obs_pol.estimate - obs_pol.x_eq).max() < 1e-2


def test_no_observer_where_the_observation_determines_the_state():
    assert "lqr-observer" not in controller_policies(make_functional(
        "chaosgym/LorenzStabilize-v1"))
