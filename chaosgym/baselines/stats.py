"""Aggregate statistics of the benchmark, following Agarwal et al. (NeurIPS 2021).

R. Agarwal, M. Schwarzer, P. S. Castro, A. Courville, M. G. Bellemare, "Deep Reinforcement
Learning at the Edge of the Statistical Precipice", NeurIPS 2021 (arXiv:2108.13264). Their
``rliable`` package does not import here (its ``arch`` dependency fails against pandas 3), so its
methods are implemented directly:

* :func:`iqm` — the interquartile mean: the mean of the middle 50 % of all run scores (pooled
  over environments), robust to outlier runs yet less noisy than the median;
* :func:`stratified_bootstrap_ci` — percentile confidence intervals of any aggregate from a
  bootstrap that resamples runs *within* each environment (the number of runs per environment
  is kept in every replicate);
* :func:`performance_profile` — the run-score distribution: for each threshold τ, the fraction
  of runs scoring above τ (averaged over environments), with bootstrap bands;
* :func:`normalized_score` — 0 = zero control, 1 = the best classical or full-state oracle
  controller, so scores of different environments can be aggregated.

Scores are arrays of shape ``(runs, environments)`` (one row per seed).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

__all__ = ["iqm", "normalized_score", "performance_profile", "stratified_bootstrap_ci"]

Aggregate = Callable[[np.ndarray], float]


def _matrix(scores) -> np.ndarray:
    a = np.asarray(scores, np.float64)
    if a.ndim == 1:
        a = a[:, None]
    if a.ndim != 2 or a.shape[0] < 1 or a.shape[1] < 1:
        raise ValueError(f"scores must have shape (runs, environments), got {np.shape(scores)}")
    if not np.all(np.isfinite(a)):
        raise ValueError("scores must be finite (drop or fill missing runs first)")
    return a


def iqm(scores) -> float:
    """Interquartile mean of all entries of ``scores`` (25 % trimmed from each end).

    As ``scipy.stats.trim_mean(x, 0.25)``: ``floor(0.25 n)`` values are cut from each end.
    """
    x = np.sort(_matrix(scores).ravel())
    k = int(0.25 * x.size)
    return float(x[k: x.size - k].mean())


def stratified_bootstrap_ci(scores, aggregate: Aggregate = iqm, reps: int = 2000,
                            alpha: float = 0.05, seed: int = 0) -> tuple[float, float, float]:
    """``(point, low, high)``: ``aggregate(scores)`` and its percentile ``1 - alpha`` interval.

    Each replicate resamples, for every environment (column) separately, as many runs as it
    has, with replacement (the stratified bootstrap of Agarwal et al. 2021).
    """
    a = _matrix(scores)
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must be in (0, 1), got {alpha}")
    if int(reps) < 1:
        raise ValueError(f"reps must be >= 1, got {reps}")
    rng = np.random.default_rng(seed)
    n, m = a.shape
    cols = np.arange(m)
    stats = np.empty(int(reps))
    for r in range(int(reps)):
        idx = rng.integers(0, n, size=(n, m))
        stats[r] = aggregate(a[idx, cols[None, :]])
    low, high = np.percentile(stats, [100 * alpha / 2, 100 * (1 - alpha / 2)])
    return float(aggregate(a)), float(low), float(high)


def performance_profile(scores, taus, reps: int = 0, alpha: float = 0.05, seed: int = 0):
    """Fraction of runs with a score above each ``tau`` (averaged over environments).

    Returns the profile (shape ``(len(taus),)``); with ``reps > 0`` also the lower and upper
    stratified-bootstrap bands: ``(profile, low, high)``.
    """
    a = _matrix(scores)
    taus = np.asarray(taus, np.float64).ravel()

    def prof(x: np.ndarray) -> np.ndarray:
        return (x[None, :, :] > taus[:, None, None]).mean(axis=1).mean(axis=1)

    p = prof(a)
    if reps <= 0:
        return p
    rng = np.random.default_rng(seed)
    n, m = a.shape
    cols = np.arange(m)
    boots = np.stack([prof(a[rng.integers(0, n, size=(n, m)), cols[None, :]])
                      for _ in range(int(reps))])
    low, high = np.percentile(boots, [100 * alpha / 2, 100 * (1 - alpha / 2)], axis=0)
    return p, low, high


def normalized_score(raw, zero: float, best: float):
    """``(raw - zero) / (best - zero)``: 0 = zero control, 1 = the best reference controller.

    ``best`` must differ from ``zero`` (where no controller beats zero control the score is
    undefined; such environments are left out of the aggregate).
    """
    zero, best = float(zero), float(best)
    if not (np.isfinite(zero) and np.isfinite(best)) or best == zero:
        raise ValueError(f"normalisation needs finite, distinct references, got zero={zero}, "
                         f"best={best}")
    return (np.asarray(raw, np.float64) - zero) / (best - zero)
