"""JAX-native training: environment and agent in one compiled program, vmapped over seeds.

The learners are rejax's PPO, SAC and TD3 (Liesen et al., "Rejax: jittable reinforcement
learning algorithms", 2024; ``pip install 'chaosgym[jax-agents]'``). rejax trains on any
environment with gymnax's interface; :func:`rejax_env` presents a chaosgym functional core
that way through the environment contract's gymnax adapter
(:class:`chaosgym.envs.adapters.gymnax.GymnaxEnv`: ``step`` returns ``(obs, state, reward,
done, info)`` with the one autoreset inside, as rejax 0.1.3 expects). Every seed's whole
training state — networks, optimiser, replay buffer, environment states, keys — is one pytree
with a leading seed axis, and one jitted, vmapped program advances all seeds by a chunk of
environment steps.

Between chunks :func:`train_jax_run` does what the stable-baselines3 trainer does, on the same
protocol (:mod:`chaosgym.baselines.protocol`):

* evaluates every seed's deterministic policy (the Gaussian mean; SAC's squashed mean) on the
  validation states, in one compiled, vmapped rollout, and appends one row per seed to
  ``curve.csv`` (and TensorBoard ``eval/*`` scalars under ``tb/seed<k>``);
* commits a checkpoint of the whole state (its leaves in one ``.npz``, atomic, two kept,
  falling back to the previous one with a warning naming a damaged file);
* advances a progress bar.

A run folder holds all its seeds: ``<root>/<Env>/<algo>-jax/`` (``config.json``,
``curve.csv``, ``checkpoint.json``, ``ckpt_<step>.npz``, ``best_seed<k>.npz``,
``done.json``, ``tb/``, ``.lock``), and ``seed<k>/monitor.csv`` per seed: the training
episodes (``r, l, t``, as SB3's ``Monitor`` writes them, appended across resumes; the
environments record them inside the compiled chunk, see :class:`EpisodeLog`). It resumes
after a kill like an SB3 run.
Time-limit truncation is treated as termination by rejax's learners (no bootstrap at the
cut), as in most JAX RL code, unless an id's entry sets ``bootstrap_truncation: true`` (SB3's
handling, for PPO and SAC). :func:`store_jax_policies` copies a run's kept policies into a
small folder that loads like the run.
"""

from __future__ import annotations

import csv
import json
import math
import sys
import time
import warnings
from pathlib import Path
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from chaosgym.baselines.protocol import env_slug, score, task_metric
from chaosgym.baselines.storage import RunLock, atomic_write

__all__ = ["JAX_ALGOS", "EpisodeLog", "deterministic_policy", "evaluate_jax_policies",
           "evaluate_jax_policy",
           "load_jax_hyperparams", "load_jax_policy", "make_learner", "rejax_env", "rollout",
           "run_dir_for_jax", "seed_programs", "store_jax_policies", "train_jax_run",
           "tree_from_bytes", "tree_to_bytes"]

JAX_ALGOS = ("ppo", "sac", "td3")
N_VALIDATION = 30
#: keys of ``config/jax_<algo>.yml`` entries that set the run, not the rejax learner:
#: the budget per seed and the steps per seed between evaluations (default budget / 10)
RUN_KEYS = ("n_timesteps", "eval_freq")
KEEP = 2


def _require_rejax():
    try:
        import rejax
    except ImportError as e:  # pragma: no cover - exercised only without the extra
        raise ImportError(
            "the JAX training backend needs rejax: pip install 'chaosgym[jax-agents]'") from e
    return rejax


class EpisodeLog(NamedTuple):
    """One environment's state with its training-episode record (for ``monitor.csv``).

    ``ret``/``length``: the running episode; ``steps``: transitions since the last drain;
    ``count``: episodes finished since then, whose return, length and finishing ``steps`` are
    ``log_return[:count]``, ``log_length[:count]``, ``log_step[:count]`` (capacity: the
    transitions per environment in one chunk, so a chunk cannot overflow it).
    """

    env: Any
    ret: jax.Array
    length: jax.Array
    steps: jax.Array
    count: jax.Array
    log_return: jax.Array
    log_length: jax.Array
    log_step: jax.Array

    @classmethod
    def empty(cls, env_state, capacity: int) -> EpisodeLog:
        z, zi = jnp.zeros((), jnp.float32), jnp.zeros((), jnp.int32)
        return cls(env=env_state, ret=z, length=zi, steps=zi, count=zi,
                   log_return=jnp.zeros(capacity, jnp.float32),
                   log_length=jnp.zeros(capacity, jnp.int32),
                   log_step=jnp.zeros(capacity, jnp.int32))

    def record(self, env_state, reward, done) -> EpisodeLog:
        ret = self.ret + reward.astype(jnp.float32)
        length, steps = self.length + 1, self.steps + 1
        i = jnp.minimum(self.count, self.log_return.shape[0] - 1)
        put = lambda a, v: a.at[i].set(jnp.where(done, v, a[i]))  # noqa: E731
        return self._replace(
            env=env_state, ret=jnp.where(done, 0.0, ret), length=jnp.where(done, 0, length),
            steps=steps, count=self.count + done.astype(jnp.int32),
            log_return=put(self.log_return, ret), log_length=put(self.log_length, length),
            log_step=put(self.log_step, steps))


def rejax_env(fenv, episode_log: int = 0):
    """The gymnax-API adapter of the environment contract around ``fenv``, as rejax uses it.

    :class:`chaosgym.envs.adapters.gymnax.GymnaxEnv`: ``step`` returns gymnax's pre-1.0
    five-tuple ``(obs, state, reward, done, info)`` with the one autoreset inside, which is what
    rejax 0.1.3 calls; its ``Box`` spaces give rejax the shapes and bounds it reads. With
    ``episode_log=K`` the state is an :class:`EpisodeLog` around the adapter's, recording up to
    ``K`` finished training episodes between drains (the source of ``monitor.csv``).
    """
    from chaosgym.envs.adapters.gymnax import GymnaxEnv

    class SharedGymnaxEnv(GymnaxEnv):
        """Not copied by ``deepcopy`` (rejax deep-copies its configuration; the adapter holds
        compiled functions and no mutable state)."""

        def __deepcopy__(self, memo):
            return self

    if not episode_log:
        return SharedGymnaxEnv(core=fenv)
    capacity = int(episode_log)

    class LoggingGymnaxEnv(SharedGymnaxEnv):
        def reset(self, key, params=None):
            obs, state = super().reset(key, params)
            return obs, EpisodeLog.empty(state, capacity)

        def step(self, key, state, action, params=None):
            obs, inner, r, done, info = super().step(key, state.env, action, params)
            return obs, state.record(inner, r, done), r, done, info

    return LoggingGymnaxEnv(core=fenv)


