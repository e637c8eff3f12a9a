"""Falsifier: finds real counterexamples, only reports float64-confirmed ones."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from chaosgym.lyapunov import falsify
from chaosgym.lyapunov.certify import confirm_points

from .cases import CASES


def test_falsifier_finds_and_rechecks_counterexamples(x64):
    case = next(c for c in CASES if c.name == "lorenz_open_loop")
    p = case.problem()
    r = falsify(p, jax.random.key(1), n_samples=1024, n_starts=16, steps=30,
                max_counterexamples=8)
    assert r.found and len(r.counterexamples) <= 8
    assert np.all(np.diff(r.violations) <= 0)  # worst first
    for x, v in zip(r.counterexamples, r.violations, strict=True):
        assert float(p.violation(jnp.asarray(x))) == v >= 0
        assert p.domain.contains(x)
    mask, _ = confirm_points(p, r.counterexamples)
    assert mask.all()  # interval evaluation proves each violation


def test_falsifier_never_claims_validity_and_is_deterministic(x64):
    case = next(c for c in CASES if c.name == "linear")
    p = case.problem()
    a = falsify(p, jax.random.key(3), n_samples=1024, n_starts=16, steps=30)
    b = falsify(p, jax.random.key(3), n_samples=1024, n_starts=16, steps=30)
    assert not a.found and a.best_violation < 0
    assert a.best_violation == b.best_violation
    assert not hasattr(a, "status")  # it returns counterexamples only, never a verdict


def test_falsifier_ascends_to_boundary_violations(x64):
    case = next(c for c in CASES if c.name == "three_d_bad")
    r = falsify(case.problem(), jax.random.key(0), n_samples=1024, n_starts=16, steps=30)
    assert r.found
    assert np.max(np.abs(r.counterexamples[0])) == 3.0  # the violation peaks on the boundary
