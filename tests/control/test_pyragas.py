"""Pyragas delayed feedback stabilises the Rössler period-1 orbit; its force decays to 0."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import chaosgym
from chaosgym.control import Pyragas, closed_loop, find_periodic_orbit


def test_pyragas_stabilises_rossler_period_one(x64):
    spec = chaosgym.systems.get("rossler")
    orbit = find_periodic_orbit(spec)
    ctrl = Pyragas(gain=0.2, delay_steps=100, outputs=(1,))
    keys = jax.random.split(jax.random.key(0), 3)
    x0 = jax.vmap(lambda k: spec.initial_state(k, spec.params))(keys)
    run = jax.jit(jax.vmap(lambda x: closed_loop(spec, ctrl, x, orbit.period, 60,
                                                 free_periods=40)))
    out_all = run(x0)
    u = np.abs(np.asarray(out_all["u"])[..., 0]).reshape(3, 60, 100).max(axis=2)
    first, last = u[:, 0], u[:, -1]
    assert np.all(last < 1e-5)  # the delayed-feedback force decays towards zero
    assert np.all(last < 1e-3 * np.maximum(first, 1e-2))
    # it decays (nearly) monotonically, period by period
    assert np.all(u[:, 30] < u[:, 10])
    # and the controlled trajectory is the unstable orbit
    d = [float(orbit.distance(x)) for x in out_all["x"][0, -100::7]]
    assert max(d) < 5e-3


def test_without_control_the_orbit_is_left(x64):
    spec = chaosgym.systems.get("rossler")
    orbit = find_periodic_orbit(spec)
    ctrl = Pyragas(gain=0.0, delay_steps=100, outputs=(1,))
    out = closed_loop(spec, ctrl, jnp.asarray(orbit.x0) + 1e-6, orbit.period, 30)
    assert float(orbit.distance(out["x"][-1])) > 0.1


def test_delay_line_is_pure_and_exact():
    ctrl = Pyragas(gain=2.0, delay_steps=3, outputs=(0,))
    hist = jnp.asarray([[1.0, 0.0], [2.0, 0.0], [3.0, 0.0]])
    cs = ctrl.init(hist)
    us = []
    for v in (4.0, 5.0, 6.0, 7.0):
        u, cs = ctrl(cs, jnp.asarray([v, 0.0]))
        us.append(float(u[0]))
    # u = K (y(t − 3) − y(t)) = 2 (v − 3 − v) = −6 for every step
    np.testing.assert_allclose(us, [-6.0] * 4)
    with pytest.raises(ValueError):
        Pyragas(0.2, 0)
    with pytest.raises(ValueError, match="delay_steps"):
        ctrl.init(jnp.zeros((5, 2)))


def test_for_env_uses_control_interval():
    fenv = chaosgym.make_functional("chaosgym/RosslerStabilizeOrbit-v1", bank_size=8)
    orbit = fenv.task.orbit
    ctrl = Pyragas.for_env(fenv, gain=0.2, period=orbit.period)
    assert ctrl.outputs == (1,)
    # the delay is the period itself, not rounded to whole control intervals (5.9 for 5.881)
    assert (ctrl.delay_steps + ctrl.delay_fraction) * fenv.dt == pytest.approx(orbit.period,
                                                                               rel=1e-12)
    assert ctrl.delay_steps == int(orbit.period // fenv.dt) and 0 < ctrl.delay_fraction < 1


def test_fractional_delay_is_interpolated_to_second_order():
    # y = sin(t) sampled at h; the delayed output must be sin(t - tau), tau = 7.3 h
    h, tau = 0.1, 0.73
    ctrl = Pyragas(gain=1.0, delay_steps=7, outputs=(0,), delay_fraction=0.3)
    t0 = np.arange(-ctrl.buffer_length, 0) * h
    cs = ctrl.init(jnp.asarray(np.sin(t0))[:, None])
    errs = []
    for k in range(40):
        t = k * h
        u, cs = ctrl(cs, jnp.asarray([np.sin(t)]))
        delayed = float(u[0]) + np.sin(t)  # u = K (y(t - tau) - y(t)), K = 1
        errs.append(abs(delayed - np.sin(t - tau)))
    assert max(errs) <= h * h / 8 + 1e-6
    with pytest.raises(ValueError, match="delay_fraction"):
        Pyragas(0.2, 5, delay_fraction=1.0)


def test_pyragas_in_the_stabilize_orbit_environment():
    probe = chaosgym.make_functional("chaosgym/RosslerStabilizeOrbit-v1", bank_size=4)
    period = probe.task.orbit.period
    fenv = chaosgym.make_functional("chaosgym/RosslerStabilizeOrbit-v1", bank_size=8,
                                    dt=period / 60, substeps=2, max_steps=60 * 80)
    ctrl = Pyragas.for_env(fenv, gain=0.2, period=period)
    assert ctrl.delay_steps == 60

    @jax.jit
    def episode(key):
        _obs, state = fenv.reset(key)

        def free(s, k):
            _, s2, *_ = fenv.step(k, s, jnp.zeros(1))
            return s2, s.x

        keys = jax.random.split(key, 60 * 20)
        state, hist = jax.lax.scan(free, state, keys)
        cs = ctrl.init(hist[-60:])

        def body(carry, k):
            s, cs = carry
            u, cs = ctrl(cs, s.x)
            _, s2, _r, _term, _trunc, info = fenv.step(k, s, fenv.action_from_control(u))
            return (s2, cs), (info["distance"], u[0])

        _, (dist, u) = jax.lax.scan(body, (state, cs), jax.random.split(key, 60 * 60))
        return dist, u

    dist, u = episode(jax.random.key(0))
    u = np.abs(np.asarray(u)).reshape(60, 60).max(axis=1)
    assert u[-1] < 1e-2 * max(u[0], 1e-2)  # the force decays towards 0
    # the state ends on the orbit found by the task (up to the float32 / sampling floor)
    assert float(np.asarray(dist)[-60:].max()) < 0.05
