"""Which JAX PPO configuration each id reports, chosen on the validation states alone.

The JAX backend's PPO runs rejax's PPO by default; ``config/jax_ppo.yml`` can switch on five
of SB3's implementation details per id (the ``&sb3_details`` anchor). Where both were trained
on an id (same budget, seeds, validation and test states), this compares them with
:func:`chaosgym.baselines.protocol.choose_variant`: per seed the kept policy's best
validation evaluation (task success rate, then return), the IQM over seeds, the higher wins,
the default on an exact tie. The test numbers are printed beside it for the reader and play
no part in the choice.

The stored JSON keeps every variant's validation curves, so the choice can be recomputed
without the run folders (``--render``). Ids of the SB3 reference subset
(:data:`chaosgym.baselines.hyperparams.SB3_FROM_JAX`) are listed but not switched: their JAX
entries are the ones the family comparison and ``benchmarks/training_speed.py`` measure.

    python benchmarks/ppo_variants.py --variant sb3-details=<results.json> [...]
    python benchmarks/ppo_variants.py --render benchmarks/results/ppo_variants.json
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


def _test(agent: dict[str, Any]) -> dict[str, Any]:
    """IQM over seeds of the headline test metric and of the test return (information)."""
    from chaosgym.baselines.protocol import task_metric
    from chaosgym.baselines.stats import iqm

    seeds = list(agent["per_seed"].values())
    name = task_metric(seeds[0])
    return {"metric": name, "metric_iqm": iqm([s[name] for s in seeds]),
            "return_iqm": iqm([s["return_mean"] for s in seeds]), "n_seeds": len(seeds)}


def collect(table: dict, variants: dict[str, list[dict]], default: str, algo: str) -> dict:
    """Per id in any variant file: each variant's curves, validation and test numbers."""
    out: dict[str, Any] = {}
    for name, files in variants.items():
        for res in files:
            for env_id, row in res.items():
                agent = row.get("agents", {}).get(algo)
                base = table.get(env_id, {}).get("agents", {}).get(algo)
                if agent is None or base is None:
                    continue
                entry = out.setdefault(env_id, {default: {"curves": base["curves"],
                                                          "test": _test(base)}})
                entry[name] = {"curves": agent["curves"], "test": _test(agent)}
    return out


def decide(ids: dict[str, dict], default: str) -> dict[str, Any]:
    """Add the validation numbers and the choice to every id of :func:`collect`'s output."""
    from chaosgym.baselines.hyperparams import SB3_FROM_JAX
    from chaosgym.baselines.protocol import choose_variant, kept_validation

    res = {}
    for env_id, variants in sorted(ids.items()):
        for v in variants.values():
            v["validation"] = dict(zip(("metric_iqm", "return_iqm"),
                                       kept_validation(v["curves"]), strict=True))
        pick = choose_variant({n: v["curves"] for n, v in variants.items()}, default)
        reference = env_id in SB3_FROM_JAX["ppo"]
        res[env_id] = {"variants": variants, "choice": pick, "reference": reference,
                       "reported": default if reference else pick}
    return res


def render(res: dict[str, Any], default: str) -> str:
    names = sorted({n for r in res["ids"].values() for n in r["variants"]} - {default})
    cols = [default, *names]
    head = " | ".join(f"{n}: validation (metric, return)" for n in cols)
    tests = " | ".join(f"{n}: test (metric, return)" for n in cols)
    lines = ["# JAX PPO: rejax's PPO or SB3's implementation details, chosen on validation", "",
             f"Command: `{res['command']}`", "",
             "Per seed the kept policy's best validation evaluation (task success rate, then "
             "return), IQM over 5 seeds; the higher pair wins, the default on an exact tie "
             "(`chaosgym.baselines.protocol.choose_variant`). The test columns are for the "
             "reader and play no part in the choice. Ids of the SB3 reference subset keep "
             "their entry (the family comparison and the speed benchmark measure it).", "",
             f"| id | metric | {head} | choice | reported | {tests} |",
             "|" + "---|" * (4 + 2 * len(cols))]

    def pair(v: dict[str, Any], key: str) -> str:
        return f"{v[key]['metric_iqm']:.3g}, {v[key]['return_iqm']:.4g}"

    for env_id, r in res["ids"].items():
        v = r["variants"]
        val = " | ".join(pair(v[n], "validation") if n in v else "–" for n in cols)
        tst = " | ".join(pair(v[n], "test") if n in v else "–" for n in cols)
        rep = r["reported"] + (" (reference id)" if r["reference"] else "")
        lines.append(f"| {env_id.split('/')[-1]} | {v[default]['test']['metric']} | {val} | "
                     f"{r['choice']} | {rep} | {tst} |")
    switched = [e.split("/")[-1] for e, r in res["ids"].items() if r["reported"] != default]
    lines += ["", f"Reported with a variant: {', '.join(switched) or 'none'}."]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--table", default=str(ROOT / "agents" / "results" / "results.json"),
                   help="results.json whose rows are the default configuration's")
    p.add_argument("--variant", action="append", default=[], metavar="NAME=RESULTS_JSON",
                   help="a variant's results.json (repeat; one name may take several files)")
    p.add_argument("--default", default="rejax")
    p.add_argument("--algo", default="ppo-jax")
    p.add_argument("--render", metavar="JSON", help="recompute the choice from a stored JSON")
    p.add_argument("--out", default=str(HERE / "results" / "ppo_variants"))
    args = p.parse_args(argv)
    out = Path(args.out)

    def read(path: str, what: str) -> dict:
        try:
            return json.loads(Path(path).read_text())
        except (OSError, ValueError) as e:
            p.error(f"{what}: cannot read {path}: {e}")

    if args.render:
        stored = read(args.render, "--render")
        ids = {e: r["variants"] for e, r in stored["ids"].items()}
        command = stored["command"]
    else:
        if not args.variant:
            p.error("give at least one --variant NAME=RESULTS_JSON (or --render JSON)")
        variants: dict[str, list[dict]] = {}
        for spec in args.variant:
            name, sep, path = spec.partition("=")
            if not sep or not name or not path:
                p.error(f"--variant {spec!r}: expected NAME=RESULTS_JSON")
            if name == args.default:
                p.error(f"--variant {spec!r}: {name!r} is the default's name")
            variants.setdefault(name, []).append(read(path, f"--variant {spec!r}"))
        ids = collect(read(args.table, "--table"), variants, args.default, args.algo)
        if not ids:
            p.error(f"no id has {args.algo} rows in both the table and a variant file")
        command = ("python benchmarks/ppo_variants.py "
                   + " ".join(f"--variant {s.partition('=')[0]}=<results.json>"
                              for s in args.variant))
    res = {"command": command, "default": args.default, "algo": args.algo,
           "ids": decide(ids, args.default)}
    out.parent.mkdir(parents=True, exist_ok=True)
    out.with_suffix(".json").write_text(json.dumps(res, indent=1, default=float))
    out.with_suffix(".md").write_text(render(res, args.default))
    print(out.with_suffix(".md").read_text())
    return 0


if __name__ == "__main__":
    np.seterr(all="ignore")
    sys.exit(main())
