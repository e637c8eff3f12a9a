"""The public Lyapunov test cases (kept in the package for the CLI and benchmarks)."""

from chaosgym.lyapunov.cases import CASES, Case

__all__ = ["CASES", "Case"]
