"""The Gymnasium boundary (former location; the adapters live in :mod:`chaosgym.envs.adapters`)."""

from chaosgym.envs.adapters.gymnasium import ChaosEnv
from chaosgym.envs.adapters.vector import ChaosVectorEnv

__all__ = ["ChaosEnv", "ChaosVectorEnv"]
