"""Neural candidates (CEGIS) and the larger benchmark cases (slow)."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from chaosgym.lyapunov import Box, LyapunovProblem, Status, certify
from chaosgym.lyapunov.candidates import NeuralV, quadratic_candidate

pytest.importorskip("equinox")


def _pendulum(x):
    return jnp.stack([x[1], -jnp.sin(x[0]) - 0.5 * x[1]])


def test_neural_candidate_is_positive_definite_by_construction(x64):
    V = NeuralV(2, jax.random.key(0), width=16, depth=2, out=4)
    X = jnp.asarray(np.random.default_rng(0).uniform(-3, 3, (256, 2)))
    v = jax.jit(jax.vmap(V))(X)
    assert float(V(jnp.zeros(2))) == 0.0 and bool(jnp.all(v > 0))
    with pytest.raises(ValueError):
        NeuralV(2, jax.random.key(0), P=-np.eye(2))


@pytest.mark.slow
def test_cegis_neural_pendulum_certified_where_quadratic_fails(x64):
    from chaosgym.lyapunov.cegis import cegis

    dom = Box.cube(2, 2.0)
    Vq, P = quadratic_candidate(_pendulum, np.zeros(2))
    assert certify(LyapunovProblem(_pendulum, Vq, dom)).status == Status.COUNTEREXAMPLE
    res = cegis(_pendulum, dom, jax.random.key(0), rounds=4, steps=400, P=P, init_scale=0.1)
    assert res.converged
    cert = certify(res.problem, time_limit=120)
    assert cert.certified, cert.summary()
    assert cert.timings["total"] < 60


@pytest.mark.slow
def test_ten_dimensional_polynomial_case(x64):
    def f(x):
        return -x - x**3 + jnp.roll(x, -1) ** 2 - jnp.roll(x, 1) * x

    p = LyapunovProblem(f, lambda x: x @ x, Box.cube(10, 1.0))
    cert = certify(p)
    assert cert.status == Status.CERTIFIED
    assert certify(LyapunovProblem(f, lambda x: x @ x, Box.cube(10, 1.0)),
                   method="sos").status == Status.CERTIFIED
