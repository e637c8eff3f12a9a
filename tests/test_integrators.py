"""Integrators: tableau consistency and observed convergence order (float64)."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from chaosgym.integrators import TABLEAUX, get_tableau, make_flow, make_map_step


def _field(x, u, p):
    # x' = y, y' = -x (rotation) and z' = z (1 - z) (logistic growth): known solutions.
    return jnp.stack([x[1], -x[0], x[2] * (1.0 - x[2])])


def _exact(t, x0):
    c, s = np.cos(t), np.sin(t)
    z0 = x0[2]
    return np.array([c * x0[0] + s * x0[1], -s * x0[0] + c * x0[1],
                     z0 * np.exp(t) / (1.0 - z0 + z0 * np.exp(t))])


@pytest.mark.parametrize("name", ["euler", "heun", "rk4", "dopri5"])
def test_tableau_consistency(name):
    tab = get_tableau(name)
    assert abs(sum(tab.b) - 1.0) < 1e-14
    for i, row in enumerate(tab.a):  # row sums equal the nodes
        assert abs(sum(row) - tab.c[i]) < 1e-12


@pytest.mark.parametrize("name", ["rk4", "dopri5", "heun"])
def test_convergence_order(x64, name):
    tab = TABLEAUX[name]
    x0 = np.array([1.0, 0.5, 0.1])
    T = 2.0
    hs, errs = [], []
    for n in (8, 16, 32, 64):
        flow = jax.jit(make_flow(_field, T, n, name))
        x = np.asarray(flow(jnp.asarray(x0), jnp.zeros(0), None))
        hs.append(T / n)
        errs.append(np.max(np.abs(x - _exact(T, x0))))
    slope = np.polyfit(np.log(hs), np.log(errs), 1)[0]
    assert abs(slope - tab.order) < 0.3, (name, slope, errs)


def test_unknown_integrator_and_bad_steps():
    with pytest.raises(ValueError, match="unknown integrator"):
        get_tableau("rk7")
    with pytest.raises(ValueError, match="substeps"):
        make_flow(_field, 0.1, 0, "rk4")
    with pytest.raises(ValueError, match="dt"):
        make_flow(_field, -0.1, 1, "rk4")


def test_map_step_iterates():
    step = make_map_step(lambda x, u, p: 2.0 * x + u, iterations=3)
    assert float(step(jnp.asarray(1.0), jnp.asarray(1.0), None)) == 15.0
