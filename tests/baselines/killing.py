"""Start a training process and SIGKILL it once a condition on its run folder holds."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def child_env() -> dict[str, str]:
    """The environment of a child Python: the checkout importable, output unbuffered."""
    return {**os.environ, "PYTHONUNBUFFERED": "1",
            "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}


def start(code: str, *args: str) -> subprocess.Popen:
    """``python -c code args...`` in :func:`child_env`, stdout and stderr piped together."""
    return subprocess.Popen([sys.executable, "-c", code, *args], env=child_env(),
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)


def kill_when(child: subprocess.Popen, ready: Callable[[], bool], timeout: float = 240) -> None:
    """Poll ``ready()`` and SIGKILL ``child`` as soon as it holds; fail with the child's
    output if it exits first, or if ``timeout`` seconds pass."""
    try:
        deadline = time.time() + timeout
        while time.time() < deadline:
            if ready():
                break
            assert child.poll() is None, child.stdout.read().decode()[-3000:]
            time.sleep(0.02)
        else:
            pytest.fail("the child committed no checkpoint in time")
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)
    finally:
        if child.poll() is None:
            child.kill()
