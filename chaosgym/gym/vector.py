"""Former location of :class:`ChaosVectorEnv` (kept so old imports and entry points work)."""

from chaosgym.envs.adapters.vector import ChaosVectorEnv

__all__ = ["ChaosVectorEnv"]
