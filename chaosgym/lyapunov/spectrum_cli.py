"""Re-export of the ``chaosgym lyapunov`` command, which lives in :mod:`chaosgym.analysis.cli`."""

from chaosgym.analysis.cli import register, run

__all__ = ["register", "run"]
