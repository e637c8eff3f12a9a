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

from chaosgym.envs.functional import FunctionalEnv
from chaosgym.envs.wrappers.autoreset import MODES, batched_reset, batched_step, where_done

__all__ = ["EnvContract", "ParamsMixin", "contract_for", "key_from_seed", "keys_from_seeds"]

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


class ParamsMixin:
    """The ``params`` property of an adapter: the ``EnvParams`` pytree its steps use.

    Setting it converts every leaf to an array once, not on every jitted call.
    """

    _params: Any

    @property
    def params(self):
        """Environment parameters (an :class:`~chaosgym.envs.functional.EnvParams` pytree)."""
        return self._params

    @params.setter
    def params(self, value) -> None:
        self._params = jax.tree_util.tree_map(jnp.asarray, value)


def _describe(action: Any) -> str:
    if isinstance(action, np.ndarray):
        return f"an array of dtype {action.dtype} and shape {action.shape}"
    return f"{type(action).__name__} {action!r}"[:200]


class _CarryCodec:
    """A state pytree and its raw key data as one flat ``uint32`` vector (and back), bit-exact.

    A single-env step then passes one array in and gets one array out (every argument and
    result of a jitted call costs dispatch time): ``[packed outputs | state | key]``. Leaves
    must be bools or 4- or 8-byte real numbers without weak types (:meth:`for_state` returns
    ``None`` otherwise and the adapters pass the pytree as it is).
    """

    def __init__(self, treedef, specs):
        self.treedef = treedef
        self.specs = specs  # (shape, dtype, size, words) per leaf, the key data last
        self.words = sum(w for *_, w in specs)

    @classmethod
    def for_state(cls, state, key_data) -> _CarryCodec | None:
        leaves, treedef = jax.tree_util.tree_flatten(state)
        specs = []
        for leaf in [*leaves, key_data]:
            dt = np.dtype(leaf.dtype)
            if getattr(leaf, "weak_type", False):
                return None
            size = int(np.prod(leaf.shape))
            if dt == np.bool_:
                words = size
            elif dt.kind in "fiu" and dt.itemsize in (4, 8):
                words = size * dt.itemsize // 4
            else:
                return None
            specs.append((tuple(leaf.shape), dt, size, words))
        return cls(treedef, tuple(specs))

    def encode(self, state, key_data) -> jax.Array:
        parts = []
        for leaf, (_, dt, _, _) in zip([*jax.tree_util.tree_leaves(state), key_data],
                                       self.specs, strict=True):
            leaf = jnp.asarray(leaf, dt)
            if dt == np.bool_:
                parts.append(leaf.astype(jnp.uint32).reshape(-1))
            else:
                parts.append(jax.lax.bitcast_convert_type(leaf, jnp.uint32).reshape(-1))
        return jnp.concatenate(parts)

    def decode(self, words: jax.Array):
        leaves, o = [], 0
        for shape, dt, size, n in self.specs:
            w = words[o:o + n]
            o += n
            if dt == np.bool_:
                leaves.append((w != 0).reshape(shape))
            elif dt.itemsize == 8:
                leaves.append(jax.lax.bitcast_convert_type(w.reshape(size, 2), dt).reshape(shape))
            else:
                leaves.append(jax.lax.bitcast_convert_type(w, dt).reshape(shape))
        return jax.tree_util.tree_unflatten(self.treedef, leaves[:-1]), leaves[-1]


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
        # A FunctionalEnv state carries its step count: the step key is the (fixed) episode
        # key folded with it, so a step does not return a new key. Wrapper stacks split a
        # carried key on every step.
        self.fixed_key = hasattr(st0, "t")
        # batched layout: [obs | final_obs | bool rows | float rows], each row one field of
        # every environment, so every field unpacks as a contiguous view
        kinds = tuple(zip(self.info_names, self.info_bool, strict=True))
        self._bool_rows = ("terminated", "truncated", "reset", *(n for n, b in kinds if b))
        self._float_rows = ("reward", *(n for n, b in kinds if not b))
        # single layout: [obs | reward, terminated, truncated, info...]
        self._info_at = tuple((n, b, 3 + j) for j, (n, b) in enumerate(kinds))
        self._row_count = len(self._bool_rows) + len(self._float_rows)
        self._batch_layout: dict[int, tuple] = {}
        # initial states can be given (``reset(options={"x0": ...})``) when the core itself
        # is a FunctionalEnv (a wrapper's observation would not match its reset_to)
        self.supports_x0 = callable(getattr(type(core), "reset_to", None))
        # the single-env carry: one uint32 vector [packed outputs | state | key data]
        kd0 = jax.eval_shape(jax.random.key_data, k0)
        st1 = jax.eval_shape(core.step, k0, st0, a0, self.default_params)[1]
        same = (jax.tree_util.tree_structure(st1) == jax.tree_util.tree_structure(st0)
                and all(x.shape == y.shape and x.dtype == y.dtype
                        and x.weak_type == y.weak_type for x, y in
                        zip(jax.tree_util.tree_leaves(st1), jax.tree_util.tree_leaves(st0),
                            strict=True)))
        self.carry = _CarryCodec.for_state(st0, kd0) if same else None
        self.pack_words = (self.obs_dim + 3 + len(self.info_names)) * (
            np.dtype(self.pack_dtype).itemsize // 4)
        # the core itself flags a non-finite action of this very step (a wrapper stack may
        # delay or repeat actions, so there the adapters test every action)
        self.flags_invalid = isinstance(core, FunctionalEnv)
        self._programs: dict[str, Any] = {}

    # ------------------------------------------------------------------ validation
    def check_action(self, action: Any, batch: int | None = None,
                     flagged: bool = False) -> np.ndarray:
        """``action`` as a float32 array of the action shape (``(batch, *shape)``).

        Raises ``TypeError`` for anything that is not a real number array (strings, bools,
        complex numbers, ``None``, objects) and ``ValueError`` for a wrong shape or a
        non-finite value. Finite values beyond float32's range are clipped to the action box
        (as every out-of-range action is). ``flagged=True`` (a caller that steps a
        FunctionalEnv and raises on ``info["invalid_action"]`` before keeping the step) skips
        the finiteness test of an action that is already a float32 array of the right shape.
        """
        shape = self.act_shape if batch is None else (int(batch), *self.act_shape)
        if type(action) is np.ndarray and action.dtype == np.float32 and action.shape == shape:
            if not flagged and not np.isfinite(action).all():  # fast path
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
        """``(obs, reward, terminated, truncated, info)`` of a packed single step."""
        n = self.obs_dim
        obs = out[:n]
        if obs.dtype != np.float32:
            obs = obs.astype(np.float32)
        vals = out[n:].tolist()
        info = {name: (vals[j] != 0.0 if is_bool else vals[j])
                for name, is_bool, j in self._info_at}
        return (obs.reshape(self.observation_space.shape), vals[0], vals[1] != 0.0,
                vals[2] != 0.0, info)

    def unpack_carry(self, carry: np.ndarray):
        """:meth:`unpack` of a single-env carry (its packed outputs come first)."""
        return self.unpack(carry[:self.pack_words].view(self.pack_dtype))

    def _pack_batch(self, obs, final, r, term, trunc, reset, info):
        """Every output of a batched step in one flat array (see :meth:`unpack_batch`)."""
        dt = self.pack_dtype
        rows = [c.astype(dt) for c in (term, trunc, reset,
                                        *(info[k] for k in self._bool_rows[3:]), r,
                                        *(info[k] for k in self._float_rows[1:]))]
        return jnp.concatenate([obs.reshape(-1).astype(dt), final.reshape(-1).astype(dt),
                                jnp.stack(rows).reshape(-1)])

    def _layout(self, size: int) -> tuple:
        lay = self._batch_layout.get(size)
        if lay is None:
            n = size // (2 * self.obs_dim + self._row_count)
            o = n * self.obs_dim
            nb = len(self._bool_rows)
            float_info = tuple((name, 1 + j) for j, name in enumerate(self._float_rows[1:]))
            bool_info = tuple((name, 3 + j) for j, name in enumerate(self._bool_rows[3:]))
            # the info entries in the contract's order: (name, is_bool, row)
            rows = dict(float_info) | dict(bool_info)
            order = tuple((name, b, rows[name])
                          for name, b in zip(self.info_names, self.info_bool, strict=True))
            lay = self._batch_layout[size] = (n, o, 2 * o, 2 * o + nb * n, nb, order)
        return lay

    def unpack_batch(self, out: np.ndarray):
        """``(obs, final_obs, reward, terminated, truncated, reset, info)`` of a batch."""
        n, o, b0, f0, nb, order = self._layout(out.size)
        shape = (n, *self.observation_space.shape)
        obs, final = out[:o].reshape(shape), out[o:b0].reshape(shape)
        flags = out[b0:f0].reshape(nb, n) != 0
        floats = out[f0:].reshape(-1, n)
        if floats.dtype != np.float32:
            obs, final, floats = (obs.astype(np.float32), final.astype(np.float32),
                                  floats.astype(np.float32))
        info = {name: flags[j] if is_bool else floats[j] for name, is_bool, j in order}
        return obs, final, floats[0], flags[0], flags[1], flags[2], info

    # ------------------------------------------------------------------ programs
    def program(self, name: str):
        """A compiled program, built once per contract (shared by every adapter instance)."""
        p = self._programs.get(name)
        if p is None:
            p = self._programs[name] = self._build(name)
        return p

    def _single_step(self, state, key_data, action, params):
        """The pure single-env step: ``(state, packed)``, or ``(state, key_data, packed)``
        for a core that splits a carried key."""
        # Keys cross the boundary as raw uint32 data (cheaper to pass than typed keys). The
        # step key of a FunctionalEnv state is the episode key folded with the step count
        # (XLA drops it when the dynamics and the task are deterministic); other cores
        # (wrapper stacks) split a carried key.
        key = jax.random.wrap_key_data(key_data)
        if self.fixed_key:
            sub = jax.random.fold_in(key, state.t)
        else:
            key, sub = jax.random.split(key)
        obs, state, r, term, trunc, info = self.core.step(sub, state, action, params)
        packed = self._pack(obs, r, term, trunc, info)
        if self.fixed_key:
            return state, packed
        return state, jax.random.key_data(key), packed

    def _build(self, name: str):
        core = self.core
        default = self.default_params
        if name in ("step", "step_default"):
            step = self._single_step
            if name == "step_default":
                # the default parameters are constants of the program: fewer arguments to pass
                return jax.jit(lambda state, key_data, action: step(state, key_data, action,
                                                                     default))
            return jax.jit(step)
        if name in ("carry_step", "carry_step_default"):
            codec, pw = self.carry, self.pack_words
            tree_step = self._single_step

            def cstep(carry, action, params):
                state, key_data = codec.decode(carry[pw:])
                res = tree_step(state, key_data, action, params)
                packed = jax.lax.bitcast_convert_type(res[-1], jnp.uint32).reshape(-1)
                return jnp.concatenate([packed, codec.encode(res[0], res[1] if len(res) == 3
                                                             else key_data)])

            if name == "carry_step_default":
                return jax.jit(lambda carry, action: cstep(carry, action, default))
            return jax.jit(cstep)
        if name == "carry_encode":
            codec, pw = self.carry, self.pack_words
            return jax.jit(lambda state, key_data: jnp.concatenate(
                [jnp.zeros((pw,), jnp.uint32), codec.encode(state, key_data)]))
        if name == "carry_decode":
            return jax.jit(lambda carry: self.carry.decode(carry[self.pack_words:]))
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
            return jax.jit(lambda keys: jax.random.key_data(
                jax.vmap(lambda k: jax.random.fold_in(k, 0x5EED))(keys)))
        if name.startswith(("batch_step:", "batch_step_default:")):
            kind, mode = name.split(":", 1)
            if mode not in MODES:
                raise ValueError(f"autoreset mode must be one of {MODES}, got {mode!r}")
            bstep = batched_step(core, mode)
            pack = self._pack_batch
            if mode == "next_step":
                def vstep(key_data, count, state, actions, params, pending):
                    state, pending, out = bstep(jax.random.wrap_key_data(key_data), count,
                                                state, actions, params, pending)
                    return state, pending, pack(*out)
            else:  # no environment is ever pending: the program neither takes nor returns it
                def vstep(key_data, count, state, actions, params):
                    state, _, out = bstep(jax.random.wrap_key_data(key_data), count, state,
                                          actions, params, None)
                    return state, pack(*out)

            if kind == "batch_step_default":
                # the default parameters are constants of the program: fewer arguments to pass
                def vstep_default(key_data, count, state, actions, *pending):
                    return vstep(key_data, count, state, actions, default, *pending)

                return jax.jit(vstep_default, donate_argnums=(2,))
            return jax.jit(vstep, donate_argnums=(2,))
        raise KeyError(name)

    # ------------------------------------------------------------------ helpers for adapters
    def reset_single(self, seed: int, x0: np.ndarray | None, params):
        """``(state, key_data, obs)`` of an episode started with ``seed`` (and ``x0``); the key
        travels as its raw ``uint32`` data (``jax.random.key_data``)."""
        key = key_from_seed(seed)
        use = x0 is not None
        x = np.zeros(self.state_dim) if x0 is None else x0
        state, obs = self.program("reset")(key, jnp.asarray(x), use, params)
        if not self.fixed_key:  # a wrapper stack: the step keys come from a carried key
            key = jax.random.fold_in(key, 0x5EED)
        return state, jax.random.key_data(key), np.asarray(obs)

    def reset_batch(self, seeds: list[int], x0: np.ndarray, use_x0: np.ndarray, params):
        """``(state, stream_key_data, obs)`` of ``len(seeds)`` episodes (keys as raw data)."""
        keys = keys_from_seeds(seeds)
        state, obs = self.program("batch_reset")(keys, jnp.asarray(x0), jnp.asarray(use_x0),
                                                  params)
        return state, self.program("stream_keys")(keys), np.asarray(obs)

    def __repr__(self) -> str:
        return f"EnvContract({self.env_id}, config={self.config})"
