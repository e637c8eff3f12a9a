"""Lazy access to pygame, with an actionable error when it is missing.

Renderers draw on off-screen ``pygame.Surface`` objects, which need neither a display nor a
window; only ``render_mode="human"`` opens one. On machines without a display set
``SDL_VIDEODRIVER=dummy`` (done automatically here when no display is available).
"""

from __future__ import annotations

import os
import sys
from types import ModuleType
from typing import Any

_PG: ModuleType | None = None


def pygame() -> ModuleType:
    """The ``pygame`` module, imported on first use with fonts initialised."""
    global _PG
    if _PG is not None:
        return _PG
    if sys.platform.startswith("linux") and not (
        os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")
    ):
        os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
    os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
    try:
        import pygame as pg
    except ImportError as e:  # pragma: no cover - exercised only without pygame
        raise ImportError(
            "chaosgym rendering needs pygame: pip install 'chaosgym[render]' "
            "(or pip install pygame)"
        ) from e
    if not pg.font.get_init():
        pg.font.init()
    _PG = pg
    return pg


_FONTS: dict[int, object] = {}


def font(size: int) -> Any:
    """pygame's default font at ``size`` pixels (cached)."""
    if size not in _FONTS:
        _FONTS[size] = pygame().font.Font(None, size)
    return _FONTS[size]
