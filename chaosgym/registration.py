"""Systems × tasks → registered Gymnasium ids.

``ENVS`` is the single list of environments. Each :class:`EnvDef` names a system from the
registry, a task factory and the defaults of its environment; :func:`register_all` registers
every one with Gymnasium (with a ``vector_entry_point`` for ``gym.make_vec``), and
:func:`make_functional` builds the pure core of any id with keyword overrides.

Keyword arguments accepted by ``gym.make(id, **kwargs)``, ``gym.make_vec`` and
``make_functional``:

* environment: ``actuation``, ``dt``, ``substeps``, ``integrator``, ``max_steps``, ``dtype``,
  ``bank_size``, ``ic_noise``, ``seed``;
* any field of the system's params (``rho=...``, ``N=...``) or of the task's params
  (``target=...``, ``control_cost=...``).

Unknown names raise ``TypeError`` listing the valid ones.
"""

from __future__ import annotations

import dataclasses
import difflib
from collections.abc import Callable
from typing import Any

import gymnasium as gym
import numpy as np

from chaosgym import systems
from chaosgym._pytree import field_names
from chaosgym.tasks import Laminarize, LobeLock, Stabilize, StabilizeOrbit, Synchronize, Task
from chaosgym.tasks.pde import ControlgymRegulation, Dissipation, Target, Track, suppress_task
from chaosgym.tasks.suppress import SuppressActivity
from chaosgym.tasks.track import TrackReference

__all__ = [
    "ENVS", "EnvDef", "canonical_config", "default_config", "env_def", "list_envs",
    "make_functional", "register_all",
]

ENV_KWARGS = (
    "actuation", "dt", "substeps", "integrator", "max_steps", "dtype", "bank_size", "ic_noise",
    "seed",
)


@dataclasses.dataclass(frozen=True)
class EnvDef:
    """One registered environment: ``chaosgym/<System><Task>-v<version>``."""

    system: str
    task: Callable[..., Task]
    task_name: str
    version: int = 0
    max_steps: int = 400
    task_kwargs: dict[str, Any] = dataclasses.field(default_factory=dict)
    env_kwargs: dict[str, Any] = dataclasses.field(default_factory=dict)
    system_kwargs: dict[str, Any] = dataclasses.field(default_factory=dict)
    history: tuple[str, ...] = ()
    """One line per version, ``"v<k>: what changed"`` (the docs' Version History)."""

    @property
    def id(self) -> str:
        return f"chaosgym/{systems.get(self.system).title}{self.task_name}-v{self.version}"


# Version History. A change of an id's rewards, dynamics or starting states bumps its version;
# the previous ids are no longer registered (Gymnasium then names the new version in its
# error).
_V0 = "v0: initial release."
_V1_PDE = ("v1: starting states drawn from a bank of 512–1024 states harvested along "
           "warmed-up trajectories (was 2–64 states); the cubic terms of CGLE, NLS and λ–ω "
           "use the alias-free 1/2 rule.")
_BOUNDED = ("bounded divergence penalty: a diverged step costs the reward floor for every "
            "remaining step (was the step reward at the clipped state times the remaining "
            "steps, e.g. −7 602 to −19 431 on Hénon and −9.45e10 on Sabra at 4× dt, against "
            "about −1 per ordinary step); ordinary step rewards are clipped below at the floor")
_PRECISION = ("; the distance term is −log(1 + d/ε) with ε = precision = radius/10 (was −d), "
              "so holding the target closer always scores better")
_PRECISION_SQ = ("; the distance term is −log(1 + (d/ε)²) with ε = precision = radius/10 "
                 "(was −d²/n), so holding the target closer always scores better")


def _history(now: int, extra: str = "") -> tuple[str, ...]:
    """The Version History of an id now at version ``now`` (``now - 1`` earlier versions)."""
    lines = [_V0] + ([_V1_PDE] if now == 2 else [])
    return (*lines, f"v{now}: {_BOUNDED}{extra}.")


def _tol(radius: float, name: str = "capture_radius", **kw: Any) -> dict[str, Any]:
    """Task keywords with a capture (or sync) radius and the precision radius/10."""
    return {name: radius, "precision": radius / 10, **kw}


