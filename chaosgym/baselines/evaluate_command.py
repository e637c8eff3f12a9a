"""``chaosgym evaluate``: the classical controllers, and optionally a trained model, on the
results table's stored test states (or its validation states).

With the defaults the numbers are the table's for the same policies: the states are the
benchmark's stored split sets (:func:`chaosgym.baselines.protocol.initial_state_set`). The
model is an SB3 run folder or model ``.zip``, a JAX run folder, or the kept policies the
table stores from one (``agents/results/models/<Env>/<algo>-jax/``,
:func:`chaosgym.baselines.jax_train.store_jax_policies`), one row per seed.

    chaosgym evaluate --env chaosgym/ChenStabilize-v1 \
        --model agents/results/models/ChenStabilize-v1/sac-jax
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from chaosgym.baselines.evaluate import (
    DEFAULT_N_ICS,
    agent_policy,
    evaluate_controllers,
    evaluate_policy,
    summarize,
)
from chaosgym.registration import make_functional

__all__ = ["add_arguments", "evaluate_model", "main", "run_from_args"]


def evaluate_model(path: str | Path, fenv, ics) -> dict[str, dict[str, Any]]:
    """Protocol summaries of a trained model on the states ``ics``: an SB3 run folder or model
    ``.zip`` gives ``{"agent": ...}``; a JAX run folder, or the kept policies stored from one
    (``agents/results/models/<Env>/<algo>-jax/``), gives ``{"agent_seed<k>": ...}`` for each
    seed it holds."""
    path = Path(path)
    cfg_file = path / "config.json"
    if path.is_dir() and cfg_file.exists():
        try:
            backend = json.loads(cfg_file.read_text()).get("backend")
        except ValueError as e:
            raise ValueError(f"{cfg_file} is not valid JSON: {e}") from None
        if backend == "jax":
            from chaosgym.baselines.jax_train import _load_best, evaluate_jax_policies

            seeds = sorted(int(k) for k in _load_best(path))
            if not seeds:
                raise FileNotFoundError(f"{path / 'best.json'} holds no kept policy")
            out = evaluate_jax_policies(path, seeds, fenv, ics)
            return {f"agent_seed{s}": out[s] for s in seeds}
    from chaosgym.baselines.sb3_agents import load_agent

    model, rms = load_agent(path)
    return {"agent": summarize(evaluate_policy(fenv, agent_policy(model, rms), ics), fenv.dt)}


def main(argv: list[str] | None = None) -> int:
    """``evaluate``: classical controllers (and optionally a trained model) on the stored
    test states of the results table."""
    import argparse

    p = argparse.ArgumentParser(prog="chaosgym evaluate", description=main.__doc__)
    add_arguments(p)
    return run_from_args(p.parse_args(argv))


def add_arguments(p) -> None:
    """Arguments of the ``evaluate`` command."""
    p.add_argument("--env", required=True, help="registered id, e.g. chaosgym/LorenzStabilize-v1")
    p.add_argument("--model", default=None,
                   help="a run folder (SB3 or JAX), model .zip or stored JAX policies "
                   "(agents/results/models/<Env>/<algo>-jax) to evaluate too")
    p.add_argument("--split", choices=("test", "validation"), default="test",
                   help="which stored state set to start from: the table's test states "
                   "(default) or the validation states that choose each run's kept policy")
    p.add_argument("--n-ics", type=int, default=DEFAULT_N_ICS)
    p.add_argument("--ics-dir", default=None,
                   help="folder of the stored state sets (default agents/results/ics)")
    p.add_argument("--json", default=None, help="write the summaries to this file")


def run_from_args(args) -> int:
    """Run ``evaluate`` from parsed arguments; prints one line per controller and agent.

    The states are the benchmark's stored split sets, so with the defaults the numbers are
    those of the results table for the same policies."""
    from chaosgym.baselines.hyperparams import agents_dir
    from chaosgym.baselines.protocol import initial_state_set

    fenv = make_functional(args.env)
    ics_dir = args.ics_dir if args.ics_dir is not None else agents_dir() / "results" / "ics"
    ics = initial_state_set(args.env, args.split, args.n_ics, directory=ics_dir)
    res = evaluate_controllers(args.env, ics)
    if args.model:
        res.update(evaluate_model(args.model, fenv, ics))
    for name, s in res.items():
        keys = [k for k in s if k.endswith(("_rate", "_time_median", "return_mean"))]
        print(f"{name:10s} " + "  ".join(f"{k}={s[k]:.4g}" for k in keys))
    if args.json:
        Path(args.json).write_text(json.dumps(res, indent=2))
    return 0
