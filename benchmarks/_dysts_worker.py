"""Runs inside the dysts virtual environment (see bench_dysts.py); prints one JSON object.

Measures, with dysts' own defaults: ``find_lyapunov_exponents(model, 1000)`` (time, exponents)
and ``model.make_trajectory(n)`` (Radau, rtol = atol = 1e-12; time, output times, states, the
initial condition), with each model's parameters set to the standard values used by chaosgym.
"""

from __future__ import annotations

import json
import sys
import time
import warnings

warnings.filterwarnings("ignore")

import numpy as np  # noqa: E402
from dysts import flows  # noqa: E402
from dysts.analysis import find_lyapunov_exponents  # noqa: E402

PARAMS = {
    "Lorenz": {"sigma": 10.0, "rho": 28.0, "beta": 8.0 / 3.0},
    "Rossler": {"a": 0.2, "b": 0.2, "c": 5.7},
    "Chen": {"a": 35.0, "b": 3.0, "c": 28.0},
}


def model(name):
    m = getattr(flows, name)()
    for k, v in PARAMS[name].items():
        if k not in m.params:
            raise KeyError(f"dysts {name} has no parameter {k}: {m.params}")
        m.params[k] = v
    for k, v in m.params.items():
        setattr(m, k, v)
    # dysts evaluates its right-hand side with param_list, built at construction
    m.param_list = [m.params[k] for k in sorted(m.params)]
    return m


def main() -> None:
    n_traj = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    from importlib.metadata import version

    out = {"version": version("dysts"), "lyapunov": {}, "trajectory": {}}
    for name in PARAMS:
        m = model(name)
        find_lyapunov_exponents(m, 50)  # warm-up (numba compilation, caches)
        t = time.perf_counter()
        lam = find_lyapunov_exponents(m, 1000)
        out["lyapunov"][name] = {"time": time.perf_counter() - t,
                                 "exponents": [float(v) for v in lam],
                                 "params": {k: float(v) for k, v in m.params.items()}}
    m = model("Lorenz")
    m.make_trajectory(10)  # warm-up
    t = time.perf_counter()
    tpts, traj = m.make_trajectory(n_traj, return_times=True)
    out["trajectory"]["Lorenz"] = {
        "time": time.perf_counter() - t, "n": n_traj, "t": np.asarray(tpts).tolist(),
        "x": np.asarray(traj).tolist(), "ic": np.asarray(m.ic).tolist(),
        "params": {k: float(v) for k, v in m.params.items()},
    }
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
