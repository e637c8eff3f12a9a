"""Episodes to videos: MP4 (imageio-ffmpeg) or GIF (Pillow), single or side by side.

* :func:`make_policy` builds the simple policies the CLI and examples use (``zero``,
  ``random``, ``lqr``); a policy is a callable ``policy(env, obs) -> action``.
* :func:`run_episode` plays one episode with a policy and returns its frames (optional) and a
  :class:`EpisodeSummary` (return, final distance, capture time).
* :func:`record_episode` writes one episode; :func:`record_comparison` writes several
  policies from the *same* initial state next to each other (uncontrolled vs controlled).
* :func:`write_video` writes any sequence of frames.

Gymnasium's own ``gymnasium.wrappers.RecordVideo`` also works with every environment
(``render_mode="rgb_array"``).
"""

from __future__ import annotations

import dataclasses
import math
import pathlib
import warnings
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import numpy as np

__all__ = [
    "EpisodeSummary",
    "make_policy",
    "record_comparison",
    "record_episode",
    "run_episode",
    "side_by_side",
    "write_video",
]

Policy = Callable[[Any, np.ndarray], np.ndarray]
POLICIES = ("zero", "random", "lqr")


# ---------------------------------------------------------------------- policies
def make_policy(name: str, env: Any, seed: int = 0) -> Policy:
    """A policy ``(env, obs) -> action`` by name.

    ``"zero"``: no control. ``"random"``: uniform actions. ``"lqr"``: saturated LQR on the
    linearisation at the task's target fixed point
    (:meth:`chaosgym.control.LQRController.for_env`), acting on the true state.
    """
    base = getattr(env, "unwrapped", env)
    shape = base.action_space.shape
    if name == "zero":
        zero = np.zeros(shape, np.float32)
        return lambda env, obs: zero
    if name == "random":
        rng = np.random.default_rng(seed)
        return lambda env, obs: rng.uniform(-1.0, 1.0, shape).astype(np.float32)
    if name == "lqr":
        from chaosgym.control import LQRController

        try:
            ctrl = LQRController.for_env(base.fenv)
        except (ValueError, TypeError, AttributeError) as e:
            raise ValueError(f"{base.env_id}: no LQR policy for this environment ({e})") from e
        K, x_eq = np.asarray(ctrl.K), np.asarray(ctrl.x_eq)
        u_max, scale = np.asarray(ctrl.u_max), np.asarray(ctrl.scale)

        def lqr(env: Any, obs: np.ndarray) -> np.ndarray:
            x = np.asarray(getattr(env, "unwrapped", env).state, np.float64)
            u = np.clip(-K @ (x - x_eq), -u_max, u_max)
            return np.clip(u / scale, -1.0, 1.0).astype(np.float32).reshape(shape)

        return lqr
    raise ValueError(f"unknown policy {name!r}; choose one of {list(POLICIES)}")


# ---------------------------------------------------------------------- episodes
@dataclasses.dataclass
class EpisodeSummary:
    """What happened in one episode.

    Attributes:
        policy: policy name.
        steps: steps taken.
        time: simulated time.
        episode_return: sum of rewards.
        final_distance: ``info["distance"]`` after the last step (``nan`` if not reported).
        capture_time: time from which the state stayed captured to the end (``None`` if it
            was not captured at the end, or the task reports no capture).
        diverged: whether the episode ended by divergence.
        x0: the initial state.
    """

    policy: str
    steps: int
    time: float
    episode_return: float
    final_distance: float
    capture_time: float | None
    diverged: bool
    x0: np.ndarray

    def line(self) -> str:
        """A one-line description."""
        cap = ("not captured" if self.capture_time is None
               else f"captured at t = {self.capture_time:.2f}")
        dist = ("" if math.isnan(self.final_distance)
                else f"final distance {self.final_distance:.4g}, ")
        div = ", DIVERGED" if self.diverged else ""
        return (f"{self.policy:>8s}: {dist}{cap}, return {self.episode_return:.2f} "
                f"over {self.steps} steps{div}")


