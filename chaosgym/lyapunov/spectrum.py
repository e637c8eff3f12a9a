"""Re-export of the Lyapunov-exponent API, which lives in :mod:`chaosgym.analysis`.

``chaosgym.lyapunov.spectrum(...)`` and ``from chaosgym.lyapunov.spectrum import spectrum``
keep working; new code imports from :mod:`chaosgym.analysis`.
"""

from chaosgym.analysis.exponents import spectrum
from chaosgym.analysis.result import LyapunovResult, kaplan_yorke

__all__ = ["LyapunovResult", "kaplan_yorke", "spectrum"]
