"""IQM, stratified bootstrap CIs, performance profiles and normalised scores on known data."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats as sps

from chaosgym.baselines.stats import (
    iqm,
    normalized_score,
    performance_profile,
    stratified_bootstrap_ci,
)


def test_iqm_known_values_and_scipy():
    assert iqm(np.arange(1, 9)) == pytest.approx(4.5)  # mean of 3, 4, 5, 6
    x = np.random.default_rng(1).normal(size=(7, 5))
    assert iqm(x) == pytest.approx(sps.trim_mean(x.ravel(), 0.25))
    assert iqm([[0, 0, 0, 100.0]]) == pytest.approx(0.0)  # robust to one outlier run


def test_bootstrap_is_stratified_by_environment():
    # environment 0 always scores 0, environment 1 always 1: any stratified replicate keeps
    # half of the runs in each, so the mean is exactly 0.5; a pooled bootstrap would vary
    scores = np.stack([np.zeros(5), np.ones(5)], axis=1)
    point, low, high = stratified_bootstrap_ci(scores, aggregate=np.mean, reps=300)
    assert point == low == high == pytest.approx(0.5)


def test_bootstrap_ci_covers_the_truth_with_the_right_width():
    rng = np.random.default_rng(0)
    x = rng.normal(loc=2.0, scale=1.0, size=(400, 1))
    point, low, high = stratified_bootstrap_ci(x, aggregate=np.mean, reps=1000, seed=3)
    assert low < 2.0 < high
    # the 95 % interval of a mean of 400 unit-variance draws is about ±1.96/20 wide
    assert (high - low) / 2 == pytest.approx(1.96 / 20, rel=0.2)
    assert point == pytest.approx(x.mean())
    p, lo, hi = stratified_bootstrap_ci(x, reps=500)
    assert lo <= p <= hi
    with pytest.raises(ValueError, match="finite"):
        stratified_bootstrap_ci([[1.0], [np.nan]])
    with pytest.raises(ValueError, match="alpha"):
        stratified_bootstrap_ci(x, alpha=1.5)


def test_performance_profile_known_fractions():
    scores = np.array([[0.2, 0.0], [0.4, 0.0], [0.6, 1.0], [0.8, 1.0]])
    prof = performance_profile(scores, [0.0, 0.5, 0.9, 1.0])
    # env 0: 4/4, 2/4, 0/4, 0/4 above; env 1: 2/4, 2/4, 2/4, 0/4 → averages
    np.testing.assert_allclose(prof, [0.75, 0.5, 0.25, 0.0])
    p, lo, hi = performance_profile(scores, [0.5], reps=200)
    assert lo[0] <= p[0] <= hi[0]


def test_normalized_score():
    np.testing.assert_allclose(normalized_score([-650.0, -1300.0, -975.0], -1300.0, -650.0),
                               [1.0, 0.0, 0.5])
    assert normalized_score(0.3, 0.0, 1.0) == pytest.approx(0.3)
    with pytest.raises(ValueError, match="distinct"):
        normalized_score(1.0, 0.5, 0.5)
