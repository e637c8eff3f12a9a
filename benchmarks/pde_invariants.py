"""Float64 invariants of the PDE systems, as measured by the library (the numbers the slow tests
check, printed with their spread).

Lyapunov exponents come from :func:`chaosgym.analysis.spectrum`: Benettin/QR on the tangent
map of each system's own ETDRK4 stepper (``jax.linearize`` of one control interval), per unit
time, mean ± standard error over initial conditions. Each λ1 is cross-checked against
:func:`chaosgym.systems.pde.analysis.largest_lyapunov` (a separate single-vector code,
``jax.jvp`` with renormalisation every step) on the same states' trajectories.

* Kuramoto–Sivashinsky L=22, N=64: the leading 8 exponents over 8 runs of 2000 time units
  (λ1 reference 0.048 ± 0.002), ⟨u²⟩, ⟨u_x²⟩, ⟨u_xx²⟩; E1–E3 residuals and energies.
* Complex Ginzburg–Landau (α, β) = (2, −2), L=100: the leading 4 exponents and ⟨|A|²⟩ on
  N=256 and N=512 (resolution convergence; no published λ1).
* Driven–damped NLS: λ1; conservative NLS: mass and Hamiltonian drift of a soliton.
* λ–ω: number of spiral cores after 150 time units at β=1 and β=3.
* Kolmogorov flow n=4, Re=40, N=64: the leading 2 exponents.

Usage: ``python benchmarks/pde_invariants.py [--only SECTION ...]`` (several minutes on 2
cores); results are printed and written to ``benchmarks/results/pde_invariants.json``
(``--only`` updates those sections and keeps the rest).
"""

from __future__ import annotations

import json
import pathlib
import time

import jax
import jax.numpy as jnp
import numpy as np

from chaosgym.analysis import spectrum
from chaosgym.integrators import make_stepper
from chaosgym.systems.pde import ginzburg_landau as cgle
from chaosgym.systems.pde import kolmogorov as ko
from chaosgym.systems.pde import kuramoto_sivashinsky as ks
from chaosgym.systems.pde import lambda_omega as lo
from chaosgym.systems.pde import nonlinear_schrodinger as nls
from chaosgym.systems.pde.analysis import largest_lyapunov, time_average

OUT = pathlib.Path(__file__).resolve().parent / "results" / "pde_invariants.json"


def _exponents(name, x, p, steps, n_exp) -> dict:
    """Leading exponents from states ``x`` (already on the attractor) by ``spectrum``."""
    r = spectrum(name, x, params=p, steps=steps, n_exp=n_exp, transient=0)
    return {"exponents": r.exponents.tolist(), "stderr": r.stderr.tolist(),
            "lambda1": [r.max, float(r.stderr[0])], "T": r.time, "dt": r.dt,
            "n_ic": len(r.per_ic), "unit": r.unit_label,
            "kaplan_yorke_of_computed": r.kaplan_yorke, "seconds": r.wall_time}


def _x0(mod, p, n, seed):
    keys = jax.random.split(jax.random.key(seed), n)
    return jax.vmap(lambda k: mod.initial_state(k, p))(keys).astype(jnp.float64)


def kuramoto_sivashinsky() -> dict:
    p = ks.SPEC.params
    step = make_stepper(ks.SPEC, params=p)

    def obs(x):
        b = ks.budget(x, jnp.zeros_like(x), p)
        return jnp.stack([2 * b["energy"], b["P"], b["D"]])

    _, x1 = time_average(step, obs, _x0(ks, p, 8, 7), p, 800, 4)
    avg, x2 = time_average(step, obs, x1, p, 8000, 4)
    lam, se, _ = largest_lyapunov(step, x2, p, ks.SPEC.dt, 8000, 4, chunk=1000)
    sem = avg.std(axis=0, ddof=1) / np.sqrt(len(avg))
    E = ks.equilibria(22.0, 64)
    return {
        "runs": 8, "time_per_run": 2000.0,
        "spectrum": _exponents("kuramoto_sivashinsky", x2, p, 8000, 8),
        "lambda1_single_vector_code": [lam, se],
        "mean_u2": [float(avg[:, 0].mean()), float(sem[0])],
        "mean_ux2": [float(avg[:, 1].mean()), float(sem[1])],
        "mean_uxx2": [float(avg[:, 2].mean()), float(sem[2])],
        "equilibria": [{"name": f"E{i + 1}", "energy": float(0.5 * np.mean(e * e)),
                        "max_residual": float(np.max(np.abs(ks.residual(e, 22.0))))}
                       for i, e in enumerate(E)],
    }


