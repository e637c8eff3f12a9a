"""Stability analysis: Lyapunov exponents, and candidate Lyapunov functions checked by a
falsifier and a certifier."""

from chaosgym.lyapunov.spectrum import LyapunovResult, kaplan_yorke, spectrum

__all__ = ["LyapunovResult", "kaplan_yorke", "spectrum"]

from chaosgym.lyapunov.certify import Certificate, LocalCertificate, Status, certify
from chaosgym.lyapunov.falsify import FalsifyResult, falsify
from chaosgym.lyapunov.problem import Box, LyapunovProblem

__all__ += ["Box", "Certificate", "FalsifyResult", "LocalCertificate", "LyapunovProblem",
            "Status", "certify", "falsify"]
