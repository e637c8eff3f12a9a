"""The registry of systems: one module per system, listed explicitly below.

``chaosgym.systems.get("lorenz")`` returns the :class:`~chaosgym.systems.base.SystemSpec`.
To add a system, write one module that defines ``SPEC`` and add one line to ``_MODULES``.
"""

from __future__ import annotations

import difflib
import importlib

from chaosgym.systems.base import (
    Actuation,
    Additive,
    Invariant,
    Parametric,
    SystemSpec,
    components,
)

__all__ = [
    "Actuation",
    "Additive",
    "Invariant",
    "Parametric",
    "SystemSpec",
    "all_specs",
    "components",
    "get",
    "names",
]

# name -> module path. One line per system.
_MODULES: dict[str, str] = {
    "lorenz": "chaosgym.systems.lorenz",
    "rossler": "chaosgym.systems.rossler",
    "lorenz96": "chaosgym.systems.lorenz96",
    "henon": "chaosgym.systems.henon",
    "chen": "chaosgym.systems.chen",
    "chua": "chaosgym.systems.chua",
    "duffing": "chaosgym.systems.duffing",
    "thomas": "chaosgym.systems.thomas",
    "hindmarsh_rose": "chaosgym.systems.hindmarsh_rose",
    "double_pendulum": "chaosgym.systems.double_pendulum",
    "mackey_glass": "chaosgym.systems.mackey_glass",
    "shear_flow": "chaosgym.systems.shear_flow",
    "sabra": "chaosgym.systems.sabra",
    "logistic": "chaosgym.systems.logistic",
    "chialvo": "chaosgym.systems.chialvo",
    "chialvo_ring_star": "chaosgym.systems.chialvo_ring_star",
    "kuramoto_sivashinsky": "chaosgym.systems.pde.kuramoto_sivashinsky",
    "ginzburg_landau": "chaosgym.systems.pde.ginzburg_landau",
    "nonlinear_schrodinger": "chaosgym.systems.pde.nonlinear_schrodinger",
    "burgers": "chaosgym.systems.pde.burgers",
    "lambda_omega": "chaosgym.systems.pde.lambda_omega",
    "kolmogorov": "chaosgym.systems.pde.kolmogorov",
}

_CACHE: dict[str, SystemSpec] = {}


def names() -> list[str]:
    """Sorted names of every registered system."""
    return sorted(_MODULES)


def get(name: str) -> SystemSpec:
    """The :class:`SystemSpec` registered under ``name`` (a clear error lists close matches)."""
    if name not in _MODULES:
        close = difflib.get_close_matches(name, list(_MODULES), n=3)
        hint = f" Did you mean {close}?" if close else ""
        raise KeyError(f"unknown system {name!r}.{hint} Registered systems: {names()}")
    if name not in _CACHE:
        spec = importlib.import_module(_MODULES[name]).SPEC
        if spec.name != name:
            raise RuntimeError(f"module {_MODULES[name]} declares SPEC.name={spec.name!r}")
        _CACHE[name] = spec
    return _CACHE[name]


def all_specs() -> list[SystemSpec]:
    """Every registered system's spec, sorted by name."""
    return [get(n) for n in names()]
