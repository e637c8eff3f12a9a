"""The renderer interface the Gymnasium shell calls, and the drawing shared by all renderers.

:class:`ChaosEnv <chaosgym.gym.env.ChaosEnv>` calls, in this order:

* ``make_renderer(env)`` once, then ``renderer.reset(env)`` after every ``env.reset``;
* ``renderer.record(env, action, reward, info)`` after every ``env.step``;
* ``renderer.frame(env)`` for ``render_mode="rgb_array"`` (an ``(H, W, 3)`` uint8 array) or
  ``renderer.show(env)`` for ``render_mode="human"`` (draws into a pygame window);
* ``renderer.close()`` from ``env.close()``.

Renderers only read ``env.state``, ``env.time``, ``env.params`` and ``env.fenv``; they never
touch the environment's state or random keys, so rendering cannot change the dynamics.
"""

from __future__ import annotations

import collections
import os
from typing import Any

import numpy as np

from chaosgym.render import colors as C
from chaosgym.render._pygame import font, pygame

__all__ = ["Renderer"]

Rect = tuple[int, int, int, int]


class Renderer:
    """Base class: history bookkeeping, window handling, title/stats overlay and action bars.

    Subclasses implement :meth:`draw_main`, which draws the system itself into a rectangle.

    Args:
        env: the (unwrapped) :class:`~chaosgym.gym.env.ChaosEnv`.
        size: frame size ``(width, height)`` in pixels.
        history: number of past states kept for trails and space–time diagrams.
    """

    title_height = 30
    footer_height = 58

    def __init__(self, env: Any, size: tuple[int, int] = (640, 480), history: int = 400) -> None:
        self.width, self.height = int(size[0]), int(size[1])
        if self.width < 160 or self.height < 120:
            raise ValueError(f"renderer size must be at least 160x120, got {size}")
        self.fenv = env.fenv
        self.spec = env.fenv.spec
        self.env_id = getattr(env, "env_id", self.fenv.env_id)
        self.fps = int(getattr(env, "metadata", {}).get("render_fps", 30))
        self.states: collections.deque[np.ndarray] = collections.deque(maxlen=int(history))
        self.actions: collections.deque[np.ndarray] = collections.deque(maxlen=int(history))
        self.rewards: collections.deque[float] = collections.deque(maxlen=int(history))
        self.info: dict[str, Any] = {}
        self.episode_return = 0.0
        self.steps = 0
        self.frames_drawn = 0
        self.events: list[Any] = []
        self.closed = False
        self._surface = None
        self._window = None
        self._clock = None
        self.n_inputs = int(self.fenv.num_inputs)
        self.u_scale = np.asarray(self.fenv.u_scale, np.float64)

    # ------------------------------------------------------------------ interface
    @property
    def shape(self) -> tuple[int, int, int]:
        """Shape of the frames :meth:`frame` returns: ``(height, width, 3)``."""
        return (self.height, self.width, 3)

    def reset(self, env: Any) -> None:
        """Start a new episode at the environment's current state."""
        self.states.clear()
        self.actions.clear()
        self.rewards.clear()
        self.info = {}
        self.episode_return = 0.0
        self.steps = 0
        self.states.append(np.array(env.state, np.float64))
        self.on_reset(env)

    def record(self, env: Any, action: Any, reward: float, info: dict[str, Any]) -> None:
        """Remember the step just taken (state after it, normalised action, reward, info)."""
        self.states.append(np.array(env.state, np.float64))
        self.actions.append(np.asarray(action, np.float64).reshape(-1))
        self.rewards.append(float(reward))
        self.episode_return += float(reward)
        self.steps += 1
        self.info = dict(info)
        self.on_record(env)

    def frame(self, env: Any) -> np.ndarray:
        """The current picture as an ``(H, W, 3)`` uint8 array."""
        surf = self._draw(env)
        pg = pygame()
        return np.ascontiguousarray(pg.surfarray.array3d(surf).transpose(1, 0, 2))

    def show(self, env: Any) -> None:
        """Draw into a pygame window (opened on first use) and process its events."""
        pg = pygame()
        if self._window is None:
            pg.display.init()
            self._window = pg.display.set_mode((self.width, self.height))
            pg.display.set_caption(f"chaosgym — {self.env_id}")
            self._clock = pg.time.Clock()
        surf = self._draw(env)
        self._window.blit(surf, (0, 0))
        pg.display.flip()
        self.events = pg.event.get()
        if any(e.type == pg.QUIT for e in self.events):
            self.closed = True
        if os.environ.get("SDL_VIDEODRIVER") != "dummy" and self._clock is not None:
            self._clock.tick(self.fps)

    def close(self) -> None:
        """Close the window, if one was opened."""
        if self._window is not None:
            pygame().display.quit()
            self._window = None
            self._clock = None
        self._surface = None

    # ------------------------------------------------------------------ hooks
    def on_reset(self, env: Any) -> None:
        """Called after :meth:`reset` (subclasses clear their own buffers)."""

    def on_record(self, env: Any) -> None:
        """Called after :meth:`record` (subclasses update their own buffers)."""

    def draw_main(self, surf: Any, rect: Rect, env: Any) -> None:
        """Draw the system into ``rect`` of ``surf``."""
        raise NotImplementedError

    # ------------------------------------------------------------------ drawing
    def _draw(self, env: Any):
        pg = pygame()
        if self._surface is None:
            self._surface = pg.Surface((self.width, self.height))
        surf = self._surface
        surf.fill(C.BACKGROUND)
        main = (0, self.title_height, self.width,
                self.height - self.title_height - self.footer_height)
        self.draw_main(surf, main, env)
        self._draw_title(surf, env)
        self._draw_footer(surf, env)
        self.frames_drawn += 1
        return surf

    def _draw_title(self, surf: Any, env: Any) -> None:
        pg = pygame()
        pg.draw.rect(surf, C.PANEL, (0, 0, self.width, self.title_height))
        name = self.env_id.split("/")[-1]
        surf.blit(font(24).render(name, True, C.TEXT), (10, 7))
        right = f"t = {float(env.time):7.2f}    step {self.steps}"
        img = font(20).render(right, True, C.MUTED)
        surf.blit(img, (self.width - img.get_width() - 10, 9))

    def stats_lines(self) -> list[tuple[str, tuple[int, int, int]]]:
        """Text lines of the overlay (reward, return and the task's metrics)."""
        lines: list[tuple[str, tuple[int, int, int]]] = []
        if self.rewards:
            lines.append((f"reward {self.rewards[-1]:+.3f}", C.TEXT))
        lines.append((f"return {self.episode_return:+.2f}", C.TEXT))
        for k, v in self.info.items():
            if k in ("diverged", "invalid_action", "captured"):
                continue
            if isinstance(v, float | int | np.floating):
                lines.append((f"{k} {float(v):.4g}", C.TEXT))
        if self.info.get("captured"):
            lines.append(("captured", C.GOOD))
        if self.info.get("diverged"):
            lines.append(("DIVERGED", C.BAD))
        return lines

    def _draw_footer(self, surf: Any, env: Any) -> None:
        pg = pygame()
        y0 = self.height - self.footer_height
        pg.draw.rect(surf, C.PANEL, (0, y0, self.width, self.footer_height))
        # stats, left column
        f = font(18)
        x, y, col_w = 10, y0 + 6, 0
        for text, col in self.stats_lines():
            img = f.render(text, True, col)
            if y + img.get_height() > self.height - 2:
                x, y, col_w = x + col_w + 16, y0 + 6, 0
            surf.blit(img, (x, y))
            col_w = max(col_w, img.get_width())
            y += img.get_height() + 2
        # action bars, right part
        left = max(self.width // 3, x + col_w + 20)
        self.draw_action(surf, (left, y0 + 6, self.width - left - 10, self.footer_height - 12))

    def draw_action(self, surf: Any, rect: Rect) -> None:
        """The last normalised action: one horizontal bar per input (a strip for many)."""
        pg = pygame()
        x, y, w, h = rect
        a = self.actions[-1] if self.actions else np.zeros(self.n_inputs)
        m = a.size
        if m == 0 or w < 40:
            return
        f = font(16)
        if m <= 4:
            row = h / m
            label_w = 90
            for i in range(m):
                yy = int(y + i * row)
                hh = max(4, int(row) - 4)
                cx = x + label_w + (w - label_w) // 2
                half = (w - label_w) // 2
                pg.draw.rect(surf, C.GRID, (x + label_w, yy, w - label_w, hh), 1)
                pg.draw.line(surf, C.MUTED, (cx, yy), (cx, yy + hh))
                v = float(np.clip(a[i], -1.0, 1.0))
                bw = int(abs(v) * half)
                col = C.blend(C.ACCENT, C.TARGET, abs(v))
                bx = cx if v >= 0 else cx - bw
                if bw:
                    pg.draw.rect(surf, col, (bx, yy + 1, bw, hh - 2))
                u = v * (self.u_scale[i] if i < self.u_scale.size else 1.0)
                name = "u" if m == 1 else f"u{i + 1}"
                surf.blit(f.render(f"{name} {u:+.3g}", True, C.TEXT), (x, yy + max(0, hh // 2 - 6)))
        else:
            surf.blit(f.render("action", True, C.MUTED), (x, y))
            bx0 = x + 50
            bw = max(1.0, (w - 50) / m)
            mid = y + h // 2
            pg.draw.line(surf, C.GRID, (bx0, mid), (x + w, mid))
            for i in range(m):
                v = float(np.clip(a[i], -1.0, 1.0))
                hh = int(abs(v) * (h // 2 - 2))
                col = C.blend(C.ACCENT, C.TARGET, abs(v))
                top = mid - hh if v >= 0 else mid
                if hh:
                    pg.draw.rect(surf, col, (int(bx0 + i * bw), top, max(1, int(bw) - 1), hh))

    # ------------------------------------------------------------------ helpers
    def params(self, env: Any) -> Any:
        """The environment's current params (``env.params``, else the defaults)."""
        return getattr(env, "params", None) or self.fenv.default_params

    def target(self, env: Any) -> np.ndarray | None:
        """The task's target state, when the task defines one."""
        task = self.fenv.task
        fn = getattr(task, "target_state", None)
        if fn is None:
            return None
        p = self.params(env)
        t = np.asarray(fn(self.spec, p.system, p.task), np.float64)
        return t if t.shape == (self.fenv.state_dim,) else None


def panel(surf: Any, rect: Rect, label: str | None = None) -> None:
    """A panel background with an optional caption."""
    pg = pygame()
    pg.draw.rect(surf, C.PANEL, rect)
    pg.draw.rect(surf, C.GRID, rect, 1)
    if label:
        surf.blit(font(16).render(label, True, C.MUTED), (rect[0] + 6, rect[1] + 4))
