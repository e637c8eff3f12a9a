"""Input validation at the Gymnasium boundary (numpy, before anything is traced)."""

from __future__ import annotations

import numpy as np


def check_action(action, shape: tuple[int, ...], env_id: str) -> np.ndarray:
    """A float32 copy of ``action``; raise ``ValueError`` on a wrong shape or a non-finite value."""
    try:
        a = np.asarray(action, dtype=np.float32)
    except (TypeError, ValueError) as e:
        raise ValueError(
            f"{env_id}: action must be numeric with shape {shape}; got {action!r}"
        ) from e
    if a.shape != shape:
        if a.size == int(np.prod(shape)) and a.ndim <= 1 and len(shape) <= 1:
            a = a.reshape(shape)
        else:
            raise ValueError(f"{env_id}: action must have shape {shape}, got shape {a.shape}")
    if not np.isfinite(a).all():
        raise ValueError(f"{env_id}: action contains non-finite values (NaN or inf): {a}")
    return a
