"""Former location of the pure environment (now :mod:`chaosgym.envs.functional`)."""

from chaosgym.envs.functional import EnvParams, EnvState, FunctionalEnv, attractor_bank

__all__ = ["EnvParams", "EnvState", "FunctionalEnv", "attractor_bank"]
