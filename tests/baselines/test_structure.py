"""chaosgym.baselines has no import cycles, and its configuration ships inside the package."""

from __future__ import annotations

import ast
import tomllib
from fnmatch import fnmatch
from pathlib import Path

import chaosgym.baselines
from chaosgym.baselines.hyperparams import config_dir, config_file

PKG = Path(chaosgym.baselines.__file__).parent
ROOT = PKG.parents[1]


def _imports(path: Path) -> set[str]:
    """Every ``chaosgym.baselines.*`` module imported anywhere in ``path`` (lazy ones too)."""
    out = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module:
            if node.module == "chaosgym.baselines":
                out |= {f"chaosgym.baselines.{a.name}" for a in node.names}
            elif node.module.startswith("chaosgym.baselines."):
                out.add(node.module)
        elif isinstance(node, ast.Import):
            out |= {a.name for a in node.names if a.name.startswith("chaosgym.baselines.")}
    return out


def test_no_import_cycles_in_baselines():
    graph = {f"chaosgym.baselines.{p.stem}": _imports(p) for p in PKG.glob("*.py")
             if p.stem not in ("__init__", "__main__")}
    graph = {m: {d for d in deps if d in graph and d != m} for m, deps in graph.items()}
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(m: str) -> None:
        state[m] = 1
        stack.append(m)
        for d in sorted(graph[m]):
            if state.get(d) == 1:
                raise AssertionError("import cycle: " + " -> ".join(
                    [*stack[stack.index(d):], d]))
            if d not in state:
                visit(d)
        stack.pop()
        state[m] = 2

    for m in sorted(graph):
        if m not in state:
            visit(m)


def test_hyperparameters_and_budgets_are_package_data(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)  # no agents/ folder anywhere near
    monkeypatch.delenv("CHAOSGYM_CONFIG_DIR", raising=False)
    files = sorted(p.name for p in config_dir().glob("*.yml"))
    assert {"ppo.yml", "sac.yml", "budgets.yml"} <= set(files)
    assert config_dir().is_relative_to(PKG)
    patterns = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"][
        "package-data"]["chaosgym"]
    for name in files:
        rel = (config_dir() / name).relative_to(PKG.parent).as_posix()
        assert any(fnmatch(rel, pat) for pat in patterns), f"{rel} is not package data"
    # an override folder replaces single files
    (tmp_path / "sac.yml").write_text("default: {n_timesteps: 5}\n")
    monkeypatch.setenv("CHAOSGYM_CONFIG_DIR", str(tmp_path))
    assert config_file("sac.yml") == tmp_path / "sac.yml"
    assert config_file("ppo.yml") == config_dir() / "ppo.yml"
