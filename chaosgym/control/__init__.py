"""Classical controllers: baselines for agents and sources of Lyapunov candidates."""

from chaosgym.control.lqr import LQRController, linearize, lqr, lyapunov_matrix

__all__ = ["LQRController", "linearize", "lqr", "lyapunov_matrix"]
