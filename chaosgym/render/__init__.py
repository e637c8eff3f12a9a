"""Pygame renderers chosen from what a system *is* (its kind and the shape of its state).

``gym.make(id, render_mode="rgb_array")`` and ``render_mode="human"`` use
:func:`make_renderer` automatically. The choice:

============================  =====================================================
system                        renderer
============================  =====================================================
ODE, state dimension ≤ 4      :class:`PhaseRenderer`: 3-D (rotating) or 2-D phase
                              portrait, fading trail, attractor, fixed points, target
map, state dimension ≤ 4      :class:`MapRenderer`: orbit over the attractor
ODE or map, dimension > 4     :class:`VectorRenderer`: bars or ring + space–time
PDE on a 1-D grid             :class:`Field1DRenderer`: profile + space–time
PDE on a 2-D grid             :class:`Field2DRenderer`: colormap
============================  =====================================================

Options reach the renderer through :func:`attach`::

    env = gym.make("chaosgym/LorenzStabilize-v1", render_mode="rgb_array")
    chaosgym.render.attach(env, axes=(0, 2))          # x–z projection instead of 3-D
    env.reset(seed=0); frame = env.render()

Rendering reads the environment's state and never changes its dynamics. Frames are drawn on
off-screen surfaces, so ``rgb_array`` works without a display (``SDL_VIDEODRIVER=dummy``).
"""

from __future__ import annotations

from typing import Any

from chaosgym.render.base import Renderer
from chaosgym.render.field import (
    Field1DRenderer,
    Field2DRenderer,
    VectorRenderer,
    field_layout,
)
from chaosgym.render.phase import MapRenderer, PhaseRenderer

__all__ = [
    "Field1DRenderer",
    "Field2DRenderer",
    "MapRenderer",
    "PhaseRenderer",
    "Renderer",
    "VectorRenderer",
    "attach",
    "make_renderer",
    "renderer_class",
]

#: ODEs and maps with more state components than this get the many-component view.
LOW_DIM = 4


def renderer_class(env: Any) -> type[Renderer]:
    """The renderer class for an environment, chosen by system kind and state shape."""
    env = getattr(env, "unwrapped", env)
    spec = env.fenv.spec
    n = env.fenv.state_dim
    if spec.kind == "pde":
        return Field2DRenderer if field_layout(env).ndim == 2 else Field1DRenderer
    if n > LOW_DIM:
        return VectorRenderer
    return MapRenderer if spec.kind == "map" else PhaseRenderer


def make_renderer(env: Any, **options: Any) -> Renderer:
    """A renderer for ``env`` (a :class:`~chaosgym.gym.env.ChaosEnv`, wrapped or not).

    ``options`` go to the renderer class (``size=(w, h)``, ``axes=...``, ``view=...``,
    ``rotate=...``, ``history=...``; see each class).
    """
    env = getattr(env, "unwrapped", env)
    return renderer_class(env)(env, **options)


def attach(env: Any, **options: Any) -> Renderer:
    """Give ``env`` a renderer built with ``options`` (replacing the default one)."""
    base = getattr(env, "unwrapped", env)
    old = getattr(base, "_renderer", None)
    if old is not None:
        old.close()
    r = make_renderer(base, **options)
    base._renderer = r
    if getattr(base, "_state", None) is not None:
        r.reset(base)
    return r
