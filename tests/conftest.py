"""Shared fixtures. Environments run float32; analysis tests enter 64-bit mode explicitly."""

from __future__ import annotations

import os

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
os.environ.setdefault("MPLBACKEND", "Agg")

import jax
import pytest


@pytest.fixture
def x64():
    """Run the test body with 64-bit JAX (float64 analysis and invariant checks)."""
    with jax.enable_x64(True):
        yield