def run_episode(
    env: Any,
    policy: Policy | str,
    *,
    seed: int | None = 0,
    x0: np.ndarray | None = None,
    steps: int | None = None,
    frames: bool = False,
    every: int = 1,
    name: str | None = None,
    progress: Callable[[int], None] | None = None,
) -> tuple[EpisodeSummary, list[np.ndarray]]:
    """Play one episode (to termination, truncation or ``steps``) and summarise it.

    Args:
        env: an environment from ``gym.make`` (``render_mode="rgb_array"`` if ``frames``).
        policy: a policy ``(env, obs) -> action`` or a name for :func:`make_policy`.
        seed: reset seed. x0: start from this state instead (``options={"x0": x0}``).
        steps: at most this many steps (default: until the episode ends).
        frames: collect ``env.render()`` frames, one every ``every`` steps (and the first).
        name: policy name for the summary.
        progress: called with 1 after every step.
    """
    if isinstance(policy, str):
        name = name or policy
        policy = make_policy(policy, env, seed=seed or 0)
    options = None if x0 is None else {"x0": np.asarray(x0)}
    obs, _ = env.reset(seed=seed, options=options)
    base = getattr(env, "unwrapped", env)
    start = np.asarray(base.state).copy()
    out: list[np.ndarray] = [env.render()] if frames else []
    total, k, captured_since, dist, diverged = 0.0, 0, None, float("nan"), False
    dt = float(base.fenv.dt)
    limit = math.inf if steps is None else int(steps)
    while k < limit:
        obs, r, term, trunc, info = env.step(policy(env, obs))
        k += 1
        total += float(r)
        dist = float(info.get("distance", float("nan")))
        if info.get("captured"):
            captured_since = k if captured_since is None else captured_since
        else:
            captured_since = None
        diverged = bool(info.get("diverged", False))
        if frames and (k % max(1, every) == 0):
            out.append(env.render())
        if progress is not None:
            progress(1)
        if term or trunc:
            break
    cap = None if captured_since is None else captured_since * dt
    summary = EpisodeSummary(name or getattr(policy, "__name__", "policy"), k, k * dt, total,
                             dist, cap, diverged, start)
    return summary, out


# ---------------------------------------------------------------------- frames
def label(frame: np.ndarray, text: str, color: tuple[int, int, int] = (255, 200, 90)) -> np.ndarray:
    """A copy of ``frame`` with ``text`` written in its lower-right corner of the title bar."""
    from chaosgym.render._pygame import font, pygame

    pg = pygame()
    surf = pg.surfarray.make_surface(np.ascontiguousarray(np.asarray(frame).transpose(1, 0, 2)))
    img = font(22).render(text, True, color)
    x = (frame.shape[1] - img.get_width()) // 2
    pg.draw.rect(surf, (20, 23, 36), (x - 6, 4, img.get_width() + 12, 22))
    surf.blit(img, (x, 7))
    return np.ascontiguousarray(pg.surfarray.array3d(surf).transpose(1, 0, 2))


def side_by_side(*frames: np.ndarray, gap: int = 4) -> np.ndarray:
    """Frames of equal height next to each other, separated by a dark gap."""
    h = frames[0].shape[0]
    sep = np.full((h, gap, 3), 5, np.uint8)
    parts: list[np.ndarray] = []
    for i, f in enumerate(frames):
        if f.shape[0] != h:
            raise ValueError("side_by_side needs frames of equal height")
        if i:
            parts.append(sep)
        parts.append(np.asarray(f, np.uint8))
    return np.concatenate(parts, axis=1)


def _resize(frame: np.ndarray, scale: float) -> np.ndarray:
    if scale == 1.0:
        return frame
    from PIL import Image

    h, w = frame.shape[:2]
    size = (max(2, round(w * scale)), max(2, round(h * scale)))
    return np.asarray(Image.fromarray(frame).resize(size, Image.LANCZOS))


