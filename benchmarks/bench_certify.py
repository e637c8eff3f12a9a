"""Benchmark of the Lyapunov certifier: wall time per case, compilation included.

Cases: the public Lyapunov test cases (interval branch and bound; the SOS backend; the
python-flint re-check), a 10-D cubic polynomial system, the saturated LQR closed loop of
Lorenz near C+, and a neural candidate (2 hidden layers of 64 tanh units, trained by CEGIS)
for the damped pendulum. Every case builds a fresh problem, so tracing, polynomial expansion
and any JAX compilation are inside its time; the JAX runtime itself is warmed once.

Run::

    python benchmarks/bench_certify.py            # writes benchmarks/results/certify.md
    python benchmarks/bench_certify.py --quick    # public cases only

Targets: ≤ 5 s per 2–4-D public case, ≤ 60 s for the 10-D polynomial case, ≤ 30 s to
certify the neural candidate.
"""

from __future__ import annotations

import argparse
import os
import platform
import time
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np

from chaosgym.lyapunov import Box, LyapunovProblem, certify
from chaosgym.lyapunov.cases import CASES
from chaosgym.lyapunov.rigorous import recheck

RESULTS = Path(__file__).parent / "results" / "certify.md"


def _timed(fn):
    t = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t


def public_rows() -> list[dict]:
    rows = []
    for case in CASES:
        cert, t = _timed(lambda case=case: certify(case.problem()))
        rc, tr = _timed(lambda cert=cert: recheck(cert))
        sos, ts = _timed(lambda case=case: certify(case.problem(), method="sos"))
        rows.append({
            "case": case.name, "n": case.n, "kind": case.kind, "expected": case.expected,
            "status": cert.status.value, "hole": cert.hole,
            "boxes": cert.stats.get("evaluated", 0), "t": t,
            "rigorous": rc.status.value,
            "rig_agree": rc.status == cert.status, "t_rig": tr,
            "sos": sos.status.value + (" (SOS)" if sos.scope.get("kind") == "global" else ""),
            "t_sos": ts,
        })
        print(rows[-1])
    return rows


def cyclic10():
    """x_i' = −x_i − x_i³ + x_{i+1}² − x_{i−1} x_i (cyclic, n = 10), V = Σ x_i²:
    dV/dt = −2Σx_i² − 2Σx_i⁴ (the cubic couplings cancel around the ring)."""
    n = 10

    def f(x):
        return -x - x**3 + jnp.roll(x, -1) ** 2 - jnp.roll(x, 1) * x

    return LyapunovProblem(f, lambda x: x @ x, Box.cube(n, 1.0), name="cyclic10")


def lqr_lorenz(half_width: float = 0.5):
    from chaosgym.lyapunov.candidates import lqr_candidate
    from chaosgym.lyapunov.closed_loop import lqr_closed_loop

    f, ctrl = lqr_closed_loop("lorenz")
    return LyapunovProblem(f, lqr_candidate(ctrl), Box.cube(3, half_width, ctrl.x_eq),
                           x_eq=ctrl.x_eq, name="lorenz_lqr")


def pendulum_f(x):
    """Damped pendulum θ' = ω, ω' = −sin θ − ω/2."""
    return jnp.stack([x[1], -jnp.sin(x[0]) - 0.5 * x[1]])


def neural_pendulum(seed: int = 0, half_width: float = 2.0):
    from chaosgym.lyapunov.candidates import quadratic_candidate
    from chaosgym.lyapunov.cegis import cegis

    dom = Box.cube(2, half_width)
    _, P = quadratic_candidate(pendulum_f, np.zeros(2))
    res = cegis(pendulum_f, dom, jax.random.key(seed), rounds=4, steps=400, P=P,
                init_scale=0.1)
    return res


def extra_rows() -> list[dict]:
    rows = []
    p = cyclic10()
    cert, t = _timed(lambda: certify(p))
    p2 = cyclic10()
    sos, ts = _timed(lambda: certify(p2, method="sos"))
    rows.append({"case": "cyclic10 (10-D cubic)", "status": cert.status.value,
                 "boxes": cert.stats.get("evaluated", 0), "t": t,
                 "note": f"SOS: {sos.status.value} in {ts:.2f}s"})
    print(rows[-1])
    p = lqr_lorenz()
    cert, t = _timed(lambda: certify(p))
    rows.append({"case": "Lorenz + saturated LQR, C+ ± 0.5", "status": cert.status.value,
                 "boxes": cert.stats.get("evaluated", 0), "t": t,
                 "note": f"hole radius {cert.hole:.2g} (float rounding of C+)"})
    print(rows[-1])
    res, t_train = _timed(neural_pendulum)
    prob = res.problem
    cert, t = _timed(lambda: certify(prob, time_limit=120))
    rows.append({"case": "damped pendulum, neural V (2×64 tanh), ±2", "status": cert.status.value,
                 "boxes": cert.stats.get("evaluated", 0), "t": t,
                 "note": f"CEGIS training {t_train:.1f}s, rounds {res.history}"})
    print(rows[-1])
    return rows


def write(public: list[dict], extra: list[dict], path: Path) -> None:
    lines = [
        "# Lyapunov certifier benchmark",
        "",
        f"Machine: {platform.machine()}, {os.cpu_count()} CPUs visible, Python "
        f"{platform.python_version()}, jax {jax.__version__}. Command: "
        "`python benchmarks/bench_certify.py`.",
        "Times are wall seconds per case including tracing, polynomial expansion and "
        "compilation (the JAX runtime is warmed once).",
        "",
        "## Public cases",
        "",
        "| case | n | expected | interval B&B | hole | boxes | time (s) | arb re-check | "
        "time (s) | SOS backend | time (s) |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in public:
        hole = "–" if r["status"] == "COUNTEREXAMPLE" else f"{r['hole']:.3g}"
        lines.append(
            f"| {r['case']} | {r['n']} | {r['expected']} | {r['status']} | {hole} | "
            f"{r['boxes']} | {r['t']:.2f} | {r['rigorous']} | {r['t_rig']:.2f} | {r['sos']} | "
            f"{r['t_sos']:.2f} |")
    if extra:
        lines += ["", "## Larger cases", "", "| case | status | boxes | time (s) | note |",
                  "|---|---|---|---|---|"]
        for r in extra:
            lines.append(f"| {r['case']} | {r['status']} | {r['boxes']} | {r['t']:.2f} | "
                         f"{r['note']} |")
    lines += [
        "",
        "Load: other jobs shared the 2 CPUs during the run (load average about 13, at lower",
        "priority); times are upper bounds for an idle machine.",
        "",
        "Learned controller: `python examples/certify_sac_lorenz.py --steps 3000` trains SAC on",
        "LorenzStabilize, exports the actor to JAX and certifies the closed loop next to the",
        "saturated LQR; its output is kept in `certify_sac_lorenz.txt`.",
    ]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n")
    print(f"wrote {path}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--quick", action="store_true", help="public cases only")
    ap.add_argument("--out", default=str(RESULTS))
    args = ap.parse_args()
    with jax.enable_x64(True):
        jax.jit(lambda x: x + 1)(jnp.ones(2)).block_until_ready()
        public = public_rows()
        extra = [] if args.quick else extra_rows()
    write(public, extra, Path(args.out))


if __name__ == "__main__":
    main()
