"""The ``chaosgym`` command line.

Commands::

    chaosgym demo [--video out.mp4]            # LQR vs no control on the Lorenz attractor
    chaosgym list [--plain]                    # every registered id with dimensions
    chaosgym info --env ID                     # equations, spaces, reward, references
    chaosgym play --env ID [--policy ...]      # pygame window; keyboard control where sensible
    chaosgym record --env ID --policy lqr --out run.mp4 [--compare zero]

Every command that takes an environment spells it ``--env ID`` (``train`` and ``evaluate``
too); ``info``, ``play`` and ``record`` also accept the id as their first positional argument,
and the ``chaosgym/`` prefix may be left out (``--env LorenzStabilize-v1``).

Errors a user can fix are one line on stderr, not a traceback: an unknown id or system
(with the closest registered names), and a missing optional dependency (with the
``pip install 'chaosgym[extra]'`` that provides it). ``list`` prints a plain table when
``--plain`` is given or stdout is not a terminal.

Other modules add commands by providing ``register(subparsers)``; each subparser sets
``func(args) -> int`` as its default. They are listed in ``PLUGINS`` and registered when
the module exists (``chaosgym certify``, ``chaosgym train``, ...).
"""

from __future__ import annotations

import argparse
import difflib
import importlib
import importlib.util
import math
import os
import re
import sys
import time
from collections.abc import Sequence
from typing import Any

import numpy as np

__all__ = ["PLUGINS", "UsageError", "build_parser", "env_summary", "main", "plain_roles",
           "resolve_env"]

#: Modules whose ``register(subparsers)`` adds commands (registered when the module exists).
PLUGINS: tuple[str, ...] = (
    "chaosgym.lyapunov.spectrum_cli",
    "chaosgym.lyapunov.cli",
    "chaosgym.baselines.cli",
)

BUILTIN = ("demo", "list", "info", "play", "record")
LABELS = {"zero": "no control", "random": "random", "lqr": "LQR"}
DEMO_ENV = "chaosgym/LorenzStabilize-v1"
PREFIX = "chaosgym/"

#: Distribution names whose import name differs (for the missing-extra hint).
_IMPORT_NAMES = {"python-flint": "flint", "stable-baselines3": "stable_baselines3",
                 "pyyaml": "yaml", "pillow": "PIL", "imageio-ffmpeg": "imageio_ffmpeg",
                 "mkdocs-material": "material", "scikit-learn": "sklearn"}
#: Extras listed after the specific ones when a package appears in several.
_BROAD_EXTRAS = ("all", "dev")


class UsageError(Exception):
    """An error in what the user asked for: printed as one line, exit status 2."""


# ---------------------------------------------------------------------- helpers
def _module_exists(name: str) -> bool:
    parts = name.split(".")
    for i in range(1, len(parts) + 1):
        if importlib.util.find_spec(".".join(parts[:i])) is None:
            return False
    return True


def _console():
    try:
        from rich.console import Console
    except ImportError:
        return None
    return Console(highlight=False)


def _print(text: str = "", style: str | None = None) -> None:
    con = _console()
    if con is None:
        print(text)
    else:
        con.print(text, style=style, markup=False, soft_wrap=True)


def plain_roles(text: str, code: str = "") -> str:
    """Replace Sphinx roles (``:class:`~a.b.C```, ``:func:`f```) by their names.

    ``code`` wraps each name (``"`"`` gives Markdown code spans); ``~`` keeps the last dotted
    part, as Sphinx shows it.
    """

    def one(m: re.Match[str]) -> str:
        target = m.group(2)
        if "<" in target and target.endswith(">"):  # :class:`title <target>`
            return target.split("<")[0].strip()
        name = target.lstrip("~")
        if target.startswith("~"):
            name = name.rsplit(".", 1)[-1]
        if m.group(1) in ("math", "sup", "sub"):
            return name
        return f"{code}{name}{code}"

    return re.sub(r":(?:py:)?(\w+):`([^`]+)`", one, text)


