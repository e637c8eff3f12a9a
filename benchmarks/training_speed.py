"""Training throughput: the JAX backend (rejax, seeds vmapped) against SB3 ``learn()``.

In one run, on one environment (default :data:`ENV_ID`):

1. SB3 PPO and SAC ``learn()`` env-steps/s on the jitted ``ChaosSB3VecEnv``, torch with one
   thread, after a warm-up ``learn()``; medians over ``--reps`` timed calls. Two settings each:
   *matched* — the JAX backend's own hyperparameters (``config/jax_{ppo,sac}.yml``) translated
   to SB3 (same envs, network, batch, epochs / gradient steps per env step, buffer), the basis
   of the ratios — and *packaged* (``config/{ppo,sac}.yml``), for reference. All learners are
   set up first; their timed reps then run in turn (SB3, JAX, SB3, JAX, ...), so that a shared
   machine's changing load falls on all of them alike.
2. The JAX backend's PPO and SAC (``config/jax_{ppo,sac}.yml``), ``--seeds`` seeds in one
   vmapped program (:func:`chaosgym.baselines.jax_train.seed_programs`, as training runs it):
   compile time (the first chunk) and steady env-steps/s (all seeds together), medians over
   ``--reps`` chunks, all timed after SAC's replay buffer has filled.
3. Time to solve LorenzStabilize at radius 0.01, for PPO and SAC (``--solve-algo``): the JAX
   backend trains all seeds together, evaluating the deterministic policies on the validation
   states after every chunk, until every seed holds the target within 0.01 over the sustained
   window on at least ``--solve-rate`` of the validation states, by two rules: the policies the
   protocol keeps (each seed's best validation evaluation) and the current ones; wall time
   includes construction and compilation. The kept policies are then scored on the test states.
4. With ``--sweep``, a cost estimate of the full sweep (every id × PPO, SAC × seeds at the
   packaged budgets) from the measured agent throughput and a per-id probe of the environment's
   own step cost (``jit(vmap(scan(step)))``, 16 envs).

Writes ``benchmarks/results/training_speed.{md,json}``; the load average before and after is
recorded because the machine may be shared. ``--notes FILE`` appends a Markdown file's lines to
the report; ``--render JSON`` rewrites the Markdown from a stored JSON without measuring.

    nice -n 10 python benchmarks/training_speed.py --sweep
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

import jax
import jax.numpy as jnp

HERE = Path(__file__).resolve().parent
ENV_ID = "chaosgym/LorenzStabilize-v1"  # the one place the id (and its version) is named
#: time to solve: steps per seed between evaluations, and the most steps per seed
SOLVE = {"ppo": (20480, 1_000_000), "sac": (8000, 200_000)}


def _portable(argv: list[str] | None) -> list[str]:
    """The command line as recorded: a ``--notes`` file by its name only (no machine paths;
    its lines are kept in the JSON)."""
    args = list(sys.argv[1:] if argv is None else argv)
    out = []
    for i, a in enumerate(args):
        if i and args[i - 1] == "--notes":
            a = Path(a).name
        elif a.startswith("--notes="):
            a = "--notes=" + Path(a.removeprefix("--notes=")).name
        out.append(a)
    return out


def _load() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def _timed(fn) -> tuple[float, float]:
    """``(wall seconds, CPU seconds of this process)`` of ``fn()``."""
    c0, t0 = time.process_time(), time.perf_counter()
    fn()
    return time.perf_counter() - t0, time.process_time() - c0


def sb3_speed(env_id: str, algo: str, steps: int, reps: int, hp: dict | None = None):
    """SB3 ``learn()`` env-steps/s with ``hp`` (default: the packaged ``config/<algo>.yml``).

    A generator (see :func:`interleaved`): set-up and warm-up, then one timed ``learn()`` per
    ``next``; it returns the summary.
    """
    import torch

    from chaosgym.baselines.hyperparams import load_hyperparams, model_kwargs
    from chaosgym.baselines.sb3_agents import algo_class
    from chaosgym.gym.sb3 import ChaosSB3VecEnv

    torch.set_num_threads(1)
    hp = load_hyperparams(algo, env_id) if hp is None else dict(hp)
    venv = ChaosSB3VecEnv(env_id, int(hp.get("n_envs", 1)), seed=0)
    kwargs, norm, policy = model_kwargs(algo, hp, venv.fenv.num_inputs)
    env = venv
    if norm:
        from stable_baselines3.common.vec_env import VecNormalize

        env = VecNormalize(venv, gamma=float(hp.get("gamma", 0.99)), **norm)
    if algo == "sac":  # start learning at once: time the full update loop, not the warm-up
        kwargs["learning_starts"] = min(int(kwargs.get("learning_starts", 100)), 100)
    model = algo_class(algo)(policy, env, seed=0, device="cpu", **kwargs)
    model.learn(max(steps // 4, 256))  # warm-up: compilation, first updates
    times, cpu = [], []
    for _ in range(reps):
        yield
        n0 = model.num_timesteps
        wall, c = _timed(lambda: model.learn(steps, reset_num_timesteps=False))
        times.append((model.num_timesteps - n0) / wall)
        cpu.append(c / wall)
    env.close()
    out = json.loads(json.dumps(hp, default=lambda o: getattr(o, "__name__", repr(o))))
    return {"env_steps_per_s": statistics.median(times), "reps": times,
            "cpu_per_wall": statistics.median(cpu), "n_envs": int(hp.get("n_envs", 1)),
            "hyperparams": out}


def jax_speed(env_id: str, algo: str, seeds: int, chunk: int, reps: int):
    """The JAX backend's steady env-steps/s; a generator like :func:`sb3_speed`."""
    from chaosgym.baselines.jax_train import (
        chunk_unit,
        load_jax_hyperparams,
        make_learner,
        seed_programs,
    )
    from chaosgym.registration import make_functional

    fenv = make_functional(env_id)
    hp = load_jax_hyperparams(algo, env_id)
    unit = chunk_unit(algo, hp)
    chunk = -(-chunk // unit) * unit
    learner = make_learner(fenv, algo, hp, chunk)
    init, advance = seed_programs(learner)
    t0 = time.perf_counter()
    ts = init(jax.vmap(jax.random.PRNGKey)(jnp.arange(seeds)))
    ts = jax.block_until_ready(advance(ts))
    first = time.perf_counter() - t0
    step = chunk
    while step <= int(hp.get("fill_buffer", 0)):  # time only chunks that train throughout
        ts = jax.block_until_ready(advance(ts))
        step += chunk
    rates, cpu = [], []
    for _ in range(reps):
        yield
        c0, t0 = time.process_time(), time.perf_counter()
        ts = jax.block_until_ready(advance(ts))
        wall, c = time.perf_counter() - t0, time.process_time() - c0
        rates.append(chunk * seeds / wall)
        cpu.append(c / wall)
    return {"env_steps_per_s": statistics.median(rates), "reps": rates,
            "cpu_per_wall": statistics.median(cpu), "compile_and_first_chunk_s": first,
            "seeds": seeds, "chunk": chunk,
            "num_envs": int(hp.get("num_envs", 1)), "compiles": advance._cache_size(),
            "hyperparams": hp}


def interleaved(runs: dict) -> dict:
    """Drive the generators ``runs`` (name -> generator) round-robin, one timed rep each in
    turn, so that every learner sees the same drift of a shared machine's load."""
    out: dict = {}
    live = dict(runs)
    for name, gen in live.items():  # set-up, compilation and warm-up of all first
        print(f"  set up {name}", flush=True)
        next(gen)
    while live:
        for name in list(live):
            try:
                next(live[name])
            except StopIteration as stop:
                out[name] = stop.value
                del live[name]
                print(f"  {name}: {out[name]['env_steps_per_s']:,.0f} env-steps/s", flush=True)
    return out


def time_to_solve(env_id: str, algo: str, seeds: int, chunk: int, max_steps: int,
                  rate: float, tol: float, limit_s: float, n_test: int = 150) -> dict:
    """Train ``seeds`` seeds of ``algo`` together and evaluate after every chunk, as the
    benchmark does: each seed's current policy on the 30 validation states, and the policy the
    protocol keeps (the best validation evaluation so far by
    :func:`chaosgym.baselines.protocol.score`). Stops when every current policy holds the target
    or at ``max_steps`` / ``limit_s``; then scores the kept policies on ``n_test`` test states
    (not timed): the ones kept when they first all solve it, else the last ones."""
    from chaosgym.baselines.jax_train import (
        chunk_unit,
        deterministic_policy,
        load_jax_hyperparams,
        make_learner,
        rollout,
        seed_programs,
        seed_summaries,
    )
    from chaosgym.baselines.protocol import initial_state_set, score, task_metric
    from chaosgym.registration import make_functional

    t_start = time.perf_counter()
    fenv = make_functional(env_id)
    val = initial_state_set(env_id, "validation", 30, fenv=fenv)
    hp = load_jax_hyperparams(algo, env_id)
    unit = chunk_unit(algo, hp)
    chunk = -(-chunk // unit) * unit
    learner = make_learner(fenv, algo, hp, chunk)
    act = deterministic_policy(learner, algo)
    init, advance = seed_programs(learner)

    def evaluator(ics):
        return jax.jit(jax.vmap(lambda ts: rollout(fenv, lambda o: act(ts, o), ics)))

    evaluate = evaluator(val)

    @jax.jit
    def keep(kept, ts, better):
        def pick(k, n):
            return jnp.where(better.reshape((-1,) + (1,) * (n.ndim - 1)), n, k)
        return jax.tree_util.tree_map(pick, kept, ts)

    ts = init(jax.vmap(jax.random.PRNGKey)(jnp.arange(seeds)))
    key = f"held_{tol:g}_rate"

    step, history, kept, kept_summ, kept_step = 0, [], None, [None] * seeds, [0] * seeds
    snap, snap_step = None, None  # the kept policies when they first all solve it
    while step < max_steps and time.perf_counter() - t_start < limit_s:
        ts = advance(ts)
        step += chunk
        now = seed_summaries(fenv, evaluate(ts))
        better = [k is None or score(n) > score(k) for n, k in zip(now, kept_summ, strict=True)]
        # a copy: the training program donates (and so deletes) the state it is given
        kept = jax.tree_util.tree_map(jnp.copy, ts) if kept is None else \
            keep(kept, ts, jnp.asarray(better))
        kept_summ = [n if b else k for n, k, b in zip(now, kept_summ, better, strict=True)]
        kept_step = [step if b else k for k, b in zip(kept_step, better, strict=True)]
        if snap is None and all(s[key] >= rate for s in kept_summ):  # the policies delivered
            snap, snap_step = jax.tree_util.tree_map(jnp.copy, kept), list(kept_step)
        jax.block_until_ready(kept)
        wall = time.perf_counter() - t_start
        history.append({"step": step, "wall_s": round(wall, 1),
                        "held": [round(s[key], 3) for s in now],
                        "kept": [round(s[key], 3) for s in kept_summ]})
        print(f"  {algo} step {step}: {key} per seed {history[-1]['held']}, kept "
              f"{history[-1]['kept']} ({wall:.0f} s)", flush=True)
        if all(s[key] >= rate for s in now):
            break
    wall = time.perf_counter() - t_start
    out = {**solve_times(history, rate), "steps_per_seed": step, "wall_s": wall,
           "history": history, "per_seed": [], "kept_test": []}
    if history:
        out["per_seed"] = [{"held": s[key], "dist_final": s["distance_final"]} for s in now]
        test = initial_state_set(env_id, "test", n_test, fenv=fenv)
        out["n_test"] = len(test)
        out["kept_test_at"] = "end" if snap is None else "solve"
        scored, steps = (kept, kept_step) if snap is None else (snap, snap_step)
        out["kept_test"] = [{"held": s[key], "dist_final": s["distance_final"],
                             "captured": s[task_metric(s)], "step": k}
                            for s, k in zip(seed_summaries(fenv, evaluator(test)(scored)),
                                            steps, strict=True)]
    return out


def solve_times(history: list[dict], rate: float) -> dict:
    """When the seeds solved the task, by two rules, from the evaluation history.

    ``together``: the first evaluation at which every seed's current policy holds the target;
    ``kept``: the first evaluation at which every seed's kept policy (the best validation
    evaluation so far, :func:`chaosgym.baselines.protocol.score`, which is what a benchmark
    run delivers) holds it.
    """
    out: dict = {"solved": False, "solved_kept": False}
    for h in history:
        if all(x >= rate for x in h["held"]) and not out["solved"]:
            out.update(solved=True, together_step=h["step"], together_wall_s=h["wall_s"])
        kept = h.get("kept")  # absent in histories stored before the kept rule
        if kept and all(x >= rate for x in kept) and not out["solved_kept"]:
            out.update(solved_kept=True, kept_step=h["step"], kept_wall_s=h["wall_s"])
    return out


def env_probe(env_id: str, n: int = 16, steps: int = 200) -> float:
    """Seconds per environment step of ``jit(vmap(scan(step)))`` (zero actions), after compile."""
    from chaosgym.registration import make_functional

    fenv = make_functional(env_id, bank_size=n)
    params = fenv.default_params

    @jax.jit
    def run(keys):
        _, st = jax.vmap(fenv.reset, in_axes=(0, None))(keys, params)

        def body(st, k):
            out = jax.vmap(lambda s, kk: fenv.step(kk, s, jnp.zeros(fenv.num_inputs), params))(
                st, jax.random.split(k, n))
            return out[1], out[2]

        return jax.lax.scan(body, st, jax.random.split(keys[0], steps))[1]

    keys = jax.random.split(jax.random.PRNGKey(0), n)
    jax.block_until_ready(run(keys))
    t0 = time.perf_counter()
    jax.block_until_ready(run(keys))
    return (time.perf_counter() - t0) / (n * steps)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--env", default=ENV_ID)
    p.add_argument("--seeds", type=int, default=5)
    p.add_argument("--reps", type=int, default=3)
    p.add_argument("--sb3-ppo-steps", type=int, default=4096)
    p.add_argument("--sb3-sac-steps", type=int, default=600)
    p.add_argument("--jax-ppo-chunk", type=int, default=16384)
    p.add_argument("--jax-sac-chunk", type=int, default=4000)
    p.add_argument("--solve-algo", nargs="+", choices=sorted(SOLVE), default=sorted(SOLVE))
    p.add_argument("--solve-chunk", type=int, help="steps per seed between evaluations "
                   "(default per algorithm: " + ", ".join(f"{a} {c:,}" for a, (c, _) in
                                                          SOLVE.items()) + ")")
    p.add_argument("--solve-max-steps", type=int, help="default per algorithm: " + ", ".join(
        f"{a} {m:,}" for a, (_, m) in SOLVE.items()))
    p.add_argument("--solve-rate", type=float, default=0.9)
    p.add_argument("--solve-limit-s", type=float, default=600)
    p.add_argument("--skip-solve", action="store_true")
    p.add_argument("--skip-packaged", action="store_true",
                   help="skip the SB3 rows with the packaged config/{ppo,sac}.yml")
    p.add_argument("--sweep", action="store_true", help="probe every id for the sweep estimate")
    p.add_argument("--notes", help="a Markdown file appended to the report (kept in the JSON)")
    p.add_argument("--render", metavar="JSON",
                   help="only rewrite the Markdown beside --out from this stored JSON")
    p.add_argument("--out", default=str(HERE / "results" / "training_speed"))
    args = p.parse_args(argv)
    out = Path(args.out)
    notes = Path(args.notes).read_text().splitlines() if args.notes else None
    if args.render:
        res = json.loads(Path(args.render).read_text())
        if notes is not None:
            res["notes"] = notes
            out.with_suffix(".json").write_text(json.dumps(res, indent=1, default=float))
        out.with_suffix(".md").write_text(render(res))
        return 0

    from chaosgym.baselines.hyperparams import sb3_from_jax
    from chaosgym.baselines.jax_train import load_jax_hyperparams

    res: dict = {"env": args.env, "load_before": _load(), "cpus": os.cpu_count(),
                 "machine": platform.machine(), "jax": jax.__version__,
                 "command": "python benchmarks/training_speed.py " + " ".join(_portable(argv))}
    steps = {"ppo": args.sb3_ppo_steps, "sac": args.sb3_sac_steps}
    chunks = {"ppo": args.jax_ppo_chunk, "sac": args.jax_sac_chunk}
    runs = {}
    for algo in ("ppo", "sac"):
        matched = sb3_from_jax(algo, load_jax_hyperparams(algo, args.env))
        runs[f"sb3_{algo}"] = sb3_speed(args.env, algo, steps[algo], args.reps, matched)
        runs[f"jax_{algo}"] = jax_speed(args.env, algo, args.seeds, chunks[algo], args.reps)
        if not args.skip_packaged:
            runs[f"sb3_{algo}_packaged"] = sb3_speed(args.env, algo, steps[algo], args.reps)
    print("throughput (timed reps interleaved) ...", flush=True)
    res.update(interleaved(runs))
    if not args.skip_solve:
        res["solves"] = []
        for algo in args.solve_algo:
            print(f"time to solve ({algo}) ...", flush=True)
            chunk, most = SOLVE[algo]
            r = time_to_solve(args.env, algo, args.seeds, args.solve_chunk or chunk,
                              args.solve_max_steps or most, args.solve_rate, 0.01,
                              args.solve_limit_s)
            res["solves"].append({**r, "algo": algo, "rate": args.solve_rate})
    if args.sweep:
        res["sweep"] = sweep_estimate(res, args.seeds)
    res["load_after"] = _load()
    if notes is not None:
        res["notes"] = notes
    out.parent.mkdir(parents=True, exist_ok=True)
    out.with_suffix(".json").write_text(json.dumps(res, indent=1, default=float))
    out.with_suffix(".md").write_text(render(res))
    print(render(res))
    return 0


def sweep_estimate(res: dict, seeds: int) -> dict:
    """Hours of the full sweep from the measured agent rates and per-id env step costs."""
    import chaosgym
    from chaosgym.baselines.jax_train import load_jax_hyperparams

    lorenz = env_probe(res["env"])
    rows = {}
    for env_id in chaosgym.list_envs():
        try:
            cost = env_probe(env_id)
        except Exception as e:  # an id that cannot be probed is reported, not guessed
            rows[env_id] = {"error": f"{type(e).__name__}: {e}"}
            continue
        row = {"env_step_s": cost}
        for algo in ("ppo", "sac"):
            rate = res[f"jax_{algo}"]["env_steps_per_s"]  # all seeds together, on Lorenz
            per_step = 1.0 / rate + max(cost - lorenz, 0.0)  # agent + this env's extra cost
            budget = int(float(load_jax_hyperparams(algo, env_id)["n_timesteps"]))
            row[f"{algo}_budget"] = budget
            row[f"{algo}_hours"] = budget * seeds * per_step / 3600
        rows[env_id] = row
        print(f"  probe {env_id}: {cost * 1e6:.2f} µs/step", flush=True)
    ok = [r for r in rows.values() if "error" not in r]
    return {"lorenz_env_step_s": lorenz, "per_env": rows,
            "total_hours": sum(r["ppo_hours"] + r["sac_hours"] for r in ok)}


def _setting(algo: str, hp: dict) -> str:
    """A short description of one SB3 hyperparameter entry."""
    n = int(hp.get("n_envs", 1))
    net = hp.get("policy_kwargs", {})
    if algo == "ppo":
        core = (f"{n} envs × {hp.get('n_steps')} steps, batch {hp.get('batch_size')}, "
                f"{hp.get('n_epochs')} epochs")
        extra = ", gSDE" if hp.get("use_sde") else ""
    else:
        core = (f"{n} envs, {hp.get('gradient_steps')} gradient steps per vector step, batch "
                f"{hp.get('batch_size')}, buffer {int(float(hp.get('buffer_size', 0))):,}")
        extra = ""
    if isinstance(net, dict):
        net = ", ".join(f"{k}={v}" for k, v in net.items())
    return core + extra + (f"; `{net}`" if net else "")


def _jax_setting(algo: str, hp: dict) -> str:
    n = int(hp.get("num_envs", 1))
    if algo == "ppo":
        batch = n * int(hp["num_steps"]) // int(hp["num_minibatches"])
        return f"{n} envs × {hp['num_steps']} steps, batch {batch}, {hp['num_epochs']} epochs"
    return (f"{n} envs, {hp['num_epochs']} gradient steps per vector step, batch "
            f"{hp['batch_size']}, buffer {int(hp['buffer_size']):,}")


def _cores(r: dict) -> str:
    return f"; CPU time / wall {r['cpu_per_wall']:.2f}" if "cpu_per_wall" in r else ""


def render(res: dict) -> str:
    lines = [
        "# Training throughput: JAX backend vs SB3 `learn()`",
        "",
        f"Env `{res['env']}`, one run on {res['machine']} with {res['cpus']} CPU cores "
        f"(JAX {res['jax']}, CPU). Load average (1, 5, 15 min) before: {res['load_before']}, "
        f"after: {res['load_after']} (the machine is shared by other jobs; the ratios, measured "
        "in the same run, are the comparison).",
        f"Command: `{res['command']}`",
        "",
        "| learner | env-steps/s (median) | ratio vs SB3 (same hyperparameters) | setting |",
        "|---|---|---|---|",
    ]
    for algo in ("ppo", "sac"):
        sb3, jx = res[f"sb3_{algo}"], res[f"jax_{algo}"]
        x = jx["env_steps_per_s"] / sb3["env_steps_per_s"]
        jhp = jx.get("hyperparams")
        same = f"the JAX row's hyperparameters in SB3 ({_setting(algo, sb3['hyperparams'])})" \
            if "hyperparams" in sb3 else f"{sb3['n_envs']} envs"
        lines.append(f"| SB3 {algo.upper()} `learn()`, torch 1 thread | "
                     f"{sb3['env_steps_per_s']:,.0f} | 1× | {same}{_cores(sb3)} |")
        lines.append(
            f"| JAX {algo.upper()} (rejax), {jx['seeds']} seeds vmapped | "
            f"{jx['env_steps_per_s']:,.0f} | **{x:.1f}×** (target ≥ 10×) | "
            + (f"`config/jax_{algo}.yml`: {_jax_setting(algo, jhp)}; " if jhp else
               f"{jx['num_envs']} envs per seed; ")
            + f"compile + first chunk {jx['compile_and_first_chunk_s']:.0f} s"
            + (f", {jx['compiles']} compiled program(s) for all chunks" if "compiles" in jx
               else "") + _cores(jx) + " |")
        pk = res.get(f"sb3_{algo}_packaged")
        if pk:
            lines.append(f"| SB3 {algo.upper()} `learn()`, packaged `config/{algo}.yml` "
                         f"(reference) | {pk['env_steps_per_s']:,.0f} | "
                         f"({jx['env_steps_per_s'] / pk['env_steps_per_s']:.1f}×, not the same "
                         f"hyperparameters) | {_setting(algo, pk['hyperparams'])}{_cores(pk)} |")
    lines += [
        "",
        "Rates count environment steps of all seeds together; the SB3 rows are one seed (their "
        "processes would share the same two cores).",
        "",
    ]
    solves = res.get("solves", [res["solve"]] if "solve" in res else [])
    if solves:
        lines += [
            "## LorenzStabilize: time to solve at radius 0.01",
            "",
            f"{len(solves[0]['per_seed'])} seeds trained at once; after every chunk each seed's "
            "deterministic policy is evaluated on the 30 validation states, as a benchmark run "
            "does. Solved = every seed holds the distance below 0.01 over the sustained window "
            f"on ≥ {solves[0]['rate']:.0%} of them. Two rules: *kept* — the policy the protocol "
            "keeps and delivers (each seed's best validation evaluation so far, "
            "`chaosgym.baselines.protocol.score`); *current* — every seed's latest policy at "
            "the same evaluation. Wall times include construction and compilation. The kept "
            "policies at the moment they solve it (the last ones where they never do) are then "
            f"scored on the {solves[0].get('n_test', 150)} stored test states (not timed). "
            "Target: ≤ 2 minutes on 2 cores.",
            "",
            "| algorithm | kept policies solve | current policies solve | those kept policies "
            "on the test states: held 0.01 per seed (mean final distance) | each from step |",
            "|---|---|---|---|---|",
        ]
        for s in solves:
            t = {**s, **solve_times(s["history"], s["rate"])}
            kept = (f"**{t['kept_wall_s']:.0f} s** ({t['kept_step']:,} steps per seed)"
                    if t["solved_kept"] else f"not reached in {t['wall_s']:.0f} s")
            now = (f"**{t['together_wall_s']:.0f} s** ({t['together_step']:,} steps per seed)"
                   if t["solved"] else f"not reached in {t['wall_s']:.0f} s "
                   f"({t['steps_per_seed']:,} steps per seed)")
            test = ", ".join(f"{k['held']:.2f} ({k['dist_final']:.2g})"
                             for k in t.get("kept_test", []))
            steps = ", ".join(f"{k['step']:,}" for k in t.get("kept_test", []))
            lines.append(f"| JAX {t['algo'].upper()} | {kept} | {now} | {test} | {steps} |")
        for s in solves:
            lines += [
                "",
                f"JAX {s['algo'].upper()}, held_0.01 rate on the validation states per seed:",
                "",
                "| steps per seed | wall s | current policies | kept policies |",
                "|---|---|---|---|",
                *[f"| {h['step']:,} | {h['wall_s']} | {h['held']} | {h.get('kept', '–')} |"
                  for h in s["history"]],
            ]
        lines.append("")
    if "sweep" in res:
        sw = res["sweep"]
        lines += [
            "## Cost of the full sweep (estimate)",
            "",
            "Every id × {PPO, SAC} × 5 seeds on the JAX backend at the packaged budgets "
            "(`config/jax_{ppo,sac}.yml`), from the measured agent throughput on Lorenz plus "
            "each id's own measured environment step cost (a `jit(vmap(scan(step)))` probe, "
            "16 envs) beyond Lorenz's, on this machine under the load above.",
            "",
            f"**Total: {sw['total_hours']:.1f} hours.**",
            "",
            "| id | env step (µs) | PPO budget | PPO h | SAC budget | SAC h |",
            "|---|---|---|---|---|---|",
        ]
        for env_id, r in sw["per_env"].items():
            if "error" in r:
                lines.append(f"| {env_id} | probe failed: {r['error']} | | | | |")
                continue
            lines.append(f"| {env_id} | {r['env_step_s'] * 1e6:.2f} | {r['ppo_budget']:,} | "
                         f"{r['ppo_hours']:.2f} | {r['sac_budget']:,} | {r['sac_hours']:.2f} |")
        lines.append("")
    lines += res.get("notes", [])
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.exit(main())
