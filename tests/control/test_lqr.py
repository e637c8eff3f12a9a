"""LQR on autodiff linearisations: Riccati solution and capture of C+ from the attractor."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import chaosgym
from chaosgym.control import LQRController, linearize, lqr


def test_lqr_solves_the_riccati_equation():
    A = np.array([[0.0, 1.0], [2.0, -1.0]])
    B = np.array([[0.0], [1.0]])
    K, P = lqr(A, B)
    res = A.T @ P + P @ A - P @ B @ B.T @ P + np.eye(2)
    assert np.max(np.abs(res)) < 1e-9
    assert np.all(np.linalg.eigvals(A - B @ K).real < 0)


def test_linearization_matches_lorenz_eigenvalues(x64):
    spec = chaosgym.systems.get("lorenz")
    f = spec.controlled_field()
    xc = spec.fixed_points(spec.params)[0]
    A, B = linearize(lambda x, u: f(x, u, spec.params), xc, jnp.zeros(1))
    ev = np.sort_complex(np.linalg.eigvals(A))
    np.testing.assert_allclose(ev.real, [-13.8546, 0.0940, 0.0940], atol=1e-4)
    np.testing.assert_allclose(np.abs(ev.imag), [0, 10.1945, 10.1945], atol=1e-4)
    np.testing.assert_allclose(B[:, 0], [0, 1, 0])


def test_uncontrollable_pair_raises():
    with pytest.raises(ValueError, match="stabilisable"):
        lqr(np.eye(2), np.zeros((2, 1)))


def test_lqr_captures_lorenz_cplus_from_attractor_states():
    fenv = chaosgym.make_functional("chaosgym/LorenzStabilize-v1")
    ctl = LQRController.for_env(fenv)
    keys = jax.random.split(jax.random.key(2024), 150)
    run = jax.jit(jax.vmap(lambda k: fenv.rollout(k, ctl.action)))
    d = np.asarray(run(keys)["distance"])
    captured = (d < 0.1).any(axis=1)
    assert captured.sum() == 150
    first = np.argmax(d < 0.1, axis=1)
    median_t = np.median((first + 1) * fenv.dt)
    assert 3.0 < median_t < 15.0  # REFERENCE: median 7.0 time units on its stored set
    zero = jax.jit(jax.vmap(lambda k: fenv.rollout(k, lambda o: jnp.zeros(1))))
    assert not (np.asarray(zero(keys)["distance"]) < 0.1).any()