def resolve_env(value: str) -> str:
    """The registered id ``value`` names (``chaosgym/`` optional), or :class:`UsageError`."""
    import chaosgym

    ids = chaosgym.list_envs()
    if value in ids:
        return value
    if PREFIX + value in ids:
        return PREFIX + value
    short = {i.removeprefix(PREFIX): i for i in ids}
    close = difflib.get_close_matches(value.removeprefix(PREFIX), list(short), n=3, cutoff=0.6)
    hint = f"; did you mean {' or '.join(short[c] for c in close)}?" if close else ""
    raise UsageError(f"unknown environment {value!r}{hint} (`chaosgym list` shows all)")


def resolve_system(value: str) -> str:
    """The registered system name ``value`` (case-insensitive), or :class:`UsageError`."""
    from chaosgym import systems

    names = systems.names()
    if value in names:
        return value
    if value.lower() in names:
        return value.lower()
    close = difflib.get_close_matches(value.lower(), names, n=3, cutoff=0.6)
    hint = f"; did you mean {' or '.join(close)}?" if close else ""
    raise UsageError(f"unknown system {value!r}{hint} (registered: {', '.join(names)})")


def _fmt_value(v: Any) -> str:
    """A parameter value for a one-line description (lengths that are multiples of π as such)."""
    if isinstance(v, float):
        r = v / math.pi
        if v != 0 and abs(r * 10 - round(r * 10)) < 1e-9 and abs(v - round(v)) > 1e-9:
            return f"{round(r, 1):g}π"
        return f"{v:g}"
    return str(v)


def _describe(description: str, overrides: dict[str, Any]) -> str:
    """``description`` of a system's defaults, rewritten for one id's parameter overrides.

    ``name=value`` in the text is updated for every overridden ``name``; the other overrides
    are appended, so a listing never quotes a default that the id replaces.
    """
    rest = []
    for k, v in overrides.items():
        new, n = re.subn(rf"(?<![\w]){re.escape(k)}=[^,;)\s]+", f"{k}={_fmt_value(v)}",
                         description)
        if n:
            description = new
        else:
            rest.append(f"{k}={_fmt_value(v)}")
    return description + (f"; {', '.join(rest)}" if rest else "")


def env_summary(env_id: str) -> dict[str, Any]:
    """Facts about a registered id, computed from the registry without building the env."""
    from chaosgym import systems
    from chaosgym.registration import env_def

    d = env_def(env_id)
    spec = systems.get(d.system)
    task = d.task(**d.task_kwargs)
    sp = spec.params.replace(**d.system_kwargs) if d.system_kwargs else spec.params
    tp = task.params
    act_name = d.env_kwargs.get("actuation") or spec.default_actuation
    act = spec.actuation(act_name)
    n_in = int(act.num_inputs(sp))
    scale = np.asarray(act.scale(sp), np.float64)
    dt = float(d.env_kwargs.get("dt", spec.dt))
    return {
        "id": env_id,
        "system": spec.name,
        "title": spec.title,
        "kind": spec.model_kind or spec.kind,
        "task": d.task_name,
        "task_description": getattr(task, "description", ""),
        "description": _describe(spec.description, dict(d.system_kwargs)),
        "system_overrides": dict(d.system_kwargs),
        "state_dim": int(spec.dim(sp)),
        "obs_dim": int(task.observation_dim(spec, sp)),
        "action_dim": n_in,
        "actuation": act_name,
        "actuations": list(spec.actuations),
        "u_max": scale.tolist(),
        "dt": dt,
        "substeps": int(d.env_kwargs.get("substeps", spec.substeps)),
        "integrator": d.env_kwargs.get("integrator", spec.integrator),
        "max_steps": int(d.max_steps),
        "horizon": d.max_steps * dt,
        "version": d.version,
        "history": list(d.history),
        "system_params": sp,
        "task_params": tp,
        "references": list(spec.references),
        "invariants": list(spec.invariants),
        "labels": spec.labels,
        "doc": spec.doc,
        "task_doc": sys.modules[type(task).__module__].__doc__ or "",
    }


