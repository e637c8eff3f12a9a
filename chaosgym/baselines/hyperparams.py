"""Hyperparameters and budgets of the baseline agents, shipped in ``chaosgym/baselines/config``.

``config/<algo>.yml`` follows the rl-zoo3 layout: a mapping from env id (or
``default``) to keyword arguments, with ``n_timesteps``, ``policy``, ``n_envs`` and ``normalize``
handled by the runner and everything else passed to the algorithm's constructor. Strings in the
rl-zoo3 mini-language are understood: ``policy_kwargs: "dict(net_arch=[64, 64])"``, schedules
``lin_3e-4``, ``normalize: "{'norm_obs': True}"``, ``noise_type``/``noise_std`` for TD3/DDPG.

``config/budgets.yml`` holds the ``quick`` (minutes) and ``full`` (overnight) sweep budgets.

Both are package data, so an installed wheel can ``chaosgym train``. A folder named by
``$CHAOSGYM_CONFIG_DIR`` (holding ``<algo>.yml`` / ``budgets.yml``) overrides them file by file.
Results and run folders go to ``agents/`` (:func:`agents_dir`): ``$CHAOSGYM_AGENTS_DIR``, else
the source checkout's ``agents/``, else ``./agents`` in the working directory.
"""

from __future__ import annotations

import ast
import copy
import os
from pathlib import Path
from typing import Any

__all__ = [
    "ALGOS",
    "SB3_FROM_JAX",
    "agents_dir",
    "budget",
    "config_dir",
    "config_file",
    "load_budgets",
    "load_hyperparams",
    "load_yaml",
    "model_kwargs",
    "sb3_from_jax",
]

ALGOS = ("ppo", "sac", "td3", "a2c", "ddpg")
OFF_POLICY = ("sac", "td3", "ddpg")

#: The SB3 reference subset's entries that mirror the JAX backend's: ``config/<algo>.yml``'s
#: entry for each of these ids is :func:`sb3_from_jax` of ``config/jax_<algo>.yml``'s (a test
#: holds them equal), so the two families differ in their implementation only.
SB3_FROM_JAX: dict[str, tuple[str, ...]] = {
    "ppo": ("chaosgym/LorenzStabilize-v1", "chaosgym/HenonStabilize-v1",
            "chaosgym/MackeyGlassStabilize-v1", "chaosgym/KuramotoSivashinskyTarget-v2",
            "chaosgym/KolmogorovSuppress-v2"),
    "sac": ("chaosgym/LorenzStabilize-v1", "chaosgym/HenonStabilize-v1",
            "chaosgym/MackeyGlassStabilize-v1", "chaosgym/KuramotoSivashinskyTarget-v2",
            "chaosgym/KolmogorovSuppress-v2"),
}


def config_dir() -> Path:
    """The packaged folder of hyperparameter and budget YAML files."""
    return Path(__file__).resolve().parent / "config"


def config_file(name: str) -> Path:
    """``name`` from ``$CHAOSGYM_CONFIG_DIR`` when it holds it, else the packaged file."""
    override = os.environ.get("CHAOSGYM_CONFIG_DIR")
    if override and (Path(override) / name).is_file():
        return Path(override) / name
    path = config_dir() / name
    if not path.is_file():
        raise FileNotFoundError(f"no configuration file {name!r} in {config_dir()}"
                                + (f" or {override}" if override else ""))
    return path


def agents_dir() -> Path:
    """The ``agents/`` folder that holds results and run folders (created on first write)."""
    env = os.environ.get("CHAOSGYM_AGENTS_DIR")
    if env:
        return Path(env)
    checkout = Path(__file__).resolve().parents[2] / "agents"
    if (checkout / "results").is_dir():
        return checkout
    return Path.cwd() / "agents"


def load_yaml(path: str | Path) -> dict[str, Any]:
    """Parse one YAML file (anchors and merge keys resolved)."""
    try:
        import yaml
    except ImportError as e:  # pragma: no cover - pyyaml is in the agents extra
        raise ImportError(
            "reading hyperparameters needs pyyaml: pip install 'chaosgym[agents]'"
        ) from e
    with open(path) as f:
        data = yaml.safe_load(f)
    if not isinstance(data, dict):
        raise ValueError(f"{path}: expected a mapping of env id -> hyperparameters")
    return data


def load_hyperparams(algo: str, env_id: str, directory: str | Path | None = None) -> dict:
    """The raw hyperparameters of ``algo`` for ``env_id`` (its own entry, else ``default``)."""
    algo = algo.lower()
    if algo not in ALGOS:
        raise ValueError(f"unknown algorithm {algo!r}; choose from {list(ALGOS)}")
    path = Path(directory) / f"{algo}.yml" if directory is not None else config_file(
        f"{algo}.yml")
    table = load_yaml(path)
    entry = table.get(env_id, table.get("default"))
    if entry is None:
        raise KeyError(f"{path}: no entry for {env_id!r} and no 'default'")
    return copy.deepcopy(dict(entry))


