"""Construction-time validation of system parameters.

Parameter dataclasses are rebuilt by JAX inside ``jit``/``vmap`` with traced leaves, so a
check may only look at concrete values: :func:`concrete` returns ``None`` for a tracer and
the checks are skipped there (they already ran when the concrete params were built).
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable
from typing import Any

import numpy as np

__all__ = ["concrete", "require", "require_int"]


def concrete(value: Any) -> float | None:
    """``value`` as a Python float when it is a concrete scalar, else ``None``."""
    if isinstance(value, numbers.Real):
        return float(value)
    if isinstance(value, np.ndarray | np.generic) and np.ndim(value) == 0:
        return float(value)
    try:  # a concrete jax.Array scalar
        import jax

        if isinstance(value, jax.Array) and not isinstance(value, jax.core.Tracer):
            if value.ndim == 0:
                return float(value)
    except Exception:  # pragma: no cover - defensive
        return None
    return None


def require(
    system: str, name: str, value: Any, ok: Callable[[Any], bool], rule: str
) -> None:
    """Raise ``ValueError`` when the concrete ``value`` fails ``ok(v)`` (tracers pass)."""
    v = concrete(value)
    if v is None:
        return
    if not math.isfinite(v) or not ok(v):
        raise ValueError(f"{system}: parameter {name}={value!r} is invalid; it must be {rule}")


def require_int(system: str, name: str, value: Any, minimum: int) -> None:
    """Raise ``ValueError`` unless ``value`` is an integer ``>= minimum`` (static fields)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < minimum:
        raise ValueError(
            f"{system}: parameter {name}={value!r} is invalid; it must be an integer >= {minimum}"
        )
