"""Slow validations of PDE exponents through the ETDRK4 tangent map (benchmarks/pde_invariants.py
reports the same quantities with their spread)."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from chaosgym.analysis import spectrum
from chaosgym.integrators import make_stepper
from chaosgym.systems.pde.analysis import largest_lyapunov, time_average


def _on_attractor(mod, p, n, seed, steps, m):
    x0 = jax.vmap(lambda k: mod.initial_state(k, p))(
        jax.random.split(jax.random.key(seed), n)).astype(jnp.float64)
    _, x = time_average(make_stepper(mod.SPEC, params=p), lambda x: x[0], x0, p, steps, m)
    return x


@pytest.mark.slow
def test_cgle_leading_exponent_agrees_with_the_single_vector_code(x64):
    """CGLE (α, β) = (2, −2), L=100, N=256: QR spectrum and a separate single-vector
    renormalisation code give the same λ1 on the same states."""
    from chaosgym.systems.pde import ginzburg_landau as gl

    p = gl.CGLEParams(N=256)
    m = gl.SPEC.actuation().num_inputs(p)
    x = _on_attractor(gl, p, 4, 0, 400, m)
    r = spectrum("ginzburg_landau", x, params=p, steps=2000, n_exp=2, transient=0)
    lam, se, _ = largest_lyapunov(make_stepper(gl.SPEC, params=p), x, p, 0.5, 2000, m,
                                  chunk=500)
    assert r.unit == "time" and r.max > 0.2
    assert abs(r.max - lam) < 4 * np.hypot(r.stderr[0], se) + 0.005, (r, lam, se)


@pytest.mark.slow
def test_kolmogorov_flow_is_chaotic_through_its_tangent_map(x64):
    from chaosgym.systems.pde import kolmogorov as ko

    p = ko.SPEC.params
    m = ko.SPEC.actuation().num_inputs(p)
    x = _on_attractor(ko, p, 2, 1, 300, m)
    r = spectrum("kolmogorov", x, params=p, steps=600, n_exp=1, transient=0)
    assert np.all(r.per_ic[:, 0] > 0.03), r.per_ic
