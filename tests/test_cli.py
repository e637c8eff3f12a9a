"""The ``chaosgym`` command line: errors a user can fix, output styles, argument spellings."""

from __future__ import annotations

import argparse
import sys

import pytest

import chaosgym
from chaosgym import cli


def _ids(*names: str) -> list[str]:
    """The registered ids of these ``<System><Task>`` names, whatever their version."""
    return [next(i for i in chaosgym.list_envs() if i.rsplit("-v", 1)[0] == f"chaosgym/{n}")
            for n in names]


FEW = _ids("LorenzStabilize", "MackeyGlassStabilize", "KuramotoSivashinskyDissipationControlgym")
LORENZ, HENON = _ids("LorenzStabilize", "HenonStabilize")


def _one_line_error(capsys, code: int, rc: int) -> str:
    out = capsys.readouterr()
    assert rc == code
    lines = out.err.strip().splitlines()
    assert len(lines) == 1, out.err
    assert "Traceback" not in out.err and out.out == ""
    return lines[0]


@pytest.mark.parametrize("argv", [
    ["info", "LorenzStabilise-v0"],
    ["info", "--env", "chaosgym/LorenzStabilise-v0"],
    ["record", "--env", "chaosgym/LorenzStabilise-v0", "--out", "never-written.gif"],
    ["play", "chaosgym/LorenzStabilise-v0"],
    ["demo", "--env", "LorenzStabilise-v0"],
])
def test_unknown_env_is_one_line_with_the_suggestion(argv, capsys):
    line = _one_line_error(capsys, 2, cli.main(argv))
    assert line.startswith(f"chaosgym {argv[0]}: error: unknown environment")
    assert f"did you mean {LORENZ}" in line


def test_unknown_env_without_a_close_match(capsys):
    line = _one_line_error(capsys, 2, cli.main(["info", "--env", "Xyzzy-v9"]))
    assert "'Xyzzy-v9'" in line and "did you mean" not in line and "chaosgym list" in line


@pytest.mark.parametrize("argv", [["lyapunov", "lorenzz"], ["certify", "--system", "lorenzz"]])
def test_unknown_system_is_one_line_with_the_suggestion(argv, capsys):
    line = _one_line_error(capsys, 2, cli.main(argv))
    assert "unknown system 'lorenzz'; did you mean lorenz" in line


def test_env_spellings_give_the_same_output(capsys):
    outs = []
    short = HENON.removeprefix("chaosgym/")
    for argv in (["info", HENON], ["info", "--env", short], ["info", short, "--env", HENON]):
        assert cli.main(argv) == 0
        outs.append(capsys.readouterr().out)
    assert outs[0] == outs[1] == outs[2]
    assert outs[0].startswith(HENON)


def test_env_missing_or_given_twice(capsys):
    line = _one_line_error(capsys, 2, cli.main(["info"]))
    assert "--env ID" in line
    line = _one_line_error(capsys, 2, cli.main(["info", HENON, "--env", LORENZ]))
    assert "two environments" in line


def test_every_command_spells_the_env_argument_the_same_way():
    parser = cli.build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    takes_env = []
    for name, p in sub.choices.items():
        dests = {a.dest: a for a in p._actions}
        assert "env_id" not in dests, name
        if "env" in dests:
            assert dests["env"].option_strings == ["--env"], name
            takes_env.append(name)
        if "envs" in dests:
            assert dests["envs"].option_strings == ["--envs"], name
    assert {"demo", "info", "play", "record"} <= set(takes_env)


def test_missing_optional_dependency_prints_the_pip_hint(monkeypatch, capsys):
    pytest.importorskip("chaosgym.lyapunov.cli")
    monkeypatch.setitem(sys.modules, "sympy", None)  # `import sympy` now fails
    line = _one_line_error(capsys, 1, cli.main(["certify", "--case", "cubic_x", "--method",
                                                "sos"]))
    assert "'sympy'" in line and "pip install 'chaosgym[sos]'" in line


def test_missing_module_is_found_through_wrapping_errors():
    try:
        try:
            import chaosgym_no_such_module  # noqa: F401
        except ImportError as e:
            raise ImportError("rendering needs it") from e
    except ImportError as wrapped:
        assert cli._missing_module(wrapped) == "chaosgym_no_such_module"
    inner = ModuleNotFoundError("internal", name="chaosgym.nothing")
    assert cli._missing_module(inner) is None  # our own modules are bugs, not extras
    assert cli._extra_for("flint") == "sos"  # python-flint: the import name differs
    assert cli._extra_for("pygame") == "render"
    assert cli._extra_for("no_such_package") is None


def test_list_is_plain_when_stdout_is_not_a_terminal(monkeypatch, capsys):
    monkeypatch.setattr(chaosgym, "list_envs", lambda: list(FEW))
    assert cli.main(["list"]) == 0  # capsys: stdout is not a terminal
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert lines[0].split()[:6] == ["id", "kind", "state", "obs", "act", "description"]
    assert not set(out) & set("┃│━─┏┡")  # no rich table
    rows = {ln.split()[0]: ln.split() for ln in lines[1:]}
    assert set(rows) == set(FEW)
    assert rows[FEW[0]][1:5] == ["ode", "3", "3", "1"]
    assert rows[FEW[1]][1] == "dde"  # a delay equation, not a map
    ks = next(ln for ln in lines if "Controlgym" in ln)
    assert "L=32π, N=256" in ks and "L=22" not in ks and "N=64" not in ks


def test_descriptions_follow_the_id_parameters():
    assert cli._describe("KS (L=22, N=64)", {"L": 32 * 3.141592653589793, "N": 256}) == (
        "KS (L=32π, N=256)")
    assert cli._describe("net (β=1)", {"beta": 3.0}) == "net (β=1); beta=3"
    assert cli._describe("no params", {}) == "no params"


def test_plain_roles():
    text = ("See :class:`~chaosgym.tasks.base.Task`, :func:`equilibrium`, "
            ":meth:`Task.evaluate`, :py:data:`PLUGINS` and :math:`x^2`.")
    assert cli.plain_roles(text) == (
        "See Task, equilibrium, Task.evaluate, PLUGINS and x^2.")
    assert cli.plain_roles(":class:`Suppress`", code="`") == "`Suppress`"
