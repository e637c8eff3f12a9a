"""Adapters of the pure core, all on one contract (:mod:`chaosgym.envs.adapters._contract`).

* :mod:`~chaosgym.envs.adapters.gymnasium` — ``gymnasium.Env`` (``gym.make``);
* :mod:`~chaosgym.envs.adapters.vector` — ``gymnasium.vector.VectorEnv`` (``gym.make_vec``);
* :mod:`~chaosgym.envs.adapters.sb3` — stable-baselines3 ``VecEnv`` (needs the ``agents`` extra);
* :mod:`~chaosgym.envs.adapters.gymnax` — the gymnax API for JAX-native agents.

Submodules load on first use (SB3 is optional).
"""

from __future__ import annotations

import importlib

__all__ = ["ChaosEnv", "ChaosSB3VecEnv", "ChaosVectorEnv", "GymEnv", "GymnaxEnv", "make_gymnax"]

_WHERE = {
    "ChaosEnv": "gymnasium", "GymEnv": "gymnasium", "ChaosVectorEnv": "vector",
    "ChaosSB3VecEnv": "sb3", "GymnaxEnv": "gymnax", "make_gymnax": "gymnax",
}


def __getattr__(name: str):
    if name in _WHERE:
        return getattr(importlib.import_module(f"chaosgym.envs.adapters.{_WHERE[name]}"), name)
    raise AttributeError(f"module 'chaosgym.envs.adapters' has no attribute {name!r}")
