"""Former location of the pure autoreset (now :mod:`chaosgym.envs.wrappers`)."""

from chaosgym.envs.wrappers.autoreset import AutoReset, where_done

__all__ = ["AutoReset", "where_done"]
