"""The one contract every adapter goes through.

An :class:`EnvContract` is built once per registered id and configuration (and cached, so a
second ``gym.make`` of the same configuration reuses the attractor bank and every compiled
program). It owns:

* **validation** of everything a user hands an adapter at run time: actions (type, shape,
  finiteness: :meth:`EnvContract.check_action`), initial states (:meth:`check_x0`) and seeds
  (:meth:`check_seed`); construction arguments are validated by the core
  (:class:`~chaosgym.envs.functional.FunctionalEnv`) before anything is traced;
* **scaling**: actions are normalised to ``[-1, 1]``; the core clips and scales them;
* **packing**: one jitted call returns every output of a step in one array (one host
  transfer), which :meth:`unpack` / :meth:`unpack_batch` split;
* **info names and dtypes**: ``info_names = ("diverged", "invalid_action", *metrics)`` in
  every adapter, bool metrics as bools (``np.bool_`` arrays in batches), the others as floats;
* **seeding**: ``reset(seed=s)`` starts from ``core.reset(jax.random.key(s))`` in every
  adapter (environment ``i`` of a batch seeded ``s`` gets ``s + i``, Gymnasium's rule), so
  the gymnax adapter reset with ``jax.random.key(s)`` starts the same episode.

Batched paths autoreset through :func:`chaosgym.envs.wrappers.autoreset.batched_step`.
"""

from __future__ import annotations

import collections
import multiprocessing
import numbers
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from chaosgym.envs.wrappers.autoreset import MODES, batched_reset, batched_step, where_done

__all__ = ["EnvContract", "contract_for", "key_from_seed", "keys_from_seeds"]

_CACHE: collections.OrderedDict[Any, EnvContract] = collections.OrderedDict()
_CACHE_SIZE = 32


def _freeze(v: Any) -> Any:
    """A hashable stand-in for a configuration value (``TypeError`` if there is none)."""
    if isinstance(v, dict):
        return ("dict", tuple(sorted((k, _freeze(x)) for k, x in v.items())))
    if isinstance(v, list | tuple):
        return ("seq", tuple(_freeze(x) for x in v))
    if isinstance(v, np.ndarray | jax.Array):
        a = np.asarray(v)
        return ("array", a.dtype.str, a.shape, a.tobytes())
    if isinstance(v, type | np.dtype):
        try:
            return ("dtype", np.dtype(v).str)
        except TypeError:
            return ("type", v.__module__, v.__qualname__)
    hash(v)
    return (type(v).__name__, v)


def contract_for(env_id: str, **kwargs: Any) -> EnvContract:
    """The (cached) contract of a registered id and configuration."""
    from chaosgym.envs.registry import canonical_config, make_functional

    try:
        key = (env_id, _freeze(canonical_config(env_id, **kwargs)))
    except TypeError:
        key = None
    if key is not None and key in _CACHE:
        _CACHE.move_to_end(key)
        return _CACHE[key]

    contract = EnvContract(make_functional(env_id, **kwargs), env_id=env_id, config=kwargs)
    if key is not None:
        _CACHE[key] = contract
        while len(_CACHE) > _CACHE_SIZE:
            _CACHE.popitem(last=False)
    return contract


def _safe_start_method() -> None:
    """Make ``multiprocessing`` start workers by ``forkserver`` unless the program chose.

    A process that runs an environment holds JAX's multithreaded runtime, so a child started
    by ``fork`` (Python's default on Linux before 3.14, and what ``AsyncVectorEnv`` uses by
    default) deadlocks on its first JAX call. ``forkserver`` (the default from Python 3.14)
    starts children from a clean server process.
    """
    if multiprocessing.get_start_method(allow_none=True) is None and (
        "forkserver" in multiprocessing.get_all_start_methods()
    ):
        try:
            multiprocessing.set_start_method("forkserver")
        except RuntimeError:  # pragma: no cover - raced with another setter
            pass


def key_from_seed(seed: int) -> jax.Array:
    """The episode key of ``reset(seed=seed)``: ``jax.random.key(seed)`` (seeds ≥ 2³² fold in
    their high bits)."""
    seed = int(seed)
    k = jax.random.key(seed & 0xFFFFFFFF)
    hi = seed >> 32
    while hi:
        k = jax.random.fold_in(k, hi & 0xFFFFFFFF)
        hi >>= 32
    return k