# The list of environments. Adding one is one line here.
ENVS: list[EnvDef] = [
    EnvDef("lorenz", Stabilize, "Stabilize", version=1, max_steps=400,
           task_kwargs=_tol(0.1, target=0, control_cost=1e-3),
           history=_history(1, _PRECISION)),
    EnvDef("rossler", Stabilize, "Stabilize", version=1, max_steps=400,
           task_kwargs=_tol(0.05, target=0, control_cost=1e-2),
           history=_history(1, _PRECISION)),
    EnvDef("lorenz96", Stabilize, "Stabilize", version=1, max_steps=400,
           task_kwargs=_tol(0.1, target=0, control_cost=1e-2, squared=True),
           history=_history(1, _PRECISION_SQ)),
    EnvDef("kuramoto_sivashinsky", Dissipation, "Dissipation", version=2, max_steps=400,
           env_kwargs={"bank_size": 1024}, history=_history(2)),
    EnvDef("kuramoto_sivashinsky", Target, "Target", version=2, max_steps=400,
           task_kwargs=_tol(0.1, target=0), env_kwargs={"bank_size": 1024},
           history=_history(2, _PRECISION)),
    EnvDef("kuramoto_sivashinsky", Dissipation, "DissipationControlgym", version=2,
           max_steps=200, env_kwargs={"dt": 0.5, "substeps": 10, "bank_size": 512},
           system_kwargs={"L": 32 * 3.141592653589793, "N": 256, "n_actuators": 8,
                          "actuator_kind": "box", "actuator_width": 0.1 * 32 * 3.141592653589793,
                          "n_sensors": 10}, history=_history(2)),
    EnvDef("kuramoto_sivashinsky", ControlgymRegulation, "Controlgym", version=1, max_steps=500,
           env_kwargs={"dt": 0.5, "substeps": 10, "actuation": "controlgym", "bank_size": 256},
           system_kwargs={"L": 32 * 3.141592653589793, "N": 256, "n_actuators": 8,
                          "actuator_width": 0.1 * 32 * 3.141592653589793},
           history=_history(1)),
    EnvDef("ginzburg_landau", suppress_task("ginzburg_landau"), "Suppress", version=2,
           max_steps=400, env_kwargs={"bank_size": 1024}, history=_history(2)),
    EnvDef("nonlinear_schrodinger", suppress_task("nonlinear_schrodinger"), "Suppress",
           version=2, max_steps=400, env_kwargs={"bank_size": 1024}, history=_history(2)),
    EnvDef("burgers", Track, "Track", version=2, max_steps=200, env_kwargs={"bank_size": 1024},
           history=_history(2)),
    EnvDef("lambda_omega", suppress_task("lambda_omega"), "Suppress", version=2, max_steps=200,
           env_kwargs={"bank_size": 512}, system_kwargs={"beta": 3.0}, history=_history(2)),
    EnvDef("kolmogorov", suppress_task("kolmogorov"), "Suppress", version=2, max_steps=200,
           env_kwargs={"bank_size": 512}, history=_history(2)),
    EnvDef("henon", Stabilize, "Stabilize", version=1, max_steps=200,
           task_kwargs=_tol(1e-3, target=0, control_cost=0.0),
           history=_history(1, _PRECISION)),
    # Chaotic ODEs and maps: one or more tasks per system.
    EnvDef("chen", Stabilize, "Stabilize", version=1, max_steps=400,
           task_kwargs=_tol(0.1, target=0, control_cost=1e-3),
           history=_history(1, _PRECISION)),
    EnvDef("chua", Stabilize, "Stabilize", version=1, max_steps=400,
           task_kwargs=_tol(0.05, target=0, control_cost=1e-2),
           history=_history(1, _PRECISION)),
    EnvDef("thomas", Stabilize, "Stabilize", version=1, max_steps=400,
           task_kwargs=_tol(0.05, target=0, control_cost=1e-2),
           history=_history(1, _PRECISION)),
    EnvDef("hindmarsh_rose", Stabilize, "Stabilize", version=1, max_steps=1000,
           task_kwargs=_tol(0.05, target=0, control_cost=1e-2),
           history=_history(1, _PRECISION)),
    EnvDef("double_pendulum", Stabilize, "Stabilize", version=1, max_steps=400,
           task_kwargs=_tol(0.1, target=0, control_cost=1e-3),
           history=_history(1, _PRECISION)),
    EnvDef("mackey_glass", Stabilize, "Stabilize", version=1, max_steps=500,
           task_kwargs=_tol(0.1, target=0, control_cost=1e-2),
           history=_history(1, _PRECISION)),
    EnvDef("logistic", Stabilize, "Stabilize", version=1, max_steps=200,
           task_kwargs=_tol(1e-3, target=0, control_cost=0.0),
           history=_history(1, _PRECISION)),
    EnvDef("chialvo", Stabilize, "Stabilize", version=1, max_steps=400,
           task_kwargs=_tol(0.05, target=0, control_cost=1e-2),
           history=_history(1, _PRECISION)),
    EnvDef("chialvo_ring_star", Stabilize, "Stabilize", version=1, max_steps=400,
           task_kwargs=_tol(0.1, target=0, control_cost=1e-2, squared=True),
           history=_history(1, _PRECISION_SQ)),
    EnvDef("chialvo_ring_star", SuppressActivity, "Suppress", version=1, max_steps=400,
           task_kwargs={"measure": "fixed_point", "control_cost": 1e-2}, history=_history(1)),
    EnvDef("duffing", TrackReference, "Track", version=1, max_steps=600,
           task_kwargs={"component": 0, "setpoints": (1.0, -1.0), "hold": 150,
                        "control_cost": 1e-2, "tolerance": 0.1}, history=_history(1)),
    EnvDef("shear_flow", Laminarize, "Laminarize", version=1, max_steps=1000,
           task_kwargs={"control_cost": 1.0, "laminar_radius": 0.1}, history=_history(1)),
    EnvDef("sabra", SuppressActivity, "Suppress", version=1, max_steps=1000,
           task_kwargs={"measure": "energy", "scale": 0.2, "control_cost": 1.0},
           env_kwargs={"bank_size": 64}, history=_history(1)),
    EnvDef("rossler", StabilizeOrbit, "StabilizeOrbit", version=1, max_steps=3000,
           task_kwargs=_tol(0.05, returns=1, control_cost=1e-2, distance="orbit"),
           history=_history(1, _PRECISION + "; the distance is the exact distance to the "
                            "orbit (was to a 512-point polyline, error up to 1.4e-3); the "
                            "time limit is 3000 steps, 300 time units (was 60), long enough "
                            "for delayed feedback to converge")),
    EnvDef("rossler", Synchronize, "Synchronize", version=1, max_steps=600,
           task_kwargs=_tol(0.1, "sync_radius", control_cost=1e-2),
           history=_history(1, _PRECISION)),
    EnvDef("lorenz", LobeLock, "LobeLock", version=1, max_steps=400,
           task_kwargs={"component": 0, "side": -1.0, "control_cost": 1e-3},
           history=_history(1)),
    EnvDef("lorenz", TrackReference, "Track", version=1, max_steps=400,
           task_kwargs={"component": 0, "setpoints": (8.48528137423857, -8.48528137423857),
                        "hold": 100, "control_cost": 1e-3, "tolerance": 1.0},
           history=_history(1)),
    EnvDef("lorenz", Synchronize, "Synchronize", version=1, max_steps=400,
           task_kwargs=_tol(0.1, "sync_radius", control_cost=1e-3),
           history=_history(1, _PRECISION)),
    EnvDef("chen", Synchronize, "Synchronize", version=1, max_steps=400,
           task_kwargs=_tol(0.1, "sync_radius", control_cost=1e-3),
           history=_history(1, _PRECISION)),
]

