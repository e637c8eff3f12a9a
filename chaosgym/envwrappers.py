"""Former location of the robustness wrappers (now :mod:`chaosgym.envs.wrappers`) and of
:class:`GymEnv` (now :mod:`chaosgym.envs.adapters.gymnasium`).

The names re-exported here are those of :mod:`chaosgym.envs.wrappers` (its ``__all__``) plus
:class:`GymEnv`, so the two lists cannot drift apart.
"""

from chaosgym.envs import wrappers as _wrappers
from chaosgym.envs.adapters.gymnasium import GymEnv as GymEnv

globals().update({_name: getattr(_wrappers, _name) for _name in _wrappers.__all__})

__all__ = sorted([*_wrappers.__all__, "GymEnv"])