@jax.jit
def _keys_lo(lo):
    return jax.vmap(jax.random.key)(lo)


def keys_from_seeds(seeds: list[int]) -> jax.Array:
    """Episode keys of a batch: ``keys[i] == key_from_seed(seeds[i])``."""
    if all(0 <= s < 2**32 for s in seeds):
        return _keys_lo(np.asarray(seeds, np.uint32))
    return jnp.stack([key_from_seed(s) for s in seeds])


def _describe(action: Any) -> str:
    if isinstance(action, np.ndarray):
        return f"an array of dtype {action.dtype} and shape {action.shape}"
    return f"{type(action).__name__} {action!r}"[:200]


class EnvContract:
    """Validation, packing, info layout, seeding and compiled programs of one core.

    Args:
        core: a :class:`~chaosgym.envs.functional.FunctionalEnv` or a stack of pure wrappers.
        env_id: the registered id (for messages).
        config: the keyword configuration the core was built with.
    """

    def __init__(self, core: Any, env_id: str = "", config: dict[str, Any] | None = None):
        _safe_start_method()
        self.core = core
        self.env_id = env_id or getattr(core, "env_id", "") or type(core).__name__
        self.config = dict(config or {})
        self.default_params = jax.tree_util.tree_map(jnp.asarray, core.default_params)
        self.observation_space = core.observation_space
        self.action_space = core.action_space
        self.obs_dim = int(np.prod(self.observation_space.shape))
        self.act_shape = tuple(self.action_space.shape)
        base = core
        while hasattr(base, "env") and not hasattr(base, "ic_bank"):
            base = base.env
        self.fenv = base
        self.state_dim = int(base.state_dim)
        self.bound = float(base.spec.bound)
        dtype = jnp.dtype(base.dtype)
        self.pack_dtype = jnp.float64 if dtype == jnp.float64 else jnp.float32
        # info names and kinds from the traced step (no compilation)
        k0 = jax.random.key(0)
        _, st0 = jax.eval_shape(core.reset, k0, self.default_params)
        a0 = jax.ShapeDtypeStruct(self.act_shape, jnp.float32)
        info0 = jax.eval_shape(core.step, k0, st0, a0, self.default_params)[5]
        metrics = [n for n in info0 if n not in ("diverged", "invalid_action")
                   and info0[n].shape == ()]
        self.info_names: tuple[str, ...] = ("diverged", "invalid_action", *metrics)
        self.info_bool: tuple[bool, ...] = tuple(
            info0[n].dtype == jnp.bool_ for n in self.info_names
        )
        # initial states can be given (``reset(options={"x0": ...})``) when the core itself
        # is a FunctionalEnv (a wrapper's observation would not match its reset_to)
        self.supports_x0 = callable(getattr(type(core), "reset_to", None))
        self._programs: dict[str, Any] = {}

    # ------------------------------------------------------------------ validation
    def check_action(self, action: Any, batch: int | None = None) -> np.ndarray:
        """``action`` as a float32 array of the action shape (``(batch, *shape)``).

        Raises ``TypeError`` for anything that is not a real number array (strings, bools,
        complex numbers, ``None``, objects) and ``ValueError`` for a wrong shape or a
        non-finite value. Finite values beyond float32's range are clipped to the action box
        (as every out-of-range action is).
        """
        shape = self.act_shape if batch is None else (int(batch), *self.act_shape)
        if type(action) is np.ndarray and action.dtype == np.float32 and action.shape == shape:
            if not np.isfinite(action).all():  # fast path
                self.raise_invalid(action)
            return action
        expected = f"a real-valued array of shape {shape} (float32, in [-1, 1])"
        if action is None or isinstance(action, str | bytes | bool | np.bool_ | complex):
            raise TypeError(f"{self.env_id}: action must be {expected}; got {_describe(action)}")
        try:
            a = np.asarray(action)
        except Exception as e:  # ragged lists, objects that refuse conversion
            raise TypeError(
                f"{self.env_id}: action must be {expected}; got {_describe(action)}"
            ) from e
        if a.dtype.kind not in "fiu":
            raise TypeError(f"{self.env_id}: action must be {expected}; got {_describe(a)}")
        if a.shape != shape:
            if a.size == int(np.prod(shape)) and a.ndim <= 1 and len(shape) <= 1:
                a = a.reshape(shape)
            else:
                raise ValueError(
                    f"{self.env_id}: action must have shape {shape}, got shape {a.shape}"
                )
        a = a.astype(np.float64)
        if not np.isfinite(a).all():
            raise ValueError(
                f"{self.env_id}: action contains non-finite values (NaN or inf): {a}"
            )
        high = np.minimum(self.action_space.high, np.finfo(np.float32).max)
        return np.clip(a, -high, high).astype(np.float32)

    def raise_invalid(self, action: Any) -> None:
        raise ValueError(
            f"{self.env_id}: action contains non-finite values (NaN or inf): {action}"
        )

    def check_x0(self, x0: Any, where: str = "options['x0']") -> np.ndarray:
        """A finite state of shape ``(state_dim,)`` within the system's bound."""
        try:
            x = np.asarray(x0, dtype=np.float64)
        except (TypeError, ValueError) as e:
            raise ValueError(
                f"{self.env_id}: {where} must be a real array of shape ({self.state_dim},)"
            ) from e
        if x.shape != (self.state_dim,):
            raise ValueError(
                f"{self.env_id}: {where} must have shape ({self.state_dim},), got {x.shape}"
            )
        if not np.isfinite(x).all():
            raise ValueError(f"{self.env_id}: {where} must be finite, got {x}")
        if np.max(np.abs(x)) > self.bound:
            raise ValueError(
                f"{self.env_id}: {where} leaves the system's bound max|x| <= {self.bound:g} "
                f"(max|x0| = {np.max(np.abs(x)):g}); such a state counts as diverged"
            )
        return x

    def check_seed(self, seed: Any, what: str = "seed") -> int | None:
        """``None`` or a non-negative Python int."""
        if seed is None:
            return None
        if isinstance(seed, bool | np.bool_) or not isinstance(seed, numbers.Integral):
            raise TypeError(f"{self.env_id}: {what} must be a non-negative int or None, "
                            f"got {seed!r}")
        if int(seed) < 0:
            raise ValueError(f"{self.env_id}: {what} must be non-negative, got {seed}")
        return int(seed)

    def check_options(self, options: dict | None, extra: tuple[str, ...] = ()) -> dict:
        """``options`` as a dict; unknown names raise ``ValueError``."""
        allowed = (("x0",) if self.supports_x0 else ()) + tuple(extra)
        options = {} if options is None else options
        if not isinstance(options, dict):
            raise TypeError(f"{self.env_id}: reset options must be a dict, got {options!r}")
        unknown = set(options) - set(allowed)
        if unknown:
            raise ValueError(f"{self.env_id}: unknown reset option(s) {sorted(unknown)}; "
                             f"supported: {sorted(allowed)}")
        return options

    # ------------------------------------------------------------------ packing
    def _pack(self, obs, r, term, trunc, info):
        dt = self.pack_dtype
        tail = [r, term, trunc, *(info[n] for n in self.info_names)]
        return jnp.concatenate([jnp.ravel(obs).astype(dt),
                                jnp.stack([jnp.asarray(c).astype(dt) for c in tail])])

    def unpack(self, out: np.ndarray):
        """``(obs, reward, terminated, truncated, info, invalid)`` of a packed single step."""
        n = self.obs_dim
        obs = out[:n].astype(np.float32, copy=False).reshape(self.observation_space.shape)
        reward, term, trunc, *vals = out[n:].tolist()
        info = {name: (v != 0.0 if is_bool else v)
                for name, is_bool, v in zip(self.info_names, self.info_bool, vals, strict=True)}
        return obs, reward, term != 0.0, trunc != 0.0, info

    def unpack_batch(self, out: np.ndarray):
        """``(obs, final_obs, reward, terminated, truncated, reset, info)`` of a batch."""
        d = self.obs_dim
        obs = out[:, :d].astype(np.float32, copy=False)
        final = out[:, d:2 * d].astype(np.float32, copy=False)
        tail = out[:, 2 * d:]
        reward = tail[:, 0].astype(np.float32, copy=False)
        term, trunc, reset = tail[:, 1] != 0, tail[:, 2] != 0, tail[:, 3] != 0
        info = {}
        for j, (name, is_bool) in enumerate(zip(self.info_names, self.info_bool, strict=True)):
            col = tail[:, 4 + j]
            info[name] = col != 0 if is_bool else col.astype(np.float32, copy=False)
        return obs, final, reward, term, trunc, reset, info

    # ------------------------------------------------------------------ programs
    def program(self, name: str):
        """A compiled program, built once per contract (shared by every adapter instance)."""
        p = self._programs.get(name)
        if p is None:
            p = self._programs[name] = self._build(name)
        return p

    def _build(self, name: str):
        core = self.core
        default = self.default_params
        if name in ("step", "step_default"):
            def step(state, key, action, params):
                # The step key of a FunctionalEnv state is the episode key folded with the step
                # count (XLA drops it when the dynamics and the task are deterministic); other
                # cores (wrapper stacks) carry a key that is split on every step.
                if hasattr(state, "t"):
                    sub = jax.random.fold_in(key, state.t)
                else:
                    key, sub = jax.random.split(key)
                obs, state, r, term, trunc, info = core.step(sub, state, action, params)
                return state, key, self._pack(obs, r, term, trunc, info)

            if name == "step_default":
                return jax.jit(lambda state, key, action: step(state, key, action, default))
            return jax.jit(step)
        if name == "reset":
            def reset(key, x0, use_x0, params):
                obs, state = core.reset(key, params)
                if self.supports_x0:
                    obs2, state2 = core.reset_to(key, x0.astype(self.fenv.dtype), params)
                    obs = jnp.where(use_x0, obs2, obs)
                    state = where_done(use_x0, state2, state)
                return state, obs.astype(jnp.float32)

            return jax.jit(reset)
        if name == "batch_reset":
            def breset(keys, x0, use_x0, params):
                obs, state = batched_reset(core, keys, params)
                if self.supports_x0:
                    obs2, state2 = jax.vmap(core.reset_to, in_axes=(0, 0, None))(
                        keys, x0.astype(self.fenv.dtype), params)
                    obs = where_done(use_x0, obs2, obs)
                    state = where_done(use_x0, state2, state)
                return state, obs.astype(jnp.float32)

            return jax.jit(breset)
        if name == "merge":
            return jax.jit(where_done)
        if name == "stream_keys":
            return jax.jit(jax.vmap(lambda k: jax.random.fold_in(k, 0x5EED)))
        if name.startswith("batch_step:"):
            mode = name.split(":", 1)[1]
            if mode not in MODES:
                raise ValueError(f"autoreset mode must be one of {MODES}, got {mode!r}")
            bstep = batched_step(core, mode)
            dt = self.pack_dtype

            def vstep(keys, count, state, actions, params, pending):
                state, pending, (obs, final, r, term, trunc, reset, info) = bstep(
                    keys, count, state, actions, params, pending)
                cols = [r, term, trunc, reset, *(info[n] for n in self.info_names)]
                tail = jnp.stack([c.astype(dt) for c in cols], axis=1)
                n = obs.shape[0]
                packed = jnp.concatenate(
                    [obs.reshape(n, -1).astype(dt), final.reshape(n, -1).astype(dt), tail],
                    axis=1)
                return state, pending, packed

            return jax.jit(vstep, donate_argnums=(2,))
        raise KeyError(name)

    # ------------------------------------------------------------------ helpers for adapters
    def reset_single(self, seed: int, x0: np.ndarray | None, params):
        """``(state, key, obs)`` of an episode started with ``seed`` (and ``x0``)."""
        key = key_from_seed(seed)
        use = x0 is not None
        x = np.zeros(self.state_dim) if x0 is None else x0
        state, obs = self.program("reset")(key, jnp.asarray(x), use, params)
        if not hasattr(state, "t"):  # a wrapper stack: the step keys come from a carried key
            key = jax.random.fold_in(key, 0x5EED)
        return state, key, np.asarray(obs)

    def reset_batch(self, seeds: list[int], x0: np.ndarray, use_x0: np.ndarray, params):
        """``(state, stream_keys, obs)`` of ``len(seeds)`` episodes."""
        keys = keys_from_seeds(seeds)
        state, obs = self.program("batch_reset")(keys, jnp.asarray(x0), jnp.asarray(use_x0),
                                                  params)
        return state, self.program("stream_keys")(keys), np.asarray(obs)

    def __repr__(self) -> str:
        return f"EnvContract({self.env_id}, config={self.config})"
