"""Data types of certification results: :class:`Status`, :class:`LocalCertificate`,
:class:`Certificate`.

They hold what was proven, how and where, and depend on nothing but numpy, so algorithms
(:mod:`~chaosgym.lyapunov.certify`, :mod:`~chaosgym.lyapunov.rigorous`,
:mod:`~chaosgym.lyapunov.candidates`, :mod:`~chaosgym.lyapunov.roa`) import them without
importing each other.
"""

from __future__ import annotations

import dataclasses
import enum
from typing import Any

import numpy as np

__all__ = ["Certificate", "LocalCertificate", "Proof", "Status"]


class Status(enum.StrEnum):
    """What a certificate establishes."""

    CERTIFIED = "CERTIFIED"
    CERTIFIED_OUTSIDE_HOLE = "CERTIFIED_OUTSIDE_HOLE"
    COUNTEREXAMPLE = "COUNTEREXAMPLE"
    UNKNOWN = "UNKNOWN"

    def __str__(self) -> str:
        return self.value


@dataclasses.dataclass
class LocalCertificate:
    """The quadratic bound at the equilibrium: conditions hold on ``x* + [−radius, radius]ⁿ``
    outside the Euclidean ball of radius ``hole`` (``0``: everywhere but ``x*``).

    ``ok`` is True only when the conditions and their first and second derivatives were
    proven smooth on the whole local box (no kink, branch switch, step or singularity
    reachable there) and the Taylor bound closed; ``reason`` says why it failed otherwise.
    """

    ok: bool
    radius: float
    hole: float
    mu: tuple[float, float]
    b: tuple[float, float]
    a: tuple[float, float]
    reason: str = ""


@dataclasses.dataclass(frozen=True)
class Proof:
    """One proven statement of a certificate.

    Attributes:
        condition: ``"positivity"`` (``V(x) − V(x*) > m(x)``), ``"decrease"``
            (``∇V·f + m < 0`` or ``V(f(x)) − V(x) + m < 0``), ``"boundary"`` (``V − V* >
            level`` on the faces of the box) or ``"invariance"`` (``f(S) ⊂ D`` for maps).
        method: how it was proven (``"interval branch and bound"``, ``"local Taylor bound"``,
            ``"exact SOS"``).
        region: where: ``"proof boxes"``, ``"local box minus ball"``, ``"R^n minus x*"``.
        detail: numbers (box counts, radii, the local box).
    """

    condition: str
    method: str
    region: str
    detail: dict[str, Any] = dataclasses.field(default_factory=dict)


@dataclasses.dataclass
class Certificate:
    """What was proven about a Lyapunov problem, how, and where.

    Attributes:
        status: a :class:`Status`.
        rigour: ``"sampled"`` (counterexample found in float64 only), ``"float_interval"``
            (float64 interval arithmetic with outward rounding) or ``"rigorous"``
            (re-checked with arbitrary-precision ball arithmetic, or an exact SOS proof).
        scope: where the claim holds: ``{"kind": "box" | "box_minus_hole" | "sublevel", ...}``
            with the domain, the hole (a Euclidean ball or a box around ``x*``) and the level.
        proof_boxes: ``(lo, hi)`` arrays of the boxes proven by branch and bound.
        local: the :class:`LocalCertificate` used around the equilibrium, if any.
        counterexamples: confirmed counterexample points (``(k, n)``) and their violations.
        unknown_boxes: boxes left undecided when the budget ran out.
        timings: seconds per phase (``trace``, ``falsify``, ``local``, ``bnb``, ``rigorous``,
            ``total``; tracing includes JAX compilation of the falsifier).
        stats: counts (boxes evaluated, rounds, ...).
        message: a human summary.
        proofs: the :class:`Proof` of every condition a CERTIFIED verdict rests on
            (positivity and decrease, each with its method and region).
    """

    status: Status
    rigour: str
    scope: dict[str, Any]
    proof_boxes: tuple[np.ndarray, np.ndarray]
    local: LocalCertificate | None
    counterexamples: np.ndarray
    violations: np.ndarray
    unknown_boxes: tuple[np.ndarray, np.ndarray]
    timings: dict[str, float]
    stats: dict[str, Any]
    message: str = ""
    problem: Any = dataclasses.field(default=None, repr=False)
    proofs: tuple[Proof, ...] = ()

    @property
    def certified(self) -> bool:
        return self.status in (Status.CERTIFIED, Status.CERTIFIED_OUTSIDE_HOLE)

    @property
    def hole(self) -> float:
        return float(self.scope.get("hole_radius", 0.0))

    def summary(self) -> str:
        lines = [f"status:  {self.status.value} ({self.rigour})"]
        sc = self.scope
        lines.append(f"scope:   {sc.get('kind')} of {sc.get('domain')}")
        if sc.get("hole_radius", 0.0) > 0:
            lines.append(f"hole:    {sc.get('hole_shape')} of radius {sc['hole_radius']:.3g} "
                         f"around {np.array2string(np.asarray(sc.get('x_eq')), precision=4)}")
        if sc.get("level") is not None:
            lines.append(f"level:   V - V(x*) <= {sc['level']:.6g}")
        lines.append(f"boxes:   {len(self.proof_boxes[0])} proven, "
                     f"{len(self.unknown_boxes[0])} undecided, "
                     f"{self.stats.get('evaluated', 0)} evaluated")
        if self.local is not None and self.local.ok:
            lines.append(f"local:   radius {self.local.radius:.3g}, hole {self.local.hole:.3g}, "
                         f"mu {self.local.mu[0]:.3g}/{self.local.mu[1]:.3g}")
        elif self.local is not None and self.local.reason:
            lines.append(f"local:   none ({self.local.reason})")
        for p in self.proofs:
            lines.append(f"proof:   {p.condition} by {p.method} on {p.region}")
        if len(self.counterexamples):
            x = np.array2string(self.counterexamples[0], precision=6)
            lines.append(f"counterexample: x = {x}, violation {self.violations[0]:.6g}")
        t = ", ".join(f"{k} {v:.2f}s" for k, v in self.timings.items())
        lines.append(f"time:    {t}")
        if self.message:
            lines.append(f"note:    {self.message}")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()
