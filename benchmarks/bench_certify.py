"""Benchmark of the Lyapunov certifier: wall time per case, compilation included.

Cases: the public Lyapunov test cases (interval branch and bound; the SOS backend; the
python-flint re-check), non-smooth candidates (valid ones that must be proven, and the
issue's wrong ones that must not be), the soundness figures on the adversarial suite
(:mod:`chaosgym.lyapunov.adversarial`), a 10-D cubic polynomial system, the saturated LQR
closed loop of Lorenz near C+, and a neural candidate (2 hidden layers of 64 tanh units,
trained by CEGIS) for the damped pendulum. Every case builds a fresh problem, so tracing,
polynomial expansion and any JAX compilation are inside its time; the JAX runtime itself is
warmed once.

Run::

    python benchmarks/bench_certify.py            # writes benchmarks/results/certify.md
    python benchmarks/bench_certify.py --quick    # public and non-smooth cases only

Targets: ≤ 5 s per 2–4-D case, ≤ 60 s for the 10-D polynomial case, ≤ 30 s to certify
the neural candidate; 0 wrong verdicts on the adversarial suite.
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
            "status": cert.status.value, "hole": cert.hole, "rigour": cert.rigour,
            "boxes": cert.stats.get("evaluated", 0), "t": t,
            "rigorous": rc.status.value,
            "rig_agree": rc.status == cert.status, "t_rig": tr,
            "sos": sos.status.value + (" (SOS)" if sos.scope.get("kind") == "global" else ""),
            "t_sos": ts,
        })
        print(rows[-1])
    return rows


def nonsmooth_cases() -> list[tuple[str, str, LyapunovProblem]]:
    """Valid non-smooth candidates (kinks in V or f) and the issue's wrong ones."""
    A = jnp.array([[-1.0, 2.0], [-2.0, -1.0]])
    R = jnp.array([[-1.0, 1.0], [-1.0, -1.0]])
    sq = Box.cube(2, 1.0)
    valid = [
        ("|x|_1, x' = -x", LyapunovProblem(lambda x: -x, lambda x: jnp.sum(jnp.abs(x)), sq)),
        ("|x|_1 3-D, x' = -x", LyapunovProblem(lambda x: -x, lambda x: jnp.sum(jnp.abs(x)),
                                               Box.cube(3, 1.0))),
        ("max of quadratics, rotating decay",
         LyapunovProblem(lambda x: A @ x, lambda x: jnp.maximum(x[0] ** 2 + 0.5 * x[1] ** 2,
                                                                0.5 * x[0] ** 2 + x[1] ** 2), sq)),
        ("saturated feedback x' = Rx - 0.5 clip(x, ±0.2)",
         LyapunovProblem(lambda x: R @ x - 0.5 * jnp.clip(x, -0.2, 0.2), lambda x: x @ x, sq)),
        ("abs damping y' = -x - y - y|y|/2",
         LyapunovProblem(lambda x: jnp.stack([x[1], -x[0] - x[1] - 0.5 * x[1] * jnp.abs(x[1])]),
                         lambda x: 1.5 * x[0] ** 2 + x[0] * x[1] + x[1] ** 2, sq)),
        ("leaky-ReLU term in V", LyapunovProblem(
            lambda x: -x, lambda x: x @ x + 0.1 * jnp.sum(jax.nn.leaky_relu(x, 0.5) * x), sq)),
        ("ReLU kink away from x*", LyapunovProblem(
            lambda x: -x, lambda x: x @ x + 0.1 * jax.nn.relu(x[0] - 0.5) ** 2, sq)),
    ]
    wrong = [
        ("|x|² − 0.2 relu(x0)", LyapunovProblem(
            lambda x: -x, lambda x: x @ x - 0.2 * jax.nn.relu(x[0]), sq)),
        ("|x|² − 0.1(|x0| + |−x0|)", LyapunovProblem(
            lambda x: -x, lambda x: x @ x - 0.1 * (jnp.abs(x[0]) + jnp.abs(-x[0])), sq)),
        ("3-D |x|² − 0.2 relu(x0 + x1)", LyapunovProblem(
            lambda x: -x, lambda x: x @ x - 0.2 * jax.nn.relu(x[0] + x[1]), Box.cube(3, 1.0))),
        ("|x|² − 0.2 max(x0, 0)", LyapunovProblem(
            lambda x: -x, lambda x: x @ x - 0.2 * jnp.maximum(x[0], 0.0), sq)),
        ("interior bump (relu/abs) at (0.3, −0.2)", LyapunovProblem(
            lambda x: -x, lambda x: x @ x - 20 * jax.nn.relu(
                0.1 - jnp.abs(x[0] - 0.3) - jnp.abs(x[1] + 0.2)), sq)),
    ]
    return [("valid", *c) for c in valid] + [("wrong", *c) for c in wrong]


def nonsmooth_rows() -> list[dict]:
    rows = []
    for expected, name, p in nonsmooth_cases():
        cert, t = _timed(lambda p=p: certify(p))
        rows.append({"case": name, "n": p.n, "expected": expected, "status": cert.status.value,
                     "hole": cert.hole, "rigour": cert.rigour,
                     "boxes": cert.stats.get("evaluated", 0), "t": t,
                     "local": "yes" if cert.local is not None and cert.local.ok else "no"})
        print(rows[-1])
    return rows


