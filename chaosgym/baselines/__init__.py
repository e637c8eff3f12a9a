"""Baseline agents (stable-baselines3) and classical controllers: train, evaluate, benchmark.

* :mod:`chaosgym.baselines.train` — one resumable training run (atomic checkpoints);
* :mod:`chaosgym.baselines.evaluate` — controllers and agents on stored initial states;
* :mod:`chaosgym.baselines.evaluate_command` — ``chaosgym evaluate`` (SB3 or JAX runs);
* :mod:`chaosgym.baselines.jax_train` — the JAX backend (rejax, seeds vmapped);
* :mod:`chaosgym.baselines.benchmark` — the sweep and the results table in ``agents/results``;
* :mod:`chaosgym.baselines.ray_runner` — the same sweep on Ray (optional ``ray`` extra);
* :mod:`chaosgym.baselines.hyperparams` — rl-zoo3-style YAML shipped in ``config/``;
* :mod:`chaosgym.baselines.protocol` — disjoint initial-state splits, sustained-window success;
* :mod:`chaosgym.baselines.stats` — IQM, stratified bootstrap CIs, performance profiles;
* :mod:`chaosgym.baselines.storage` — atomic writes and the OS-level run lock.

Command line: ``chaosgym {train,evaluate,benchmark}`` or ``python -m chaosgym.baselines ...``.
stable-baselines3 and torch (the ``agents`` extra) are imported only when needed.
"""