def _fmt_params(p: Any) -> str:
    import dataclasses

    if p is None:
        return "-"
    out = []
    for f in dataclasses.fields(p):
        v = getattr(p, f.name)
        if isinstance(v, float):
            v = f"{v:.6g}"
        out.append(f"{f.name}={v}")
    return ", ".join(out)


# ---------------------------------------------------------------------- list / info
def cmd_list(args: argparse.Namespace) -> int:
    """Print every registered id with its dimensions and a one-line description."""
    import chaosgym

    rows = []
    for env_id in chaosgym.list_envs():
        s = env_summary(env_id)
        desc = s["description"] or s["title"]
        if s["task_description"]:
            desc = f"{desc}: {s['task_description']}"
        rows.append((env_id, s["kind"], str(s["state_dim"]), str(s["obs_dim"]),
                     str(s["action_dim"]), desc))
    con = _console()
    if con is not None and not args.plain and sys.stdout.isatty():
        from rich.table import Table

        table = Table(title=f"chaosgym: {len(rows)} environments", title_justify="left")
        for name in ("id", "kind", "state", "obs", "act", "description"):
            table.add_column(name, overflow="fold", no_wrap=name == "id")
        for r in rows:
            table.add_row(*r)
        con.print(table)
    else:
        w = max(len(r[0]) for r in rows)
        print(f"{'id':<{w}}  kind  state    obs  act  description")
        for r in rows:
            print(f"{r[0]:<{w}}  {r[1]:<4}  {r[2]:>5}  {r[3]:>5}  {r[4]:>3}  {r[5]}")
    return 0


def cmd_info(args: argparse.Namespace) -> int:
    """Print the documentation and the facts of one environment."""
    s = env_summary(args.env)
    _print(s["id"], style="bold")
    _print(f"  {s['description']}: {s['task_description']}")
    _print(f"  kind {s['kind']}, state dim {s['state_dim']}, observation Box({s['obs_dim']},), "
           f"action Box({s['action_dim']},) in [-1, 1]")
    _print(f"  actuation '{s['actuation']}' (available: {', '.join(s['actuations'])}), "
           f"|u| <= {np.round(s['u_max'][:4], 6).tolist()}{' ...' if s['action_dim'] > 4 else ''}")
    _print(f"  dt {s['dt']:g} x {s['max_steps']} steps = {s['horizon']:g} time units, "
           f"{s['integrator']} with {s['substeps']} substeps")
    _print(f"  system params: {_fmt_params(s['system_params'])}")
    _print(f"  task params:   {_fmt_params(s['task_params'])}")
    if s["invariants"]:
        _print("  invariants:")
        for inv in s["invariants"]:
            _print(f"    {inv.name} = {inv.value}  ({inv.source})")
    if s["history"]:
        _print("  version history:")
        for line in s["history"]:
            _print(f"    {line}")
    _print()
    _print(plain_roles(s["doc"].strip()))
    if s["task_doc"]:
        _print()
        _print(plain_roles(s["task_doc"].strip()))
    return 0


# ---------------------------------------------------------------------- play
def _render_options(args: argparse.Namespace) -> dict[str, Any]:
    opts: dict[str, Any] = {}
    if getattr(args, "axes", None):
        opts["axes"] = tuple(int(a) for a in args.axes.split(","))
    if getattr(args, "view", None):
        opts["view"] = args.view
    if getattr(args, "rotate", None) is not None:
        opts["rotate"] = float(args.rotate)
    return opts


