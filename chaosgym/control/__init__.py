"""Classical controllers: baselines for agents and sources of Lyapunov candidates."""

from chaosgym.control.lqr import LQRController, linearize, lqr, lyapunov_matrix
from chaosgym.control.ogy import OGY
from chaosgym.control.orbits import PeriodicOrbit, close_return, find_periodic_orbit
from chaosgym.control.pyragas import Pyragas, PyragasState, closed_loop

__all__ = [
    "OGY",
    "LQRController",
    "PeriodicOrbit",
    "Pyragas",
    "PyragasState",
    "close_return",
    "closed_loop",
    "find_periodic_orbit",
    "linearize",
    "lqr",
    "lyapunov_matrix",
]
