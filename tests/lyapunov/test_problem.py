"""LyapunovProblem and Box: validation and the condition functions."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from chaosgym.lyapunov import Box, LyapunovProblem


def test_box_validation_and_helpers():
    b = Box.cube(2, 1.5, center=[1.0, -1.0])
    assert b.dim == 2 and np.allclose(b.center, [1, -1]) and np.allclose(b.width, 3.0)
    assert b.contains([0.0, 0.0]) and not b.contains([3.0, 0.0])
    with pytest.raises(ValueError):
        Box([1.0], [0.0])
    with pytest.raises(ValueError):
        Box([0.0], [np.inf])
    assert Box([0, 0], [1, 1]) == Box(np.zeros(2), np.ones(2))


def test_problem_validation():
    f = lambda x: -x  # noqa: E731
    V = lambda x: x @ x  # noqa: E731
    with pytest.raises(ValueError, match="outside"):
        LyapunovProblem(f, V, Box.cube(2, 1.0), x_eq=[2.0, 0.0])
    with pytest.raises(ValueError, match="kind"):
        LyapunovProblem(f, V, Box.cube(2, 1.0), kind="sde")
    with pytest.raises(ValueError, match="scalar"):
        LyapunovProblem(f, lambda x: x, Box.cube(2, 1.0))
    with pytest.raises(ValueError, match="map shape"):
        LyapunovProblem(lambda x: x[:1], V, Box.cube(2, 1.0))
    with pytest.raises(ValueError, match="margin_power"):
        LyapunovProblem(f, V, Box.cube(2, 1.0), margin=1.0, margin_power=3)


def test_conditions_ct_and_dt(x64):
    A = jnp.array([[-1.0, 2.0], [0.0, -3.0]])
    p = LyapunovProblem(lambda x: A @ x, lambda x: x @ x, Box.cube(2, 1.0), margin=0.5)
    x = jnp.array([0.3, -0.2])
    c = np.asarray(p.conditions(x))
    dv = float(2 * x @ (A @ x))
    m = 0.5 * float(x @ x)
    assert np.allclose(c, [m - float(x @ x), dv + m, float(x @ x)])
    assert float(p.violation(x)) == pytest.approx(max(c[0], c[1]))
    q = LyapunovProblem(lambda x: 0.5 * x, lambda x: x @ x, Box.cube(2, 1.0), kind="dt")
    assert float(q.decrease(x)) == pytest.approx(0.25 * float(x @ x) - float(x @ x))
    # jit and vmap of the conditions work
    X = jnp.ones((5, 2)) * 0.1
    assert jax.jit(jax.vmap(p.conditions))(X).shape == (5, 3)
