"""Phase portraits of low-dimensional ODEs and maps.

* ODEs: a 2-D projection on two chosen state axes, or a 3-D view (optionally rotating), with
  a fading trail, a faint picture of the attractor drawn from uncontrolled trajectories
  started on the environment's attractor bank, the fixed points, and the target.
* Maps: the orbit as a cloud of iterates over the attractor, the latest iterates joined;
  one-dimensional maps are shown as their return map ``(x_k, x_{k+1})``.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from chaosgym.render import colors as C
from chaosgym.render._pygame import font, pygame
from chaosgym.render.base import Rect, Renderer, panel

__all__ = ["MapRenderer", "PhaseRenderer"]


def _background(env: Any, n_traj: int, steps: int) -> np.ndarray:
    """``(k, steps, n)`` uncontrolled trajectories from the attractor bank (one jit call).

    Uses the environment's own control-interval stepper (the dynamics only: no task, no
    observation), falling back to a zero-action ``rollout`` of the pure environment.
    """
    import jax
    import jax.numpy as jnp

    fenv = env.fenv
    params = getattr(env, "params", None) or fenv.default_params
    m = fenv.num_inputs
    step = getattr(fenv, "_step_fn", None)
    if step is not None:
        x0 = fenv.ic_bank[: min(n_traj, fenv.ic_bank.shape[0])]
        u0 = jnp.zeros((m,), fenv.dtype)
        sp = params.system

        def run(x0):
            def body(x, _):
                x = jax.vmap(lambda xi: step(xi, u0, sp))(x)
                return x, x

            return jnp.swapaxes(jax.lax.scan(body, x0, None, length=steps)[1], 0, 1)

        xs = np.asarray(jax.jit(run)(x0), np.float64)
    else:
        def policy(obs):
            return jnp.zeros((m,), fenv.dtype)

        def one(k):
            return fenv.rollout(k, policy, params, steps=steps)["x"]

        keys = jax.random.split(jax.random.key(12345), n_traj)
        xs = np.asarray(jax.jit(jax.vmap(one))(keys), np.float64)
    ok = np.all(np.isfinite(xs) & (np.abs(xs) <= fenv.spec.bound), axis=(1, 2))
    return xs[ok] if ok.any() else xs[:0]


def _catmull_rom(p: np.ndarray, sub: int) -> np.ndarray:
    """Smooth a polyline ``(k, 2)`` by Catmull–Rom interpolation with ``sub`` points per piece."""
    if len(p) < 3 or sub <= 1:
        return p
    q = np.concatenate([p[:1], p, p[-1:]])
    t = np.linspace(0.0, 1.0, sub, endpoint=False)[:, None, None]
    p0, p1, p2, p3 = q[:-3], q[1:-2], q[2:-1], q[3:]
    t2, t3 = t * t, t * t * t
    pts = 0.5 * (2 * p1 + (-p0 + p2) * t + (2 * p0 - 5 * p1 + 4 * p2 - p3) * t2
                 + (-p0 + 3 * p1 - 3 * p2 + p3) * t3)
    pts = pts.transpose(1, 0, 2).reshape(-1, 2)
    return np.concatenate([pts, p[-1:]])


ANGLE_PREFIXES = ("θ", "φ", "phase", "theta", "phi")


def default_axes(labels: tuple[str, ...] | None, n: int) -> tuple[int, ...]:
    """Axes shown by default: 2-D for planar systems and for forced planar oscillators (three
    components, one of them the forcing phase, recognised by its label), else 3-D."""
    if n < 3:
        return (0, 1)
    angles = [i for i, lab in enumerate(labels or ()) if str(lab).startswith(ANGLE_PREFIXES)]
    if n == 3 and len(angles) == 1:
        return tuple(i for i in range(3) if i != angles[0])
    return (0, 1, 2)


class PhaseRenderer(Renderer):
    """Phase portrait of a low-dimensional ODE.

    Args:
        env: the environment.
        axes: two state indices for a 2-D projection, or three for a 3-D view. Default:
            see :func:`default_axes`.
        rotate: degrees the 3-D view turns per drawn frame (0 for a fixed view).
        elevation: viewing elevation of the 3-D view, degrees.
        trail: number of recent states drawn as the bright fading trail.
        background: draw the attractor from uncontrolled trajectories (one jitted rollout).
        size, history: see :class:`~chaosgym.render.base.Renderer`.
    """

    def __init__(
        self,
        env: Any,
        axes: tuple[int, ...] | None = None,
        rotate: float = 0.35,
        elevation: float = 22.0,
        azimuth: float = -55.0,
        trail: int = 120,
        background: bool = True,
        size: tuple[int, int] = (640, 480),
        history: int = 400,
    ) -> None:
        super().__init__(env, size=size, history=history)
        n = self.fenv.state_dim
        if axes is None:
            axes = default_axes(self.spec.labels, n)
        axes = tuple(int(a) for a in axes)
        if len(axes) not in (2, 3) or not all(0 <= a < n for a in axes):
            raise ValueError(f"axes must be 2 or 3 indices in [0, {n}), got {axes}")
        self.axes = axes
        self.three_d = len(axes) == 3
        self.rotate = float(rotate)
        self.elevation = math.radians(float(elevation))
        self.azimuth0 = math.radians(float(azimuth))
        self.trail = int(trail)
        labels = self.spec.labels or tuple(f"x{i + 1}" for i in range(n))
        self.labels = tuple(labels[a] for a in axes)
        if self.spec.kind == "map":
            n_traj, steps = 64, 200
        else:
            n_traj, steps = 24, int(min(400, max(50, math.ceil(20.0 / self.fenv.dt))))
        bank = np.asarray(self.fenv.ic_bank, np.float64)[:, axes]
        self.bg = (_background(env, n_traj, steps)[..., axes] if background
                   else np.zeros((0, 1, len(axes))))
        pts = np.concatenate([bank, self.bg.reshape(-1, len(axes))])
        tgt = self.target(env)
        self._target = None if tgt is None else tgt[list(axes)]
        fps = self.spec.fixed_points
        self._fixed = (np.asarray(fps(self.params(env).system), np.float64)[:, axes]
                       if fps is not None else np.zeros((0, len(axes))))
        lo, hi = np.percentile(pts, 0.5, axis=0), np.percentile(pts, 99.5, axis=0)
        if self._target is not None:
            lo, hi = np.minimum(lo, self._target), np.maximum(hi, self._target)
        self.center = 0.5 * (lo + hi)
        self.half = np.maximum(0.5 * (hi - lo), 1e-9) * 1.08
        self._glow_gain = 2.0

    # ------------------------------------------------------------------ projection
    def _norm(self, X: np.ndarray) -> np.ndarray:
        return (np.asarray(X, np.float64) - self.center) / self.half

    def _project(self, X: np.ndarray, rect: Rect) -> np.ndarray:
        """State coordinates ``(k, len(axes))`` -> pixel coordinates ``(k, 2)``."""
        x, y, w, h = rect
        P = self._norm(X)
        if not self.three_d:
            sx = x + w / 2 + P[:, 0] * (w / 2 - 24)
            sy = y + h / 2 - P[:, 1] * (h / 2 - 24)
            return np.stack([sx, sy], axis=1)
        phi = self.azimuth0 + math.radians(self.rotate * self.frames_drawn)
        c, s = math.cos(phi), math.sin(phi)
        x1 = c * P[:, 0] - s * P[:, 1]
        y1 = s * P[:, 0] + c * P[:, 1]
        ce, se = math.cos(self.elevation), math.sin(self.elevation)
        v = P[:, 2] * ce + y1 * se
        scale = min((w / 2 - 20) / 1.42, (h / 2 - 20) / (ce + 1.42 * se))
        return np.stack([x + w / 2 + x1 * scale, y + h / 2 - v * scale], axis=1)

    # ------------------------------------------------------------------ drawing
    def draw_main(self, surf: Any, rect: Rect, env: Any) -> None:
        pg = pygame()
        x, y, w, h = rect
        inner = (x + 8, y + 6, w - 16, h - 12)
        panel(surf, inner)
        clip = surf.get_clip()
        surf.set_clip(inner)
        if self.three_d:
            self._draw_triad(surf, inner)
        else:
            self._draw_axes(surf, inner)
        self._draw_background(surf, inner)
        for fp in self._fixed:
            if np.max(np.abs(self._norm(fp))) > 1.5:
                continue
            px, py = self._project(fp[None], inner)[0]
            pg.draw.line(surf, C.MUTED, (px - 4, py - 4), (px + 4, py + 4), 1)
            pg.draw.line(surf, C.MUTED, (px - 4, py + 4), (px + 4, py - 4), 1)
        self._draw_trail(surf, inner)
        if self._target is not None:
            px, py = self._project(self._target[None], inner)[0]
            pg.draw.circle(surf, C.TARGET, (int(px), int(py)), 9, 2)
            pg.draw.line(surf, C.TARGET, (px - 14, py), (px + 14, py), 1)
            pg.draw.line(surf, C.TARGET, (px, py - 14), (px, py + 14), 1)
            surf.blit(font(16).render("target", True, C.TARGET), (px + 11, py - 20))
        surf.set_clip(clip)

    def _draw_background(self, surf: Any, rect: Rect) -> None:
        """The attractor as a glow: projected points accumulated into a density image."""
        if not self.bg.size:
            return
        pg = pygame()
        x, y, w, h = rect
        pts = np.concatenate([_catmull_rom(self._project(t, rect), 4) for t in self.bg])
        ix = np.floor(pts[:, 0] - x).astype(np.int64)
        iy = np.floor(pts[:, 1] - y).astype(np.int64)
        ok = (ix >= 0) & (ix < w) & (iy >= 0) & (iy < h)
        acc = np.bincount(ix[ok] * h + iy[ok], minlength=w * h)[: w * h]
        hit = np.flatnonzero(acc)
        level = (1.0 - np.exp(-acc[hit] / self._glow_gain))[:, None]
        px, py = hit // h + x, hit % h + y
        arr = pg.surfarray.pixels3d(surf)
        under = arr[px, py].astype(np.float64)
        glow = np.asarray(C.GLOW, np.float64)
        arr[px, py] = np.clip(under + level * (glow - under), 0, 255).astype(np.uint8)
        del arr

    def _draw_trail(self, surf: Any, rect: Rect) -> None:
        pg = pygame()
        if not self.states:
            return
        X = np.asarray(self.states)[:, self.axes]
        pts = self._project(X, rect)
        old = pts[: max(0, len(pts) - self.trail) + 1]
        if len(old) > 1:
            pg.draw.aalines(surf, (62, 84, 136), False, _catmull_rom(old, 4).tolist())
        recent = pts[-self.trail:]
        smooth = _catmull_rom(recent, 6)
        k = len(smooth)
        for i in range(1, k):
            t = i / max(k - 1, 1)
            col = C.blend((40, 70, 140), C.ACCENT, t) if t < 0.85 else C.blend(
                C.ACCENT, (255, 255, 255), (t - 0.85) / 0.15)
            pg.draw.line(surf, col, smooth[i - 1], smooth[i], 2 if t > 0.5 else 1)
        hx, hy = pts[-1]
        pg.draw.circle(surf, (255, 255, 255), (int(hx), int(hy)), 4)
        pg.draw.circle(surf, C.ACCENT, (int(hx), int(hy)), 7, 1)

    def _draw_axes(self, surf: Any, rect: Rect) -> None:
        pg = pygame()
        x, y, w, h = rect
        f = font(16)
        lo = self.center - self.half
        hi = self.center + self.half
        for frac in (0.25, 0.5, 0.75):
            gx = x + 24 + frac * (w - 48)
            gy = y + 24 + frac * (h - 48)
            pg.draw.line(surf, C.GRID, (gx, y + 1), (gx, y + h - 2))
            pg.draw.line(surf, C.GRID, (x + 1, gy), (x + w - 2, gy))
        surf.blit(f.render(f"{self.labels[0]}  [{lo[0]:.3g}, {hi[0]:.3g}]", True, C.MUTED),
                  (x + w - 170, y + h - 18))
        surf.blit(f.render(f"{self.labels[1]}  [{lo[1]:.3g}, {hi[1]:.3g}]", True, C.MUTED),
                  (x + 6, y + 6))

    def _draw_triad(self, surf: Any, rect: Rect) -> None:
        pg = pygame()
        x, y, _, h = rect
        origin = np.array([x + 46.0, y + h - 46.0])
        basis = self.center + np.eye(3) * self.half
        base = self._project(self.center[None], rect)[0]
        tips = self._project(basis, rect)
        f = font(16)
        for i in range(3):
            d = tips[i] - base
            d = d / max(np.linalg.norm(d), 1e-9) * 28
            end = origin + d
            pg.draw.line(surf, C.MUTED, origin, end, 1)
            surf.blit(f.render(self.labels[i], True, C.MUTED), (end[0] + 2, end[1] - 6))


class MapRenderer(PhaseRenderer):
    """Orbit of a map over its attractor, with the target fixed point marked.

    Takes the arguments of :class:`PhaseRenderer` (2-D axes only; 1-D maps are drawn as the
    return map ``(x_k, x_{k+1})``).
    """

    def __init__(self, env: Any, axes: tuple[int, int] | None = None, trail: int = 12,
                 **kwargs: Any) -> None:
        self.return_map = env.fenv.state_dim == 1
        if self.return_map:
            axes = (0, 0)
        elif axes is None:
            axes = (0, 1)
        if len(axes) != 2:
            raise ValueError(f"map renderers take two axes, got {axes}")
        kwargs.setdefault("rotate", 0.0)
        super().__init__(env, axes=axes, trail=trail, **kwargs)
        if self.return_map:
            self.labels = ("x_k", "x_k+1")
            self.bg = self._pairs_bg(self.bg)

    def _pairs_bg(self, bg: np.ndarray) -> np.ndarray:
        if bg.shape[1] < 2:
            return bg
        return np.stack([bg[:, :-1, 0], bg[:, 1:, 0]], axis=-1)

    def _orbit(self) -> np.ndarray:
        X = np.asarray(self.states)
        if self.return_map:
            if len(X) < 2:
                return np.zeros((0, 2))
            return np.stack([X[:-1, 0], X[1:, 0]], axis=1)
        return X[:, self.axes]

    def draw_main(self, surf: Any, rect: Rect, env: Any) -> None:
        pg = pygame()
        x, y, w, h = rect
        inner = (x + 8, y + 6, w - 16, h - 12)
        panel(surf, inner)
        clip = surf.get_clip()
        surf.set_clip(inner)
        self._draw_axes(surf, inner)
        if self.bg.size:
            pts = self._project(self.bg.reshape(-1, 2), inner).astype(int)
            arr = pg.surfarray.pixels3d(surf)
            ok = ((pts[:, 0] >= inner[0]) & (pts[:, 0] < inner[0] + inner[2])
                  & (pts[:, 1] >= inner[1]) & (pts[:, 1] < inner[1] + inner[3]))
            arr[pts[ok, 0], pts[ok, 1]] = (90, 105, 160)
            del arr
        orbit = self._orbit()
        if len(orbit):
            pts = self._project(orbit, inner)
            k = len(pts)
            for i, (px, py) in enumerate(pts):
                t = (i + 1) / k
                pg.draw.circle(surf, C.blend((50, 80, 150), C.ACCENT, t), (int(px), int(py)), 2)
            recent = pts[-self.trail:]
            for i, (px, py) in enumerate(recent):
                t = (i + 1) / len(recent)
                pg.draw.circle(surf, C.blend((60, 110, 190), (210, 240, 255), t),
                               (int(px), int(py)), 2 + int(2 * t))
            hx, hy = pts[-1]
            pg.draw.circle(surf, (255, 255, 255), (int(hx), int(hy)), 5)
        if self._target is not None:
            tgt = self._target if not self.return_map else np.array(
                [self._target[0], self._target[0]])
            px, py = self._project(tgt[None], inner)[0]
            pg.draw.circle(surf, C.TARGET, (int(px), int(py)), 9, 2)
            surf.blit(font(16).render("target", True, C.TARGET), (px + 11, py - 20))
        surf.set_clip(clip)
