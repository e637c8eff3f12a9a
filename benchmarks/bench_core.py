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

With ``--profile`` the file also gets where one step's time goes, for the single env and for
``make_vec(1024)``: action validation, the compiled call's dispatch (returning as soon as the
call is queued) and the call blocked until its result is ready, the same step's compute inside
a ``lax.scan`` (no dispatch at all), the host transfer, unpacking, the rest of the adapter's
Python and Gymnasium's wrappers, with a trivial jitted call's cost as the floor of any call.
Each part, and each total, is the median of per-call ``perf_counter`` differences. The
profiles are then taken again in a fresh process with
``jax.config.update("jax_cpu_enable_async_dispatch", False)`` (JAX runs CPU computations inline
instead of handing them to a worker thread; a process-wide setting that is the user's to
choose, so the adapters leave it alone).

Usage::

    python benchmarks/bench_core.py [--quick] [--profile] [--out benchmarks/results/core.md]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
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


def _per_call(fn, n: int) -> float:
    """Median seconds of one ``fn()`` over ``n`` calls, each timed on its own."""
    ts = []
    for _ in range(n):
        t0 = time.perf_counter()
        fn()
        ts.append(time.perf_counter() - t0)
    return statistics.median(ts)


def _floor(n: int) -> tuple[float, float]:
    """A trivial jitted call (one small array in, one out): dispatch, and blocked."""
    triv = jax.jit(lambda x: x + 1)
    x = jnp.zeros(3)
    triv(x).block_until_ready()
    return _per_call(lambda: triv(x), n), _per_call(lambda: triv(x).block_until_ready(), n)


def _split_call(call, n: int) -> tuple[float, float, float]:
    """Medians of ``call()``'s dispatch (until it returns), of it blocked on its output, and
    of ``np.asarray`` of that (ready, fresh) output: the host transfer."""
    disp, blocked, host = [], [], []
    for _ in range(n):
        t0 = time.perf_counter()
        out = call()
        t1 = time.perf_counter()
        out.block_until_ready()
        t2 = time.perf_counter()
        np.asarray(out)
        t3 = time.perf_counter()
        disp.append(t1 - t0)
        blocked.append(t2 - t0)
        host.append(t3 - t2)
    return statistics.median(disp), statistics.median(blocked), statistics.median(host)


def profile_single(n: int, reps: int) -> list[tuple[str, float]]:
    """Where one ``gym.make(ID).step`` goes (seconds per part; see the module docstring)."""
    env = gym.make(ID)
    env.reset(seed=0)
    u = env.unwrapped
    c = u.contract
    a = np.zeros(env.action_space.shape, np.float32)
    for _ in range(200):
        env.step(a)
    prog = u._step_default  # the compiled step in use (default parameters)
    zeros = jnp.zeros(a.shape, a.dtype)
    if u._carry is not None:  # the episode is one uint32 array: [outputs | state | key]
        init = u._carry

        def call():
            return prog(init, a)

        def body(carry, _):
            carry = prog(carry, zeros)
            return carry, carry.sum()

        def unpack(host):
            return c.unpack_carry(host)
    else:  # the state pytree and the key data
        init = (u._state, u._key)

        def call():
            return prog(*init, a)[-1]

        def body(sk, _):
            res = prog(*sk, zeros)
            return (res[0], sk[1] if len(res) == 2 else res[1]), res[-1].sum()

        def unpack(host):
            return c.unpack(host)

    @jax.jit
    def run(init):
        return jax.lax.scan(body, init, None, length=1000)[1]

    run(init).block_until_ready()
    compute = _median_time(lambda: run(init).block_until_ready(), reps) / 1000
    disp, blocked, transfer = _split_call(call, n)
    host = np.asarray(call())
    parts = [
        ("trivial jitted call, dispatch / blocked (floor of any call)", _floor(n)),
        ("check_action (as the adapter calls it)",
         _per_call(lambda: c.check_action(a, flagged=c.flags_invalid), n)),
        ("compiled step, dispatch only", disp),
        ("compiled step, dispatch + compute (blocked)", blocked),
        ("same step's compute inside a lax.scan (1000 steps)", compute),
        ("np.asarray(out) (host transfer)", transfer),
        ("unpack", _per_call(lambda: unpack(host), n)),
    ]
    t_adapter = _per_call(lambda: u.step(a), n)
    t_total = _per_call(lambda: env.step(a), n)
    env.close()
    pend = gym.make("Pendulum-v1")
    pend.reset(seed=0)
    pa = pend.action_space.sample()
    t_pend_raw = _per_call(lambda: pend.unwrapped.step(pa), n)
    t_pend = _per_call(lambda: pend.step(pa), n)
    accounted = parts[1][1] + blocked + transfer + parts[6][1]
    parts += [
        ("rest of the adapter's Python (step − the parts above)", t_adapter - accounted),
        ("adapter step (env.unwrapped.step)", t_adapter),
        ("Gymnasium wrappers (TimeLimit, OrderEnforcing, PassiveEnvChecker)",
         t_total - t_adapter),
        ("gym.make step (total)", t_total),
        ("Pendulum-v1: unwrapped step / gym.make step", (t_pend_raw, t_pend)),
    ]
    return parts


