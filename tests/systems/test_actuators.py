"""Sparse actuators (one nonzero per column) act exactly like the dense matrices they replace."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from chaosgym import systems
from chaosgym.systems import lorenz96
from chaosgym.systems.base import Additive, SparseActuators, components

SMALL = {"lorenz96": {"N": 12}, "chialvo_ring_star": {"N": 10}, "sabra": {"N": 8}}


# the sparse actuators with more structure than one unit entry (every component-style
# actuation of the 3-D flows is built by the same ``components`` factory)
CASES = [("lorenz96", "every4"), ("chialvo_ring_star", "all"), ("sabra", "mid"),
         ("sabra", "forcing"), ("mackey_glass", "additive"), ("lorenz", "xyz"),
         ("shear_flow", "vortex")]


def test_every_component_actuation_is_sparse():
    for name in systems.names():
        spec = systems.get(name)
        if spec.kind == "pde":
            continue
        for act in spec.actuations.values():
            if isinstance(act, Additive):
                assert isinstance(act.matrix, SparseActuators), name


@pytest.mark.parametrize(("name", "act_name"), CASES)
def test_sparse_field_equals_dense_product(name, act_name, x64):
    spec = systems.get(name)
    p = spec.with_params(**SMALL.get(name, {}))
    act = spec.actuation(act_name)
    n = int(spec.dim(p))
    B = np.asarray(act.matrix(p))  # the dense matrix, built only for this comparison
    assert B.shape == (n, act.num_inputs(p))
    assert np.all((B != 0).sum(axis=0) == 1)  # one nonzero per column
    kx, ku = jax.random.split(jax.random.key(0))
    x = spec.initial_state(kx, p).astype(jnp.float64)
    u = jax.random.normal(ku, (B.shape[1],), jnp.float64)
    both = jax.jit(lambda x, u: (act.field(spec, x, u, p),
                                 spec.vector_field(x, p) + jnp.asarray(B) @ u))
    sparse, dense = both(x, u)
    np.testing.assert_allclose(np.asarray(sparse), np.asarray(dense), rtol=0, atol=1e-13)


@pytest.mark.parametrize("N", [4, 9])
def test_lorenz96_matches_the_former_dense_actuators(N):
    """Against the former definitions ``eye(N)`` and ``eye(N)[:, ::4]``, bit for bit."""
    spec = lorenz96.SPEC
    p = spec.with_params(N=N)
    x = spec.initial_state(jax.random.key(1), p)
    for act_name, B in (("all", jnp.eye(N)), ("every4", jnp.eye(N)[:, ::4])):
        act = spec.actuation(act_name)
        u = jax.random.uniform(jax.random.key(N), (B.shape[1],), minval=-5.0, maxval=5.0)
        new, old = jax.jit(lambda x, u, B=B, act=act: (
            act.field(spec, x, u, p), spec.vector_field(x, p) + B.astype(x.dtype) @ u))(x, u)
        np.testing.assert_array_equal(np.asarray(new), np.asarray(old))
        assert act.num_inputs(p) == B.shape[1]


def test_large_lorenz96_needs_no_dense_matrix():
    # N = 10^6: the dense "all" matrix would need 4 TB; the sparse field is a vector op
    spec = lorenz96.SPEC
    p = spec.with_params(N=10**6)
    act = spec.actuation("all")
    assert act.num_inputs(p) == 10**6
    out = jax.eval_shape(lambda x, u: act.field(spec, x, u, p),
                         jax.ShapeDtypeStruct((10**6,), jnp.float32),
                         jax.ShapeDtypeStruct((10**6,), jnp.float32))
    assert out.shape == (10**6,)


def test_components_and_bad_rows():
    m = components(2, 0, n=3)
    B = np.asarray(m(None))
    np.testing.assert_array_equal(B, [[0, 1], [0, 0], [1, 0]])
    np.testing.assert_array_equal(np.asarray(m.apply(jnp.array([5.0, 7.0]), None)), [7, 0, 5])
    with pytest.raises(ValueError, match="out of range"):
        components(3, n=3).num_inputs(None)