# ---------------------------------------------------------------------- hyperparameters
def load_jax_hyperparams(algo: str, env_id: str) -> dict[str, Any]:
    """rejax keyword arguments of ``algo`` for ``env_id`` (``config/jax_<algo>.yml``)."""
    import copy

    from chaosgym.baselines.hyperparams import config_file, load_yaml

    algo = algo.lower()
    if algo not in JAX_ALGOS:
        raise ValueError(f"the JAX backend trains {list(JAX_ALGOS)}, not {algo!r}")
    table = load_yaml(config_file(f"jax_{algo}.yml"))
    entry = dict(copy.deepcopy(table.get("default", {})))
    for k, v in (table.get(env_id) or {}).items():
        if isinstance(v, dict) and isinstance(entry.get(k), dict):
            entry[k] = {**entry[k], **v}
        else:
            entry[k] = v
    return entry


def _uniform_replay(cls):
    """``cls`` with a replay buffer sampled uniformly *with* replacement (as SB3 samples).

    rejax 0.1.3 samples without replacement through ``jax.random.choice(..., p=...)``, which
    sorts the whole buffer at every gradient step (O(buffer log buffer)): at a 100k buffer that
    dominates the update on a CPU.
    """
    from rejax.algos.algorithm import register_init
    from rejax.buffers import ReplayBuffer

    class UniformReplayBuffer(ReplayBuffer):
        def sample(self, num: int, rng):
            idx = jax.random.randint(rng, (num,), 0, jnp.maximum(self.num_entries, 1))
            return jax.tree_util.tree_map(lambda a: a[idx], self.data)

    class Learner(cls):
        @register_init
        def initialize_replay_buffer(self, rng):
            return {"replay_buffer": UniformReplayBuffer.empty(
                self.buffer_size, self.obs_space, self.action_space)}

    Learner.__name__ = Learner.__qualname__ = cls.__name__
    return Learner


def _critic_loss(params, learner, batch, clip: bool):
    """``vf_coef`` × half the mean squared error of the critic on ``batch``; with ``clip``,
    rejax's loss: the larger of that and the error of the prediction kept within
    ``clip_eps`` of the rollout's value."""
    traj = batch.trajectories
    value = learner.critic.apply(params, traj.obs)
    err = jnp.square(value - batch.targets)
    if clip:
        near = traj.value + (value - traj.value).clip(-learner.clip_eps, learner.clip_eps)
        err = jnp.maximum(err, jnp.square(near - batch.targets))
    return learner.vf_coef * 0.5 * err.mean()


def _unclipped_value_loss(cls):
    """``cls`` (rejax PPO) with the critic fitted by plain squared error, as SB3's PPO does by
    default (``clip_range_vf=None``).

    rejax 0.1.3 takes the larger of the plain and a clipped loss, the clipped prediction kept
    within ``clip_eps`` of the rollout's value estimate. ``clip_eps`` is a policy-ratio bound
    (0.2) applied there in return units: with unnormalised returns in the hundreds the critic
    can move by at most 0.2 per update wherever the clipped loss is the larger.
    """

    class Learner(cls):
        def update_critic(self, ts, batch):
            grads = jax.grad(_critic_loss)(ts.critic_ts.params, self, batch, False)
            return ts.replace(critic_ts=ts.critic_ts.apply_gradients(grads=grads))

    Learner.__name__ = Learner.__qualname__ = cls.__name__
    return Learner


def _bootstrapped_truncation(cls):
    """``cls`` (rejax PPO) bootstrapping through time-limit truncations, as SB3's PPO does:
    where an episode was truncated and not terminated, its last reward gains
    ``gamma · V(final observation)`` (normalised like any observation, the statistics not
    updated by it), so a time-limited episode does not look terminal to the critic.

    rejax 0.1.3 cuts its GAE at ``done = terminated | truncated`` and nothing else; this
    collects the same rollout (sample, clip to the action bounds, step with the autoreset,
    normalise) and reads the adapter's ``truncated``, ``terminated`` and ``final_obs``.
    """
    from rejax.algos.ppo import Trajectory

    class Learner(cls):
        def collect_trajectories(self, ts):
            space = self.env.action_space(self.env_params)

            def env_step(ts, _):
                prev = ts.last_obs
                rng, sub = jax.random.split(ts.rng)
                ts = ts.replace(rng=rng)
                rng_steps, rng_action = jax.random.split(sub)
                raw, log_prob = self.actor.apply(ts.actor_ts.params, prev, rng_action,
                                                 method="action_log_prob")
                value = self.critic.apply(ts.critic_ts.params, prev)
                obs, env_state, reward, done, info = self.vmap_step(
                    jax.random.split(rng_steps, self.num_envs), ts.env_state,
                    jnp.clip(raw, space.low, space.high), self.env_params)
                final = info["final_obs"]
                if self.normalize_observations:
                    rms, obs = self.update_and_normalize_obs(ts.obs_rms_state, obs)
                    final = self.normalize_obs(rms, final)
                    ts = ts.replace(obs_rms_state=rms)
                cut = info["truncated"] & ~info["terminated"]
                tail = self.critic.apply(ts.critic_ts.params, final)
                reward = reward + self.gamma * jnp.where(cut, tail, 0.0)
                ts = ts.replace(env_state=env_state, last_obs=obs, last_done=done,
                                global_step=ts.global_step + self.num_envs)
                return ts, Trajectory(prev, raw, log_prob, reward, value, done)

            return jax.lax.scan(env_step, ts, None, self.num_steps)

    Learner.__name__ = Learner.__qualname__ = cls.__name__
    return Learner


