"""The interval interpreter: enclosure, exactness and outward rounding."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from chaosgym.lyapunov.interval import UnsupportedPrimitive, interval_function


def _check_encloses(fn, n, lo, hi, samples=64, seed=0):
    F = interval_function(fn, n)
    ylo, yhi = F(lo, hi)
    rng = np.random.default_rng(seed)
    pts = lo[:, None, :] + (hi - lo)[:, None, :] * rng.uniform(0, 1, (len(lo), samples, n))
    vals = np.asarray(jax.jit(jax.vmap(jax.vmap(fn)))(jnp.asarray(pts)))
    shape = (len(lo), 1, *ylo.shape[1:])
    assert np.all(vals >= ylo.reshape(shape)) and np.all(vals <= yhi.reshape(shape))
    return ylo, yhi


def test_enclosures_of_mixed_functions(x64):
    P = jnp.array([[2.0, 1.0], [1.0, 3.0]])
    W = jnp.asarray(np.random.default_rng(0).normal(size=(8, 2)))

    def f(x):
        return jnp.stack([x @ P @ x + jnp.log1p(x[0] * x[0]),
                          jnp.sum(jnp.tanh(W @ x) ** 2) + jnp.cos(x[1]) * jnp.sin(x[0]),
                          jnp.clip(jax.nn.relu(x[0] - x[1]), 0.0, 0.5) + jnp.sqrt(1.0 + x[1] ** 2),
                          jnp.exp(-x[0]) / (2.0 + x[1])])

    rng = np.random.default_rng(3)
    c = rng.uniform(-2, 2, (40, 2))
    w = rng.uniform(0, 0.5, (40, 2))
    _check_encloses(f, 2, c - w, c + w)
    # derivatives are traced and enclosed by the same interpreter
    _check_encloses(jax.jacfwd(f), 2, c - w, c + w)
    _check_encloses(jax.hessian(lambda x: f(x)[0]), 2, c - w, c + w)


def test_squares_and_exact_points(x64):
    F = interval_function(lambda x: jnp.stack([x[0] * x[0], x[0] ** 2 - 2 * x[0] * x[1]]), 2)
    lo, hi = F(np.array([[-1.0, 0.0]]), np.array([[2.0, 0.0]]))
    assert lo[0, 0] == 0.0 and hi[0, 0] == 4.0
    # exact arithmetic stays exact; inexact results are rounded outward
    p = np.array([[3.0, 0.1]])
    lo, hi = F(p, p)
    assert lo[0, 0] == hi[0, 0] == 9.0
    true = 9.0 - 2 * 3 * 0.1  # rounded value of an exact rational
    assert lo[0, 1] <= true <= hi[0, 1] and lo[0, 1] < hi[0, 1]
    G = interval_function(lambda x: (x[0] + x[1]) - x[1], 2)
    lo, hi = G(np.array([[1.0, 1e-17]]), np.array([[1.0, 1e-17]]))
    assert lo[0] <= 1.0 <= hi[0]


def test_unsupported_primitive_is_reported(x64):
    F = interval_function(lambda x: jnp.sort(x)[0], 3)
    with pytest.raises(UnsupportedPrimitive):
        F(np.zeros((1, 3)), np.ones((1, 3)))


def test_scalar_interval_times_array_and_closed_loop_hessian(x64):
    # a size-1 interval factor must not be mistaken for a constant
    F = lambda x: x[0] * x + jnp.sum(x[1:2] * jnp.stack([x[0], x[2]]))  # noqa: E731
    rng = np.random.default_rng(5)
    c = rng.uniform(-1, 1, (30, 3))
    w = rng.uniform(0, 0.3, (30, 3))
    _check_encloses(F, 3, c - w, c + w)
    # the Hessian of a saturated-LQR Lie derivative (clip, matmuls, scalar products)
    from chaosgym.lyapunov import Box, LyapunovProblem
    from chaosgym.lyapunov.candidates import lqr_candidate
    from chaosgym.lyapunov.closed_loop import lqr_closed_loop

    f, ctrl = lqr_closed_loop("lorenz")
    p = LyapunovProblem(f, lqr_candidate(ctrl), Box.cube(3, 1.0, ctrl.x_eq), x_eq=ctrl.x_eq)
    xe = ctrl.x_eq[None]
    _check_encloses(jax.hessian(lambda x: p.conditions(x)[1]), 3,
                    np.repeat(xe - 0.1, 4, axis=0), np.repeat(xe + 0.1, 4, axis=0), samples=256)
