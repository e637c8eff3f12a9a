"""Core throughput, side by side in one run, reported as medians and ratios.

1. Single environment: ``gym.make("chaosgym/LorenzStabilize-v1")`` step rate vs Gymnasium's
   own ``Pendulum-v1`` (both through ``gym.make`` with their default wrappers).
2. Batched: ``gym.make_vec(..., num_envs=1024)`` aggregate env-steps/s (one jitted call per
   step, numpy actions in and observations out).
3. Functional path: ``jit(vmap(scan(fenv.step)))`` over 1024 envs × 1000 steps vs a bare
   jitted RK4 Lorenz loop of the same shape (the practical ceiling of the batched ODE path).
4. Construction: the first and the second ``gym.make`` + ``reset`` + ``step`` of
   LorenzStabilize and KolmogorovSuppress in one process (the second reuses the contract:
   attractor bank and compiled programs).

Usage::

    python benchmarks/bench_core.py [--quick] [--out benchmarks/results/core.md]
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time
from pathlib import Path

import gymnasium as gym
import jax
import jax.numpy as jnp
import numpy as np

import chaosgym
from chaosgym.integrators.rk import RK4, rk_step

ID = "chaosgym/LorenzStabilize-v1"


def _median_time(fn, reps: int) -> float:
    ts = []
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        ts.append(time.perf_counter() - t0)
    return statistics.median(ts)


def single_env(env_id: str, n: int, reps: int) -> float:
    """Median seconds per ``env.step`` (auto-resetting when an episode ends)."""
    env = gym.make(env_id)
    env.reset(seed=0)
    a = env.action_space.sample()
    for _ in range(500):
        env.step(a)

    def run():
        for _ in range(n):
            _, _, term, trunc, _ = env.step(a)
            if term or trunc:
                env.reset()

    t = _median_time(run, reps) / n
    env.close()
    return t


def construction(env_id: str) -> tuple[float, float]:
    """Seconds for the first and the second ``gym.make`` + ``reset`` + one ``step``."""
    out = []
    for _ in range(2):
        t0 = time.perf_counter()
        env = gym.make(env_id)
        env.reset(seed=0)
        env.step(np.zeros(env.action_space.shape, np.float32))
        out.append(time.perf_counter() - t0)
        env.close()
    return out[0], out[1]


def vector_env(num_envs: int, n: int, reps: int) -> float:
    """Median aggregate env-steps/s of ``gym.make_vec``."""
    vec = gym.make_vec(ID, num_envs=num_envs)
    vec.reset(seed=0)
    a = np.zeros(vec.action_space.shape, np.float32)
    for _ in range(20):
        vec.step(a)
    t = _median_time(lambda: [vec.step(a) for _ in range(n)], reps)
    vec.close()
    return num_envs * n / t


def functional_scan(num_envs: int, steps: int, reps: int) -> float:
    fenv = chaosgym.make_functional(ID, max_steps=10**9)
    params = jax.tree_util.tree_map(jnp.asarray, fenv.default_params)

    @jax.jit
    def run(keys):
        def one(key):
            obs, s = fenv.reset(key, params)

            def body(carry, k):
                obs, s = carry
                obs, s, r, *_ = fenv.step(k, s, jnp.zeros(1), params)
                return (obs, s), r

            return jax.lax.scan(body, (obs, s), jax.random.split(key, steps))[1].sum()

        return jax.vmap(one)(keys)

    keys = jax.random.split(jax.random.key(0), num_envs)
    run(keys).block_until_ready()
    t = _median_time(lambda: run(keys).block_until_ready(), reps)
    return num_envs * steps / t


def bare_rk4(num_envs: int, steps: int, reps: int, substeps: int = 5, h: float = 0.01) -> float:
    def f(x):
        return jnp.stack([10.0 * (x[1] - x[0]), x[0] * (28.0 - x[2]) - x[1],
                          x[0] * x[1] - 8.0 / 3.0 * x[2]])

    @jax.jit
    def run(x0):
        def one(x):
            def body(x, _):
                x = jax.lax.fori_loop(0, substeps, lambda _, y: rk_step(f, y, h, RK4), x)
                return x, x[0]

            return jax.lax.scan(body, x, None, length=steps)[1].sum()

        return jax.vmap(one)(x0)

    x0 = jnp.ones((num_envs, 3)) + jnp.arange(num_envs)[:, None] * 1e-3
    run(x0).block_until_ready()
    t = _median_time(lambda: run(x0).block_until_ready(), reps)
    return num_envs * steps / t


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="fewer repetitions")
    ap.add_argument("--out", default="benchmarks/results/core.md")
    args = ap.parse_args()
    reps = 5 if args.quick else 11
    n_single = 2000 if args.quick else 5000

    rows = []
    kolmogorov = next(i for i in chaosgym.list_envs()
                      if i.startswith("chaosgym/KolmogorovSuppress-"))
    for env_id in (ID, kolmogorov):
        first, second = construction(env_id)
        rows.append((f"construction {env_id}: first / second gym.make+reset+step",
                     f"{first:.2f} s / {second * 1e3:.1f} ms",
                     "second reuses the compiled programs"))
    t_pend = single_env("Pendulum-v1", n_single, reps)
    t_lor = single_env(ID, n_single, reps)
    rows.append(("single env step, Pendulum-v1 (gym.make)", f"{t_pend * 1e6:.2f} µs", ""))
    rows.append((f"single env step, {ID} (gym.make)", f"{t_lor * 1e6:.2f} µs",
                 f"{t_pend / t_lor:.2f}× Pendulum-v1 (target ≥ 1.0×)"))
    v = vector_env(1024, 50 if args.quick else 200, reps)
    steps = 200 if args.quick else 1000
    fs = functional_scan(1024, steps, reps)
    br = bare_rk4(1024, steps, reps)
    rows.append(("make_vec(num_envs=1024) aggregate", f"{v:.3g} env-steps/s",
                 f"{v / br:.2f}× the bare RK4 loop (target ≥ 0.25×)"))
    rows.append((f"functional jit(vmap(scan)) 1024×{steps}", f"{fs:.3g} env-steps/s",
                 f"{fs / br:.2f}× the bare RK4 loop (target ≥ 0.30×)"))
    rows.append((f"bare jitted RK4 Lorenz loop 1024×{steps} (5 substeps/step)",
                 f"{br:.3g} env-steps/s", "ceiling"))

    head = (
        f"# Core throughput\n\nMedians of {reps} repetitions, measured in one run on "
        f"{platform.machine()} with {os.cpu_count()} CPU cores, JAX {jax.__version__} "
        f"({jax.default_backend()}), Gymnasium {gym.__version__}.\n"
        f"Command: `python benchmarks/bench_core.py{' --quick' if args.quick else ''}`\n\n"
        "| measurement | median | ratio |\n|---|---|---|\n"
    )
    text = head + "\n".join(f"| {a} | {b} | {c} |" for a, b, c in rows) + "\n"
    print(text)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(text)


if __name__ == "__main__":
    main()
