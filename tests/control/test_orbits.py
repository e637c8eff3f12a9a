"""Periodic orbits found by Newton shooting, against published cycles of the Rössler flow.

Reference values (a = b = 0.2, c = 5.7; ChaosBook.org, "Rössler's model"): the period-1 cycle
A has T = 5.88108845586 and multiplier Λ = −2.403953527; the period-2 cycle AB has
T = 11.7586260717 and Λ = −3.512006980. The period-1 cycle traversed twice (T = 11.7622,
Λ = 5.779) lies next to AB and must not be returned for ``returns=2``.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import chaosgym
from chaosgym.control.orbits import find_periodic_orbit, flow_map, orbit_distance

T1, LAMBDA1 = 5.88108845586, -2.403953527
T2, LAMBDA2 = 11.7586260717, -3.512006980


@pytest.fixture(scope="module")
def rossler_orbit():
    return find_periodic_orbit("rossler")


@pytest.fixture(scope="module")
def rossler_orbit2():
    return find_periodic_orbit("rossler", returns=2)


def _leading(o):
    m = o.multipliers[np.argmax(np.abs(o.multipliers))]
    assert abs(m.imag) < 1e-9
    return m.real


def test_rossler_period_one_orbit_matches_the_published_cycle(rossler_orbit):
    o = rossler_orbit
    assert o.residual < 1e-9
    assert abs(o.period - T1) < 1e-7
    assert abs(_leading(o) - LAMBDA1) < 1e-6
    # one trivial multiplier (flow direction), one unstable, one strongly contracting
    assert np.min(np.abs(o.multipliers - 1.0)) < 1e-6
    assert o.unstable and np.abs(o.multipliers)[-1] < 1e-6


def test_rossler_period_two_orbit_is_prime_not_period_one_twice(rossler_orbit2):
    o = rossler_orbit2
    assert o.residual < 1e-9 and o.unstable and o.returns == 2
    assert abs(o.period - T2) < 1e-7          # 2·T1 = 11.76218 is 3.6e-3 away
    assert abs(_leading(o) - LAMBDA2) < 1e-6  # (−2.404)² = 5.779 for the doubled cycle


@pytest.mark.parametrize("seed", [1, 2])
def test_period_two_from_other_trajectories(seed):
    # close returns from these trajectories used to converge to the doubled period-1 cycle
    o = find_periodic_orbit("rossler", returns=2, key=jax.random.key(seed))
    assert abs(o.period - T2) < 1e-7


def test_doubled_period_one_guess_is_rejected(rossler_orbit):
    # a guess on the period-1 cycle with twice its period converges to it: not prime
    with pytest.raises(RuntimeError, match="period-1"):
        find_periodic_orbit("rossler", rossler_orbit.x0, 2 * rossler_orbit.period, returns=2)


def test_orbit_points_are_on_a_closed_trajectory(rossler_orbit, x64):
    spec = chaosgym.systems.get("rossler")
    o = rossler_orbit
    phi = flow_map(lambda x: spec.vector_field(x, spec.params), 4000)
    end = np.asarray(phi(jnp.asarray(o.x0), jnp.asarray(o.period)))
    np.testing.assert_allclose(end, o.x0, atol=1e-7)
    assert np.allclose(o.points[0], o.points[-1])
    assert float(o.distance(jnp.asarray(o.points[100] + np.array([0.0, 0.0, 1.0])))) > 0.5


@pytest.mark.parametrize("which", [1, 2])
def test_distance_resolves_the_orbit_itself(rossler_orbit, rossler_orbit2, which, x64):
    spec = chaosgym.systems.get("rossler")
    o = rossler_orbit if which == 1 else rossler_orbit2
    f = lambda x: spec.vector_field(x, spec.params)  # noqa: E731
    phi = jax.jit(flow_map(f, 8000))
    dist = jax.jit(o.distance)
    poly = []
    for frac in (0.137, 0.5, 0.71, 0.93):  # between sample points
        y = phi(jnp.asarray(o.x0), jnp.asarray(frac * o.period))
        assert float(dist(y)) < 1e-8
        fy = f(y)
        normal = jnp.cross(fy, jnp.array([0.0, 0.0, 1.0]))
        normal = normal / jnp.linalg.norm(normal)
        for eps in (1e-4, 1e-6):  # offsets far below the polyline's resolution
            np.testing.assert_allclose(float(dist(y + eps * normal)), eps, rtol=1e-3)
        poly.append(float(orbit_distance(y, jnp.asarray(o.points))))
    # the sampled polyline alone cannot resolve 1e-6
    assert max(poly) > 1e-5


def test_henon_period_two_orbit(x64):
    o = find_periodic_orbit("henon", returns=2)
    spec = chaosgym.systems.get("henon")
    x1 = np.asarray(spec.vector_field(o.x0, spec.params))
    x2 = np.asarray(spec.vector_field(x1, spec.params))
    np.testing.assert_allclose(x2, o.x0, atol=1e-10)
    assert not np.allclose(x1, o.x0)  # a genuine 2-cycle, not the fixed point
    assert o.unstable
    # a map's orbit is its points: the chord between them is not on it
    assert float(o.distance(jnp.asarray(x1))) < 1e-12
    assert float(o.distance(jnp.asarray(0.5 * (x1 + o.x0)))) > 0.1


def test_bad_input():
    with pytest.raises(TypeError):
        find_periodic_orbit(42)
    with pytest.raises(ValueError, match="x_guess"):
        find_periodic_orbit(lambda x: -x)
    with pytest.raises(ValueError, match="returns"):
        find_periodic_orbit("rossler", returns=0)


def test_orbit_cache_is_keyed_by_the_vector_field_and_params(rossler_orbit):
    import dataclasses

    from chaosgym.tasks import StabilizeOrbit

    spec = chaosgym.systems.get("rossler")
    task = StabilizeOrbit()
    task.check(spec, spec.params, task.params)
    assert abs(task.orbit.period - T1) < 1e-7
    # the same name with a field twice as fast: the same orbit, traversed in half the time
    fast = dataclasses.replace(spec, vector_field=lambda x, p: 2.0 * spec.vector_field(x, p))
    task.check(fast, spec.params, task.params)
    assert abs(task.orbit.period - T1 / 2) < 1e-7
    task.check(spec, spec.params, task.params)  # back to the cached orbit of the original
    assert abs(task.orbit.period - T1) < 1e-7


def test_stabilize_orbit_task_targets_period_two_and_measures_in_float32():
    from chaosgym.tasks import StabilizeOrbit

    spec = chaosgym.systems.get("rossler")
    task = StabilizeOrbit(returns=2, capture_radius=1e-4)
    task.check(spec, spec.params, task.params)
    assert abs(task.orbit.period - T2) < 1e-7
    o = task.orbit
    # a float32 state on the orbit, between two samples
    mid = 0.5 * (o.points[200] + o.points[201])
    on = jax.jit(flow_map(lambda x: spec.vector_field(x, spec.params), 64))(
        jnp.asarray(o.points[200]), jnp.asarray(0.5 * o.sample_dt))
    x = jnp.asarray(on, jnp.float32)
    out = task.evaluate(x, jnp.zeros(1, jnp.float32), x, None, spec, spec.params, task.params)
    assert float(out.metrics["distance"]) < 1e-5 and bool(out.metrics["captured"])
    # the chord midpoint is off the orbit by the polyline's error, which is now measurable
    off = jnp.asarray(mid, jnp.float32)
    out = task.evaluate(off, jnp.zeros(1, jnp.float32), off, None, spec, spec.params,
                        task.params)
    assert float(out.metrics["distance"]) > 1e-5
    with pytest.raises(ValueError, match="distance"):
        task.check(spec, spec.params, task.params.replace(distance="chord"))
