"""Certify the LQR closed loop of the Lorenz system around C+ with a quadratic Lyapunov function.

The controller is the saturated LQR the ``LorenzStabilize`` baseline uses (|u| ≤ 10 on y');
the candidate is ``V(x) = (x − C+)ᵀ P (x − C+)`` with ``P`` its Riccati solution. The
certifier first looks for counterexamples, then proves ``V > 0`` and ``dV/dt < 0`` box by
box with interval arithmetic on a box around C+ (outside a tiny hole at C+ itself when the
local Taylor certificate needs one), and says what it proved, how, and where.

    python examples/certify_lqr_lorenz.py [HALF_WIDTH]

Set ``CHAOSGYM_QUICK=1`` for a small box and budget (used by the tests).
"""

from __future__ import annotations

import os
import sys

import numpy as np

from chaosgym import lyapunov, systems
from chaosgym.control import LQRController
from chaosgym.lyapunov.candidates import lqr_candidate

QUICK = os.environ.get("CHAOSGYM_QUICK") == "1"


def main(half_width: float | None = None):
    spec = systems.get("lorenz")
    ctrl = LQRController(spec, target=0)           # C+, input on y', |u| <= 10
    r = float(half_width) if half_width is not None else (0.5 if QUICK else 2.0)
    x_eq = ctrl.x_eq
    problem = lyapunov.LyapunovProblem(
        ctrl.closed_loop(), lqr_candidate(ctrl), (x_eq - r, x_eq + r), x_eq=x_eq, kind="ct",
        name=f"Lorenz + LQR at C+, box ±{r:g}",
    )
    print(problem)
    print("closed-loop eigenvalues at C+:",
          np.round(np.linalg.eigvals(ctrl.A - ctrl.B @ ctrl.K), 4))
    cert = lyapunov.certify(problem, time_limit=30 if QUICK else 300)
    print(cert.summary())
    return cert


if __name__ == "__main__":
    main(*(float(a) for a in sys.argv[1:2]))