def profile_vector(num_envs: int, n: int, reps: int) -> list[tuple[str, float]]:
    """Where one ``gym.make_vec(ID, num_envs).step`` goes (seconds per part)."""
    vec = gym.make_vec(ID, num_envs=num_envs)
    vec.reset(seed=0)
    u = vec.unwrapped
    c = u.contract
    a = np.zeros(vec.action_space.shape, np.float32)
    for _ in range(20):
        vec.step(a)
    prog = u._vstep
    keys = u._keys
    carry = [u._state, u._pending]

    def call():  # the state is donated: carry it from call to call
        carry[0], carry[1], out = prog(keys, np.uint32(7), carry[0], a, carry[1])
        return out

    @jax.jit
    def run(state, pending):
        def body(sp, i):
            s, p = sp
            s, p, out = prog(keys, i.astype(jnp.uint32), s, jnp.zeros(a.shape, a.dtype), p)
            return (s, p), out.sum()

        return jax.lax.scan(body, (state, pending), jnp.arange(100))[1]

    run(*carry).block_until_ready()
    compute = _median_time(lambda: run(*carry).block_until_ready(), reps) / 100
    disp, blocked, transfer = _split_call(call, n)
    host = np.asarray(call())
    parts = [
        ("trivial jitted call, dispatch / blocked (floor of any call)", _floor(n)),
        ("check_action", _per_call(lambda: c.check_action(a, num_envs), n)),
        ("compiled batched step, dispatch only", disp),
        ("compiled batched step, dispatch + compute (blocked)", blocked),
        ("same step's compute inside a lax.scan (100 steps)", compute),
        ("np.asarray(out) (host transfer)", transfer),
        ("unpack_batch", _per_call(lambda: c.unpack_batch(host), n)),
    ]
    u._state, u._pending = carry
    t_step = _per_call(lambda: vec.step(a), n)
    vec.close()
    accounted = parts[1][1] + blocked + transfer + parts[6][1]
    parts += [
        ("rest of ChaosVectorEnv.step (info dict; step − the parts above)", t_step - accounted),
        (f"make_vec({num_envs}) step (total)", t_step),
    ]
    return parts


def _profile_table(title: str, parts: list[tuple[str, float]]) -> str:
    def fmt(v) -> str:
        if isinstance(v, tuple):
            return " / ".join(f"{x * 1e6:.2f}" for x in v)
        return f"{v * 1e6:.2f}"

    rows = "\n".join(f"| {name} | {fmt(v)} |" for name, v in parts)
    return f"\n### {title}\n\n| part | µs (median) |\n|---|---|\n{rows}\n"


def _profiles_sync_dispatch(quick: bool) -> str:
    """Both profiles again in a fresh process whose JAX CPU client runs computations inline
    (``jax_cpu_enable_async_dispatch=False``, read when JAX starts its CPU client)."""
    cmd = [sys.executable, __file__, "--profile-json", "--inline-dispatch"] + (
        ["--quick"] if quick else [])
    res = subprocess.run(cmd, capture_output=True, text=True, check=True)
    single, vector = json.loads(res.stdout.strip().splitlines()[-1])
    tag = "jax_cpu_enable_async_dispatch=False"
    return (_profile_table(f"single env, {tag}", [(n, _tuple(v)) for n, v in single])
            + _profile_table(f"make_vec(1024), {tag}", [(n, _tuple(v)) for n, v in vector]))


