"""Stability analysis: Lyapunov exponents, and candidate Lyapunov functions checked by a
falsifier and a certifier."""

from chaosgym.lyapunov.spectrum import LyapunovResult, kaplan_yorke, spectrum

__all__ = ["LyapunovResult", "kaplan_yorke", "spectrum"]