def load_budgets(directory: str | Path | None = None) -> dict[str, Any]:
    """The sweep budgets (``config/budgets.yml``, or ``directory/budgets.yml``)."""
    return load_yaml(Path(directory) / "budgets.yml" if directory is not None
                     else config_file("budgets.yml"))


def budget(algo: str, env_id: str, quick: bool, hyperparams: dict | None = None,
           budgets: dict | None = None) -> int:
    """Training steps of one run: the ``quick``/``full`` budget, else ``n_timesteps``."""
    budgets = load_budgets() if budgets is None else budgets
    section = budgets.get("quick" if quick else "full", {}) or {}
    for key in (env_id, "default"):
        entry = section.get(key) or {}
        if algo in entry:
            return int(float(entry[algo]))
    hp = load_hyperparams(algo, env_id) if hyperparams is None else hyperparams
    return int(float(hp["n_timesteps"]))


# ---------------------------------------------------------------------- rl-zoo3 mini-language
def parse_learning_rate(value: Any, name: str = "learning_rate") -> tuple[float, bool]:
    """``(rate, annealed)`` of a ``learning_rate`` (or ``clip_range``, named by ``name``)
    entry: a number is constant; rl-zoo3's ``"lin_<rate>"`` decays linearly from ``<rate>`` to
    0 over the run's budget."""
    if isinstance(value, str):
        text = value.strip()
        annealed = text.startswith("lin_")
        try:
            rate = float(text[4:] if annealed else text)
        except ValueError:
            raise ValueError(f"{name} must be a number or 'lin_<number>', got {value!r}"
                             ) from None
    else:
        rate, annealed = float(value), False
    if not rate > 0:
        raise ValueError(f"{name} must be positive, got {value!r}")
    return rate, annealed


def _sb3_rate(value: Any) -> float | str:
    """A JAX-side ``learning_rate`` as rl-zoo3 writes it (``"lin_<rate>"`` stays annealed)."""
    rate, annealed = parse_learning_rate(value)
    return f"lin_{rate!r}" if annealed else rate


def sb3_from_jax(algo: str, jhp: dict[str, Any]) -> dict[str, Any]:
    """The JAX backend's rejax hyperparameters ``jhp`` (``config/jax_<algo>.yml``, as
    :func:`chaosgym.baselines.jax_train.load_jax_hyperparams` merges them) as an rl-zoo3
    style SB3 entry, without ``n_timesteps`` (the budget lives in ``budgets.yml``).

    Kept the same: number of envs, network (sizes and activation), batch, gradient work per
    env step (PPO: rollout length, epochs, minibatches; SAC: one vector step then
    ``num_epochs`` gradient steps), replay buffer, discount, target update, observation and
    reward normalisation, and PPO's state-independent Gaussian starting at log std 0.

    Not the same, because the libraries differ there: rejax's PPO critic loss is the larger of
    the plain and a clipped squared error (prediction kept within ``clip_eps`` of the rollout's
    value) where SB3 fits the plain one (``clip_range_vf=None``); ``clip_value_loss: false`` in
    ``jax_ppo.yml`` makes the JAX side fit the plain one too. rejax keeps separate Adam
    optimisers (each with its own gradient-norm clip, ``eps = 1e-8``) for actor and critic,
    SB3 one for both (one clip, ``eps = 1e-5``): ``shared_optimizer: true``. SB3 bootstraps
    through time-limit truncations (γ·V of the final observation); rejax's PPO treats
    ``done = terminated | truncated`` as terminal in its GAE, and rejax's SAC stores it as an
    ending in its replay buffer where SB3 stores ``done = terminated`` with the final
    observation: ``bootstrap_truncation: true`` (PPO and SAC).
    SB3 initialises orthogonally (``init: orthogonal``) and clips normalised observations at
    ±10 (``clip_observations: 10.0``). Each of these keys makes the JAX side do as SB3 does.
    """
    import torch

    algo = algo.lower()
    if algo not in ("ppo", "sac"):
        raise ValueError(f"sb3_from_jax maps ppo and sac, not {algo!r}")
    ak = jhp.get("agent_kwargs", {})
    layers = [int(n) for n in ak.get("hidden_layer_sizes", [64, 64])]
    act = {"tanh": torch.nn.Tanh, "relu": torch.nn.ReLU}[ak.get(
        "activation", "tanh" if algo == "ppo" else "relu")]
    norm = {"norm_obs": bool(jhp.get("normalize_observations", False)),
            "norm_reward": bool(jhp.get("normalize_rewards", False))}
    n_envs = int(jhp.get("num_envs", 1))
    out: dict[str, Any] = {"policy": "MlpPolicy", "n_envs": n_envs,
                           "normalize": norm if any(norm.values()) else False}
    if algo == "ppo":
        n_steps = int(jhp["num_steps"])
        out.update({
            "n_steps": n_steps, "batch_size": n_envs * n_steps // int(jhp["num_minibatches"]),
            "n_epochs": int(jhp["num_epochs"]), "learning_rate": _sb3_rate(jhp["learning_rate"]),
            "gamma": float(jhp["gamma"]), "gae_lambda": float(jhp["gae_lambda"]),
            "clip_range": float(jhp["clip_eps"]), "ent_coef": float(jhp["ent_coef"]),
            "vf_coef": float(jhp["vf_coef"]), "max_grad_norm": float(jhp["max_grad_norm"]),
            "use_sde": False,
            "policy_kwargs": {"log_std_init": 0.0, "net_arch": {"pi": layers, "vf": layers},
                              "activation_fn": act}})
        return out
    out.update({
        "learning_rate": float(jhp["learning_rate"]), "buffer_size": int(jhp["buffer_size"]),
        "batch_size": int(jhp["batch_size"]), "gamma": float(jhp["gamma"]),
        "tau": round(1.0 - float(jhp["polyak"]), 12), "train_freq": 1,
        "gradient_steps": int(jhp["num_epochs"]), "learning_starts": int(jhp["fill_buffer"]),
        "policy_kwargs": {"net_arch": layers, "activation_fn": act}})
    return out


