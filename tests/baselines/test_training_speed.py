"""The time-to-solve rules of ``benchmarks/training_speed.py`` (pure functions of its history)."""

import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def ts():
    spec = importlib.util.spec_from_file_location("training_speed",
                                                  ROOT / "benchmarks" / "training_speed.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_kept_and_current_rules_read_the_history_separately(ts):
    history = [
        {"step": 10, "wall_s": 1.0, "held": [1.0, 0.0], "kept": [1.0, 0.0]},
        {"step": 20, "wall_s": 2.0, "held": [0.0, 0.95], "kept": [1.0, 0.95]},
        {"step": 30, "wall_s": 3.0, "held": [0.9, 1.0], "kept": [1.0, 1.0]},
    ]
    out = ts.solve_times(history, 0.9)
    assert (out["solved_kept"], out["kept_step"], out["kept_wall_s"]) == (True, 20, 2.0)
    assert (out["solved"], out["together_step"]) == (True, 30)
    # a stricter rate: only the kept rule solves, one evaluation later; a history stored
    # without kept policies never solves by that rule
    assert ts.solve_times(history, 0.99) == {"solved": False, "solved_kept": True,
                                             "kept_step": 30, "kept_wall_s": 3.0}
    old = [{k: v for k, v in h.items() if k != "kept"} for h in history]
    assert ts.solve_times(old, 0.9)["solved_kept"] is False


def test_recorded_command_has_no_machine_paths(ts):
    cmd = ts._portable(["--sweep", "--notes", "/some/where/notes.md", "--notes=/x/y.md"])
    assert cmd == ["--sweep", "--notes", "notes.md", "--notes=y.md"]