def write_video(frames: Iterable[np.ndarray], path: str | pathlib.Path, fps: int = 30,
                scale: float = 1.0) -> pathlib.Path:
    """Write ``(H, W, 3)`` uint8 frames to ``path`` (``.mp4``, ``.gif`` or ``.png``).

    MP4 uses H.264 (yuv420p, so sizes are padded to even numbers); GIF uses an adaptive
    palette shared by all frames (small files); PNG keeps only the last frame (a snapshot).
    ``scale`` resizes the frames first.
    """
    path = pathlib.Path(path)
    suffix = path.suffix.lower()
    frames = [_resize(np.asarray(f, np.uint8), float(scale)) for f in frames]
    if not frames:
        raise ValueError("write_video needs at least one frame")
    path.parent.mkdir(parents=True, exist_ok=True)
    if suffix == ".png":
        from PIL import Image

        Image.fromarray(frames[-1]).save(path, optimize=True)
        return path
    if suffix == ".gif":
        from PIL import Image

        imgs = [Image.fromarray(f) for f in frames]
        # one palette for the whole clip: quantise a mosaic of sample frames
        sample = imgs[:: max(1, len(imgs) // 8)]
        w, h = imgs[0].size
        mosaic = Image.new("RGB", (w, h * len(sample)))
        for i, im in enumerate(sample):
            mosaic.paste(im, (0, i * h))
        pal = mosaic.quantize(colors=128, method=Image.Quantize.MEDIANCUT)
        q = [im.quantize(palette=pal, dither=Image.Dither.NONE) for im in imgs]
        q[0].save(path, save_all=True, append_images=q[1:], duration=round(1000 / fps),
                  loop=0, optimize=True, disposal=1)
        return path
    if suffix in (".mp4", ".m4v", ".mov"):
        try:
            import imageio.v2 as imageio
        except ImportError as e:  # pragma: no cover - exercised only without imageio
            raise ImportError("writing MP4 needs imageio and imageio-ffmpeg: "
                              "pip install 'chaosgym[render]'") from e
        h, w = frames[0].shape[:2]
        ph, pw = h + h % 2, w + w % 2
        with warnings.catch_warnings():
            # the encoder runs in a subprocess; the fork warning JAX triggers is harmless here
            warnings.filterwarnings("ignore", message=r"os\.fork\(\) was called")
            with imageio.get_writer(path, fps=fps, codec="libx264", quality=6,
                                    pixelformat="yuv420p", macro_block_size=1) as writer:
                for f in frames:
                    if (ph, pw) != f.shape[:2]:
                        f = np.pad(f, ((0, ph - h), (0, pw - w), (0, 0)))
                    writer.append_data(f)
        return path
    raise ValueError(f"unsupported video format {suffix!r}: use .mp4, .gif or .png")


# ---------------------------------------------------------------------- recording
def _progress(total: int, desc: str, enabled: bool):
    """A ``(advance, close)`` pair driving a rich progress bar (or nothing)."""
    if not enabled:
        return (lambda n: None), (lambda: None)
    try:
        from rich.progress import Progress
    except ImportError:
        try:
            from tqdm import tqdm
        except ImportError:
            return (lambda n: None), (lambda: None)
        bar = tqdm(total=total, desc=desc, leave=False)
        return bar.update, bar.close
    prog = Progress(transient=True)
    prog.start()
    task = prog.add_task(desc, total=total)
    return (lambda n: prog.advance(task, n)), prog.stop


def record_episode(
    env_id: str,
    path: str | pathlib.Path,
    policy: str | Policy = "lqr",
    *,
    seed: int = 0,
    steps: int | None = None,
    fps: int | None = None,
    every: int = 1,
    scale: float = 1.0,
    render_options: dict[str, Any] | None = None,
    progress: bool = False,
    **make_kwargs: Any,
) -> EpisodeSummary:
    """Record one episode of ``env_id`` under ``policy`` to ``path`` (MP4 or GIF)."""
    import gymnasium as gym

    from chaosgym.render import attach

    env = gym.make(env_id, render_mode="rgb_array", **make_kwargs)
    try:
        if render_options:
            attach(env, **render_options)
        total = steps or int(env.spec.max_episode_steps or 400)
        advance, done = _progress(total, f"recording {env_id}", progress)
        try:
            summary, frames = run_episode(env, policy, seed=seed, steps=steps, frames=True,
                                          every=every, progress=advance)
        finally:
            done()
        write_video(frames, path, fps=fps or env.metadata.get("render_fps", 30), scale=scale)
    finally:
        env.close()
    return summary


def record_comparison(
    env_id: str,
    path: str | pathlib.Path | None,
    policies: Sequence[str] = ("zero", "lqr"),
    *,
    labels: Sequence[str] | None = None,
    seed: int = 0,
    steps: int | None = None,
    fps: int | None = None,
    every: int = 1,
    scale: float = 1.0,
    render_options: dict[str, Any] | None = None,
    progress: bool = False,
    env: Any = None,
    **make_kwargs: Any,
) -> list[EpisodeSummary]:
    """Episodes under several policies from the same initial state, side by side.

    The first episode starts from ``reset(seed=seed)``; the others start from its initial
    state. With ``path=None`` nothing is rendered or written (summaries only). Pass ``env``
    to reuse an environment (it must have ``render_mode="rgb_array"`` when writing).
    """
    import gymnasium as gym

    from chaosgym.render import attach

    want = path is not None
    own = env is None
    if own:
        env = gym.make(env_id, render_mode="rgb_array" if want else None, **make_kwargs)
    labels = list(labels or policies)
    try:
        if want and render_options:
            attach(env, **render_options)
        per = steps or int(env.spec.max_episode_steps or 400)
        advance, done = _progress(per * len(policies), f"simulating {env_id}", progress)
        summaries, clips = [], []
        x0 = None
        try:
            for pol, lab in zip(policies, labels, strict=True):
                s, fr = run_episode(env, pol, seed=seed, x0=x0, steps=steps, frames=want,
                                    every=every, name=lab, progress=advance)
                x0 = s.x0 if x0 is None else x0
                summaries.append(s)
                clips.append([label(f, lab) for f in fr])
        finally:
            done()
        if want:
            n = max(len(c) for c in clips)
            clips = [c + [c[-1]] * (n - len(c)) for c in clips]
            frames = [side_by_side(*fs) for fs in zip(*clips, strict=True)]
            write_video(frames, path, fps=fps or env.metadata.get("render_fps", 30),
                        scale=scale)
    finally:
        if own:
            env.close()
    return summaries
