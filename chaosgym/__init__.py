"""chaosgym: registered Gymnasium environments for learned control of chaotic dynamics.

Importing the package registers every ``chaosgym/...`` id with Gymnasium::

    import gymnasium as gym
    import chaosgym

    env = gym.make("chaosgym/LorenzStabilize-v1")
    fenv = chaosgym.make_functional("chaosgym/LorenzStabilize-v1")   # the pure JAX core

Every adapter (``gym.make``, ``gym.make_vec``, the SB3 ``VecEnv`` and the gymnax API in
:mod:`chaosgym.envs.adapters`) goes through one contract: the same validation, info names and
dtypes, seeding and autoreset.
"""

from __future__ import annotations

from chaosgym import systems
from chaosgym.registration import list_envs, make_functional, register_all

__version__ = "0.1.0"

__all__ = ["__version__", "control", "list_envs", "lyapunov", "make_functional", "systems"]

register_all()


def __getattr__(name: str):
    # Heavier subpackages load on first use, so `import chaosgym` stays light.
    if name in ("lyapunov", "control", "render", "integrators", "tasks", "wrappers", "functional",
                "envwrappers", "envs"):
        import importlib

        return importlib.import_module(f"chaosgym.{name}")
    raise AttributeError(f"module 'chaosgym' has no attribute {name!r}")
