"""The documentation site builds (strictly) with one page per registered environment."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import chaosgym

ROOT = Path(__file__).resolve().parents[2]


def test_docs_build_strict(tmp_path):
    pytest.importorskip("mkdocs")
    pytest.importorskip("material")
    site = tmp_path / "site"
    res = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-q", "-f",
         str(ROOT / "mkdocs.yml"), "-d", str(site)],
        capture_output=True, text=True, timeout=300, cwd=ROOT,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
    )
    assert res.returncode == 0, res.stdout + res.stderr
    for env_id in chaosgym.list_envs():
        page = site / "envs" / env_id.split("/")[-1] / "index.html"
        assert page.exists(), f"no page for {env_id}"
    lorenz = (site / "envs" / "LorenzStabilize-v0" / "index.html").read_text()
    assert "Version History" in lorenz and "Sprott" in lorenz and "rho" in lorenz
    assert (site / "gallery" / "index.html").exists()
    for gif in (ROOT / "docs" / "assets").rglob("*.gif"):
        assert gif.stat().st_size < 1_000_000, f"{gif} is over 1 MB"