def cmd_play(args: argparse.Namespace) -> int:
    """Open a pygame window and run episodes (keyboard, zero, random or LQR control)."""
    import gymnasium as gym

    import chaosgym  # noqa: F401  (registers the ids)
    from chaosgym.render import attach
    from chaosgym.render._pygame import pygame
    from chaosgym.render.video import make_policy

    env = gym.make(args.env, render_mode="human")
    base = env.unwrapped
    m = base.action_space.shape[0]
    mode = args.policy or ("keyboard" if m <= 2 else "lqr")
    policy = None
    assist = None
    if mode != "keyboard":
        try:
            policy = make_policy(mode, env, seed=args.seed)
        except ValueError as e:
            _print(f"{e}; using zero control")
            policy, mode = make_policy("zero", env), "zero"
    else:
        try:
            assist = make_policy("lqr", env)
        except ValueError:
            assist = None
    _print(f"{args.env}: {mode} control. "
           + ("Arrow keys push the inputs; hold L for LQR assist; " if mode == "keyboard" else "")
           + "R resets, Esc or Q quits.")
    opts = _render_options(args)
    renderer = attach(env, **opts) if opts else None
    pg = pygame()
    episodes = 0
    steps_total = 0
    try:
        obs, _ = env.reset(seed=args.seed)
        renderer = renderer or base._ensure_renderer()
        while True:
            if mode == "keyboard":
                keys = pg.key.get_pressed()
                a = np.zeros(m, np.float32)
                a[0] = float(keys[pg.K_RIGHT]) - float(keys[pg.K_LEFT])
                if m > 1:
                    a[1] = float(keys[pg.K_UP]) - float(keys[pg.K_DOWN])
                if assist is not None and keys[pg.K_l]:
                    a = np.clip(a + assist(env, obs), -1.0, 1.0).astype(np.float32)
            else:
                a = policy(env, obs)
            obs, _, term, trunc, _ = env.step(a)
            steps_total += 1
            quit_now = renderer.closed
            reset_now = False
            for e in renderer.events:
                if e.type == pg.KEYDOWN and e.key in (pg.K_ESCAPE, pg.K_q):
                    quit_now = True
                if e.type == pg.KEYDOWN and e.key == pg.K_r:
                    reset_now = True
            if quit_now or (args.steps and steps_total >= args.steps):
                break
            if term or trunc or reset_now:
                episodes += 1
                if args.episodes and episodes >= args.episodes:
                    break
                obs, _ = env.reset()
    finally:
        env.close()
    _print(f"played {steps_total} steps")
    return 0


# ---------------------------------------------------------------------- record
def cmd_record(args: argparse.Namespace) -> int:
    """Record an episode (or two policies side by side) to MP4 or GIF."""
    import chaosgym  # noqa: F401
    from chaosgym.render.video import record_comparison, record_episode

    t0 = time.perf_counter()
    opts = _render_options(args)
    common = dict(seed=args.seed, steps=args.steps, fps=args.fps, every=args.every,
                  scale=args.scale, render_options=opts or None, progress=not args.quiet)
    if args.compare:
        pols = (args.compare, args.policy)
        summaries = record_comparison(args.env, args.out, pols,
                                      labels=[LABELS.get(p, p) for p in pols], **common)
    else:
        summaries = [record_episode(args.env, args.out, args.policy, **common)]
    for s in summaries:
        _print(s.line())
    size = os.path.getsize(args.out)
    _print(f"wrote {args.out} ({size / 1e6:.2f} MB) in {time.perf_counter() - t0:.1f} s")
    return 0


