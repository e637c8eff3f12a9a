"""The documentation site builds (strictly) with one page per registered environment."""

from __future__ import annotations

import os
import re
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
        html = page.read_text()
        raw = re.findall(r":(?:py:)?(?:class|func|meth|mod|data|attr|obj|exc):`", html)
        assert not raw, f"{env_id}: raw Sphinx roles {raw}"
        assert "Time limit and divergence" in html and "diverged" in html, env_id
        assert "REFERENCE" not in html and "shared/" not in html, env_id
    ks_id = next(i for i in chaosgym.list_envs() if "DissipationControlgym" in i)
    ks = (site / "envs" / ks_id.split("/")[-1] / "index.html").read_text()
    head = ks[ks.index("<h1"):ks.index("<table")]
    assert "L=32π, N=256" in head and "L=22" not in head and "N=64" not in head
    mg = (site / "envs" / "index.html").read_text()
    assert re.search(r"MackeyGlassStabilize-v\d+</a></td>\s*<td>dde</td>", mg)
    lorenz_id = next(i for i in chaosgym.list_envs() if i.startswith("chaosgym/LorenzStabilize-v"))
    lorenz = (site / "envs" / lorenz_id.split("/")[-1] / "index.html").read_text()
    assert "Version History" in lorenz and "Sprott" in lorenz and "rho" in lorenz
    assert (site / "gallery" / "index.html").exists()
    arch = (site / "architecture" / "index.html").read_text()
    assert "Where state lives" in arch and "Adding a system" in arch
    home = (site / "index.html").read_text()  # the nav lists the architecture and every id
    assert 'href="architecture/"' in home
    assert all(f'href="envs/{i.split("/")[-1]}/"' in home for i in chaosgym.list_envs())
    for gif in (ROOT / "docs" / "assets").rglob("*.gif"):
        assert gif.stat().st_size < 1_000_000, f"{gif} is over 1 MB"


def test_pages_are_markdown_and_state_the_divergence_rule():
    import importlib.util

    spec = importlib.util.spec_from_file_location("docs_hooks", ROOT / "docs" / "hooks.py")
    hooks = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(hooks)
    rule = hooks.divergence_rule()
    assert "diverged" in rule
    rossler = next(i for i in chaosgym.list_envs() if "RosslerSynchronize" in i)
    page = hooks.env_page(rossler)  # its task doc uses roles
    assert ":class:`" not in page and ":func:`" not in page
    assert rule in page
