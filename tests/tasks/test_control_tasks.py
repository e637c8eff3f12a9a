"""Tasks on real systems: rewards, observations, task state and their errors."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import chaosgym
from chaosgym.integrators import make_stepper
from chaosgym.tasks import Laminarize, LobeLock, SuppressActivity, Synchronize, TrackReference


def _zero(fenv):
    return lambda obs: jnp.zeros((fenv.num_inputs,), jnp.float32)


def test_track_schedule_and_observation():
    fenv = chaosgym.make_functional("chaosgym/LorenzTrack-v1", bank_size=8, hold=3)
    obs, state = fenv.reset(jax.random.key(0))
    assert obs.shape == (4,) and fenv.obs_dim == 4
    refs = [float(obs[-1])]
    fstep = jax.jit(fenv.step)
    for k in range(7):
        obs, state, r, *_ , info = fstep(jax.random.key(k), state, jnp.zeros(1))
        refs.append(float(obs[-1]))
        ref_used = refs[-2]
        np.testing.assert_allclose(float(info["error"]), abs(float(state.x[0]) - ref_used),
                                   rtol=1e-5)
        np.testing.assert_allclose(float(r), -float(info["error"]), rtol=1e-5)
    c = 8.48528137423857
    np.testing.assert_allclose(refs, [c, c, c, -c, -c, -c, c, c], rtol=1e-6)


def test_track_sine_reference():
    t = TrackReference(kind="sine", amplitude=2.0, period=8.0, offset=1.0)
    tp = t.params
    np.testing.assert_allclose(float(t.reference(jnp.asarray(2), tp)), 3.0, rtol=1e-6)
    spec = chaosgym.systems.get("duffing")
    with pytest.raises(ValueError, match="component"):
        t.check(spec, spec.params, tp.replace(component=7))


def test_synchronize_reference_follows_uncontrolled_dynamics():
    fenv = chaosgym.make_functional("chaosgym/LorenzSynchronize-v1", bank_size=16)
    obs, state = fenv.reset(jax.random.key(1))
    x_ref0 = state.tstate["x_ref"]
    assert obs.shape == (6,)
    np.testing.assert_allclose(np.asarray(obs[3:]), np.asarray(state.x - x_ref0), rtol=1e-6)
    step = jax.jit(make_stepper(fenv.spec))
    fstep = jax.jit(fenv.step)
    expected = x_ref0
    for k in range(5):
        obs, state, _r, _term, _trunc, info = fstep(jax.random.key(k), state, jnp.ones(1))
        expected = step(expected, jnp.zeros(1, expected.dtype), fenv.spec.params)
    np.testing.assert_allclose(np.asarray(state.tstate["x_ref"]), np.asarray(expected),
                               rtol=1e-5, atol=1e-5)
    err = float(jnp.linalg.norm(state.x - state.tstate["x_ref"]))
    np.testing.assert_allclose(float(info["sync_error"]), err, rtol=1e-5)
    # starting the controlled copy on the reference keeps it synchronised without control
    _, s2 = fenv.reset_to(jax.random.key(1), x_ref0)
    s2 = s2.replace(tstate={"x_ref": s2.x})
    for k in range(20):
        _, s2, _r, *_ , info = fstep(jax.random.key(k), s2, jnp.zeros(1))
    assert float(info["sync_error"]) == 0.0 and bool(info["synchronized"])


def test_synchronize_needs_an_environment():
    spec = chaosgym.systems.get("lorenz")
    t = Synchronize()
    with pytest.raises(RuntimeError, match="stepper"):
        t.init(jax.random.key(0), jnp.zeros(3), spec, spec.params, t.params)


def test_lobelock_rewards_the_left_lobe():
    spec = chaosgym.systems.get("lorenz")
    t = LobeLock()
    sp, tp = spec.params, t.params
    u = jnp.zeros(1)
    left = t.evaluate(None, u, jnp.asarray([-5.0, 0.0, 20.0]), (), spec, sp, tp)
    right = t.evaluate(None, u, jnp.asarray([5.0, 0.0, 20.0]), (), spec, sp, tp)
    assert float(left.reward) == 1.0 and bool(left.metrics["in_lobe"])
    assert float(right.reward) == 0.0 and not bool(right.metrics["in_lobe"])
    # uncontrolled Lorenz switches lobes: LobeLock is not solved by doing nothing
    fenv = chaosgym.make_functional("chaosgym/LorenzLobeLock-v1", bank_size=16)
    traj = jax.vmap(lambda k: fenv.rollout(k, _zero(fenv), steps=200))(
        jax.random.split(jax.random.key(0), 8))
    frac = float(np.mean(np.asarray(traj["in_lobe"])))
    assert 0.2 < frac < 0.8


def test_laminarize_reward_and_metric():
    spec = chaosgym.systems.get("shear_flow")
    t = Laminarize()
    sp, tp = spec.params, t.params
    lam = spec.fixed_points(sp)[0]
    out = t.evaluate(lam, jnp.zeros(9), lam, (), spec, sp, tp)
    assert float(out.reward) == 0.0 and bool(out.metrics["laminar"])
    off = lam.at[3].set(0.5)
    out = t.evaluate(lam, jnp.zeros(9), off, (), spec, sp, tp)
    np.testing.assert_allclose(float(out.reward), -0.25, rtol=1e-6)
    assert not bool(out.metrics["laminar"])
    term = t.evaluate(lam, jnp.zeros(9), lam, (), spec, sp, tp.replace(terminate_when_laminar=True))
    assert bool(term.terminated)


def test_suppress_measures():
    spec = chaosgym.systems.get("chialvo_ring_star")
    sp = spec.params
    x = spec.fixed_points(sp)[0]
    for measure, expect in (("fixed_point", 0.0), ("energy", 0.5 * float(jnp.sum(x * x)))):
        t = SuppressActivity(measure=measure)
        t.check(spec, sp, t.params)
        out = t.evaluate(x, jnp.zeros(sp.N), x, (), spec, sp, t.params)
        np.testing.assert_allclose(float(out.metrics["activity"]), expect, rtol=1e-5, atol=1e-7)
    t = SuppressActivity(measure="spread", n_nodes=sp.N)
    out = t.evaluate(x, jnp.zeros(sp.N), x, (), spec, sp, t.params)
    assert abs(float(out.metrics["activity"])) < 1e-10
    with pytest.raises(ValueError, match="measure"):
        t.check(spec, sp, t.params.replace(measure="entropy"))
    with pytest.raises(ValueError, match="fixed point"):
        s = chaosgym.systems.get("sabra")
        t = SuppressActivity(measure="fixed_point")
        t.check(s, s.params, t.params)


def test_old_task_names_are_deprecated_aliases():
    import chaosgym.tasks as tasks
    from chaosgym.tasks import suppress, track

    for mod, old, new in [(tasks, "Suppress", SuppressActivity), (tasks, "Track", TrackReference),
                          (suppress, "SuppressParams", suppress.SuppressActivityParams),
                          (track, "TrackParams", track.TrackReferenceParams)]:
        with pytest.warns(DeprecationWarning, match=new.__name__):
            assert getattr(mod, old) is new
    with pytest.raises(AttributeError):
        tasks.Nonexistent  # noqa: B018


def test_stabilize_orbit_env_distance_on_orbit():
    fenv = chaosgym.make_functional("chaosgym/RosslerStabilizeOrbit-v1", bank_size=8)
    orbit = fenv.task.orbit
    assert orbit.unstable and 5.5 < orbit.period < 6.3
    _, state = fenv.reset_to(jax.random.key(0), jnp.asarray(orbit.x0, jnp.float32))
    _, state, _r, _term, _trunc, info = fenv.step(jax.random.key(1), state, jnp.zeros(1))
    assert float(info["distance"]) < 1e-3 and bool(info["captured"])
    with pytest.raises(ValueError, match="flow"):
        chaosgym.tasks.StabilizeOrbit().check(chaosgym.systems.get("henon"),
                                              chaosgym.systems.get("henon").params,
                                              chaosgym.tasks.StabilizeOrbitParams())