def _reading(single: list, vector: list, bare_rate: float) -> str:
    """What the two profiles say, in numbers read off them (µs)."""
    def get(parts, prefix, i=None):
        for name, v in parts:
            if name.startswith(prefix):
                v = _tuple(v)
                return (v[i] if isinstance(v, tuple) else v) * 1e6
        return float("nan")

    floor = get(single, "trivial jitted call", 1)
    s_call, s_total = get(single, "compiled step, dispatch + compute"), get(single, "gym.make step")
    s_compute = get(single, "same step's compute")
    pend = get(single, "Pendulum-v1", 1)
    v_call, v_compute = (get(vector, "compiled batched step, dispatch + compute"),
                         get(vector, "same step's compute"))
    v_host = sum(get(vector, k) for k in ("check_action", "np.asarray", "unpack_batch",
                                          "rest of ChaosVectorEnv"))
    return (
        "\n## Reading\n\n"
        f"- Single env: the whole step takes {s_total:.2f} µs, of which {s_call:.2f} µs is the "
        f"one compiled call; its computation is {s_compute:.2f} µs and an empty jitted call "
        f"already costs {floor:.2f} µs. Pendulum-v1's whole step is {pend:.2f} µs: the "
        f"compiled call alone is {s_call / pend:.0%} of it, and the rest of the step "
        f"(validation, transfer, unpacking, Gymnasium's wrappers) takes {s_total - s_call:.2f} "
        "µs, so 1.0× is out of reach while every step is one jitted call.\n"
        f"- make_vec(1024): the compiled batched call takes {v_call:.1f} µs for "
        f"{v_compute:.1f} µs of computation (the same step inside a `lax.scan`); the host side "
        f"of the adapter (validation, transfer, unpacking, info) is {v_host:.1f} µs. The rest, "
        f"{v_call - v_compute:.1f} µs per call, is XLA's per-call cost on the CPU (launch, "
        "buffers, handing the work to its thread pool; smaller with async dispatch off, "
        "table above). The bare RK4 loop runs all its steps inside one call and pays that "
        f"once: it advances 1024 environments by one step in {1024 / bare_rate * 1e6:.1f} µs, "
        f"so 0.25× of it means a whole make_vec step within {4 * 1024 / bare_rate * 1e6:.1f} "
        "µs, less than the compiled call alone: out of reach with one call per step.\n"
    )


def _tuple(v):
    return tuple(v) if isinstance(v, list) else v


def _profiles(quick: bool, reps: int):
    n_prof = 1000 if quick else 3000
    return profile_single(n_prof, reps), profile_vector(1024, n_prof // 10, reps)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="fewer repetitions")
    ap.add_argument("--profile", action="store_true",
                    help="also break one step down (single env and make_vec(1024))")
    ap.add_argument("--out", default="benchmarks/results/core.md")
    ap.add_argument("--profile-json", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--inline-dispatch", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.inline_dispatch:  # before JAX starts its CPU client
        jax.config.update("jax_cpu_enable_async_dispatch", False)
    reps = 5 if args.quick else 11
    if args.profile_json:  # the profiles only, as JSON (for the inline-dispatch process)
        print(json.dumps(_profiles(args.quick, reps)))
        return
    load_start = os.getloadavg()
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

    profile = ""
    if args.profile:
        single, vector = _profiles(args.quick, reps)
        profile = (
            "\n## Where the time of one step goes\n"
            + _profile_table(f"single env: gym.make(\"{ID}\").step", single)
            + _profile_table(f"make_vec({ID!r}, 1024).step", vector)
            + _profiles_sync_dispatch(args.quick)
            + _reading(single, vector, br)
        )
    load_end = os.getloadavg()
    flags = (" --quick" if args.quick else "") + (" --profile" if args.profile else "")
    head = (
        f"# Core throughput\n\nMedians of {reps} repetitions, measured in one run on "
        f"{platform.machine()} with {os.cpu_count()} CPU cores, JAX {jax.__version__} "
        f"({jax.default_backend()}), Gymnasium {gym.__version__}.\n"
        f"Load average (1 / 5 / 15 min): {' / '.join(f'{x:.2f}' for x in load_start)} at the "
        f"start, {' / '.join(f'{x:.2f}' for x in load_end)} at the end.\n"
        f"Command: `python benchmarks/bench_core.py{flags}`\n\n"
        "| measurement | median | ratio |\n|---|---|---|\n"
    )
    text = head + "\n".join(f"| {a} | {b} | {c} |" for a, b, c in rows) + "\n" + profile
    print(text)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(text)


if __name__ == "__main__":
    main()
