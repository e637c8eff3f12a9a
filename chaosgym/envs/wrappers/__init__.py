"""Pure (jittable) wrappers of the core: the one autoreset, and robustness wrappers."""

from chaosgym.envs.wrappers.autoreset import (
    MODES,
    AutoReset,
    batched_reset,
    batched_step,
    where_done,
)

__all__ = ["MODES", "AutoReset", "batched_reset", "batched_step", "where_done"]