def _bootstrapped_truncation_sac(cls):
    """``cls`` (rejax SAC) storing transitions as SB3's replay buffer does
    (``handle_timeout_termination``): a time-limited step keeps ``done = terminated`` and the
    episode's final observation as ``next_obs``, so its target bootstraps ``gamma · Q``.

    rejax 0.1.3 stores ``done = terminated | truncated`` with the *next* episode's first
    observation; with done set the target ignores it, so every time limit looks like an
    ending. This collects the same transition otherwise (the same action, step and statistics).
    """
    from rejax.buffers import Minibatch

    class Learner(cls):
        def collect_transitions(self, ts):
            rng, rng_action = jax.random.split(ts.rng)
            ts = ts.replace(rng=rng)
            last = (self.normalize_obs(ts.obs_rms_state, ts.last_obs)
                    if self.normalize_observations else ts.last_obs)
            actions = self.actor.apply(ts.actor_ts.params, last, rng_action, method="act")
            rng, rng_steps = jax.random.split(ts.rng)
            ts = ts.replace(rng=rng)
            next_obs, env_state, rewards, _, info = self.vmap_step(
                jax.random.split(rng_steps, self.num_envs), ts.env_state, actions,
                self.env_params)
            if self.normalize_observations:
                ts = ts.replace(obs_rms_state=self.update_obs_rms(ts.obs_rms_state, next_obs))
            batch = Minibatch(obs=ts.last_obs, action=actions, reward=rewards,
                              next_obs=info["final_obs"], done=info["terminated"])
            ts = ts.replace(last_obs=next_obs, env_state=env_state,
                            global_step=ts.global_step + self.num_envs)
            return ts, batch

    Learner.__name__ = Learner.__qualname__ = cls.__name__
    return Learner