# ---------------------------------------------------------------------- demo
def _batch_capture(fenv, ctrl, n_ic: int, steps: int) -> dict[str, np.ndarray]:
    """Capture statistics over ``n_ic`` attractor states, no control vs LQR, one jit."""
    import jax
    import jax.numpy as jnp

    bank = fenv.ic_bank[: min(n_ic, fenv.ic_bank.shape[0])]
    n = bank.shape[0]

    def run(x0, k, on):
        def policy(obs):
            return on * ctrl.action(obs)

        traj = fenv.rollout(k, policy, steps=steps, x0=x0)
        return traj["captured"], traj["distance"], traj["reward"]

    keys = jax.random.split(jax.random.key(1), 2 * n)
    x0 = jnp.concatenate([bank, bank])
    on = jnp.concatenate([jnp.zeros(n), jnp.ones(n)]).astype(fenv.dtype)
    cap, dist, rew = (np.asarray(a) for a in jax.jit(jax.vmap(run))(x0, keys, on))
    held = np.flip(np.cumprod(np.flip(cap, axis=1), axis=1), axis=1).astype(bool)
    captured = held[:, -1]
    t_cap = np.where(captured, (steps - held.sum(axis=1) + 1) * fenv.dt, np.nan)
    return {"captured": captured.reshape(2, n), "t_capture": t_cap.reshape(2, n),
            "final_distance": dist[:, -1].reshape(2, n), "return": rew.sum(1).reshape(2, n)}


def cmd_demo(args: argparse.Namespace) -> int:
    """The main demonstration: LQR stabilises the Lorenz attractor's unstable focus C+."""
    t0 = time.perf_counter()
    import gymnasium as gym

    import chaosgym  # noqa: F401
    from chaosgym.control import LQRController
    from chaosgym.render.video import record_comparison

    env_id = args.env
    want_video = args.video is not None
    env = gym.make(env_id, render_mode="rgb_array" if want_video else None)
    base = env.unwrapped
    fenv = base.fenv
    try:
        ctrl = LQRController.for_env(fenv)
    except ValueError as e:
        env.close()
        raise SystemExit(f"chaosgym demo: {env_id} has no LQR baseline ({e})") from e
    target = ctrl.x_eq
    radius = float(getattr(fenv.default_params.task, "capture_radius", float("nan")))
    steps = args.steps or int(fenv.default_params.max_steps)
    u_max = np.asarray(ctrl.u_max)

    def vec(v: np.ndarray) -> str:
        return "(" + ", ".join(f"{float(c):.4g}" for c in v) + ")"

    _print(f"chaosgym demo: LQR stabilises the chaotic {fenv.spec.title} system at an unstable "
           "fixed point", style="bold")
    _print(f"  env         {env_id}")
    _print(f"  control     every dt = {fenv.dt:g} for {steps} steps ({steps * fenv.dt:g} time "
           f"units); actuation '{fenv.actuation_name}', |u| <= {u_max.max():g}")
    _print(f"  target      {vec(target)}; captured = distance < {radius:g}, held to the end")
    _print("  controller  LQR (Q = I, R = I) on the linearisation at the target, saturated")
    labels = ["no control", "LQR"]
    summaries = record_comparison(env_id, args.video, ("zero", "lqr"), labels=labels,
                                  seed=args.seed, steps=steps, every=args.every,
                                  scale=args.scale, progress=want_video, env=env,
                                  render_options=_render_options(args) or None)
    env.close()
    _print()
    _print(f"One episode from the same attractor state x0 = {vec(summaries[0].x0)} "
           f"(seed {args.seed}):", style="bold")
    _print(f"  {'policy':<12s}{'final distance':>16s}{'capture time':>15s}{'return':>12s}")
    for s in summaries:
        cap = "never" if s.capture_time is None else f"{s.capture_time:.2f}"
        _print(f"  {s.policy:<12s}{s.final_distance:>16.4g}{cap:>15s}{s.episode_return:>12.2f}")
    if args.n_ic > 0:
        stats = _batch_capture(fenv, ctrl, args.n_ic, steps)
        n = stats["captured"].shape[1]
        _print()
        _print(f"{n} attractor states, both policies in one jitted, vmapped rollout:",
               style="bold")
        _print(f"  {'policy':<12s}{'captured':>10s}{'capture time median (min-max)':>32s}"
               f"{'mean return':>14s}")
        for i, name in enumerate(labels):
            c = stats["captured"][i]
            med = "-"
            if c.any():
                tc = stats["t_capture"][i][c]
                med = f"{np.median(tc):.2f} ({tc.min():.2f}-{tc.max():.2f})"
            _print(f"  {name:<12s}{f'{int(c.sum())}/{n}':>10s}{med:>32s}"
                   f"{np.mean(stats['return'][i]):>14.2f}")
    if want_video:
        size = os.path.getsize(args.video)
        _print()
        _print(f"video (left: no control, right: LQR) written to {args.video} "
               f"({size / 1e6:.2f} MB)")
    _print(f"done in {time.perf_counter() - t0:.1f} s")
    return 0


