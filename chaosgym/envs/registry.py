"""Registered ids -> configurations (see :mod:`chaosgym.registration`)."""

from chaosgym.registration import (  # noqa: F401
    ENVS,
    EnvDef,
    canonical_config,
    default_config,
    env_def,
    list_envs,
    make_functional,
    register_all,
)
