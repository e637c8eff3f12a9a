"""The Gymnasium boundary: the only place that holds mutable state."""

from chaosgym.gym.env import ChaosEnv
from chaosgym.gym.vector import ChaosVectorEnv

__all__ = ["ChaosEnv", "ChaosVectorEnv"]
