"""Every registered id renders headless frames of the declared shape that show the motion."""

from __future__ import annotations

import numpy as np
import pytest

import chaosgym
from chaosgym.render import (
    Field1DRenderer,
    Field2DRenderer,
    MapRenderer,
    PhaseRenderer,
    VectorRenderer,
    attach,
    make_renderer,
    renderer_class,
)

IDS = chaosgym.list_envs()


def _expected_class(env):
    spec, n = env.fenv.spec, env.fenv.state_dim
    if spec.kind == "pde":
        return Field2DRenderer if spec.grid(env.params.system).ndim == 2 else Field1DRenderer
    if n > 4:
        return VectorRenderer
    return MapRenderer if spec.kind == "map" else PhaseRenderer


@pytest.mark.parametrize("env_id", IDS)
def test_rgb_frames_every_id(rgb_envs, env_id):
    env = rgb_envs.get(env_id)
    env.reset(seed=0)
    f0 = env.render()
    r = env.unwrapped._renderer
    assert type(r) is _expected_class(env.unwrapped) is renderer_class(env)
    assert f0.shape == r.shape == (r.height, r.width, 3)
    assert f0.dtype == np.uint8 and f0.flags.c_contiguous
    colours = np.unique(f0.reshape(-1, 3), axis=0)
    assert len(colours) > 50, "frame is (nearly) blank"
    assert f0.std() > 10
    a = np.full(env.action_space.shape, 0.5, np.float32)
    env.step(a)
    env.step(a)
    f1 = env.render()
    assert f1.shape == f0.shape and f1.dtype == np.uint8
    assert np.mean(np.any(f1 != f0, axis=-1)) > 0.005, "frame did not change between steps"


def test_rendering_does_not_change_dynamics(rgb_envs):
    env = rgb_envs.get("chaosgym/LorenzStabilize-v1")
    actions = np.linspace(-1, 1, 6, dtype=np.float32)[:, None]

    def run(render):
        obs, _ = env.reset(seed=7)
        out = [obs]
        for a in actions:
            obs, *_ = env.step(a)
            if render:
                env.render()
            out.append(obs)
        return np.stack(out)

    np.testing.assert_array_equal(run(True), run(False))


def test_phase_options_and_errors(rgb_envs):
    env = rgb_envs.get("chaosgym/LorenzStabilize-v1")
    env.reset(seed=1)
    three_d = env.render()
    r = attach(env, axes=(0, 2), background=False)
    assert not r.three_d and r.labels == ("x", "z")
    env.step(np.zeros(1, np.float32))
    flat = env.render()
    assert flat.shape == three_d.shape and np.any(flat != three_d)
    with pytest.raises(ValueError, match="axes"):
        make_renderer(env, axes=(0, 7))
    attach(env)  # back to the default renderer for other tests


def test_ring_view_and_sizes(rgb_envs):
    env = rgb_envs.get("chaosgym/Lorenz96Stabilize-v1")
    env.reset(seed=0)
    bars = env.render()
    attach(env, view="ring", size=(320, 240))
    ring = env.render()
    assert ring.shape == (240, 320, 3)
    assert len(np.unique(ring.reshape(-1, 3), axis=0)) > 20 and bars.shape == (480, 640, 3)
    with pytest.raises(ValueError, match="view"):
        make_renderer(env, view="pie")
    attach(env)


def test_human_mode_opens_and_closes():
    import gymnasium as gym
    import pygame

    env = gym.make("chaosgym/HenonStabilize-v1", render_mode="human", bank_size=8)
    env.reset(seed=0)
    for _ in range(3):
        env.step(env.action_space.sample())
    assert env.render() is None
    r = env.unwrapped._renderer
    assert r._window is not None and pygame.display.get_surface() is not None
    assert r.steps == 3
    env.close()
    assert env.unwrapped._renderer is None
    assert not pygame.display.get_init()


def test_pde_human_show(rgb_envs):
    import pygame

    env = rgb_envs.get("chaosgym/KuramotoSivashinskyTarget-v2")
    env.reset(seed=0)
    r = make_renderer(env)
    r.reset(env.unwrapped)
    r.show(env.unwrapped)
    assert pygame.display.get_surface().get_size() == (r.width, r.height)
    r.close()
    assert not pygame.display.get_init()


def test_missing_pygame_is_actionable(monkeypatch):
    import sys

    from chaosgym.render import _pygame

    monkeypatch.setattr(_pygame, "_PG", None)
    monkeypatch.setitem(sys.modules, "pygame", None)
    with pytest.raises(ImportError, match=r"pip install 'chaosgym\[render\]'"):
        _pygame.pygame()


def test_default_axes_from_labels():
    from chaosgym.render.phase import default_axes

    assert default_axes(("x", "y"), 2) == (0, 1)
    assert default_axes(("x", "y", "z"), 3) == (0, 1, 2)
    assert default_axes(("x", "v", "θ"), 3) == (0, 1)      # forced oscillator: phase hidden
    assert default_axes(None, 4) == (0, 1, 2)
