"""Result types of the exponent analysis: :class:`LyapunovResult` and the Kaplan–Yorke dimension.

Data types live apart from the algorithms (:mod:`chaosgym.analysis.exponents`), so code that
only reads results imports no integrator.

Reference:
    J. L. Kaplan and J. A. Yorke, in *Functional Differential Equations and Approximation of
    Fixed Points*, Lecture Notes in Mathematics 730, 204–227 (1979).
"""

from __future__ import annotations

import dataclasses

import numpy as np

__all__ = ["LyapunovResult", "kaplan_yorke"]


@dataclasses.dataclass(frozen=True)
class LyapunovResult:
    """Lyapunov exponents (descending) and diagnostics.

    Exponents are rates per :attr:`unit`: ``"time"`` (per unit of the system's own time —
    flows, PDEs, and maps that advance a continuous time, such as a delay equation stepped by
    the method of steps) or ``"iterate"`` (per iterate of a genuine map). ``time``, ``dt`` and
    ``history_time`` are in the same unit.

    Attributes:
        exponents: mean over initial conditions, shape ``(k,)``.
        per_ic: estimates per initial condition, ``(n_ic, k)``.
        stderr: standard error of the mean across initial conditions (``nan`` for one IC).
        history: running estimate of the mean exponents at ``history_time``, ``(r, k)``.
        history_time: averaging time of each history row.
        time: averaging time per initial condition (after the transients), in ``unit``.
        dt: time per averaged step (1 for a map counted in iterates).
        steps: steps averaged per initial condition.
        wall_time: seconds, compilation included.
        unit: ``"time"`` or ``"iterate"``.
        dim: state dimension (``k < dim`` when only the leading exponents were computed:
            ``sum`` and ``kaplan_yorke`` then refer to those).
    """

    exponents: np.ndarray
    per_ic: np.ndarray
    stderr: np.ndarray
    history: np.ndarray
    history_time: np.ndarray
    time: float
    dt: float
    steps: int
    wall_time: float
    unit: str = "time"
    dim: int | None = None

    def __post_init__(self) -> None:
        if self.unit not in ("time", "iterate"):
            raise ValueError(f"unit must be 'time' or 'iterate', got {self.unit!r}")

    @property
    def unit_label(self) -> str:
        """``"per unit time"`` or ``"per iterate"``."""
        return "per unit time" if self.unit == "time" else "per iterate"

    @property
    def complete(self) -> bool:
        """Whether the whole spectrum was computed (so ``sum`` is Σλ of the system)."""
        return self.dim is None or len(self.exponents) == self.dim

    @property
    def max(self) -> float:
        """The leading exponent λ1."""
        return float(self.exponents[0])

    @property
    def sum(self) -> float:
        """Σλ over the computed exponents."""
        return float(np.sum(self.exponents))

    @property
    def kaplan_yorke(self) -> float:
        """Kaplan–Yorke (Lyapunov) dimension of the computed spectrum."""
        return kaplan_yorke(self.exponents)

    def __repr__(self) -> str:
        ex = ", ".join(f"{v:.4f}" for v in self.exponents[:6])
        more = ", ..." if len(self.exponents) > 6 else ""
        lead = "" if self.complete else f" (leading {len(self.exponents)} of {self.dim})"
        t = f"T={self.time:g}" + (" iterates" if self.unit == "iterate" else "")
        return (f"LyapunovResult(exponents=[{ex}{more}]{lead} {self.unit_label}, "
                f"sum={self.sum:.4f}, D_KY={self.kaplan_yorke:.3f}, {t}, "
                f"n_ic={len(self.per_ic)})")


def kaplan_yorke(exponents) -> float:
    """Kaplan–Yorke dimension ``j + Σ_{i≤j} λ_i / |λ_{j+1}|`` with ``j`` the largest index
    whose partial sum is non-negative (0 if λ1 < 0; the full dimension if every sum is ≥ 0)."""
    lam = np.sort(np.asarray(exponents, np.float64))[::-1]
    c = np.cumsum(lam)
    if c[0] < 0:
        return 0.0
    nonneg = np.nonzero(c >= 0)[0]
    j = int(nonneg[-1])
    if j == len(lam) - 1:
        return float(len(lam))
    return float(j + 1 + c[j] / abs(lam[j + 1]))
