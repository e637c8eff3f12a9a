"""Provenance of a result: library versions, the git commit and the command line."""

from __future__ import annotations

import os
import platform
import sys
from pathlib import Path

__all__ = ["command_line", "versions"]


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
    """The command line, with this machine's home directory and working directory elided."""
    out = []
    for a in sys.argv:
        for root, name in ((os.getcwd(), "."), (os.path.expanduser("~"), "~")):
            if root and root != "/" and a.startswith(root):
                a = name + a[len(root):]
        out.append(a)
    return " ".join(out)
