"""Pure (jittable) wrappers of the core: the one autoreset, and robustness wrappers (noise,
sensor subsets, delays, action repeat, domain randomisation). Gymnasium-side adapters live in
:mod:`chaosgym.envs.adapters`."""

from chaosgym.envs.wrappers.autoreset import (
    MODES,
    AutoReset,
    batched_reset,
    batched_step,
    where_done,
)
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
    "MODES",
    "ActionDelay",
    "ActionNoise",
    "ActionRepeat",
    "AutoReset",
    "DomainRandomization",
    "ObservationNoise",
    "PartialObservation",
    "Wrapper",
    "batched_reset",
    "batched_step",
    "where_done",
]
