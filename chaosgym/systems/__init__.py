"""The registry of systems.

``chaosgym.systems.get("lorenz")`` returns the :class:`~chaosgym.systems.base.SystemSpec`.

A system's name is written once, as its spec's ``name``:

* in tree: one module that defines ``SPEC``, plus its module path in :data:`BUILTIN`;
* out of tree: ``chaosgym.systems.register(spec)``, after which :func:`get`, :func:`names`,
  :func:`chaosgym.analysis.spectrum` and :func:`chaosgym.testing.check_system` know it.

Example::

    import dataclasses
    from chaosgym import systems

    lorenz = systems.get("lorenz")
    systems.register(dataclasses.replace(lorenz, name="lorenz_rho99",
                                         params=lorenz.params.replace(rho=99.96)))
"""

from __future__ import annotations

import difflib
import importlib
import re

from chaosgym.systems.base import (
    Actuation,
    Additive,
    Invariant,
    Parametric,
    SystemSpec,
    components,
)

__all__ = [
    "BUILTIN",
    "Actuation",
    "Additive",
    "Invariant",
    "Parametric",
    "SystemSpec",
    "all_specs",
    "components",
    "get",
    "names",
    "register",
    "unregister",
]

#: Modules of the in-tree systems, each defining ``SPEC``. One line per system.
BUILTIN: tuple[str, ...] = (
    "chaosgym.systems.lorenz",
    "chaosgym.systems.rossler",
    "chaosgym.systems.lorenz96",
    "chaosgym.systems.henon",
    "chaosgym.systems.chen",
    "chaosgym.systems.chua",
    "chaosgym.systems.duffing",
    "chaosgym.systems.thomas",
    "chaosgym.systems.hindmarsh_rose",
    "chaosgym.systems.double_pendulum",
    "chaosgym.systems.mackey_glass",
    "chaosgym.systems.shear_flow",
    "chaosgym.systems.sabra",
    "chaosgym.systems.logistic",
    "chaosgym.systems.chialvo",
    "chaosgym.systems.chialvo_ring_star",
    "chaosgym.systems.pde.kuramoto_sivashinsky",
    "chaosgym.systems.pde.ginzburg_landau",
    "chaosgym.systems.pde.nonlinear_schrodinger",
    "chaosgym.systems.pde.burgers",
    "chaosgym.systems.pde.lambda_omega",
    "chaosgym.systems.pde.kolmogorov",
)

_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
_SPECS: dict[str, SystemSpec] = {}  # name -> spec (built-in once loaded, and registered)
_SOURCE: dict[str, str] = {}  # name -> defining module path (built-in systems)
_LOADED = False


def _load_builtin() -> None:
    """Import the built-in system modules once and index their specs by ``SPEC.name``."""
    global _LOADED
    if _LOADED:
        return
    for path in BUILTIN:
        spec = importlib.import_module(path).SPEC
        if spec.name in _SOURCE:
            raise RuntimeError(f"{path} and {_SOURCE[spec.name]} both declare {spec.name!r}")
        _SOURCE[spec.name] = path
        _SPECS.setdefault(spec.name, spec)
    _LOADED = True


def __getattr__(name: str):
    if name == "_MODULES":  # name -> module path of the built-in systems
        _load_builtin()
        return dict(_SOURCE)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _check_spec(spec: SystemSpec) -> None:
    """Cheap consistency checks of a spec; ``ValueError`` names the field at fault."""
    import jax
    import numpy as np

    if not isinstance(spec, SystemSpec):
        raise TypeError(f"register expects a SystemSpec, got {type(spec).__name__}")
    if not isinstance(spec.name, str) or not _NAME.match(spec.name):
        raise ValueError(f"system name must be lower-case letters, digits and '_' starting "
                         f"with a letter, got {spec.name!r}")
    p = spec.params
    n = spec.dim(p)
    if not isinstance(n, int | np.integer) or n < 1:
        raise ValueError(f"{spec.name}: dim(params) must be a positive integer, got {n!r}")
    x = spec.initial_state(jax.random.key(0), p)
    if np.shape(x) != (n,):
        raise ValueError(f"{spec.name}: initial_state returns shape {np.shape(x)}, "
                         f"expected ({n},) from dim(params)")
    if spec.vector_field is not None:
        fx = spec.vector_field(x, p)
        if np.shape(fx) != (n,):
            raise ValueError(f"{spec.name}: vector_field returns shape {np.shape(fx)}, "
                             f"expected ({n},)")
    for aname, act in spec.actuations.items():
        if not isinstance(act, Actuation):
            raise ValueError(f"{spec.name}: actuation {aname!r} is not an Actuation")
    if not (spec.dt > 0 and spec.substeps >= 1 and spec.lyapunov_dt > 0):
        raise ValueError(f"{spec.name}: dt, substeps and lyapunov_dt must be positive")
    for inv in spec.invariants:
        if not isinstance(inv, Invariant):
            raise ValueError(f"{spec.name}: invariants must be Invariant objects, got {inv!r}")


def register(spec: SystemSpec, *, replace: bool = False) -> SystemSpec:
    """Add a system to the registry under ``spec.name`` and return it.

    The spec is checked for consistency first (name, dimensions of ``initial_state`` and
    ``vector_field``, actuations, steps, invariant types). A name already registered raises
    ``ValueError`` unless ``replace=True``. Check its invariants with
    :func:`chaosgym.testing.check_system`.
    """
    _load_builtin()
    _check_spec(spec)
    if spec.name in _SPECS and not replace:
        raise ValueError(f"a system named {spec.name!r} is already registered "
                         "(pass replace=True to replace it)")
    _SPECS[spec.name] = spec
    return spec


def unregister(name: str) -> None:
    """Remove a system added by :func:`register` (built-in systems are restored)."""
    _load_builtin()
    if name not in _SPECS:
        raise KeyError(f"unknown system {name!r}")
    if name in _SOURCE:
        _SPECS[name] = importlib.import_module(_SOURCE[name]).SPEC
    else:
        del _SPECS[name]


def names() -> list[str]:
    """Sorted names of every registered system."""
    _load_builtin()
    return sorted(_SPECS)


def get(name: str) -> SystemSpec:
    """The :class:`SystemSpec` registered under ``name`` (a clear error lists close matches)."""
    _load_builtin()
    try:
        return _SPECS[name]
    except (KeyError, TypeError):
        close = difflib.get_close_matches(str(name), list(_SPECS), n=3)
        hint = f" Did you mean {close}?" if close else ""
        raise KeyError(f"unknown system {name!r}.{hint} Registered systems: {names()}") from None


def all_specs() -> list[SystemSpec]:
    """Every registered system's spec, sorted by name."""
    return [get(n) for n in names()]
