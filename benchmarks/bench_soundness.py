"""Soundness of the certifier on the adversarial suite, and detection rates of the falsifier.

    python benchmarks/bench_soundness.py [--time-limit 30] [--modes default,rigorous,sos]
        [--falsify-only] [--cases NAME,...] [--out benchmarks/results/soundness.md]

For every case of :mod:`chaosgym.lyapunov.adversarial` it runs ``certify`` (default options,
``rigorous=True``, ``method="sos"``) with a time limit, and records the status, hole, rigour
and time; a *wrong* case whose certificate's claim contains the rigorously verified violating
point is an unsound verdict (``WRONG CERTIFIED``), a *valid* case refuted is a false
COUNTEREXAMPLE. It then runs ``falsify`` on every wrong case with the default budget and with
the large one of the issue (65 536 samples, 256 starts × 400 steps), and reports how many
violations were found. Results go to a Markdown table.
"""

from __future__ import annotations

import argparse
import platform
import subprocess
import sys
import time
from pathlib import Path

import jax
import numpy as np

jax.config.update("jax_enable_x64", True)

from chaosgym.lyapunov import certify, falsify  # noqa: E402
from chaosgym.lyapunov.adversarial import CASES, claim_contains  # noqa: E402

MODES = {
    "default": {},
    "rigorous": {"rigorous": True},
    "sos": {"method": "sos"},
}

#: the falsifier before its interval guide and local refinement (main at 18b703a, same
#: command, same cases): found / wrong cases per budget and per family
FALSIFY_BEFORE = {
    "commit": "18b703a",
    "default": (49, 60), "large": (56, 60),
    "families": {"bump": ((1, 11), (8, 11)), "relu_net_V": ((3, 4), (3, 4))},
}

FALSIFY_BUDGETS = {
    "default": {},
    "large": {"n_samples": 65_536, "n_starts": 256, "steps": 400},
}


def run_certify(case, mode: str, time_limit: float) -> dict:
    p = case.problem()
    kw = dict(case.certify_kwargs)
    kw.update(MODES[mode])
    t0 = time.perf_counter()
    try:
        c = certify(p, time_limit=time_limit, **kw)
        status, hole, rig = c.status.value, c.hole, c.rigour
        shape = c.scope.get("hole_shape") or ""
        wrong = case.expected == "wrong" and claim_contains(c, case.point)
        err = ""
    except Exception as e:  # an error naming the problem is a refusal, not a verdict
        status, hole, rig, shape, wrong = "ERROR", 0.0, "", "", False
        err = f"{type(e).__name__}: {str(e).splitlines()[0][:80]}" if str(e) else type(e).__name__
    dt = time.perf_counter() - t0
    false_cx = case.expected == "valid" and status == "COUNTEREXAMPLE"
    return {"status": status, "hole": hole, "shape": shape, "rigour": rig, "seconds": dt,
            "wrong_certified": wrong, "false_cx": false_cx, "error": err}


