"""The ``certify`` command, text reports and plots, and SB3 actor export."""

from __future__ import annotations

import argparse

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from chaosgym.lyapunov import certify
from chaosgym.lyapunov.cli import register, run
from chaosgym.lyapunov.report import plot_certificate, text_report

from .cases import CASES


def _parse(argv):
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers()
    register(sub)
    return parser.parse_args(["certify", *argv])


def test_cli_certify_case_and_plot(tmp_path, capsys):
    out = tmp_path / "cert.png"
    args = _parse(["--case", "linear", "--plot", str(out)])
    assert args.func is run
    assert run(args) == 0
    text = capsys.readouterr().out
    assert "CERTIFIED" in text and out.exists() and out.stat().st_size > 1000
    assert run(_parse(["--case", "lorenz_open_loop"])) == 1
    assert run(_parse(["--list"])) == 0


def test_main_cli_exposes_certify():
    cli = pytest.importorskip("chaosgym.cli")
    parser = cli.build_parser()
    args = parser.parse_args(["certify", "--case", "map"])
    assert args.func(args) == 0


def test_report_and_plot_of_a_counterexample(tmp_path, x64):
    case = next(c for c in CASES if c.name == "lorenz_open_loop")
    cert = certify(case.problem())
    txt = text_report(cert, "open loop")
    assert "COUNTEREXAMPLE" in txt and "counterexample: x =" in txt
    fig = plot_certificate(cert, str(tmp_path / "cx.png"))
    assert fig is not None and (tmp_path / "cx.png").exists()


def test_sb3_actor_export_matches_predict(x64):
    sb3 = pytest.importorskip("stable_baselines3")
    import gymnasium as gym

    from chaosgym.lyapunov.closed_loop import export_sb3_actor

    env = gym.make("Pendulum-v1")
    for algo in (sb3.SAC, sb3.PPO):
        kw = {"policy_kwargs": {"net_arch": [16, 16]}}
        if algo is not sb3.PPO:
            kw["learning_starts"] = 10
        model = algo("MlpPolicy", env, seed=0, **kw)
        actor, info = export_sb3_actor(model)
        obs = np.random.default_rng(0).uniform(-1, 1, (8, 3)).astype(np.float32)
        ref, _ = model.predict(obs, deterministic=True)
        got = np.asarray(jax.vmap(actor)(jnp.asarray(obs, jnp.float64)))
        np.testing.assert_allclose(got, ref, atol=2e-5)
        assert info["layers"][0] == (16, 3)
