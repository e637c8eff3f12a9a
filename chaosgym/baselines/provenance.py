"""Provenance of a result: library versions, the git commit and the command line."""

from __future__ import annotations

import contextlib
import os
import platform
import sys
from pathlib import Path

__all__ = ["command_line", "recorded_command", "versions"]

_RECORDED: list[str] = []  # a command line set by recorded_command (innermost last)


def versions() -> dict[str, str]:
    """Versions of Python and of every library a result depends on (and the git commit)."""
    import importlib.metadata as md

    out = {"python": platform.python_version(), "platform": platform.platform()}
    for pkg in ("chaosgym", "jax", "jaxlib", "numpy", "gymnasium", "stable_baselines3", "torch",
                "rejax"):
        try:
            out[pkg] = md.version(pkg.replace("_", "-"))
        except md.PackageNotFoundError:
            out[pkg] = "not installed"
    try:
        import subprocess

        root = Path(__file__).resolve().parents[2]
        out["git_commit"] = subprocess.run(
            ["git", "-C", str(root), "rev-parse", "HEAD"], capture_output=True, text=True,
            timeout=10,
        ).stdout.strip() or "unknown"
    except (OSError, subprocess.SubprocessError):
        out["git_commit"] = "unknown"
    return out


def command_line() -> str:
    """The command line, with this machine's home directory and working directory elided.

    Inside :func:`recorded_command` it is the command given there (a Ray worker records the
    driver's command, not its own).
    """
    if _RECORDED:
        return _RECORDED[-1]
    out = []
    for a in sys.argv:
        for root, name in ((os.getcwd(), "."), (os.path.expanduser("~"), "~")):
            if root and root != "/" and a.startswith(root):
                a = name + a[len(root):]
        out.append(a)
    return " ".join(out)


def path_free(command: str) -> str:
    """``command`` with every absolute path replaced by its last component, for a command
    recorded in committed files (:func:`command_line` elides only the working and home
    directories)."""
    import re

    return re.sub(r"(?<![\w.~])/(?:[^\s/=]+/)*([^\s/=]+)/?", r"\1", command)


@contextlib.contextmanager
def recorded_command(command: str | None):
    """Make :func:`command_line` return ``command`` inside the block (``None``: no change)."""
    if command is None:
        yield
        return
    _RECORDED.append(command)
    try:
        yield
    finally:
        _RECORDED.pop()
