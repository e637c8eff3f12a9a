"""``chaosgym lyapunov SYSTEM``: the Lyapunov spectrum of a registered system (float64).

Prints the exponents with their standard errors across initial conditions — per unit time for
flows, PDEs and delay equations, per iterate for maps (the unit is printed) — the spectrum
sum, the Kaplan–Yorke dimension and the system's reference invariants beside them. PDEs are
analysed through their own ETDRK4 stepper; only their leading exponents are computed by
default.

Example::

    chaosgym lyapunov lorenz --steps 100000 --n-ic 8
    chaosgym lyapunov kuramoto_sivashinsky --steps 4000 --n-exp 4
"""

from __future__ import annotations

import argparse

import numpy as np


def register(subparsers) -> None:
    """Add the ``lyapunov`` subcommand to a ``chaosgym`` argparse subparsers object."""
    p = subparsers.add_parser("lyapunov", help="Lyapunov spectrum of a registered system",
                              description=__doc__,
                              formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("system", help="registered system name (see `chaosgym list`), e.g. lorenz")
    p.add_argument("--steps", type=int, default=None,
                   help="averaged steps per IC (default 100000; 2000 for a PDE)")
    p.add_argument("--n-ic", type=int, default=4, help="initial conditions run in parallel")
    p.add_argument("--dt", type=float, default=None,
                   help="time per averaged step (default: the system's; not for maps)")
    p.add_argument("--n-exp", type=int, default=None,
                   help="number of exponents (default all; 8 for a PDE or delay equation)")
    p.add_argument("--seed", type=int, default=0)
    p.set_defaults(func=run)


def run(args) -> int:
    import jax

    from chaosgym import systems
    from chaosgym.analysis.exponents import spectrum

    try:
        spec = systems.get(args.system)
    except KeyError as e:
        raise SystemExit(str(e.args[0])) from None
    try:
        r = spectrum(spec, steps=args.steps, n_ic=args.n_ic, dt=args.dt, n_exp=args.n_exp,
                     key=jax.random.key(args.seed))
    except (ValueError, FloatingPointError) as e:  # bad settings: one line, no traceback
        raise SystemExit(f"chaosgym lyapunov: error: {e}") from None
    span = f"{r.time:g} iterates" if r.unit == "iterate" else f"{r.time:g} time units"
    step = "1 iterate" if r.unit == "iterate" else f"{r.dt:g} time units"
    print(f"{spec.title}: {spec.description}")
    print(f"  averaging time {span} per IC × {len(r.per_ic)} ICs, step {step}, "
          f"wall {r.wall_time:.2f} s (compilation included)")
    lead = "" if r.complete else f" (leading {len(r.exponents)} of {r.dim})"
    print(f"  exponents {r.unit_label}{lead}")
    for i, (lam, se) in enumerate(zip(r.exponents, r.stderr, strict=True), 1):
        err = "" if not np.isfinite(se) else f" ± {se:.4f}"
        print(f"  λ{i:<3d} {lam: .5f}{err}")
    print(f"  Σλ   {r.sum: .5f}" + ("" if r.complete else "  (of the computed exponents)"))
    print(f"  D_KY {r.kaplan_yorke: .4f}")
    for inv in spec.invariants:
        if inv.name.startswith("lyapunov") or inv.name == "kaplan_yorke":
            print(f"  reference {inv.name} = {inv.value} ({inv.source})")
    return 0