def _linear_decay(learner, total_timesteps: int):
    """optax schedule from ``learner.learning_rate`` to 0 over a run of ``total_timesteps``
    steps per seed, counted in updates (``num_epochs × num_minibatches`` per iteration)."""
    import optax

    chunk = learner.total_timesteps
    iterations = (math.ceil(total_timesteps / chunk) * chunk
                  // (learner.num_envs * learner.num_steps))
    n_updates = iterations * learner.num_epochs * learner.num_minibatches
    return optax.linear_schedule(learner.learning_rate, 0.0, n_updates)


def _shared_optimizer(cls, clip_value: bool, total_timesteps: int | None):
    """``cls`` (rejax PPO) updated the way SB3's PPO is: one loss (surrogate − ent_coef ·
    entropy + vf_coef · value loss), its gradient clipped by the global norm over actor *and*
    critic together, and Adam with SB3's ``eps = 1e-5``.

    rejax clips and steps the actor and the critic separately (each its own norm, optax's
    ``eps = 1e-8``). With unnormalised returns the critic's gradient dominates SB3's joint norm,
    so the clip shrinks the policy's step while the critic is far off; Adam keeps one moment
    estimate per parameter either way, so two Adams on disjoint parameters are one Adam on both.
    ``clip_value`` keeps rejax's clipped value loss (else plain squared error, as SB3);
    ``total_timesteps`` (a run's budget per seed) decays the rate linearly to 0, else it is
    constant.
    """
    import optax
    from flax.training.train_state import TrainState
    from rejax.algos.algorithm import register_init

    class Learner(cls):
        @register_init
        def initialize_network_params(self, rng):
            nets = super().initialize_network_params(rng)
            rate = (self.learning_rate if total_timesteps is None
                    else _linear_decay(self, total_timesteps))
            tx = optax.adam(learning_rate=rate, eps=1e-5)
            return {k: TrainState.create(apply_fn=(), params=v.params, tx=tx)
                    for k, v in nets.items()}

        def update(self, ts, batch):
            traj = batch.trajectories

            def actor_loss(params):
                log_prob, entropy = self.actor.apply(params, traj.obs, traj.action,
                                                     method="log_prob_entropy")
                adv = batch.advantages
                adv = (adv - adv.mean()) / (adv.std() + 1e-8)
                ratio = jnp.exp(log_prob - traj.log_prob)
                clipped = jnp.clip(ratio, 1 - self.clip_eps, 1 + self.clip_eps)
                surrogate = -jnp.minimum(ratio * adv, clipped * adv).mean()
                return surrogate - self.ent_coef * entropy.mean()

            grads = {"actor": jax.grad(actor_loss)(ts.actor_ts.params),
                     "critic": jax.grad(_critic_loss)(ts.critic_ts.params, self, batch,
                                                      clip_value)}
            norm = jnp.sqrt(sum(jnp.sum(jnp.square(g)) for g in jax.tree_util.tree_leaves(grads)))
            scale = jnp.minimum(1.0, self.max_grad_norm / jnp.maximum(norm, 1e-12))
            grads = jax.tree_util.tree_map(lambda g: g * scale, grads)
            return ts.replace(actor_ts=ts.actor_ts.apply_gradients(grads=grads["actor"]),
                              critic_ts=ts.critic_ts.apply_gradients(grads=grads["critic"]))

    Learner.__name__ = Learner.__qualname__ = cls.__name__
    return Learner


def _annealed_learning_rate(cls, total_timesteps: int):
    """``cls`` (rejax PPO) whose actor and critic Adam step sizes decay linearly from
    ``learning_rate`` to 0 over a run of ``total_timesteps`` steps per seed (rl-zoo3's
    ``lin_<rate>``, the schedule of Schulman et al. 2017's MuJoCo runs).

    rejax 0.1.3 keeps the rate constant. The schedule counts updates in the optimiser state, so
    it continues across chunks, checkpoints and resumes. A learner trains one chunk
    (its ``total_timesteps``); the run trains whole chunks until it reaches its budget, each
    iteration making ``num_epochs × num_minibatches`` updates.
    """
    import optax
    from flax.training.train_state import TrainState
    from rejax.algos.algorithm import register_init

    class Learner(cls):
        @register_init
        def initialize_network_params(self, rng):
            nets = super().initialize_network_params(rng)
            tx = optax.chain(optax.clip(self.max_grad_norm), optax.adam(
                learning_rate=_linear_decay(self, total_timesteps)))
            return {k: TrainState.create(apply_fn=(), params=v.params, tx=tx)
                    for k, v in nets.items()}

    Learner.__name__ = Learner.__qualname__ = cls.__name__
    return Learner


def _orthogonal_init(cls):
    """``cls`` (rejax PPO) with SB3's initialisation instead of flax's ``lecun_normal``:
    orthogonal hidden kernels of gain sqrt(2), the action-mean kernel of gain 0.01 and the
    value head of gain 1, biases zero (SB3 ``ActorCriticPolicy(ortho_init=True)``, after
    Engstrom et al. 2020, "Implementation matters in deep policy gradients", ICLR).

    With gain 0.01 the initial mean action is close to 0 for every observation, so training
    starts from near-zero control plus exploration noise; flax's default starts from a random
    feedback law of order one.
    """
    from rejax.algos.algorithm import register_init

    def orthogonal(key, shape, gain: float, dtype):
        # Gram-Schmidt (twice, for float32) on Gaussian columns: Haar-distributed, like QR with
        # the sign of diag(R) fixed. No LAPACK call: a batched QR inside the seed-vmapped
        # init program of the KS envs hung the XLA CPU runtime (jaxlib 0.10.2, 3+ seeds).
        rows, cols = shape
        tall = (rows, cols) if rows >= cols else (cols, rows)
        a = jax.random.normal(key, tall, jnp.float32)

        def column(j, q):
            v = jax.lax.dynamic_index_in_dim(a, j, axis=1, keepdims=False)
            for _ in range(2):
                v = v - q @ (q.T @ v)
            return q.at[:, j].set(v / jnp.linalg.norm(v))

        q = jax.lax.fori_loop(0, tall[1], column, jnp.zeros(tall, jnp.float32))
        return (gain * (q if rows >= cols else q.T)).astype(dtype)

    def reinit(params, rng, head: str, head_gain: float):
        leaves, treedef = jax.tree_util.tree_flatten_with_path(params)
        new = []
        for i, (path, leaf) in enumerate(leaves):
            names = [getattr(k, "key", str(k)) for k in path]
            if names[-1] == "kernel":
                gain = head_gain if head in names else math.sqrt(2.0)
                leaf = orthogonal(jax.random.fold_in(rng, i), leaf.shape, gain, leaf.dtype)
            new.append(leaf)
        return jax.tree_util.tree_unflatten(treedef, new)

    class Learner(cls):
        @register_init
        def initialize_network_params(self, rng):
            nets = super().initialize_network_params(rng)
            rng_a, rng_c = jax.random.split(jax.random.fold_in(rng, 7))
            critic = nets["critic_ts"].params
            # VNetwork is one compact MLP: its last Dense is the value head
            last = sorted(critic["params"], key=lambda n: int(n.split("_")[-1]))[-1]
            return {"actor_ts": nets["actor_ts"].replace(
                        params=reinit(nets["actor_ts"].params, rng_a, "action_mean", 0.01)),
                    "critic_ts": nets["critic_ts"].replace(
                        params=reinit(critic, rng_c, last, 1.0))}

    Learner.__name__ = Learner.__qualname__ = cls.__name__
    return Learner


def _clipped_observations(cls, bound: float):
    """``cls`` (rejax PPO or SAC) whose normalised observations are clipped to
    ``[-bound, bound]``, as SB3's ``VecNormalize(clip_obs=10.0)`` does; rejax does not clip.
    Training and the deterministic evaluation policy both see the clipped values."""

    class Learner(cls):
        def normalize_obs(self, rms_state, x):
            return jnp.clip(super().normalize_obs(rms_state, x), -bound, bound)

    Learner.__name__ = Learner.__qualname__ = cls.__name__
    return Learner


def chunk_unit(algo: str, hp: dict[str, Any]) -> int:
    """Environment steps per learner iteration (a chunk is a whole number of them)."""
    n = int(hp.get("num_envs", 64 if algo == "ppo" else 1))
    return n * int(hp.get("num_steps", 64)) if algo == "ppo" else n


def make_learner(fenv, algo: str, hp: dict[str, Any], chunk_steps: int,
                 episode_log: bool = True, total_timesteps: int | None = None):
    """A rejax learner whose ``train(train_state=ts)`` advances one seed by ``chunk_steps``.

    ``chunk_steps`` must be a multiple of :func:`chunk_unit` (rejax rounds it up otherwise).
    With ``episode_log`` (default) every environment records its finished training episodes
    over a chunk (:class:`EpisodeLog`; drained into ``monitor.csv`` by :func:`train_jax_run`).
    ``total_timesteps`` (default: ``hp["n_timesteps"]``) is the run's budget per seed; only an
    annealed learning rate (``"lin_<rate>"``, PPO) depends on it.
    """
    rejax = _require_rejax()
    hp = dict(hp)
    total = total_timesteps if total_timesteps is not None else hp.get("n_timesteps")
    for key in RUN_KEYS:  # the run's own settings, not rejax arguments
        hp.pop(key, None)
    clip_value = bool(hp.pop("clip_value_loss", True))
    if algo != "ppo" and not clip_value:
        raise ValueError(f"clip_value_loss applies to ppo, not {algo!r}")
    from chaosgym.baselines.hyperparams import parse_learning_rate

    annealed = False
    if "learning_rate" in hp:
        hp["learning_rate"], annealed = parse_learning_rate(hp["learning_rate"])
    if annealed and algo != "ppo":
        raise ValueError(f"an annealed learning_rate ('lin_...') applies to ppo, not {algo!r}")
    if annealed and total is None:
        raise ValueError("an annealed learning_rate needs the run's budget (n_timesteps)")
    init = str(hp.pop("init", "lecun_normal"))
    if init not in ("lecun_normal", "orthogonal"):
        raise ValueError(f"init must be 'lecun_normal' (rejax's) or 'orthogonal' (SB3's), "
                         f"not {init!r}")
    if init == "orthogonal" and algo != "ppo":
        raise ValueError(f"init: orthogonal applies to ppo, not {algo!r}")
    clip_obs = hp.pop("clip_observations", None)
    if clip_obs is not None:
        clip_obs = float(clip_obs)
        if not (math.isfinite(clip_obs) and clip_obs > 0):
            raise ValueError(f"clip_observations must be a positive number, not {clip_obs!r}")
        if not hp.get("normalize_observations", False):
            raise ValueError("clip_observations clips normalised observations: it needs "
                             "normalize_observations: true")
    bootstrap = bool(hp.pop("bootstrap_truncation", False))
    if bootstrap and (algo not in ("ppo", "sac") or hp.get("normalize_rewards", False)):
        raise ValueError("bootstrap_truncation applies to ppo and sac without "
                         "normalize_rewards")
    shared = bool(hp.pop("shared_optimizer", False))
    if shared and algo != "ppo":
        raise ValueError(f"shared_optimizer applies to ppo, not {algo!r}")
    cls = {"ppo": rejax.PPO if clip_value else _unclipped_value_loss(rejax.PPO),
           "sac": _uniform_replay(rejax.SAC), "td3": _uniform_replay(rejax.TD3)}[algo]
    if shared:
        cls = _shared_optimizer(rejax.PPO, clip_value, int(float(total)) if annealed else None)
        annealed = False  # the shared optimiser carries the schedule itself
    if bootstrap:
        cls = (_bootstrapped_truncation if algo == "ppo" else _bootstrapped_truncation_sac)(cls)
    if init == "orthogonal":
        cls = _orthogonal_init(cls)
    if clip_obs is not None:
        cls = _clipped_observations(cls, clip_obs)
    if annealed:
        cls = _annealed_learning_rate(cls, int(float(total)))
    n_envs = int(hp.get("num_envs", 64 if algo == "ppo" else 1))
    log = max(int(chunk_steps) // n_envs, 1) if episode_log else 0
    learner = cls.create(env=rejax_env(fenv, log), env_params=fenv.default_params,
                         total_timesteps=int(chunk_steps), eval_freq=int(chunk_steps),
                         skip_initial_evaluation=True, **hp)
    return learner.replace(eval_callback=lambda algo_, ts, rng: ())


def deterministic_policy(learner, algo: str):
    """``act(ts, obs) -> action`` of one seed's state: the mean action, clipped to [-1, 1]."""

    def act(ts, obs):
        o = obs[None].astype(jnp.float32)
        if getattr(learner, "normalize_observations", False):
            o = learner.normalize_obs(ts.obs_rms_state, o)
        if algo == "td3":
            a = learner.actor.apply(ts.actor_ts.params, o)
        elif algo == "sac":
            a = learner.actor.apply(
                ts.actor_ts.params, o,
                method=lambda m, x: m.action_loc + m.bij.forward(m._action_dist(x).mean())
                * m.action_scale)
        else:
            a = learner.actor.apply(ts.actor_ts.params, o,
                                    method=lambda m, x: m._action_dist(x).mean())
        return jnp.clip(a[0], -1.0, 1.0)

    return act


def rollout(fenv, act, ics, steps: int | None = None):
    """A jittable batched evaluation of ``act(obs) -> action`` from the states ``ics``.

    Returns what :func:`chaosgym.baselines.evaluate.evaluate_policy` returns (``return``,
    ``length`` and ``trace_<metric>``; frozen after termination), as JAX arrays.
    """
    params = fenv.default_params
    steps = int(params.max_steps if steps is None else steps)
    names = ("diverged", *fenv.metric_names)
    n = ics.shape[0]

    def one(x0, key):
        obs, state = fenv.reset_to(key, x0, params)

        def body(carry, k):
            obs, state, done, ret, length, last = carry
            a = act(obs)
            obs2, st2, r, term, _trunc, info = fenv.step(k, state, a, params)
            m = jnp.stack([info[k_].astype(jnp.float32) for k_ in names])
            keep = lambda new, old: jnp.where(done, old, new)  # noqa: E731
            st2 = jax.tree_util.tree_map(keep, st2, state)
            obs2 = keep(obs2, obs)
            m = keep(m, last)
            ret = ret + jnp.where(done, 0.0, r)
            length = length + jnp.where(done, 0, 1)
            return (obs2, st2, done | term, ret, length, m), m

        init = (obs, state, jnp.zeros((), bool), jnp.zeros(()), jnp.zeros((), jnp.int32),
                jnp.zeros(len(names), jnp.float32))
        (_, _, _, ret, length, _), traces = jax.lax.scan(
            body, init, jax.random.split(key, steps))
        return ret, length, traces.T

    keys = jax.random.split(jax.random.key(0), n)
    ret, length, traces = jax.vmap(one)(jnp.asarray(ics, fenv.dtype), keys)
    out = {"return": ret, "length": length}
    for i, name in enumerate(names):
        out[f"trace_{name}"] = traces[:, i, :]
    return out


# ---------------------------------------------------------------------- the run
def _strong(tree):
    """``tree`` with every array strongly typed (its own dtype; PRNG keys as they are).

    rejax's initial state holds weakly typed scalars (``log_alpha = jnp.array(0.0)``, step
    counters, ``count=1e-4``) that one training chunk turns strong, and a changed weak-type
    flag is a new signature to ``jit``: without this, the second and third chunks of SAC each
    recompiled the whole program (about as long as the first compile).
    """
    from jax import lax

    def one(x):
        x = jnp.asarray(x)
        if jnp.issubdtype(x.dtype, jax.dtypes.prng_key):
            return x
        return lax.convert_element_type(x, x.dtype)

    return jax.tree_util.tree_map(one, tree)


def seed_programs(learner):
    """``(init, advance)``: the jitted, seed-vmapped programs of ``learner``.

    ``init(keys)`` builds one state per key; ``advance(ts)`` trains every seed by one chunk
    (the learner's ``total_timesteps``), starting with empty episode records, and consumes
    ``ts`` (its buffers are donated, so the replay buffer is updated in place rather than
    copied each chunk). Both return strongly
    typed states, as :func:`tree_from_bytes` does, so every chunk — fresh, continued or
    resumed — runs the one compiled program.
    """
    init = jax.jit(jax.vmap(lambda k: _strong(learner.init_state(k))))
    advance = jax.jit(jax.vmap(
        lambda ts: _strong(learner.train(train_state=_empty_log(ts))[0])), donate_argnums=0)
    return init, advance


def _empty_log(ts):
    """``ts`` with its environments' episode records emptied (a chunk records its own)."""
    log = ts.env_state
    if not isinstance(log, EpisodeLog):
        return ts
    return ts.replace(env_state=log._replace(count=jnp.zeros_like(log.count),
                                             steps=jnp.zeros_like(log.steps)))


class _Compiled:
    """The jitted, seed-vmapped programs of one (env, algo, hyperparameters, chunk) run."""

    def __init__(self, fenv, algo: str, hp: dict, chunk: int, val_ics,
                 total: int | None = None) -> None:
        self.learner = make_learner(fenv, algo, hp, chunk, total_timesteps=total)
        learner = self.learner
        act = deterministic_policy(learner, algo)
        self.init, self.advance = seed_programs(learner)
        self.evaluate = jax.jit(jax.vmap(lambda ts: rollout(
            fenv, lambda o: act(ts, o), val_ics)))


def train_jax_run(
    env_id: str,
    algo: str,
    seeds: list[int] | int,
    run_dir: str | Path,
    total_timesteps: int | None = None,
    hyperparams: dict | None = None,
    eval_freq: int | None = None,
    progress_bar: bool = False,
    tensorboard: bool = True,
    n_validation: int = N_VALIDATION,
    fenv=None,
) -> dict[str, Any]:
    """Train ``algo`` on ``env_id`` for every seed at once (or resume, or skip if complete).

    Args:
        env_id: registered id.
        algo: ``ppo``, ``sac`` or ``td3``.
        seeds: the seeds (an int ``k`` means ``range(k)``), trained in one vmapped program.
        run_dir: the run's folder (created).
        total_timesteps: environment steps per seed (default: ``n_timesteps`` of
            ``config/jax_<algo>.yml``).
        hyperparams: rejax keyword arguments (default: from ``config/jax_<algo>.yml``).
        eval_freq: steps per seed between evaluations / checkpoints (default: the yml entry's
            ``eval_freq``, else budget / 10).
        progress_bar: show a tqdm bar.
        tensorboard: log ``eval/*`` scalars to ``<run_dir>/tb/seed<k>``.
        n_validation: validation states (the protocol's ``validation`` split).

    Returns ``done.json``: per-seed best validation summaries, steps, wall clock (with and
    without compilation) and env-steps/s.
    """
    from chaosgym.baselines.protocol import initial_state_set
    from chaosgym.registration import make_functional

    _require_rejax()
    seeds = list(range(seeds)) if isinstance(seeds, int) else [int(s) for s in seeds]
    if not seeds:
        raise ValueError("seeds must not be empty")
    run_dir = Path(run_dir)
    run_dir.mkdir(parents=True, exist_ok=True)
    done_file = run_dir / "done.json"
    if done_file.exists():
        return json.loads(done_file.read_text())
    with RunLock(run_dir):
        if done_file.exists():
            return json.loads(done_file.read_text())
        hp = load_jax_hyperparams(algo, env_id) if hyperparams is None else dict(hyperparams)
        total = int(float(total_timesteps if total_timesteps is not None
                          else hp.get("n_timesteps", 100_000)))
        unit = chunk_unit(algo, hp)
        every = eval_freq or hp.get("eval_freq") or max(total // 10, 1)
        chunk = max(1, math.ceil(int(float(every)) / unit)) * unit
        t_start = time.time()
        fenv = make_functional(env_id) if fenv is None else fenv
        val_ics = initial_state_set(env_id, "validation", n_validation, fenv=fenv)
        prog = _Compiled(fenv, algo, hp, chunk, val_ics, total)
        from chaosgym.baselines.provenance import command_line, versions

        config = {"env_id": env_id, "algo": algo, "backend": "jax", "seeds": seeds,
                  "total_timesteps": total, "eval_freq": chunk,
                  "hyperparams": {k: (v if isinstance(v, int | float | str | bool | list | dict)
                                      else repr(v)) for k, v in hp.items()},
                  "learner": f"rejax {_version('rejax')}", "n_validation": n_validation,
                  "validation_split": "validation", "versions": versions(),
                  "command": command_line()}
        if not (run_dir / "config.json").exists():
            atomic_write(run_dir / "config.json", json.dumps(config, indent=1))
        template = prog.init(jax.vmap(jax.random.PRNGKey)(jnp.asarray(seeds)))
        ts, start, source = _restore(run_dir, template)
        if ts is None:
            ts = template
        _trim_rows(run_dir, start)
        _event(run_dir, {"event": "resume" if source else "start", "num_timesteps": start,
                         **({"checkpoint": source} if source else {})})
        writers = _tb_writers(run_dir, seeds, start) if tensorboard else None
        best = _load_best(run_dir)
        bar = None
        if progress_bar:
            from tqdm.auto import tqdm

            bar = tqdm(total=total, initial=start, unit="step", desc=f"{algo} x{len(seeds)}")
        step, compile_s, train_s = start, 0.0, 0.0
        monitors = {s: _Monitor(run_dir / f"seed{s}" / "monitor.csv", env_id, t_start)
                    for s in seeds}
        try:
            while step < total:
                t0 = time.time()
                ts = prog.advance(ts)
                jax.block_until_ready(ts)
                t1 = time.time()
                dt = t1 - t0
                if step == start:  # the first call compiles
                    compile_s = dt
                else:
                    train_s += dt
                step += chunk
                ts = _drain_episodes(ts, seeds, monitors, t0, t1)
                ev = jax.device_get(prog.evaluate(ts))
                best = _log_eval(run_dir, fenv, seeds, step, ev, writers, best, ts)
                _save_checkpoint(run_dir, ts, step)
                if bar is not None:
                    bar.update(chunk)
        finally:
            if bar is not None:
                bar.close()
            if writers:
                for w in writers.values():
                    w.close()
        wall = time.time() - t_start
        steady = max(step - start - chunk, 0)
        done = {"env_id": env_id, "algo": algo, "backend": "jax", "seeds": seeds,
                "num_timesteps": step, "resumed_from": start, "wall_seconds": wall,
                "first_chunk_seconds": compile_s, "steady_seconds": train_s,
                "env_steps_per_second": (steady * len(seeds) / train_s) if train_s > 0
                else math.nan,
                "best": {f"seed{s}": best.get(str(s)) for s in seeds}}
        atomic_write(done_file, json.dumps(done, indent=1, default=float))
        _event(run_dir, {"event": "done", "num_timesteps": step})
        return done


class _Monitor:
    """One seed's ``monitor.csv``, as stable-baselines3's ``Monitor`` writes it.

    A ``#{"t_start": ..., "env_id": ...}`` line, the header ``r,l,t``, then one row per
    finished training episode: return, length, and seconds since ``t_start``. An existing file
    is appended to (a resumed run keeps every episode already written, and its ``t_start``);
    half a row left by a killed writer is cut off first.
    """

    def __init__(self, path: Path, env_id: str, t_start: float) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self.t_start = t_start
        if path.exists() and path.stat().st_size > 0:
            with open(path, "rb+") as f:
                data = f.read()
                if not data.endswith(b"\n"):
                    f.truncate(data.rfind(b"\n") + 1)
            try:
                self.t_start = float(json.loads(data.split(b"\n", 1)[0][1:])["t_start"])
            except (ValueError, KeyError, TypeError):
                warnings.warn(f"{path}: no readable header line; appending episodes anyway",
                              stacklevel=3)
        else:
            with open(path, "w") as f:
                f.write("#" + json.dumps({"t_start": t_start, "env_id": env_id}) + "\n")
                f.write("r,l,t\n")
                f.flush()

    def write(self, rows) -> None:
        if not rows:
            return
        with open(self.path, "a") as f:
            f.writelines(f"{round(r, 6)},{int(n)},{round(t - self.t_start, 6)}\n"
                         for r, n, t in rows)
            f.flush()


def _drain_episodes(ts, seeds, monitors, t0: float, t1: float):
    """Append the episodes finished in the last chunk to each seed's ``monitor.csv``.

    An episode's time is interpolated within the chunk's wall time ``[t0, t1]`` from the
    transition it finished at (they finish inside one compiled program); the next chunk
    starts with an empty record (:func:`seed_programs`). Returns ``ts``.
    """
    log = ts.env_state
    if not isinstance(log, EpisodeLog):
        return ts
    count, steps = np.asarray(log.count), np.asarray(log.steps)  # (seeds, envs)
    ret, length, at = (np.asarray(a) for a in (log.log_return, log.log_length, log.log_step))
    span = max(int(steps.max(initial=0)), 1)
    for i, s in enumerate(seeds):
        rows = []
        for e in range(count.shape[1]):
            n = min(int(count[i, e]), ret.shape[-1])
            rows += [(int(at[i, e, j]), e, float(ret[i, e, j]), int(length[i, e, j]))
                     for j in range(n)]
        rows.sort()
        monitors[s].write([(r, n, t0 + (t1 - t0) * k / span) for k, _e, r, n in rows])
    return ts


def _version(pkg: str) -> str:
    import importlib.metadata as md

    try:
        return md.version(pkg)
    except md.PackageNotFoundError:
        return "not installed"


def _event(run_dir: Path, event: dict) -> None:
    with open(run_dir / "events.jsonl", "a") as f:
        f.write(json.dumps({**event, "time": time.time()}) + "\n")


FIELDS = ("timesteps", "seed", "wall_time", "return_mean", "return_std", "task_metric",
          "task_metric_name")


def seed_summaries(fenv, ev) -> list[dict[str, Any]]:
    """Protocol summaries (:func:`chaosgym.baselines.evaluate.summarize`) of a seed-vmapped
    :func:`rollout` result ``ev``, one per seed along its leading axis."""
    from chaosgym.baselines.evaluate import _flag_metrics, summarize

    ev = jax.device_get(ev)
    flags = np.asarray(_flag_metrics(fenv, ("diverged", *fenv.metric_names)))
    n = len(next(iter(ev.values())))
    return [summarize({**{k: np.asarray(v[i]) for k, v in ev.items()}, "flags": flags}, fenv.dt)
            for i in range(n)]


def _log_eval(run_dir, fenv, seeds, step, ev, writers, best, ts):
    """Summaries per seed → ``curve.csv``, TensorBoard and the best policies so far."""
    path = run_dir / "curve.csv"
    new = not path.exists()
    rows = []
    for i, (s, summ) in enumerate(zip(seeds, seed_summaries(fenv, ev), strict=True)):
        name = task_metric(summ)
        rows.append({"timesteps": step, "seed": s, "wall_time": round(time.time(), 2),
                     "return_mean": summ["return_mean"], "return_std": summ["return_std"],
                     "task_metric": summ[name], "task_metric_name": name})
        if writers is not None:
            writers[s].add_scalar("eval/return_mean", summ["return_mean"], step)
            writers[s].add_scalar(f"eval/{name}", summ[name], step)
            writers[s].flush()
        sc = score(summ)
        prev = best.get(str(s))
        # the kept best is re-scored from its summary (stable across changes of score())
        if prev is None or tuple(sc) > tuple(score(prev["summary"])):
            one = jax.tree_util.tree_map(lambda x, i=i: x[i], ts)
            fname = f"best_seed{s}.npz"
            atomic_write(run_dir / fname, tree_to_bytes(_params_of(one)))
            best[str(s)] = {"score": list(sc), "timesteps": step, "summary": summ,
                            "params": fname}
    with open(path, "a", newline="") as f:
        w = csv.DictWriter(f, fieldnames=FIELDS)
        if new:
            w.writeheader()
        w.writerows(rows)
    atomic_write(run_dir / "best.json", json.dumps(best, indent=1, default=float))
    return best


def _params_of(ts):
    """The parts of one seed's state a policy needs (actor and observation statistics)."""
    out = {"actor": ts.actor_ts.params}
    if hasattr(ts, "obs_rms_state"):
        out["obs_rms"] = {"mean": ts.obs_rms_state.mean, "var": ts.obs_rms_state.var}
    return out


def _load_best(run_dir: Path) -> dict:
    try:
        return json.loads((run_dir / "best.json").read_text())
    except (OSError, ValueError):
        return {}


def _trim_rows(run_dir: Path, step: int) -> None:
    path = run_dir / "curve.csv"
    if not path.exists():
        return
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    kept = [r for r in rows if int(r["timesteps"]) <= step]
    if len(kept) != len(rows):
        import io

        buf = io.StringIO()
        w = csv.DictWriter(buf, fieldnames=FIELDS)
        w.writeheader()
        w.writerows(kept)
        atomic_write(path, buf.getvalue())


def _tb_writers(run_dir: Path, seeds, start: int):
    try:
        from torch.utils.tensorboard import SummaryWriter
    except ImportError:
        try:
            from tensorboardX import SummaryWriter
        except ImportError:
            print("TensorBoard logging skipped: install torch or tensorboardX",
                  file=sys.stderr)
            return None
    return {s: SummaryWriter(str(run_dir / "tb" / f"seed{s}"),
                             purge_step=start + 1 if start else None) for s in seeds}


def tree_to_bytes(tree) -> bytes:
    """The leaves of a pytree as one ``.npz`` (``leaf_<i>``; PRNG keys as their key data)."""
    import io

    leaves = jax.tree_util.tree_leaves(tree)
    arrays = {}
    for i, x in enumerate(leaves):
        if jnp.issubdtype(getattr(x, "dtype", np.float32), jax.dtypes.prng_key):
            x = jax.random.key_data(x)
        arrays[f"leaf_{i}"] = np.asarray(jax.device_get(x))
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    return buf.getvalue()


def tree_from_bytes(template, data: bytes):
    """Rebuild a pytree shaped like ``template`` from :func:`tree_to_bytes` output.

    Raises ``ValueError`` when the file does not match the template leaf for leaf (count,
    shape or dtype): a checkpoint of another configuration, or a damaged one.
    """
    import io

    leaves, treedef = jax.tree_util.tree_flatten(template)
    with np.load(io.BytesIO(data)) as z:
        if len(z.files) != len(leaves):
            raise ValueError(f"{len(z.files)} arrays stored, the state has {len(leaves)}")
        out = []
        for i, ref in enumerate(leaves):
            x = z[f"leaf_{i}"]
            is_key = jnp.issubdtype(getattr(ref, "dtype", np.float32), jax.dtypes.prng_key)
            want = jax.random.key_data(ref) if is_key else ref
            if x.shape != np.shape(want) or x.dtype != np.asarray(want).dtype:
                raise ValueError(f"array {i}: stored {x.shape} {x.dtype}, expected "
                                 f"{np.shape(want)} {np.asarray(want).dtype}")
            out.append(jax.random.wrap_key_data(x) if is_key else jnp.asarray(x))
    return jax.tree_util.tree_unflatten(treedef, out)


def _save_checkpoint(run_dir: Path, ts, step: int) -> None:
    """Commit the whole vmapped state at ``step`` (bytes, manifest, pointer; two kept)."""
    from chaosgym.baselines.storage import atomic_save

    name = f"ckpt_{step}.npz"
    data = tree_to_bytes(ts)
    atomic_save(lambda p: Path(p).write_bytes(data), run_dir / name)
    rec = json.dumps({"num_timesteps": step, "state": name, "time": time.time()}, indent=1)
    atomic_write(run_dir / f"ckpt_{step}.json", rec)
    atomic_write(run_dir / "checkpoint.json", rec)
    steps = sorted(int(p.stem.split("_")[1]) for p in run_dir.glob("ckpt_*.json"))
    for old in steps[:-KEEP]:
        (run_dir / f"ckpt_{old}.json").unlink(missing_ok=True)
        (run_dir / f"ckpt_{old}.npz").unlink(missing_ok=True)


def _restore(run_dir: Path, template):
    """``(state, step, source)`` of the newest readable checkpoint, else ``(None, 0, None)``."""
    from chaosgym.baselines.storage import CheckpointWarning

    recs = []
    for f in [run_dir / "checkpoint.json",
              *sorted(run_dir.glob("ckpt_*.json"), key=lambda p: -int(p.stem.split("_")[1]))]:
        if not f.exists():
            continue
        try:
            rec = json.loads(f.read_text())
            recs.append((f, int(rec["num_timesteps"]), rec["state"]))
        except (OSError, ValueError, KeyError, TypeError) as e:
            warnings.warn(f"checkpoint record {f} is unreadable ({type(e).__name__}: {e}); "
                          "falling back to an older checkpoint", CheckpointWarning, stacklevel=3)
    for f, step, name in recs:
        try:
            ts = tree_from_bytes(template, (run_dir / name).read_bytes())
        except Exception as e:  # a truncated or foreign file: try the previous one
            warnings.warn(f"checkpoint file {run_dir / name} is unreadable "
                          f"({type(e).__name__}: {e}); falling back to an older checkpoint",
                          CheckpointWarning, stacklevel=3)
            continue
        return ts, step, f.name
    return None, 0, None


def _jax_policy_loader(run_dir: str | Path, fenv):
    """``(apply, params_of)`` of a JAX run folder: ``apply(params, obs)`` is the deterministic
    policy as a pure function of its parameters, ``params_of(seed)`` loads the best
    parameters of a seed. One ``apply`` serves every seed, so one compiled program does."""
    from types import SimpleNamespace

    run_dir = Path(run_dir)
    cfg = json.loads((run_dir / "config.json").read_text())
    best_all = _load_best(run_dir)
    learner = make_learner(fenv, cfg["algo"], cfg["hyperparams"], int(cfg["eval_freq"]),
                           total_timesteps=cfg.get("total_timesteps"))
    template = _params_of(learner.init_state(jax.random.PRNGKey(0)))
    act = deterministic_policy(learner, cfg["algo"])

    def params_of(seed: int):
        best = best_all.get(str(seed))
        if best is None:
            raise FileNotFoundError(f"{run_dir / 'best.json'} has no policy of seed {seed}")
        return tree_from_bytes(template, (run_dir / best["params"]).read_bytes())

    def apply(params, obs):
        ts = SimpleNamespace(actor_ts=SimpleNamespace(params=params["actor"]),
                             obs_rms_state=SimpleNamespace(**params.get("obs_rms", {})))
        return act(ts, obs)

    return apply, params_of


def load_jax_policy(run_dir: str | Path, seed: int, fenv):
    """The best deterministic policy of ``seed`` in a JAX run folder, as ``act(obs)``."""
    apply, params_of = _jax_policy_loader(run_dir, fenv)
    params = params_of(seed)
    return lambda obs: apply(params, obs)


def evaluate_jax_policies(run_dir: str | Path, seeds, fenv, ics) -> dict[int, dict[str, Any]]:
    """Protocol summaries of a JAX run's best policies of ``seeds`` on the states ``ics``; the
    rollout is compiled once for all seeds (the parameters are its argument)."""
    from chaosgym.baselines.evaluate import _flag_metrics, summarize

    apply, params_of = _jax_policy_loader(run_dir, fenv)
    program = jax.jit(lambda p, x: rollout(fenv, lambda o: apply(p, o), x))
    flags = np.asarray(_flag_metrics(fenv, ("diverged", *fenv.metric_names)))
    out = {}
    for seed in seeds:
        res = {k: np.asarray(v) for k, v in jax.device_get(
            program(params_of(int(seed)), jnp.asarray(ics))).items()}
        res["flags"] = flags
        out[int(seed)] = summarize(res, fenv.dt)
    return out


def evaluate_jax_policy(run_dir: str | Path, seed: int, fenv, ics) -> dict[str, Any]:
    """Protocol summary of a JAX run's best policy of ``seed`` on the states ``ics``."""
    return evaluate_jax_policies(run_dir, [seed], fenv, ics)[int(seed)]


def store_jax_policies(run_dir: str | Path, dest: str | Path, seeds=None,
                       max_bytes: float = math.inf) -> list[int]:
    """Copy the kept policies of a JAX run (each seed's best validation evaluation) into
    ``dest``, a folder that :func:`load_jax_policy`, :func:`evaluate_jax_policies` and
    ``chaosgym evaluate --model`` read as they read the run: ``config.json`` (its recorded
    command without absolute paths), ``best.json`` and ``best_seed<k>.npz`` per seed, about
    20 kB each for two 64-unit layers. No checkpoint, curve or log is copied. Returns the
    seeds stored (those of ``seeds``, default all, that have a kept policy); none when a
    policy file is over ``max_bytes``."""
    from chaosgym.baselines.provenance import path_free

    run_dir, dest = Path(run_dir), Path(dest)
    wanted = None if seeds is None else {int(s) for s in seeds}
    keep = {k: v for k, v in _load_best(run_dir).items() if wanted is None or int(k) in wanted}
    if not keep or any((run_dir / v["params"]).stat().st_size > max_bytes
                       for v in keep.values()):
        return []
    cfg = json.loads((run_dir / "config.json").read_text())
    if isinstance(cfg.get("command"), str):
        cfg["command"] = path_free(cfg["command"])
    dest.mkdir(parents=True, exist_ok=True)
    for v in keep.values():
        atomic_write(dest / v["params"], (run_dir / v["params"]).read_bytes())
    atomic_write(dest / "config.json", json.dumps(cfg, indent=1))
    atomic_write(dest / "best.json", json.dumps(keep, indent=1, default=float))
    return sorted(int(k) for k in keep)


def run_dir_for_jax(root: str | Path, env_id: str, algo: str) -> Path:
    """``<root>/<Env>/<algo>-jax``."""
    return Path(root) / env_slug(env_id) / f"{algo}-jax"
