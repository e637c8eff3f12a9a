"""Public Lyapunov-function test cases: systems, candidates, boxes and expected verdicts.

``expected`` is ``"valid"`` (certified in full), ``"degenerate"`` (valid, but the decrease or
positivity vanishes to higher than second order at the equilibrium, so interval branch and
bound proves it outside a small hole and the SOS backend proves it in full) or
``"counterexample"``. Derivatives (computed by hand, checked by the certifier):

* ``cubic_x``: dV/dt = −2x⁴ − 2y²; ``quartic``: −2x⁴ − 2y⁴; ``mixed_quintic``: −2x² − 6y⁴;
  ``three_d``: −6x⁴ − 2y² − 2x²y² − 8z²; ``four_d``: −2x₁² − 2x₂⁶ − 2x₃² − 4x₄⁴ (and
  V = x₁² + ½x₂⁴ + … is itself only quartic in x₂).
* ``three_d_bad``: with V = x² + y² + z², dV/dt = −2x⁴ + 4x²z² − 2y² − 2x²y² − 8z², positive at
  (2, 0, −3); on [−2, 2]³ its maximum is 0, attained at (±2, 0, ±2), so the strict check
  fails there too. The case uses the box [−3, 3]³ that contains (2, 0, −3).
* Lorenz, x²/σ + y² + z²: dV/dt = −2x² + 2(1 + ρ − k)xy − 2y² − 2βz² with feedback ``u = −kx``
  on y'; negative definite iff |1 + ρ − k| < 2.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import jax.numpy as jnp

from chaosgym.lyapunov.problem import Box, LyapunovProblem

__all__ = ["CASES", "Case"]


@dataclasses.dataclass(frozen=True)
class Case:
    name: str
    f: Callable
    V: Callable
    half_width: float
    n: int
    expected: str  # "valid", "degenerate", "counterexample"
    kind: str = "ct"

    @property
    def domain(self) -> Box:
        return Box.cube(self.n, self.half_width)

    def problem(self, **kw) -> LyapunovProblem:
        return LyapunovProblem(self.f, self.V, Box.cube(self.n, self.half_width), kind=self.kind,
                               name=self.name, **kw)


def _lorenz(rho, feedback=0.0, sigma=10.0, beta=8.0 / 3.0):
    def f(x):
        return jnp.stack([sigma * (x[1] - x[0]), x[0] * (rho - x[2]) - x[1] - feedback * x[0],
                          x[0] * x[1] - beta * x[2]])
    return f


#: The public set (continuous time, then the map).
CASES = [
    Case("linear", lambda x: jnp.stack([-x[0] + x[1], -x[0] - x[1]]),
         lambda x: x[0] ** 2 + x[1] ** 2, 1.0, 2, "valid"),
    Case("cubic_x", lambda x: jnp.stack([-x[0] ** 3 + x[1], -x[0] - x[1]]),
         lambda x: x[0] ** 2 + x[1] ** 2, 2.0, 2, "degenerate"),
    Case("quartic", lambda x: jnp.stack([-x[0] ** 3 - x[1] ** 2, x[0] * x[1] - x[1] ** 3]),
         lambda x: x[0] ** 2 + x[1] ** 2, 2.0, 2, "degenerate"),
    Case("mixed_quintic",
         lambda x: jnp.stack([-x[0] - 1.5 * x[0] ** 2 * x[1] ** 3,
                              -x[1] ** 3 + 0.5 * x[0] ** 3 * x[1] ** 2]),
         lambda x: x[0] ** 2 + 3 * x[1] ** 2, 1.0, 2, "degenerate"),
    Case("three_d",
         lambda x: jnp.stack([-x[0] ** 3 - x[0] * x[2] ** 2, -x[1] - x[0] ** 2 * x[1],
                              -4 * x[2] + 3 * x[0] ** 2 * x[2]]),
         lambda x: 3 * x[0] ** 2 + x[1] ** 2 + x[2] ** 2, 2.0, 3, "degenerate"),
    Case("three_d_bad",
         lambda x: jnp.stack([-x[0] ** 3 - x[0] * x[2] ** 2, -x[1] - x[0] ** 2 * x[1],
                              -4 * x[2] + 3 * x[0] ** 2 * x[2]]),
         lambda x: x[0] ** 2 + x[1] ** 2 + x[2] ** 2, 3.0, 3, "counterexample"),
    Case("four_d",
         lambda x: jnp.stack([-x[0] + x[1] ** 3 - 3 * x[2] * x[3], -x[0] - x[1] ** 3,
                              x[0] * x[3] - x[2], x[0] * x[2] - x[3] ** 3]),
         lambda x: x[0] ** 2 + 0.5 * x[1] ** 4 + x[2] ** 2 + 2 * x[3] ** 2, 1.5, 4, "degenerate"),
    Case("log_v", lambda x: jnp.stack([-x[0] + x[0] * x[1], -x[1]]),
         lambda x: jnp.log1p(x[0] ** 2) + x[1] ** 2, 3.0, 2, "valid"),
    Case("lorenz_rho_half", _lorenz(0.5), lambda x: x[0] ** 2 / 10 + x[1] ** 2 + x[2] ** 2,
         20.0, 3, "valid"),
    Case("lorenz_feedback", _lorenz(28.0, feedback=28.0),
         lambda x: x[0] ** 2 / 10 + x[1] ** 2 + x[2] ** 2, 20.0, 3, "valid"),
    Case("lorenz_open_loop", _lorenz(28.0), lambda x: x[0] ** 2 / 10 + x[1] ** 2 + x[2] ** 2,
         20.0, 3, "counterexample"),
    Case("map", lambda x: jnp.stack([0.5 * x[0] - 0.5 * x[1], 0.5 * x[0]]),
         lambda x: x[0] ** 2 + x[1] ** 2, 1.0, 2, "valid", kind="dt"),
]
