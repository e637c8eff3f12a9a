"""Former location of :class:`ChaosEnv` (kept so old imports, entry points and pickles work)."""

from chaosgym.envs.adapters.gymnasium import ChaosEnv

__all__ = ["ChaosEnv"]
