"""Palette and colormaps (256-entry uint8 lookup tables built from a few anchor colours).

``diverging`` (blue–white–red) suits signed fields such as the Kuramoto–Sivashinsky ``u`` or a
vorticity; ``sequential`` (black–purple–orange–yellow) suits non-negative ones such as ``|A|``.
"""

from __future__ import annotations

import numpy as np

BACKGROUND = (11, 13, 22)
PANEL = (20, 23, 36)
GRID = (44, 48, 66)
TEXT = (222, 224, 234)
MUTED = (140, 146, 170)
TARGET = (255, 150, 40)
ACCENT = (90, 200, 255)
GOOD = (90, 220, 120)
BAD = (240, 90, 90)
ATTRACTOR = (60, 70, 110)
GLOW = (95, 110, 190)


def _lut(anchors: list[tuple[float, tuple[int, int, int]]]) -> np.ndarray:
    pos = np.array([a[0] for a in anchors])
    rgb = np.array([a[1] for a in anchors], dtype=np.float64)
    t = np.linspace(0.0, 1.0, 256)
    out = np.stack([np.interp(t, pos, rgb[:, c]) for c in range(3)], axis=1)
    return np.clip(np.round(out), 0, 255).astype(np.uint8)


DIVERGING = _lut([
    (0.0, (20, 50, 120)),
    (0.2, (45, 115, 190)),
    (0.4, (150, 195, 225)),
    (0.5, (240, 240, 240)),
    (0.6, (240, 180, 150)),
    (0.8, (205, 80, 60)),
    (1.0, (110, 10, 30)),
])

SEQUENTIAL = _lut([
    (0.0, (5, 5, 20)),
    (0.25, (70, 15, 105)),
    (0.5, (175, 50, 95)),
    (0.75, (245, 125, 40)),
    (1.0, (250, 245, 160)),
])


def apply(values: np.ndarray, lo: float, hi: float, lut: np.ndarray) -> np.ndarray:
    """Map ``values`` linearly from ``[lo, hi]`` onto ``lut``; returns ``(..., 3)`` uint8."""
    span = hi - lo if hi > lo else 1.0
    t = np.nan_to_num((np.asarray(values, np.float64) - lo) / span, nan=0.5)
    idx = np.clip((t * 255.0).astype(np.int64), 0, 255)
    return lut[idx]


def blend(c1: tuple[int, int, int], c2: tuple[int, int, int], t: float) -> tuple[int, int, int]:
    """Linear blend of two colours (``t=0`` gives ``c1``)."""
    t = min(max(float(t), 0.0), 1.0)
    return tuple(round(a + (b - a) * t) for a, b in zip(c1, c2, strict=True))
