"""Train a small SAC policy on LorenzStabilize, then certify (or refute) it near C+.

    python examples/certify_sac_lorenz.py [--steps 3000] [--half-width 0.5]
    CHAOSGYM_SAC_STEPS=20000 python examples/certify_sac_lorenz.py

Steps:

1. train stable-baselines3 SAC (2×64 ReLU actor) on ``chaosgym/LorenzStabilize-v1`` for a short
   budget (``--steps`` or ``CHAOSGYM_SAC_STEPS``);
2. export the deterministic actor to a pure JAX function (no torch at check time) and build
   the closed loop ``x' = f(x) + B · 10 · actor(x)``;
3. find its equilibrium near C+ by Newton's method (a learned policy rarely vanishes exactly
   at C+), linearise: if the linearisation is not Hurwitz the policy does not stabilise the
   equilibrium (refuted, with the unstable eigenvalues and a falsifier counterexample for
   the LQR-shaped candidate); otherwise take V from the Lyapunov equation of the closed-loop
   linearisation, certify it on the box x* ± half-width/10 and estimate the largest
   certified sublevel set inside x* ± half-width (the certified region of attraction);
4. print the same for the saturated LQR baseline beside it.
"""

from __future__ import annotations

import argparse
import os
import time

import jax
import numpy as np

from chaosgym.lyapunov import Box, LyapunovProblem, certify, falsify
from chaosgym.lyapunov.candidates import lqr_candidate, quadratic_candidate
from chaosgym.lyapunov.closed_loop import (
    export_sb3_actor,
    find_equilibrium,
    lqr_closed_loop,
    policy_closed_loop,
)
from chaosgym.lyapunov.report import text_report
from chaosgym.lyapunov.roa import estimate_roa

ENV_ID = "chaosgym/LorenzStabilize-v1"


def train(steps: int, seed: int):
    import gymnasium as gym
    import torch
    from stable_baselines3 import SAC

    torch.set_num_threads(1)  # small networks: threads only contend

    import chaosgym  # noqa: F401  (registers the ids)

    env = gym.make(ENV_ID, max_episode_steps=200)
    model = SAC("MlpPolicy", env, seed=seed, learning_starts=min(500, steps // 2),
                policy_kwargs={"net_arch": [64, 64]}, verbose=0)
    model.learn(total_timesteps=steps)
    return model, env.unwrapped.fenv


def analyse(name: str, f, V_lqr, x_guess, half_width: float, roa: bool) -> dict:
    out = {"name": name}
    x_eq = find_equilibrium(f, x_guess)
    out["x_eq"] = x_eq
    out["offset"] = float(np.linalg.norm(x_eq - x_guess))
    with jax.enable_x64(True):
        A = np.asarray(jax.jacfwd(f)(jax.numpy.asarray(x_eq)))
    ev = np.linalg.eigvals(A)
    out["eigenvalues"] = ev
    dom = Box.cube(3, half_width, x_eq)
    if np.max(ev.real) >= 0:
        out["verdict"] = "refuted: the closed-loop equilibrium is linearly unstable"
        p = LyapunovProblem(f, V_lqr, dom, x_eq=x_eq, name=name)
        fr = falsify(p)
        out["counterexample"] = fr.counterexamples[:1]
        return out
    V, _ = quadratic_candidate(f, x_eq)
    small = LyapunovProblem(f, V, Box.cube(3, 0.1 * half_width, x_eq), x_eq=x_eq, name=name)
    cert = certify(small, max_boxes=200_000, time_limit=60)
    out["certificate"] = cert
    out["verdict"] = cert.status.value
    if roa:
        # the certified region: the largest sublevel set of V on which V decreases (it may be
        # much smaller than the box, e.g. inside one linear piece of a ReLU policy)
        p = LyapunovProblem(f, V, dom, x_eq=x_eq, name=name)
        out["roa"] = estimate_roa(p, iters=10, time_limit=120)
    return out


def show(res: dict) -> None:
    print(f"\n=== {res['name']} ===")
    print(f"equilibrium {np.array2string(res['x_eq'], precision=5)} "
          f"({res['offset']:.2e} from C+)")
    print(f"eigenvalues of the linearisation: {np.array2string(res['eigenvalues'], precision=4)}")
    print(f"verdict: {res['verdict']}")
    if "certificate" in res:
        print(text_report(res["certificate"]))
    if "roa" in res:
        r = res["roa"]
        print(f"region of attraction: {r!r}")
        if r.certificate is not None:
            print(text_report(r.certificate, "certified sublevel set"))
    if len(res.get("counterexample", [])):
        print(f"counterexample to the LQR candidate: {res['counterexample'][0]}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--steps", type=int, default=int(os.environ.get("CHAOSGYM_SAC_STEPS", 3000)))
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--half-width", type=float, default=2.0)
    ap.add_argument("--no-roa", action="store_true")
    args = ap.parse_args()

    t0 = time.perf_counter()
    model, fenv = train(args.steps, args.seed)
    print(f"trained SAC for {args.steps} steps in {time.perf_counter() - t0:.1f}s")
    actor, info = export_sb3_actor(model)
    print(f"exported actor: {info}")
    f_sac = policy_closed_loop(fenv, actor)
    f_lqr, ctrl = lqr_closed_loop("lorenz")
    V_lqr = lqr_candidate(ctrl)
    for name, f in (("SAC policy", f_sac), ("saturated LQR", f_lqr)):
        t = time.perf_counter()
        show(analyse(name, f, V_lqr, ctrl.x_eq, args.half_width, not args.no_roa))
        print(f"({time.perf_counter() - t:.1f}s)")


if __name__ == "__main__":
    main()
