"""Every registered ODE/map system: finiteness, jit == eager, vmap over params, actuation."""

from __future__ import annotations

import dataclasses

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import chaosgym
from chaosgym.integrators import make_stepper

NAMES = [n for n in chaosgym.systems.names() if chaosgym.systems.get(n).kind != "pde"]

# Long-rollout horizons in control intervals (cheap systems get longer runs).
LONG = {"sabra": 2000, "shear_flow": 3000, "mackey_glass": 2000, "chialvo_ring_star": 5000}


def _leaf(params):
    """Name of the first non-static float field (perturbed for the vmap test)."""
    for f in dataclasses.fields(params):
        if not f.metadata.get("static") and isinstance(getattr(params, f.name), float):
            return f.name
    return None


@pytest.fixture(scope="module", params=NAMES)
def system(request):
    spec = chaosgym.systems.get(request.param)
    step = make_stepper(spec)
    return spec, step


def test_long_rollout_stays_finite_and_bounded(system):
    spec, step = system
    p = spec.params
    m = spec.actuation().num_inputs(p)
    n_steps = LONG.get(spec.name, 20_000)
    keys = jax.random.split(jax.random.key(1), 4)
    x0 = jax.vmap(lambda k: spec.initial_state(k, p))(keys)

    @jax.jit
    def run(x0):
        def body(x, _):
            x2 = jax.vmap(lambda y: step(y, jnp.zeros((m,), y.dtype), p))(x)
            return x2, jnp.max(jnp.abs(x2))

        return jax.lax.scan(body, x0, None, length=n_steps)

    xf, peak = run(x0)
    assert np.isfinite(np.asarray(xf)).all()
    assert float(jnp.max(peak)) < spec.bound
    # the state keeps moving (not collapsed to a point) on chaotic attractors
    assert xf.shape == (4, spec.dim(p))


def test_jit_equals_eager(system):
    spec, _ = system
    p = spec.params
    x = spec.initial_state(jax.random.key(0), p)
    act = spec.actuation()
    m = act.num_inputs(p)
    u = 0.5 * act.scale(p).astype(x.dtype) * jnp.ones((m,), x.dtype)
    field = spec.controlled_field()
    eager = field(x, u, p)
    jitted = jax.jit(field)(x, u, p)
    np.testing.assert_allclose(np.asarray(eager), np.asarray(jitted), rtol=2e-5, atol=1e-6)
    assert eager.shape == x.shape
    # the input changes the dynamics (the actuation is wired in)
    assert not np.allclose(np.asarray(field(x, jnp.zeros_like(u), p)), np.asarray(eager))


def test_vmap_over_params_matches_loop(system):
    spec, step = system
    p = spec.params
    name = _leaf(p)
    assert name is not None, f"{spec.name} has no float parameter to sweep"
    base = getattr(p, name)
    values = jnp.asarray([base, base * 1.01 + 1e-3, base * 0.99 - 1e-3])
    batch = jax.tree_util.tree_map(lambda v: jnp.full((3,), v), p).replace(**{name: values})
    x = spec.initial_state(jax.random.key(2), p)
    m = spec.actuation().num_inputs(p)
    u = jnp.zeros((m,), x.dtype)
    vm = jax.jit(jax.vmap(lambda q: step(x, u, q)))(batch)
    for i in range(3):
        one = step(x, u, p.replace(**{name: values[i]}))
        np.testing.assert_allclose(np.asarray(vm[i]), np.asarray(one), rtol=1e-4, atol=1e-5)


def test_spec_metadata_is_complete(system):
    spec, _ = system
    assert spec.doc and "References" in spec.doc and "Version History" in spec.doc
    assert spec.references and spec.description
    p = spec.params
    x = spec.initial_state(jax.random.key(4), p)
    for name in spec.actuations:
        act = spec.actuation(name)
        s = np.asarray(act.scale(p))
        assert s.shape == (act.num_inputs(p),) and np.all(s > 0)
        # every actuation (additive or parametric) changes the dynamics at full input
        field = spec.controlled_field(name)
        u = jnp.asarray(s, x.dtype)
        assert not np.allclose(np.asarray(field(x, u, p)), np.asarray(field(x, 0 * u, p)))
    if spec.fixed_points is not None:
        fps = np.asarray(spec.fixed_points(p))
        assert fps.ndim == 2 and fps.shape[1] == spec.dim(p)


def test_fixed_points_are_fixed(system, x64):
    spec, _ = system
    if spec.fixed_points is None or spec.name == "sabra":
        pytest.skip("no (unforced) fixed points")
    p = spec.params
    fps = spec.fixed_points(p)
    for xs in fps:
        xs = jnp.asarray(xs, jnp.float64)
        fx = spec.vector_field(xs, p)
        target = xs if spec.kind == "map" else jnp.zeros_like(xs)
        np.testing.assert_allclose(np.asarray(fx), np.asarray(target), atol=1e-9)