def _literal(expr: str) -> Any:
    """Evaluate ``dict(...)``/list/number literals (no names other than ``dict``)."""
    tree = ast.parse(expr.strip(), mode="eval")

    def conv(node):
        is_call = isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
        if is_call and node.func.id == "dict":
            if node.args:
                raise ValueError(f"dict() takes keyword arguments only: {expr!r}")
            return {kw.arg: conv(kw.value) for kw in node.keywords}
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            if node.value.id == "nn":
                import torch.nn as nn

                return getattr(nn, node.attr)
        if isinstance(node, ast.Dict):
            return {conv(k): conv(v) for k, v in zip(node.keys, node.values, strict=True)}
        if isinstance(node, ast.List):
            return [conv(e) for e in node.elts]
        if isinstance(node, ast.Tuple):
            return tuple(conv(e) for e in node.elts)
        return ast.literal_eval(node)

    return conv(tree.body)


def _schedule(value: Any, name: str) -> Any:
    """SB3's form of a ``learning_rate`` / ``clip_range`` entry: a constant, or for
    ``"lin_<x>"`` a function of the remaining progress (1 → 0) decaying from ``x`` to 0."""
    if callable(value):  # already a schedule (the Python API)
        return value
    start, annealed = parse_learning_rate(value, name)
    if annealed:
        return lambda progress_remaining: progress_remaining * start
    return start


def model_kwargs(algo: str, hp: dict, action_dim: int) -> tuple[dict, dict, str]:
    """Split raw hyperparameters into ``(constructor kwargs, normalize kwargs, policy)``.

    ``normalize kwargs`` is empty when the entry does not ask for ``VecNormalize``.
    """
    hp = dict(hp)
    policy = hp.pop("policy", "MlpPolicy")
    for k in ("n_timesteps", "n_envs"):
        hp.pop(k, None)
    norm = hp.pop("normalize", False)
    if isinstance(norm, str):
        norm = _literal(norm)
    if norm is True:
        norm = {"norm_obs": True, "norm_reward": True}
    norm = dict(norm) if norm else {}
    noise_type = hp.pop("noise_type", None)
    noise_std = float(hp.pop("noise_std", 0.1))
    if noise_type is not None:
        import numpy as np
        from stable_baselines3.common.noise import NormalActionNoise, OrnsteinUhlenbeckActionNoise

        cls = {"normal": NormalActionNoise, "ornstein-uhlenbeck": OrnsteinUhlenbeckActionNoise}
        if noise_type not in cls:
            raise ValueError(f"noise_type must be one of {list(cls)}, got {noise_type!r}")
        hp["action_noise"] = cls[noise_type](
            mean=np.zeros(action_dim), sigma=noise_std * np.ones(action_dim))
    if isinstance(hp.get("policy_kwargs"), str):
        hp["policy_kwargs"] = _literal(hp["policy_kwargs"])
    for k in ("learning_rate", "clip_range"):
        if k in hp:
            hp[k] = _schedule(hp[k], k)
    if isinstance(hp.get("train_freq"), list):
        hp["train_freq"] = tuple(hp["train_freq"])
    for k in ("buffer_size", "batch_size", "n_steps", "n_epochs", "learning_starts",
              "gradient_steps", "sde_sample_freq"):
        if k in hp and isinstance(hp[k], float):
            hp[k] = int(hp[k])
    return hp, norm, policy
