"""Lyapunov *exponents*: the Benettin/QR spectrum of a flow, a map or a closed loop, and the
Kaplan–Yorke dimension.

``chaosgym.lyapunov`` (Lyapunov *functions*: falsifier, certifier) re-exports
:func:`spectrum`, :class:`LyapunovResult` and :func:`kaplan_yorke` from here. This package
depends on :mod:`chaosgym.integrators` and, lazily, on :mod:`chaosgym.systems`; never on
:mod:`chaosgym.lyapunov`.
"""

from chaosgym.analysis.exponents import spectrum
from chaosgym.analysis.result import LyapunovResult, kaplan_yorke

__all__ = ["LyapunovResult", "kaplan_yorke", "spectrum"]
