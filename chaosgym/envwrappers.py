"""Former location of the robustness wrappers (now :mod:`chaosgym.envs.wrappers`) and of
:class:`GymEnv` (now :mod:`chaosgym.envs.adapters.gymnasium`)."""

from chaosgym.envs.adapters.gymnasium import GymEnv
from chaosgym.envs.wrappers.robustness import (
    ActionDelay,
    ActionNoise,
    ActionRepeat,
    DomainRandomization,
    ObservationNoise,
    PartialObservation,
    Wrapper,
)

__all__ = [
    "ActionDelay",
    "ActionNoise",
    "ActionRepeat",
    "DomainRandomization",
    "GymEnv",
    "ObservationNoise",
    "PartialObservation",
    "Wrapper",
]