# ---------------------------------------------------------------------- parser
def env_argument(p: argparse.ArgumentParser, default: str | None = None, positional: bool = True,
                 help: str = "registered id, e.g. chaosgym/LorenzStabilize-v1 (prefix optional)",
                 ) -> None:
    """Add the environment argument in the one style of every command: ``--env ID``.

    With ``positional`` the id may also come first without the flag (``chaosgym info ID``, the
    older spelling). :func:`main` reconciles the two and checks the id against the registry.
    """
    p.add_argument("--env", metavar="ID", default=default, help=help)
    if positional:
        p.add_argument("env_positional", nargs="?", metavar="ID", help=argparse.SUPPRESS)
    p.set_defaults(_env_required=default is None)


def build_parser(plugins: bool = True) -> argparse.ArgumentParser:
    """The argument parser (with plug-in commands when ``plugins``)."""
    parser = argparse.ArgumentParser(
        prog="chaosgym",
        description="Gymnasium environments for controlling chaotic dynamics.",
        epilog="Start with: chaosgym demo",
    )
    parser.add_argument("--version", action="version", version=_version())
    sub = parser.add_subparsers(dest="command", metavar="command")

    p = sub.add_parser("demo", help="LQR vs no control on the Lorenz attractor (the main demo)",
                       description=cmd_demo.__doc__)
    p.add_argument("--video", metavar="PATH", help="write the side-by-side video (.mp4 or .gif)")
    env_argument(p, default=DEMO_ENV, positional=False,
                 help="a Stabilize environment (default: %(default)s)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--steps", type=int, default=None, help="steps per episode (default: full)")
    p.add_argument("--n-ic", type=int, default=64,
                   help="attractor states for the batch statistics (0 to skip)")
    p.add_argument("--every", type=int, default=2, help="video: one frame every N steps")
    p.add_argument("--scale", type=float, default=1.0, help="video: resize factor")
    p.add_argument("--rotate", type=float, help="video: 3-D view degrees per frame (0 = fixed)")
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("list", help="registered environments", description=cmd_list.__doc__)
    p.add_argument("--plain", action="store_true", help="plain text instead of a table")
    p.set_defaults(func=cmd_list)

    p = sub.add_parser("info", help="documentation of one environment",
                       description=cmd_info.__doc__)
    env_argument(p)
    p.set_defaults(func=cmd_info)

    def view_args(p: argparse.ArgumentParser) -> None:
        p.add_argument("--axes", help="state axes to show, e.g. 0,2 (2-D) or 0,1,2 (3-D)")
        p.add_argument("--view", choices=["bars", "ring"], help="many-component view")
        p.add_argument("--rotate", type=float, help="3-D view: degrees per frame (0 = fixed)")

    p = sub.add_parser("play", help="run an environment in a window", description=cmd_play.__doc__)
    env_argument(p)
    p.add_argument("--policy", choices=["keyboard", "zero", "random", "lqr"],
                   help="default: keyboard for 1-2 inputs, LQR otherwise")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--steps", type=int, default=0, help="stop after N steps (0: until closed)")
    p.add_argument("--episodes", type=int, default=0, help="stop after N episodes")
    view_args(p)
    p.set_defaults(func=cmd_play)

    p = sub.add_parser("record", help="record an episode to MP4/GIF",
                       description=cmd_record.__doc__)
    env_argument(p)
    p.add_argument("--policy", choices=["zero", "random", "lqr"], default="lqr")
    p.add_argument("--compare", choices=["zero", "random", "lqr"],
                   help="also run this policy from the same state, side by side (left)")
    p.add_argument("--out", required=True,
                   help="output file: .mp4 or .gif (video), .png (the last frame)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--steps", type=int, default=None)
    p.add_argument("--fps", type=int, default=None)
    p.add_argument("--every", type=int, default=1, help="one frame every N steps")
    p.add_argument("--scale", type=float, default=1.0, help="resize factor (e.g. 0.5 for GIFs)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    view_args(p)
    p.set_defaults(func=cmd_record)

    if plugins:
        for name in PLUGINS:
            if _module_exists(name):
                importlib.import_module(name).register(sub)
    return parser


def _version() -> str:
    from chaosgym import __version__

    return f"chaosgym {__version__}"


def _resolve_args(args: argparse.Namespace) -> None:
    """Merge the two spellings of the env argument and check ids and systems (in place)."""
    pos = getattr(args, "env_positional", None)
    if pos is not None:
        if args.env is not None and args.env != pos and resolve_env(args.env) != resolve_env(pos):
            raise UsageError(f"two environments given: --env {args.env} and {pos}")
        args.env = pos
    if getattr(args, "_env_required", False) and args.env is None:
        raise UsageError("the environment is required: --env ID (see `chaosgym list`)")
    if isinstance(getattr(args, "env", None), str):
        args.env = resolve_env(args.env)
    if isinstance(getattr(args, "envs", None), list):
        args.envs = [resolve_env(e) for e in args.envs]
    if isinstance(getattr(args, "system", None), str):
        args.system = resolve_system(args.system)


def _extra_for(module: str) -> str | None:
    """The optional-dependency group of chaosgym that installs ``module`` (from its metadata)."""
    from importlib import metadata

    try:
        reqs = metadata.requires("chaosgym") or []
    except metadata.PackageNotFoundError:
        return None
    found = []
    for r in reqs:
        m = re.match(r"\s*([A-Za-z0-9_.\-]+).*;\s*extra\s*==\s*['\"]([^'\"]+)['\"]", r)
        if m is None:
            continue
        dist, extra = m.group(1).lower(), m.group(2)
        if _IMPORT_NAMES.get(dist, dist.replace("-", "_")) == module:
            found.append(extra)
    found.sort(key=lambda e: e in _BROAD_EXTRAS)
    return found[0] if found else None


def _missing_module(exc: BaseException) -> str | None:
    """The top-level name of the third-party module whose absence caused ``exc``, if any."""
    e: BaseException | None = exc
    while e is not None:
        if isinstance(e, ModuleNotFoundError) and e.name:
            top = e.name.split(".")[0]
            return None if top == "chaosgym" else top
        e = e.__cause__ or e.__context__
    return None


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``chaosgym`` console script.

    Returns the exit status: the command's own, 2 for a usage error (unknown id or system,
    missing argument), 1 when an optional dependency is missing.
    """
    argv = list(sys.argv[1:] if argv is None else argv)
    builtin_only = bool(argv) and argv[0] in BUILTIN
    parser = build_parser(plugins=not builtin_only)
    args = parser.parse_args(argv)
    if getattr(args, "func", None) is None:
        parser.print_help()
        return 0
    prog = f"chaosgym {args.command}"
    try:
        _resolve_args(args)
        return int(args.func(args) or 0)
    except UsageError as e:
        print(f"{prog}: error: {e}", file=sys.stderr)
        return 2
    except ImportError as e:
        missing = _missing_module(e)
        if missing is None:
            raise
        extra = _extra_for(missing)
        how = (f"pip install 'chaosgym[{extra}]'" if extra else f"pip install {missing}")
        print(f"{prog}: error: this needs the optional package {missing!r}, which is not "
              f"installed: {how}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"{prog}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

