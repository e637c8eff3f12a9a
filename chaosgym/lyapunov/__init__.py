"""Stability analysis: Lyapunov exponents, and candidate Lyapunov functions checked by a
falsifier and a certifier."""

from chaosgym.lyapunov.spectrum import LyapunovResult, kaplan_yorke, spectrum

__all__ = ["LyapunovResult", "kaplan_yorke", "spectrum"]

from chaosgym.lyapunov.certificate import Certificate, LocalCertificate, Status
from chaosgym.lyapunov.certify import certify
from chaosgym.lyapunov.falsify import FalsifyResult, falsify
from chaosgym.lyapunov.problem import Box, LyapunovProblem

__all__ += ["Box", "Certificate", "FalsifyResult", "LocalCertificate", "LyapunovProblem",
            "Status", "certify", "falsify"]

from chaosgym.lyapunov.candidates import (  # noqa: E402
    NeuralV,
    lqr_candidate,
    quadratic_candidate,
    sos_candidate,
    sos_certify,
)
from chaosgym.lyapunov.roa import RoaResult, estimate_roa  # noqa: E402

__all__ += ["NeuralV", "RoaResult", "estimate_roa", "lqr_candidate", "quadratic_candidate",
            "sos_candidate", "sos_certify"]
