"""Former location of :class:`ChaosSB3VecEnv` (kept so old imports and pickles work)."""

from chaosgym.envs.adapters.sb3 import ChaosSB3VecEnv

__all__ = ["ChaosSB3VecEnv"]
