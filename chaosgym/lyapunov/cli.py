"""``chaosgym certify``: prove (or refute) stability from the command line.

Examples::

    chaosgym certify --list                               # the public test cases
    chaosgym certify --case cubic_x [--method sos] [--rigorous] [--plot out.png]
    chaosgym certify --system lorenz --controller lqr --half-width 1 [--roa] [--plot roa.png]

The LQR mode builds the saturated LQR closed loop of a registered system around its fixed
point ``--target``, takes ``V = (x − x*)ᵀ P (x − x*)`` from the Riccati solution and certifies
it on the box ``x* ± half-width`` (``--roa``: the largest certified sublevel set). Exit status:
0 certified, 1 counterexample, 2 undecided.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

__all__ = ["register", "run"]


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--list", action="store_true", help="list the public test cases")
    p.add_argument("--case", help="a public test case by name")
    p.add_argument("--system", help="a registered system (with --controller)")
    p.add_argument("--controller", default="lqr", choices=["lqr"], help="controller kind")
    p.add_argument("--target", type=int, default=0, help="fixed-point index of the system")
    p.add_argument("--half-width", type=float, default=1.0, help="box half-width around x*")
    p.add_argument("--method", default="bnb", choices=["bnb", "sos"])
    p.add_argument("--rigorous", action="store_true", help="re-check with python-flint balls")
    p.add_argument("--roa", action="store_true", help="estimate the region of attraction")
    p.add_argument("--margin", type=float, default=0.0)
    p.add_argument("--margin-power", type=int, default=2)
    p.add_argument("--max-boxes", type=int, default=400_000)
    p.add_argument("--plot", help="write a plot of the certificate to this file")


def register(subparsers) -> None:
    """Add the ``certify`` subcommand to a ``chaosgym`` argparse subparsers object."""
    p = subparsers.add_parser("certify", help="certify (or refute) a Lyapunov candidate",
                              description=__doc__,
                              formatter_class=argparse.RawDescriptionHelpFormatter)
    add_arguments(p)
    p.set_defaults(func=run)


def _problem(args):
    from chaosgym.lyapunov.problem import Box, LyapunovProblem

    if args.case:
        from chaosgym.lyapunov.cases import CASES

        by = {c.name: c for c in CASES}
        if args.case not in by:
            raise SystemExit(f"unknown case {args.case!r}; choose one of {sorted(by)}")
        return by[args.case].problem(margin=args.margin, margin_power=args.margin_power)
    if args.system:
        from chaosgym.lyapunov.candidates import lqr_candidate
        from chaosgym.lyapunov.closed_loop import lqr_closed_loop

        f, ctrl = lqr_closed_loop(args.system, args.target)
        V = lqr_candidate(ctrl)
        kind = "dt" if ctrl.kind == "dt" else "ct"
        return LyapunovProblem(f, V, Box.cube(len(ctrl.x_eq), args.half_width, ctrl.x_eq),
                               x_eq=ctrl.x_eq, kind=kind, margin=args.margin,
                               margin_power=args.margin_power,
                               name=f"{args.system} + LQR around fixed point {args.target}")
    raise SystemExit("give --case NAME or --system NAME (or --list)")


def run(args: argparse.Namespace) -> int:
    """Run the ``certify`` subcommand; returns the exit status."""
    from chaosgym.lyapunov.certify import Status, certify
    from chaosgym.lyapunov.report import plot_certificate, text_report

    if args.list:
        from chaosgym.lyapunov.cases import CASES

        for c in CASES:
            print(f"{c.name:18s} n={c.n} kind={c.kind} box=±{c.half_width:g}  expected: "
                  f"{c.expected}")
        return 0
    problem = _problem(args)
    if args.roa:
        from chaosgym.lyapunov.roa import estimate_roa

        res = estimate_roa(problem, rigorous=args.rigorous)
        print(repr(res))
        cert = res.certificate
        if cert is None:
            print("no sublevel set could be certified")
            return 2
    else:
        cert = certify(problem, method=args.method, rigorous=args.rigorous,
                       max_boxes=args.max_boxes)
    print(text_report(cert, problem.name))
    if args.plot:
        plot_certificate(cert, args.plot)
        print(f"plot written to {args.plot}")
    if cert.certified:
        return 0
    return 1 if cert.status == Status.COUNTEREXAMPLE else 2


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m chaosgym.lyapunov.cli ...`` (same options as ``chaosgym certify``)."""
    p = argparse.ArgumentParser(prog="chaosgym certify", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    add_arguments(p)
    return run(p.parse_args(argv))


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
