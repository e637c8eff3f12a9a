"""Command-line entry points: ``train``, ``evaluate`` and ``benchmark``.

``chaosgym <command> ...`` (the package's console script adds these through
:func:`register`) and ``python -m chaosgym.baselines <command> ...`` are equivalent.
"""

from __future__ import annotations

import argparse

__all__ = ["main", "register"]


def _commands():
    from chaosgym.baselines import benchmark, evaluate_command, train

    return {
        "train": (train, "train one agent on one environment (resumable)"),
        "evaluate": (evaluate_command,
                     "controllers / a trained agent on the results table's stored test states"),
        "benchmark": (benchmark, "the sweep: envs x algorithms x seeds -> agents/results"),
    }


def register(subparsers) -> None:
    """Add the ``train``, ``evaluate`` and ``benchmark`` subcommands to an argparse parser.

    Each subparser gets ``func(args) -> int`` as its default, so a caller runs
    ``args.func(args)`` after parsing.
    """
    for name, (mod, help_) in _commands().items():
        p = subparsers.add_parser(name, help=help_, description=mod.main.__doc__)
        mod.add_arguments(p)
        p.set_defaults(func=mod.run_from_args)


def main(argv: list[str] | None = None) -> int:
    """``python -m chaosgym.baselines {train,evaluate,benchmark} ...``."""
    parser = argparse.ArgumentParser(prog="python -m chaosgym.baselines", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    register(sub)
    args = parser.parse_args(argv)
    return int(args.func(args) or 0)
