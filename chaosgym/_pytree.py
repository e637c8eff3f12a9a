"""Immutable dataclasses registered as JAX pytrees.

Fields are pytree leaves (so ``jax.vmap`` and ``jax.grad`` can act on them) unless declared
with :func:`static`, in which case they are hashable metadata that fixes shapes (a grid size,
a number of oscillators). Changing a static field changes the compiled program.
"""

from __future__ import annotations

import dataclasses
from typing import Any, TypeVar

import jax

T = TypeVar("T")

__all__ = ["field_names", "pytree_dataclass", "replace", "static"]


def static(default: Any = dataclasses.MISSING, **kwargs: Any) -> Any:
    """A dataclass field that is static pytree metadata (shape-determining, not traced)."""
    return dataclasses.field(default=default, metadata={"static": True}, **kwargs)


def pytree_dataclass(cls: type[T]) -> type[T]:
    """Make ``cls`` a frozen dataclass registered with JAX as a pytree."""
    cls = dataclasses.dataclass(frozen=True)(cls)
    data, meta = [], []
    for f in dataclasses.fields(cls):
        (meta if f.metadata.get("static") else data).append(f.name)
    jax.tree_util.register_dataclass(cls, data_fields=data, meta_fields=meta)
    cls.replace = replace  # type: ignore[attr-defined]
    return cls


def replace(obj: T, **changes: Any) -> T:
    """A copy of a pytree dataclass with some fields changed; unknown names raise TypeError."""
    names = field_names(obj)
    unknown = sorted(set(changes) - set(names))
    if unknown:
        raise TypeError(
            f"{type(obj).__name__} has no field(s) {unknown}; valid fields: {sorted(names)}"
        )
    return dataclasses.replace(obj, **changes)  # type: ignore[type-var]


def field_names(obj: Any) -> tuple[str, ...]:
    """Names of the fields of a dataclass instance or class."""
    return tuple(f.name for f in dataclasses.fields(obj))
