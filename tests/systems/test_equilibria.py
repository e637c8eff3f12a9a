"""Stabilize targets are true equilibria over parameter ranges, for every Stabilize id.

A fixed point that does not exist at some parameters is NaN (never a clamped, non-stationary
point), the environment refuses to build with such a target and names the parameters, and
under traced parameters the task reports NaN distance and never ``captured``.
"""

from __future__ import annotations

import dataclasses

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import chaosgym
from chaosgym import registration, systems
from chaosgym.tasks import Laminarize, Stabilize
from chaosgym.tasks.stabilize import equilibrium_residual

DEFS = [d for d in registration.ENVS if d.task in (Stabilize, Laminarize)]
FACTORS = (-2.0, -0.5, 0.0, 0.1, 0.5, 0.9, 1.1, 2.0, 5.0)


def _float_fields(params):
    """The traced (non-static) float parameters: static ones fix shapes, not equilibria."""
    out = []
    for f in dataclasses.fields(params):
        if f.metadata.get("static"):
            continue
        name = f.name
        v = getattr(params, name)
        if isinstance(v, float) or (isinstance(v, np.ndarray | jax.Array) and v.ndim == 0):
            out.append((name, float(v)))
    return out


def _variants(spec, base):
    """``base`` with one float parameter at a time scaled by FACTORS (invalid ones skipped)."""
    for name, v in _float_fields(base):
        values = [f * v for f in FACTORS] if v != 0.0 else [-1.0, 1.0]
        for value in values:
            try:
                yield name, value, base.replace(**{name: value})
            except (ValueError, TypeError):
                continue  # rejected by the params' own validation


def _tol(x):
    return 1e-6 * (1.0 + float(np.max(np.abs(x)))) ** 2


@pytest.mark.parametrize("d", DEFS, ids=lambda d: f"{d.system}-{d.task_name}")
def test_every_target_is_an_equilibrium_or_refused(d):
    spec = systems.get(d.system)
    base = spec.params.replace(**d.system_kwargs) if d.system_kwargs else spec.params
    task = d.task(**d.task_kwargs)
    task.check(spec, base, task.params)  # the registered parameters are fine
    k = spec.fixed_points(base).shape[0]
    checked = 0
    for name, value, p in _variants(spec, base):
        for i in range(k):
            x, r = equilibrium_residual(spec, p, i)
            if np.isfinite(r):
                # a finite fixed point is an equilibrium (no clamped or wrong root)
                assert r <= _tol(x), (name, value, i, x, r)
            else:
                assert not np.all(np.isfinite(x)), (name, value, i)
        x, r = equilibrium_residual(spec, p, task.params.target)
        if np.isfinite(r):
            task.check(spec, p, task.params)
        else:
            with pytest.raises(ValueError, match="does not exist"):
                task.check(spec, p, task.params)
        checked += 1
    assert checked >= 3


@pytest.mark.parametrize(
    ("system", "changes", "name"),
    [("lorenz", {"rho": 0.5}, "rho"), ("chen", {"c": 10.0}, "c"),
     ("rossler", {"c": 0.3}, "c"), ("henon", {"a": -0.3}, "a"),
     ("chua", {"m1": -1.0}, "m1")],
)
def test_nonexistent_equilibria_are_refused_by_name(system, changes, name):
    spec = systems.get(system)
    p = spec.with_params(**changes)
    x = np.asarray(spec.fixed_points(p)[0])
    assert np.isnan(x).any()  # not a clamped stand-in such as (0, 0, rho − 1)
    task = Stabilize(target=0)
    with pytest.raises(ValueError, match=rf"{system}: fixed point 0 does not exist.*{name}="):
        task.check(spec, p, task.params)


def test_the_origin_is_still_a_valid_target_below_the_pitchfork():
    spec = systems.get("lorenz")
    p = spec.with_params(rho=0.5)
    task = Stabilize(target=2)
    task.check(spec, p, task.params)
    x, r = equilibrium_residual(spec, p, 2)
    assert r == 0.0 and np.all(x == 0.0)


def test_environment_construction_refuses_a_missing_target():
    with pytest.raises(ValueError, match=r"rho=0\.5"):
        chaosgym.make_functional("chaosgym/LorenzStabilize-v1", rho=0.5, bank_size=2)


def test_traced_params_give_nan_distance_and_no_capture():
    spec = systems.get("lorenz")
    task = Stabilize(target=0, capture_radius=1e3)
    rhos = jnp.array([0.5, 28.0])

    def ev(rho):
        p = spec.params.replace(rho=rho)
        x = jnp.array([1.0, 1.0, 1.0])
        out = task.evaluate(x, jnp.zeros(1), x, None, spec, p, task.params)
        return out.metrics["distance"], out.metrics["captured"], out.reward

    dist, captured, reward = jax.vmap(ev)(rhos)
    assert np.isnan(dist[0]) and np.isnan(reward[0]) and not bool(captured[0])
    assert np.isfinite(dist[1]) and bool(captured[1])