def soundness_rows(time_limit: float = 20.0) -> dict:
    """Certify every adversarial case (default options): wrong verdicts, valid proved."""
    from chaosgym.lyapunov.adversarial import CASES as ADV
    from chaosgym.lyapunov.adversarial import claim_contains

    out = {"wrong": 0, "wrong_certified": 0, "wrong_refuted": 0, "wrong_unknown": 0,
           "valid": 0, "valid_proved": 0, "valid_unknown": 0, "false_cx": 0, "errors": 0,
           "times": [], "bad": []}
    for case in ADV:
        t0 = time.perf_counter()
        try:
            c = certify(case.problem(), time_limit=time_limit, **case.certify_kwargs)
            status = c.status.value
        except Exception as e:  # a clear error is a refusal, not a verdict
            status, c = "ERROR", None
            print(case.name, "error:", e)
        out["times"].append(time.perf_counter() - t0)
        if case.expected == "wrong":
            out["wrong"] += 1
            if c is not None and c.certified and claim_contains(c, case.point):
                out["wrong_certified"] += 1
                out["bad"].append(case.name)
            elif status == "COUNTEREXAMPLE":
                out["wrong_refuted"] += 1
            else:
                out["wrong_unknown"] += 1
        else:
            out["valid"] += 1
            if c is not None and c.certified:
                out["valid_proved"] += 1
            elif status == "COUNTEREXAMPLE":
                out["false_cx"] += 1
                out["bad"].append(case.name)
            else:
                out["valid_unknown"] += 1
        out["errors"] += status == "ERROR"
        print(case.name, case.expected, status)
    return out


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


def write(public: list[dict], extra: list[dict], path: Path, nonsmooth: list[dict] | None = None,
          sound: dict | None = None) -> None:
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
        "| case | n | expected | interval B&B | hole | rigour | boxes | time (s) | "
        "arb re-check | time (s) | SOS backend | time (s) |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in public:
        hole = "–" if r["status"] == "COUNTEREXAMPLE" else f"{r['hole']:.3g}"
        lines.append(
            f"| {r['case']} | {r['n']} | {r['expected']} | {r['status']} | {hole} | "
            f"{r['rigour']} | {r['boxes']} | {r['t']:.2f} | {r['rigorous']} | {r['t_rig']:.2f} | "
            f"{r['sos']} | {r['t_sos']:.2f} |")
    if nonsmooth:
        lines += ["", "## Non-smooth candidates", "",
                  "Kinks in V or f (abs, max, clip, relu, leaky ReLU). A kink at x* leaves no "
                  "box on which the Taylor certificate applies, so a hole (1 % of the half-width) "
                  "is excluded; the issue's wrong candidates must not be certified.", "",
                  "| case | n | expected | status | hole | rigour | local cert. | boxes | "
                  "time (s) |", "|---|---|---|---|---|---|---|---|---|"]
        for r in nonsmooth:
            hole = "–" if r["status"] == "COUNTEREXAMPLE" else f"{r['hole']:.3g}"
            lines.append(f"| {r['case']} | {r['n']} | {r['expected']} | {r['status']} | {hole} | "
                         f"{r['rigour']} | {r['local']} | {r['boxes']} | {r['t']:.2f} |")
    if sound:
        ts = np.asarray(sound["times"])
        lines += ["", "## Soundness on the adversarial suite", "",
                  "`chaosgym.lyapunov.adversarial` (every wrong case has a violating point "
                  "verified in ball arithmetic), `certify` with default options and a 20 s "
                  "limit per case. A wrong verdict is a certificate whose claim contains the "
                  "violating point, or a valid case refuted.", "",
                  "| wrong cases | wrong CERTIFIED | refuted | UNKNOWN | valid cases | "
                  "valid proved | valid UNKNOWN | false COUNTEREXAMPLE | errors | median s | "
                  "max s |", "|---|---|---|---|---|---|---|---|---|---|---|",
                  f"| {sound['wrong']} | {sound['wrong_certified']} | {sound['wrong_refuted']} | "
                  f"{sound['wrong_unknown']} | {sound['valid']} | {sound['valid_proved']} | "
                  f"{sound['valid_unknown']} | {sound['false_cx']} | {sound['errors']} | "
                  f"{np.median(ts):.2f} | {np.max(ts):.2f} |"]
        if sound["bad"]:
            lines.append(f"\nWrong verdicts: {', '.join(sound['bad'])}")
    if extra:
        lines += ["", "## Larger cases", "", "| case | status | boxes | time (s) | note |",
                  "|---|---|---|---|---|"]
        for r in extra:
            lines.append(f"| {r['case']} | {r['status']} | {r['boxes']} | {r['t']:.2f} | "
                         f"{r['note']} |")
    lines += [
        "",
        f"Load average at the end of the run: {os.getloadavg()[0]:.1f} (other jobs share the "
        "CPUs; times are upper bounds for an idle machine).",
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
    ap.add_argument("--quick", action="store_true", help="public and non-smooth cases only")
    ap.add_argument("--out", default=str(RESULTS))
    args = ap.parse_args()
    with jax.enable_x64(True):
        jax.jit(lambda x: x + 1)(jnp.ones(2)).block_until_ready()
        public = public_rows()
        nonsmooth = nonsmooth_rows()
        sound = None if args.quick else soundness_rows()
        extra = [] if args.quick else extra_rows()
    write(public, extra, Path(args.out), nonsmooth, sound)


if __name__ == "__main__":
    main()
