"""Validation of construction arguments, done once before anything is traced.

Every adapter builds its core through :func:`chaosgym.make_functional`, which calls
:func:`check_env_kwargs` and :func:`check_param_overrides`; errors are ``TypeError`` (wrong
kind of value) or ``ValueError`` (wrong value) naming the parameter, never an error from deep
inside JAX or XLA (reshape, MLIR, integer overflow).
"""

from __future__ import annotations

import dataclasses
import math
import numbers
from typing import Any

import numpy as np

__all__ = ["check_env_kwargs", "check_int", "check_param_overrides"]

_INT32 = 2**31


def check_int(name: str, v: Any, lo: int, hi: int = _INT32, env_id: str = "") -> int:
    """``v`` as an int in ``[lo, hi)``: ``ValueError`` for a non-integer number or one out of
    range, ``TypeError`` for anything else."""
    prefix = f"{env_id}: " if env_id else ""
    if isinstance(v, bool | np.bool_) or not isinstance(v, numbers.Integral):
        if isinstance(v, numbers.Real) and not isinstance(v, bool | np.bool_):
            raise ValueError(f"{prefix}{name} must be an integer, got {v!r}")
        raise TypeError(f"{prefix}{name} must be an integer, got {v!r}")
    v = int(v)
    if not lo <= v < hi:
        raise ValueError(f"{prefix}{name} must be in [{lo}, {hi}), got {v}")
    return v


def _real(name: str, v: Any, env_id: str, lo: float | None = None, strict: bool = False) -> float:
    if isinstance(v, bool | np.bool_) or not isinstance(v, numbers.Real):
        raise TypeError(f"{env_id}: {name} must be a real number, got {v!r}")
    v = float(v)
    if not math.isfinite(v):
        raise ValueError(f"{env_id}: {name} must be finite, got {v}")
    if lo is not None and (v <= lo if strict else v < lo):
        raise ValueError(f"{env_id}: {name} must be {'>' if strict else '>='} {lo}, got {v}")
    return v


def check_env_kwargs(env_id: str, kw: dict[str, Any]) -> None:
    """Environment keywords: ``max_steps``, ``substeps``, ``bank_size``, ``seed`` (integers),
    ``dt`` (> 0), ``ic_noise`` (finite, >= 0), ``dtype`` (float32/float64), ``actuation`` and
    ``integrator`` (names)."""
    if kw.get("max_steps") is not None:
        check_int("max_steps", kw["max_steps"], 1, env_id=env_id)
    if kw.get("substeps") is not None:
        check_int("substeps", kw["substeps"], 1, 100_000, env_id=env_id)
    if "bank_size" in kw:
        check_int("bank_size", kw["bank_size"], 1, 1_000_000, env_id=env_id)
    if "seed" in kw:
        check_int("seed", kw["seed"], 0, 2**32, env_id=env_id)
    if kw.get("dt") is not None:
        _real("dt", kw["dt"], env_id, 0.0, strict=True)
    if "ic_noise" in kw:
        _real("ic_noise", kw["ic_noise"], env_id, 0.0)
    if "dtype" in kw:
        try:
            dt = np.dtype(kw["dtype"])
        except TypeError as e:
            raise ValueError(f"{env_id}: dtype must be float32 or float64, got "
                             f"{kw['dtype']!r}") from e
        if dt.name not in ("float32", "float64"):
            raise ValueError(f"{env_id}: dtype must be float32 or float64, got {dt.name} "
                             "(half precision and integer states are not supported)")
    for name in ("actuation", "integrator"):
        if kw.get(name) is not None and not isinstance(kw[name], str):
            raise TypeError(f"{env_id}: {name} must be a name (str), got {kw[name]!r}")


_NON_NEGATIVE = ("cost", "radius", "tolerance", "scale", "hold")
_POSITIVE = ("precision",)


def check_param_overrides(env_id: str, params: Any, overrides: dict[str, Any],
                          what: str) -> None:
    """Overrides of a params dataclass: leaves must be finite real numbers or arrays (costs,
    radii, tolerances, scales non-negative; precisions positive); static fields keep the kind
    of their default (an int stays an int, in int32 range)."""
    fields = {f.name: f for f in dataclasses.fields(params)}
    for name, v in overrides.items():
        f = fields[name]
        default = getattr(params, name)
        if f.metadata.get("static"):
            if isinstance(default, bool):
                if not isinstance(v, bool | np.bool_):
                    raise TypeError(f"{env_id}: {what} parameter {name} must be a bool, "
                                    f"got {v!r}")
            elif isinstance(default, numbers.Integral):
                check_int(f"{what} parameter {name}", v, -_INT32, env_id=env_id)
            elif isinstance(default, str) and not isinstance(v, str):
                raise TypeError(f"{env_id}: {what} parameter {name} must be a str, got {v!r}")
            continue
        if isinstance(v, bool | np.bool_ | str | bytes) or v is None:
            raise TypeError(f"{env_id}: {what} parameter {name} must be a real number or "
                            f"array, got {v!r}")
        try:
            a = np.asarray(v)
        except Exception as e:
            raise TypeError(f"{env_id}: {what} parameter {name} must be a real number or "
                            f"array, got {v!r}") from e
        if a.dtype.kind not in "fiu":
            raise TypeError(f"{env_id}: {what} parameter {name} must be real-valued, got "
                            f"dtype {a.dtype}")
        if not np.isfinite(a).all():
            raise ValueError(f"{env_id}: {what} parameter {name} must be finite, got {v!r}")
        if np.shape(default) != a.shape:
            raise ValueError(f"{env_id}: {what} parameter {name} must have shape "
                             f"{np.shape(default)}, got {a.shape}")
        if name.endswith(_NON_NEGATIVE) and (a < 0).any():
            raise ValueError(f"{env_id}: {what} parameter {name} must be >= 0, got {v!r}")
        if name.endswith(_POSITIVE) and (a <= 0).any():
            raise ValueError(f"{env_id}: {what} parameter {name} must be > 0, got {v!r}")
