"""Renderers for many-component states: high-dimensional ODEs and 1-D / 2-D PDE fields.

* :class:`VectorRenderer` (Lorenz-96, shell models, shear-flow modes, oscillator networks):
  the current amplitudes as bars (or a ring plot with ``view="ring"``), the target level,
  and a scrolling space–time diagram of every component.
* :class:`Field1DRenderer` (Kuramoto–Sivashinsky, Ginzburg–Landau, ...): the current profile
  with the actuator positions, the applied forcing and the target profile, above a scrolling
  space–time diagram. Complex fields show ``|A|`` (and ``Re A`` in the profile).
* :class:`Field2DRenderer` (Kolmogorov flow, reaction–diffusion, ...): the field as a
  colormap with the actuator centres and a colour bar.

Colour scales are fixed per environment from its attractor bank, so colours mean the same
thing in every frame.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

import numpy as np

from chaosgym.render import colors as C
from chaosgym.render._pygame import font, pygame
from chaosgym.render.base import Rect, Renderer, panel

__all__ = ["Field1DRenderer", "Field2DRenderer", "FieldLayout", "VectorRenderer", "field_layout"]


@dataclasses.dataclass(frozen=True)
class FieldLayout:
    """How a flat PDE state vector maps to a field on a grid."""

    ndim: int
    N: int
    L: float
    components: int
    complex_field: bool

    @property
    def points(self) -> int:
        return self.N**self.ndim


def field_layout(env: Any) -> FieldLayout:
    """The grid of a PDE environment: from ``spec.grid(params)`` when the spec provides one,
    otherwise a 1-D real field with one point per state component."""
    spec = env.fenv.spec
    sp = (getattr(env, "params", None) or env.fenv.default_params).system
    n = env.fenv.state_dim
    grid = getattr(spec, "grid", None)
    g = grid(sp) if callable(grid) else grid
    if g is None:
        g = getattr(sp, "grid", None)
        g = g() if callable(g) else g
    if g is not None and hasattr(g, "ndim") and hasattr(g, "N"):
        points = int(g.N) ** int(g.ndim)
        comps = max(1, n // points)
        return FieldLayout(int(g.ndim), int(g.N), float(getattr(g, "L", g.N)), comps,
                           bool(getattr(g, "complex_field", False)))
    return FieldLayout(1, n, float(n), 1, False)


def actuator_matrix(env: Any) -> np.ndarray | None:
    """The ``(n, m)`` actuator matrix of an additive actuation (``None`` otherwise)."""
    act = env.fenv.actuation
    mat = getattr(act, "matrix", None)
    if mat is None:
        return None
    sp = (getattr(env, "params", None) or env.fenv.default_params).system
    B = np.asarray(mat(sp), np.float64)
    return B if B.ndim == 2 and B.shape[0] == env.fenv.state_dim else None


def actuator_centres(B: np.ndarray, N: int, ndim: int) -> np.ndarray:
    """Grid coordinates of each actuator's centre: the circular (periodic) mean of ``|B|``.

    The weights of all field components (``Re A`` and ``Im A``, or ``u`` and ``v``) are
    summed. Returns ``(m,)`` fractional indices in 1-D or ``(m, 2)`` in 2-D.
    """
    P = N**ndim
    comps = max(1, B.shape[0] // P)
    w = np.abs(B[: comps * P]).reshape(comps, P, -1).sum(axis=0).reshape((N,) * ndim + (-1,))
    ang = 2 * np.pi * np.arange(N) / N
    out = []
    for axis in range(ndim):
        other = tuple(a for a in range(ndim) if a != axis)
        wa = w.sum(axis=other) if other else w  # (N, m)
        c = np.cos(ang) @ wa
        s = np.sin(ang) @ wa
        out.append((np.arctan2(s, c) % (2 * np.pi)) * N / (2 * np.pi))
    return out[0] if ndim == 1 else np.stack(out, axis=1)


def _blit_image(surf: Any, rgb: np.ndarray, rect: Rect, smooth: bool = False) -> None:
    """Blit an ``(rows, cols, 3)`` image scaled to ``rect`` (row 0 at the top)."""
    pg = pygame()
    img = pg.surfarray.make_surface(np.ascontiguousarray(rgb.transpose(1, 0, 2)))
    size = (max(1, int(rect[2])), max(1, int(rect[3])))
    img = pg.transform.smoothscale(img, size) if smooth else pg.transform.scale(img, size)
    surf.blit(img, rect[:2])


class _ScalarRenderer(Renderer):
    """Shared bookkeeping: which scalar per grid point is shown and its colour scale."""

    lut = C.DIVERGING

    def _scale_from(self, values: np.ndarray, center: float | None) -> None:
        v = values[np.isfinite(values)]
        if v.size == 0:
            v = np.zeros(1)
        if center is None:
            lo, hi = np.percentile(v, 0.5), np.percentile(v, 99.5)
            pad = 0.05 * max(hi - lo, 1e-9)
            self.lo, self.hi = float(lo - pad), float(hi + pad)
        else:
            r = float(np.percentile(np.abs(v - center), 99.5)) * 1.05
            r = max(r, 1e-9)
            self.lo, self.hi = center - r, center + r

    def _colorbar(self, surf: Any, rect: Rect, label: str) -> None:
        pg = pygame()
        x, y, w, h = rect
        ramp = np.linspace(1.0, 0.0, max(2, int(h)))[:, None].repeat(2, axis=1)
        _blit_image(surf, C.apply(ramp, 0.0, 1.0, self.lut), (x, y, w, h))
        pg.draw.rect(surf, C.GRID, rect, 1)
        f = font(15)
        surf.blit(f.render(f"{self.hi:.3g}", True, C.MUTED), (x - 2, y - 14))
        surf.blit(f.render(f"{self.lo:.3g}", True, C.MUTED), (x - 2, y + h + 2))
        surf.blit(f.render(label, True, C.MUTED), (x - 2, y + h + 14))


class VectorRenderer(_ScalarRenderer):
    """Bars (or a ring plot) of every component plus a space–time diagram.

    Args:
        env: the environment.
        view: ``"bars"`` or ``"ring"``.
        size, history: see :class:`~chaosgym.render.base.Renderer`.
    """

    def __init__(self, env: Any, view: str = "bars", size: tuple[int, int] = (640, 480),
                 history: int = 300) -> None:
        super().__init__(env, size=size, history=history)
        if view not in ("bars", "ring"):
            raise ValueError(f"view must be 'bars' or 'ring', got {view!r}")
        self.view = view
        self.n = self.fenv.state_dim
        tgt = self.target(env)
        self._target = tgt
        bank = np.asarray(self.fenv.ic_bank, np.float64)
        if tgt is not None:
            center = float(np.mean(tgt))
        else:
            center = 0.0 if bank.min() < 0 < bank.max() else None
        self._scale_from(bank.ravel(), center)
        self.labels = self.spec.labels

    def draw_main(self, surf: Any, rect: Rect, env: Any) -> None:
        x, y, w, h = rect
        top_h = int(h * 0.48)
        top = (x + 8, y + 6, w - 16 - 60, top_h - 8)
        bottom = (x + 8, y + top_h + 4, w - 16 - 60, h - top_h - 10)
        if self.view == "ring":
            self._draw_ring(surf, top)
        else:
            self._draw_bars(surf, top)
        self._draw_spacetime(surf, bottom)
        self._colorbar(surf, (x + w - 50, bottom[1] + 16, 14, bottom[3] - 48), "value")

    def _y(self, v: np.ndarray, rect: Rect) -> np.ndarray:
        _, y, _, h = rect
        t = (np.asarray(v) - self.lo) / (self.hi - self.lo)
        return y + h - 4 - np.clip(t, -0.02, 1.02) * (h - 22)

    def _draw_bars(self, surf: Any, rect: Rect) -> None:
        pg = pygame()
        panel(surf, rect, "state components")
        x, y, w, h = rect
        xs = np.asarray(self.states[-1]) if self.states else np.zeros(self.n)
        bw = (w - 12) / self.n
        base = self.lo if self.lo > 0 or self.hi < 0 else 0.0
        if self._target is not None:
            base = float(np.mean(self._target))
        y0 = float(self._y(np.array([base]), rect)[0])
        pg.draw.line(surf, C.GRID, (x + 2, y0), (x + w - 2, y0))
        ys = self._y(xs, rect)
        colors = C.apply(xs, self.lo, self.hi, self.lut)
        for i in range(self.n):
            bx = x + 6 + i * bw
            top, bot = sorted((float(ys[i]), y0))
            pg.draw.rect(surf, tuple(int(c) for c in colors[i]),
                         (int(bx), int(top), max(1, int(bw) - 1), max(1, int(bot - top))))
        if self._target is not None:
            ty = self._y(self._target, rect)
            for i in range(self.n):
                bx = x + 6 + i * bw
                pg.draw.line(surf, C.TARGET, (bx, ty[i]), (bx + max(1.0, bw - 1), ty[i]), 2)
        if self.labels and self.n <= 12:
            f = font(14)
            for i, lab in enumerate(self.labels):
                surf.blit(f.render(str(lab), True, C.MUTED), (x + 6 + i * bw, y + h - 14))

    def _draw_ring(self, surf: Any, rect: Rect) -> None:
        pg = pygame()
        panel(surf, rect, "ring")
        x, y, w, h = rect
        cx, cy = x + w / 2, y + h / 2 + 6
        R = min(w, h) / 2 - 14
        r0 = 0.25 * R
        xs = np.asarray(self.states[-1]) if self.states else np.zeros(self.n)
        th = 2 * np.pi * np.arange(self.n) / self.n - np.pi / 2

        def radius(v):
            return r0 + np.clip((np.asarray(v) - self.lo) / (self.hi - self.lo), 0, 1) * (R - r0)

        pg.draw.circle(surf, C.GRID, (int(cx), int(cy)), int(R), 1)
        pg.draw.circle(surf, C.GRID, (int(cx), int(cy)), int(r0), 1)
        if self._target is not None:
            rt = radius(self._target)
            pts = np.stack([cx + rt * np.cos(th), cy + rt * np.sin(th)], 1)
            pg.draw.aalines(surf, C.TARGET, True, pts.tolist())
        rr = radius(xs)
        pts = np.stack([cx + rr * np.cos(th), cy + rr * np.sin(th)], 1)
        pg.draw.aalines(surf, C.ACCENT, True, pts.tolist())
        colors = C.apply(xs, self.lo, self.hi, self.lut)
        for i in range(self.n):
            pg.draw.circle(surf, tuple(int(c) for c in colors[i]), pts[i].astype(int), 3)

    def _draw_spacetime(self, surf: Any, rect: Rect) -> None:
        hist = self.history_image()
        panel(surf, rect)
        x, y, w, h = rect
        rgb = C.apply(hist, self.lo, self.hi, self.lut)
        rgb[~np.isfinite(hist)] = C.PANEL
        _blit_image(surf, rgb, (x + 1, y + 1, w - 2, h - 2))
        f = font(15)
        surf.blit(f.render("index", True, C.TEXT), (x + 6, y + h - 16))
        surf.blit(f.render("now", True, C.TEXT), (x + 6, y + 3))
        surf.blit(f.render(f"{self.states.maxlen} steps", True, C.TEXT),
                  (x + w - 110, y + h - 16))

    def history_image(self) -> np.ndarray:
        """``(history, n)`` array of past states, newest first (older rows hold ``nan``)."""
        H = self.states.maxlen or len(self.states)
        img = np.full((H, self.n), np.nan)
        if self.states:
            X = np.asarray(self.states)[::-1]
            img[: len(X)] = X
        return img


class Field1DRenderer(_ScalarRenderer):
    """Profile and scrolling space–time diagram of a 1-D field, with actuators and forcing.

    Args:
        env: the environment.
        size, history: see :class:`~chaosgym.render.base.Renderer`.
    """

    def __init__(self, env: Any, size: tuple[int, int] = (640, 480), history: int = 240) -> None:
        super().__init__(env, size=size, history=history)
        self.layout = field_layout(env)
        bank = np.stack([self.scalar(b) for b in np.asarray(self.fenv.ic_bank, np.float64)])
        if self.layout.complex_field:
            self.lut = C.SEQUENTIAL
            self._scale_from(bank.ravel(), None)
            self.lo = 0.0
        else:
            self._scale_from(bank.ravel(), 0.0 if bank.min() < 0 < bank.max() else None)
        tgt = self.target(env)
        self._target = None if tgt is None else self.scalar(tgt)
        B = actuator_matrix(env)
        n = self.layout.N
        self.B = B
        self.act_pos = actuator_centres(B, n, 1) if B is not None else np.zeros(0)
        self.x = np.arange(n) * self.layout.L / n

    def scalar(self, state: np.ndarray) -> np.ndarray:
        """The value shown per grid point: ``u`` (first component) or ``|A|`` if complex."""
        lay = self.layout
        f = np.asarray(state, np.float64)[: lay.components * lay.points]
        f = f.reshape(lay.components, lay.N)
        if lay.complex_field:
            return np.hypot(f[0], f[1])
        return f[0]

    def draw_main(self, surf: Any, rect: Rect, env: Any) -> None:
        x, y, w, h = rect
        top_h = int(h * 0.42)
        top = (x + 8, y + 6, w - 76, top_h - 8)
        bottom = (x + 8, y + top_h + 2, w - 76, h - top_h - 8)
        self._draw_profile(surf, top)
        self._draw_spacetime(surf, bottom)
        name = "|A|" if self.layout.complex_field else (
            self.spec.labels[0] if self.spec.labels else "u")
        self._colorbar(surf, (x + w - 52, bottom[1] + 16, 14, bottom[3] - 48), name)

    def _px(self, rect: Rect, i: np.ndarray) -> np.ndarray:
        x, _, w, _ = rect
        return x + 4 + (np.asarray(i, np.float64) + 0.5) * (w - 8) / self.layout.N

    def _py(self, rect: Rect, v: np.ndarray, lo: float, hi: float) -> np.ndarray:
        _, y, _, h = rect
        t = (np.asarray(v, np.float64) - lo) / max(hi - lo, 1e-12)
        return y + h - 6 - np.clip(t, -0.05, 1.05) * (h - 24)

    def _draw_profile(self, surf: Any, rect: Rect) -> None:
        pg = pygame()
        panel(surf, rect, f"profile on [0, {self.layout.L:.3g})")
        n = self.layout.N
        idx = np.arange(n)
        px = self._px(rect, idx)
        lo, hi = self.lo, self.hi
        zero = self._py(rect, np.array([0.0]), lo, hi)[0]
        if lo < 0 < hi:
            pg.draw.line(surf, C.GRID, (rect[0] + 2, zero), (rect[0] + rect[2] - 2, zero))
        # forcing B @ u on its own scale (bottom band)
        if self.B is not None and self.actions:
            fvec = self.B @ (self.actions[-1] * self.u_scale)
            ff = fvec[:n]
            fmax = float(np.max(np.abs(self.B[:n]) * np.max(self.u_scale))) or 1.0
            fy = rect[1] + rect[3] - 6 - (0.5 + 0.45 * ff / fmax) * min(60, rect[3] * 0.4)
            pg.draw.aalines(surf, C.TARGET, False, np.stack([px, fy], 1).tolist())
            surf.blit(font(14).render("forcing", True, C.TARGET),
                      (rect[0] + rect[2] - 56, rect[1] + rect[3] - 16))
        if self._target is not None:
            ty = self._py(rect, self._target, lo, hi)
            pts = np.stack([px, ty], 1)
            for i in range(0, n - 1, 2):
                pg.draw.line(surf, C.MUTED, pts[i], pts[i + 1], 1)
        if self.states:
            s = np.asarray(self.states[-1])
            if self.layout.complex_field:
                lay = self.layout
                re = s[: lay.points]
                ry = self._py(rect, re, -hi, hi)
                pg.draw.aalines(surf, (120, 130, 200), False, np.stack([px, ry], 1).tolist())
            u = self.scalar(s)
            uy = self._py(rect, u, lo, hi)
            pg.draw.aalines(surf, C.ACCENT, False, np.stack([px, uy], 1).tolist())
            pg.draw.aalines(surf, C.ACCENT, False, np.stack([px, uy + 1], 1).tolist())
        for p in self.act_pos:
            ax = float(self._px(rect, np.array([p]))[0])
            yb = rect[1] + rect[3] - 3
            pg.draw.polygon(surf, C.TARGET, [(ax, yb - 9), (ax - 5, yb), (ax + 5, yb)])

    def _draw_spacetime(self, surf: Any, rect: Rect) -> None:
        pg = pygame()
        panel(surf, rect)
        x, y, w, h = rect
        H = self.states.maxlen or len(self.states)
        img = np.full((H, self.layout.N), np.nan)
        if self.states:
            rows = np.stack([self.scalar(s) for s in list(self.states)[::-1]])
            img[: len(rows)] = rows
        rgb = C.apply(img, self.lo, self.hi, self.lut)
        rgb[~np.isfinite(img)] = C.PANEL
        inner = (x + 4, y + 1, w - 8, h - 2)
        _blit_image(surf, rgb, inner)
        for p in self.act_pos:
            ax = float(self._px(rect, np.array([p]))[0])
            for yy in range(int(y + 2), int(y + h - 2), 8):
                pg.draw.line(surf, C.TARGET, (ax, yy), (ax, min(yy + 3, y + h - 2)), 1)
        f = font(15)
        surf.blit(f.render("x", True, C.TEXT), (x + 8, y + h - 16))
        surf.blit(f.render("now", True, C.TEXT), (x + 8, y + 3))
        span = H * self.fenv.dt
        surf.blit(f.render(f"time: {span:.3g} units down", True, C.TEXT), (x + w - 150, y + h - 16))


class Field2DRenderer(_ScalarRenderer):
    """A 2-D field as a colormap with its actuators.

    Args:
        env: the environment.
        component: which real component to show (ignored for complex fields, shown as ``|A|``).
        size, history: see :class:`~chaosgym.render.base.Renderer`.
    """

    def __init__(self, env: Any, component: int = 0, size: tuple[int, int] = (640, 480),
                 history: int = 8) -> None:
        super().__init__(env, size=size, history=history)
        self.layout = field_layout(env)
        self.component = int(component)
        if not 0 <= self.component < self.layout.components:
            raise ValueError(f"component must be in [0, {self.layout.components}), "
                             f"got {component}")
        bank = np.stack([self.scalar(b) for b in np.asarray(self.fenv.ic_bank, np.float64)])
        if self.layout.complex_field:
            self.lut = C.SEQUENTIAL
            self._scale_from(bank.ravel(), None)
            self.lo = 0.0
        else:
            center = 0.0 if bank.min() < 0 < bank.max() else None
            self._scale_from(bank.ravel(), center)
        B = actuator_matrix(env)
        N = self.layout.N
        self.act_pos = actuator_centres(B, N, 2) if B is not None else np.zeros((0, 2))
        labels = self.spec.labels
        self.name = "|A|" if self.layout.complex_field else (
            labels[self.component] if labels and len(labels) > self.component else "field")

    def scalar(self, state: np.ndarray) -> np.ndarray:
        """The ``(N, N)`` field shown (``[i, j]`` = value at ``(x_i, y_j)``)."""
        lay = self.layout
        f = np.asarray(state, np.float64)[: lay.components * lay.points]
        f = f.reshape(lay.components, lay.N, lay.N)
        if lay.complex_field:
            return np.hypot(f[0], f[1])
        return f[self.component]

    def draw_main(self, surf: Any, rect: Rect, env: Any) -> None:
        pg = pygame()
        x, y, w, h = rect
        side = int(min(w - 110, h - 12))
        fx, fy = x + (w - 90 - side) // 2, y + 6
        field = self.scalar(self.states[-1]) if self.states else np.zeros((self.layout.N,) * 2)
        # rows of the image are y (top = largest y), columns x
        img = C.apply(field.T[::-1], self.lo, self.hi, self.lut)
        _blit_image(surf, img, (fx, fy, side, side), smooth=True)
        pg.draw.rect(surf, C.GRID, (fx - 1, fy - 1, side + 2, side + 2), 1)
        N = self.layout.N
        for i, j in self.act_pos:
            ax = fx + (i + 0.5) * side / N
            ay = fy + side - (j + 0.5) * side / N
            pg.draw.circle(surf, C.TARGET, (int(ax), int(ay)), 6, 2)
        f = font(16)
        cap = f.render(f"{self.name} on [0, {self.layout.L:.3g})^2", True, C.TEXT)
        pg.draw.rect(surf, C.PANEL, (fx + 2, fy + 2, cap.get_width() + 8, cap.get_height() + 4))
        surf.blit(cap, (fx + 6, fy + 4))
        cb_x = fx + side + 34
        self._colorbar(surf, (cb_x, fy + 18, 14, side - 56), self.name)
        if self.states:
            rms = math.sqrt(float(np.mean(field**2)))
            surf.blit(f.render(f"rms {rms:.3g}", True, C.MUTED), (cb_x - 8, fy + side - 12))