def ginzburg_landau() -> dict:
    out = {}
    for N in (256, 512):
        p = cgle.CGLEParams(N=N)
        step = make_stepper(cgle.SPEC, params=p)
        _, x1 = time_average(step, lambda x: x[0], _x0(cgle, p, 4, 0), p, 400, 16)
        avg, x2 = time_average(step, lambda x, p=p: jnp.mean(cgle.amplitude2(x, p)), x1, p,
                               2000, 16)
        lam, se, _ = largest_lyapunov(step, x2, p, 0.5, 2000, 16, chunk=500)
        out[f"N={N}"] = {"spectrum": _exponents("ginzburg_landau", x2, p, 2000, 4),
                         "lambda1_single_vector_code": [lam, se],
                         "mean_A2": [float(avg.mean()), float(avg.std(ddof=1) / 2)],
                         "runs": 4, "time_per_run": 1000.0}
    return out


def schrodinger() -> dict:
    p = nls.SPEC.params
    step = make_stepper(nls.SPEC, params=p)
    _, x1 = time_average(step, lambda x: x[0], _x0(nls, p, 4, 2), p, 400, 16)
    lam, se, _ = largest_lyapunov(step, x1, p, 0.5, 1000, 16, chunk=500)
    ex = _exponents("nonlinear_schrodinger", x1, p, 1000, 2)
    pc = nls.NLSParams(L=40.0, N=256, gamma=0.0, detuning=0.0, drive=0.0)
    xs = jnp.asarray(nls.soliton(pc, a=1.0, c=2 * np.pi * 3 / pc.L))
    stepc = make_stepper(nls.SPEC, dt=1.0, substeps=250, params=pc)
    _, xT = time_average(stepc, lambda x: x[0], xs[None], pc, 400, 16)
    i0, i1 = nls.invariants(xs, pc), nls.invariants(xT[0], pc)
    drift = {k: abs(float(i1[k] - i0[k])) for k in ("mass", "hamiltonian", "momentum")}
    return {"driven_damped_spectrum": ex, "driven_damped_lambda1_single_vector_code": [lam, se],
            "conservative": {"T": 400.0, "h": 0.004, "drift": drift}}


def lambda_omega() -> dict:
    out = {}
    for beta in (1.0, 3.0):
        p = lo.LambdaOmegaParams(beta=beta)
        step = make_stepper(lo.SPEC, params=p)
        avg, x = time_average(step, lambda x, p=p: lo.defects(x, p).astype(x.dtype),
                              lo.spiral(p)[None], p, 300, 18)
        out[f"beta={beta}"] = {"defects_at_t150": int(lo.defects(x[0], p)),
                               "mean_defects": float(avg[0])}
    return out


def kolmogorov() -> dict:
    p = ko.SPEC.params
    step = make_stepper(ko.SPEC, params=p)
    _, x1 = time_average(step, lambda x: x[0], _x0(ko, p, 2, 1), p, 300, 16)
    lam, se, per = largest_lyapunov(step, x1, p, 0.5, 600, 16, chunk=200)
    return {"Re": p.Re, "n": p.n, "N": p.N, "spectrum": _exponents("kolmogorov", x1, p, 600, 2),
            "lambda1_single_vector_code": [lam, se], "per_run_single_vector_code": per.tolist()}


def main() -> None:
    import argparse

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", nargs="*", help="subset of sections (merged into the JSON)")
    args = ap.parse_args()
    sections = [("kuramoto_sivashinsky", kuramoto_sivashinsky),
                ("ginzburg_landau", ginzburg_landau),
                ("nonlinear_schrodinger", schrodinger),
                ("kolmogorov", kolmogorov)]
    wanted = set(args.only or [n for n, _ in sections] + ["lambda_omega"])
    res = json.loads(OUT.read_text()) if args.only and OUT.exists() else {}
    with jax.enable_x64(True):
        for name, fn in sections:
            if name not in wanted:
                continue
            t = time.perf_counter()
            res[name] = fn()
            res[name]["seconds"] = time.perf_counter() - t
            print(name, json.dumps(res[name]), flush=True)
    if "lambda_omega" in wanted:
        t = time.perf_counter()
        res["lambda_omega"] = lambda_omega()  # float32, as the environment runs
        res["lambda_omega"]["seconds"] = time.perf_counter() - t
        print("lambda_omega", json.dumps(res["lambda_omega"]))
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(res, indent=2))


if __name__ == "__main__":
    main()