def run_falsify(case, budget: str) -> dict:
    p = case.problem()
    t0 = time.perf_counter()
    r = falsify(p, jax.random.key(0), **FALSIFY_BUDGETS[budget])
    return {"found": r.found, "seconds": time.perf_counter() - t0, "evals": r.n_evaluated}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--time-limit", type=float, default=30.0)
    ap.add_argument("--modes", default="default,rigorous,sos")
    ap.add_argument("--falsify", default="default,large",
                    help="falsifier budgets to run ('' for none)")
    ap.add_argument("--falsify-only", action="store_true")
    ap.add_argument("--cases", default="", help="comma-separated case names (default: all)")
    ap.add_argument("--out", default="benchmarks/results/soundness.md")
    args = ap.parse_args()

    cases = CASES
    if args.cases:
        names = set(args.cases.split(","))
        cases = [c for c in CASES if c.name in names]
    modes = [] if args.falsify_only else [m for m in args.modes.split(",") if m]
    budgets = [b for b in args.falsify.split(",") if b]

    for c in cases:  # the violating points themselves, in ball arithmetic
        if c.expected == "wrong":
            v = c.verify()
            if not v.proven:
                sys.exit(f"{c.name}: violating point not verified ({v.detail})")

    rows = []
    for c in cases:
        row = {"case": c, "cert": {}, "fals": {}}
        for m in modes:
            row["cert"][m] = run_certify(c, m, args.time_limit)
        if c.expected == "wrong":
            for b in budgets:
                row["fals"][b] = run_falsify(c, b)
        rows.append(row)
        line = "  ".join(f"{m}={r['status']}{'!!' if r['wrong_certified'] or r['false_cx'] else ''}"
                         f"({r['seconds']:.1f}s)" for m, r in row["cert"].items())
        fl = " ".join(f"{b}:{'Y' if r['found'] else 'n'}" for b, r in row["fals"].items())
        print(f"{c.name:24s} {c.expected:5s} {line} {fl}", flush=True)

    try:
        rev = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                             text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        rev = "unknown"
    out = ["# Certifier soundness on the adversarial suite\n",
           f"`python benchmarks/bench_soundness.py --time-limit {args.time_limit:g}` at {rev} "
           f"({platform.machine()}, {platform.python_version()}, jax {jax.__version__}).\n",
           "Cases: `chaosgym.lyapunov.adversarial` (each wrong case's violating point is proven "
           "in arb ball arithmetic). WRONG = a certificate whose claim contains that point; "
           "FALSE CX = a valid case refuted. `!!` marks either.\n"]
    wrong = [r for r in rows if r["case"].expected == "wrong"]
    valid = [r for r in rows if r["case"].expected == "valid"]
    if modes:
        out.append("## Aggregate\n")
        out.append("| mode | wrong cases | WRONG CERTIFIED | valid cases | valid proved | "
                   "FALSE CX | UNKNOWN | ERROR (refusal) | median s |")
        out.append("|---|---|---|---|---|---|---|---|---|")
        for m in modes:
            rs = [r["cert"][m] for r in rows]
            out.append(
                f"| {m} | {len(wrong)} | {sum(r['cert'][m]['wrong_certified'] for r in wrong)} | "
                f"{len(valid)} | "
                f"{sum(r['cert'][m]['status'].startswith('CERTIFIED') for r in valid)} | "
                f"{sum(r['cert'][m]['false_cx'] for r in valid)} | "
                f"{sum(r['status'] == 'UNKNOWN' for r in rs)} | "
                f"{sum(r['status'] == 'ERROR' for r in rs)} | "
                f"{np.median([r['seconds'] for r in rs]):.2f} |")
        out.append("")
    if budgets:
        out.append("## Falsifier detection rate (wrong cases)\n")
        out.append(f"| budget | options | found | rate | median s | before "
                   f"({FALSIFY_BEFORE['commit']}) |")
        out.append("|---|---|---|---|---|---|")
        for b in budgets:
            rs = [r["fals"][b] for r in wrong]
            opts = ", ".join(f"{k}={v}" for k, v in FALSIFY_BUDGETS[b].items()) or "defaults"
            bf = FALSIFY_BEFORE.get(b)
            before = f"{bf[0]}/{bf[1]}" if bf else "-"
            out.append(f"| {b} | {opts} | {sum(r['found'] for r in rs)}/{len(rs)} | "
                       f"{np.mean([r['found'] for r in rs]):.0%} | "
                       f"{np.median([r['seconds'] for r in rs]):.2f} | {before} |")
        out.append("")
        missed = [r["case"].name for r in wrong if not all(r["fals"][b]["found"] for b in budgets)]
        out.append(f"Missed by some budget: {', '.join(missed) or 'none'}.\n")
        fams = sorted({r["case"].family for r in wrong})
        out.append("| family | " + " | ".join(budgets) + " |")
        out.append("|---|" + "---|" * len(budgets))
        for fam in fams:
            rs = [r for r in wrong if r["case"].family == fam]
            cells = [f"{sum(r['fals'][b]['found'] for r in rs)}/{len(rs)}" for b in budgets]
            out.append(f"| {fam} | " + " | ".join(cells) + " |")
        out.append("")
    if modes:
        out.append("## Per case\n")
        out.append("status (hole, rigour, seconds) per mode; hole `b` = Euclidean ball, "
                   "`x` = sup-norm box.\n")
        out.append("| case | family | kind | n | expected | " + " | ".join(modes) + " |")
        out.append("|---|---|---|---|---|" + "---|" * len(modes))
        for r in rows:
            c = r["case"]
            cells = []
            for m in modes:
                x = r["cert"][m]
                mark = " !!" if x["wrong_certified"] or x["false_cx"] else ""
                hole = (f"{x['hole']:.2g}{'b' if x['shape'] == 'ball' else 'x'}"
                        if x["hole"] > 0 else "0")
                extra = f" {x['error']}" if x["error"] else ""
                cells.append(f"{x['status']}{mark} ({hole}, {x['rigour'] or '-'}, "
                             f"{x['seconds']:.2f}){extra}")
            out.append(f"| {c.name} | {c.family} | {c.kind} | {c.n} | {c.expected} | "
                       + " | ".join(cells) + " |")
        out.append("")
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text("\n".join(out) + "\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
