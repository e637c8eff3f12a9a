"""The package is typed (PEP 561): ``py.typed`` ships, and the public API carries annotations."""

from __future__ import annotations

import ast
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PKG = ROOT / "chaosgym"

#: Modules whose public functions and methods must be fully annotated.
TYPED = ["tasks", "render", "control/lqr.py", "control/ogy.py"]


def test_py_typed_ships_with_the_package():
    assert (PKG / "py.typed").is_file()
    cfg = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert "py.typed" in cfg["tool"]["setuptools"]["package-data"]["chaosgym"]


def _unannotated(path: Path) -> list[str]:
    out = []

    def visit(body: list[ast.stmt]) -> None:
        for node in body:
            if isinstance(node, ast.ClassDef):
                visit(node.body)
            elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                if node.name.startswith("_") and node.name != "__init__":
                    continue
                a = node.args
                args = [x for x in a.posonlyargs + a.args + a.kwonlyargs
                        if x.arg not in ("self", "cls")]
                args += [x for x in (a.vararg, a.kwarg) if x is not None]
                bare = [x.arg for x in args if x.annotation is None]
                if node.returns is None and node.name != "__init__":
                    bare.append("return")
                if bare:
                    out.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.name}: {bare}")

    visit(ast.parse(path.read_text()).body)
    return out


@pytest.mark.parametrize("where", TYPED)
def test_public_functions_are_annotated(where):
    target = PKG / where
    files = [target] if target.suffix == ".py" else sorted(target.rglob("*.py"))
    assert files
    missing = [m for f in files for m in _unannotated(f)]
    assert not missing, "unannotated public functions:\n" + "\n".join(missing)
