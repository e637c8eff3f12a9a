"""Falsifier: finds real counterexamples, only reports float64-confirmed ones."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from chaosgym.lyapunov import Box, LyapunovProblem, falsify
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


def test_interval_guide_finds_small_bumps_in_3d_and_4d(x64):
    """Bumps of sup-radius 0.01 (10⁻⁶ of the 3-D box) that sampling misses."""
    pytest.importorskip("flint")
    from chaosgym.lyapunov import adversarial as adv

    for name in ("bump_relu_3d", "bump_4d"):
        case = adv.get(name)
        r = falsify(case.problem(), jax.random.key(0))
        assert r.found and r.boxes_evaluated > 0, name
        x = r.counterexamples[0]
        assert np.max(np.abs(x - np.asarray(case.point))) <= 0.01  # inside the bump
        assert case.verify(x).proven  # and ball arithmetic confirms the violation there


def test_seed_points_and_boxes_are_searched(x64):
    pytest.importorskip("flint")
    from chaosgym.lyapunov import adversarial as adv

    case = adv.get("bump_4d")
    p = case.problem()
    c = np.asarray(case.point)
    kw = dict(n_samples=1024, n_starts=16, steps=20, interval_boxes=0)
    assert not falsify(p, jax.random.key(0), **kw).found  # 10⁻⁸ of the box: not sampled
    r = falsify(p, jax.random.key(0), seeds=(c - 0.02)[None] + 0.015, **kw)  # a point
    assert r.found
    r = falsify(p, jax.random.key(0), seeds=((c - 0.02)[None], (c + 0.02)[None]), **kw)
    assert r.found and np.max(np.abs(r.counterexamples[0] - c)) <= 0.01
    r = falsify(p, jax.random.key(0), seeds=[np.zeros(4), (c - 0.02, c + 0.02)], **kw)
    assert r.found
    with pytest.raises(ValueError, match="shape"):
        falsify(p, seeds=np.zeros((2, 3)), **kw)
    with pytest.raises(ValueError, match="lo <= hi"):
        falsify(p, seeds=((c + 0.1)[None], c[None]), **kw)
    with pytest.raises(ValueError, match="n_samples"):
        falsify(p, n_samples=0)


def test_falsifier_warns_when_everything_is_non_finite(x64):
    p = LyapunovProblem(lambda x: -x, lambda x: jnp.sum(x * x), Box.cube(2, 1.0))
    p.V = lambda x: jnp.sqrt(-jnp.sum(x * x))  # NaN everywhere but at x* (excluded)
    with pytest.warns(RuntimeWarning, match="non-finite"):
        r = falsify(p, n_samples=256, n_starts=4, steps=5, interval_boxes=64)
    assert not r.found and r.best_violation == -np.inf


def test_falsifier_without_interval_enclosure_still_samples(x64):
    # cumsum has no interval enclosure: the guide is skipped, sampling still refutes
    V = lambda x: jnp.cumsum(x * x)[-1] - 0.5 * jnp.abs(x[0])  # noqa: E731
    p = LyapunovProblem(lambda x: -x, V, Box.cube(2, 1.0))
    r = falsify(p, n_samples=512, n_starts=8, steps=10)
    assert r.found and r.boxes_evaluated == 0