_BY_ID: dict[str, EnvDef] = {}


def _index() -> dict[str, EnvDef]:
    if len(_BY_ID) != len(ENVS):
        _BY_ID.clear()
        for d in ENVS:
            if d.id in _BY_ID:
                raise RuntimeError(f"duplicate environment id {d.id}")
            _BY_ID[d.id] = d
    return _BY_ID


def list_envs() -> list[str]:
    """Sorted list of every registered ``chaosgym/...`` id."""
    return sorted(_index())


def env_def(env_id: str) -> EnvDef:
    """The :class:`EnvDef` of a registered id (a clear error lists close matches)."""
    idx = _index()
    if env_id not in idx:
        close = difflib.get_close_matches(env_id, list(idx), n=3)
        hint = f" Did you mean {close}?" if close else ""
        raise gym.error.NameNotFound(
            f"unknown chaosgym environment {env_id!r}.{hint} See chaosgym.list_envs()."
        )
    return idx[env_id]


def make_functional(env_id: str, **kwargs: Any):
    """The pure core (:class:`~chaosgym.envs.functional.FunctionalEnv`) of a registered id."""
    from chaosgym.envs.functional import FunctionalEnv

    d = env_def(env_id)
    spec = systems.get(d.system)
    task = d.task(**d.task_kwargs)
    sys_fields = set(field_names(spec.params))
    task_fields = set(field_names(task.params)) if task.params is not None else set()
    env_kw: dict[str, Any] = {"max_steps": d.max_steps, **d.env_kwargs}
    sys_kw: dict[str, Any] = dict(d.system_kwargs)
    task_kw: dict[str, Any] = {}
    for k, v in kwargs.items():
        if k in ENV_KWARGS:
            env_kw[k] = v
        elif k in sys_fields:
            sys_kw[k] = v
        elif k in task_fields:
            task_kw[k] = v
        elif k in ("system_params", "task_params"):
            env_kw[k] = v
        else:
            valid = sorted(set(ENV_KWARGS) | sys_fields | task_fields)
            raise TypeError(
                f"{env_id} got an unexpected keyword argument {k!r}; valid keywords: {valid}"
            )
    from chaosgym.envs.validation import check_env_kwargs, check_param_overrides

    check_env_kwargs(env_id, env_kw)
    check_param_overrides(env_id, spec.params, sys_kw, "system")
    if task.params is not None:
        check_param_overrides(env_id, task.params, task_kw, "task")
    if sys_kw:
        env_kw["system_params"] = env_kw.get("system_params", spec.params).replace(**sys_kw)
    if task_kw:
        env_kw["task_params"] = env_kw.get("task_params", task.params).replace(**task_kw)
    return FunctionalEnv(spec, task, env_id=env_id, **env_kw)


