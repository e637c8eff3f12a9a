"""Former public names kept working with a ``DeprecationWarning``."""

from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping
from typing import Any


def alias_getattr(module: str, namespace: dict[str, Any],
                  renamed: Mapping[str, str]) -> Callable[[str], Any]:
    """A module ``__getattr__`` that serves each old name in ``renamed`` as its new one.

    ``namespace`` is the module's ``globals()``; accessing ``module.old`` warns and returns
    ``namespace[renamed[old]]``. Other unknown names raise ``AttributeError`` as usual.
    """

    def __getattr__(name: str) -> Any:
        if name in renamed:
            new = renamed[name]
            warnings.warn(f"{module}.{name} is deprecated; use {module}.{new}",
                          DeprecationWarning, stacklevel=2)
            return namespace[new]
        raise AttributeError(f"module {module!r} has no attribute {name!r}")

    return __getattr__
