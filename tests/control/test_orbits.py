"""Periodic orbits found by Newton shooting."""

from __future__ import annotations

import numpy as np
import pytest

import chaosgym
from chaosgym.control.orbits import find_periodic_orbit


@pytest.fixture(scope="module")
def rossler_orbit():
    return find_periodic_orbit("rossler")


def test_rossler_period_one_orbit_is_found(rossler_orbit):
    o = rossler_orbit
    assert o.residual < 1e-9
    # period-1 orbit of Rössler (a=b=0.2, c=5.7): one loop, period close to 2π (≈ 5.88)
    assert 5.5 < o.period < 6.3
    mods = np.abs(o.multipliers)
    # one trivial multiplier (flow direction), one unstable, one strongly contracting
    assert np.min(np.abs(o.multipliers - 1.0)) < 1e-6
    assert o.unstable and mods[0] > 1.5
    assert mods[-1] < 1e-6


def test_orbit_points_are_on_a_closed_trajectory(rossler_orbit, x64):
    import jax.numpy as jnp

    from chaosgym.control.orbits import flow_map

    spec = chaosgym.systems.get("rossler")
    o = rossler_orbit
    phi = flow_map(lambda x: spec.vector_field(x, spec.params), 4000)
    end = np.asarray(phi(jnp.asarray(o.x0), jnp.asarray(o.period)))
    np.testing.assert_allclose(end, o.x0, atol=1e-7)
    assert np.allclose(o.points[0], o.points[-1])
    # every sample point lies on the orbit (distance ~ 0) and a point off it does not
    assert float(o.distance(jnp.asarray(o.points[100]))) < 1e-12
    assert float(o.distance(jnp.asarray(o.points[100] + np.array([0.0, 0.0, 1.0])))) > 0.5


def test_period_two_orbit_differs(rossler_orbit):
    o2 = find_periodic_orbit("rossler", returns=2)
    assert o2.residual < 1e-9 and o2.unstable
    assert 1.8 * rossler_orbit.period < o2.period < 2.2 * rossler_orbit.period


def test_henon_period_two_orbit(x64):
    o = find_periodic_orbit("henon", returns=2)
    spec = chaosgym.systems.get("henon")
    x1 = np.asarray(spec.vector_field(o.x0, spec.params))
    x2 = np.asarray(spec.vector_field(x1, spec.params))
    np.testing.assert_allclose(x2, o.x0, atol=1e-10)
    assert not np.allclose(x1, o.x0)  # a genuine 2-cycle, not the fixed point
    assert o.unstable


def test_bad_input():
    with pytest.raises(TypeError):
        find_periodic_orbit(42)
    with pytest.raises(ValueError, match="x_guess"):
        find_periodic_orbit(lambda x: -x)