def default_config(env_id: str) -> dict[str, Any]:
    """The configuration of a registered id: environment keywords with their values, and the
    system parameters the id sets (``EnvSpec.kwargs`` carries it; ``max_steps`` is the spec's
    ``max_episode_steps``)."""
    d = env_def(env_id)
    spec = systems.get(d.system)
    cfg: dict[str, Any] = {
        "actuation": spec.default_actuation, "dt": float(spec.dt),
        "substeps": int(spec.substeps), "integrator": spec.integrator, "dtype": "float32",
        "bank_size": 256, "ic_noise": 1e-3, "seed": 0,
    }
    cfg.update(d.env_kwargs)
    cfg.update(d.system_kwargs)
    return cfg


def canonical_config(env_id: str, **kwargs: Any) -> dict[str, Any]:
    """``default_config(env_id)`` updated by ``kwargs`` (dtypes by name), with ``max_steps``:
    two configurations that build the same environment compare equal."""
    cfg = {**default_config(env_id), "max_steps": env_def(env_id).max_steps, **kwargs}
    try:
        cfg["dtype"] = np.dtype(cfg["dtype"]).name
    except TypeError:
        pass  # the core reports the bad value
    return cfg


def register_all() -> None:
    """Register every id in ``ENVS`` with Gymnasium (idempotent)."""
    for env_id, d in _index().items():
        if env_id in gym.registry:
            continue
        gym.register(
            id=env_id,
            entry_point="chaosgym.envs.adapters.gymnasium:ChaosEnv",
            vector_entry_point="chaosgym.envs.adapters.vector:ChaosVectorEnv",
            max_episode_steps=d.max_steps,
            kwargs={"env_id": env_id, **default_config(env_id)},
            disable_env_checker=False,
        )
