"""Every registered id starts its episodes from varied states.

20 resets (vmapped over keys, one functional env per id) must give at least 18 states that
differ pairwise by more than 1 % of their norm. Reset draws a bank state uniformly at random
plus a 1e-3 relative perturbation, so repeats come from two draws hitting the same bank state
(about 190 / bank_size pairs expected): the banks are sized so that this stays rare.

Three exceptions:

* KuramotoSivashinskyControlgym-v1 reproduces controlgym's one-parameter family of starting
  states (checked for that in tests/test_pde.py);
* state spaces of dimension ≤ 2 (the logistic, Hénon and Chialvo maps, whose attractors are
  curve-like): 20 independent draws from a one-dimensional invariant density fall within 1 %
  of each other about four times on average however they are drawn, so the tolerance there
  is 0.1 %;
* the 2-D PDEs (λ–ω, Kolmogorov) run here on coarser grids (N=64, N=32) with their registered
  bank settings; the registered grids are checked under ``-m slow``.

The states are those ``reset`` starts from (``initial_state`` with the key ``reset`` passes
it), computed by an eager ``vmap`` to avoid compiling each environment's reset.
"""

from __future__ import annotations

import jax
import numpy as np
import pytest

import chaosgym
from chaosgym.registration import env_def

RESETS = 20
MIN_DISTINCT = 18
COARSE = {"lambda_omega": {"N": 64}, "kolmogorov": {"N": 32}}
# Starting-state families that are not attractor samples by design: controlgym's KS task
# starts from A cos(2πx/L) sin(12πx/L), A uniform in [0.9, 1.1] (tests/test_pde.py).
OWN_FAMILY = {"chaosgym/KuramotoSivashinskyControlgym-v1"}


def distinct(x: np.ndarray, rtol: float) -> int:
    """Greedy count of states more than ``rtol`` (relative to the larger norm) from every
    state counted before them."""
    x = x.reshape(len(x), -1).astype(np.float64)
    norms = np.linalg.norm(x, axis=1)
    reps: list[int] = []
    for i in range(len(x)):
        if all(np.linalg.norm(x[i] - x[j]) > rtol * max(norms[i], norms[j]) for j in reps):
            reps.append(i)
    return len(reps)


_STATES: dict[tuple, np.ndarray] = {}


def _bank_key(env_id: str, kwargs: dict) -> tuple:
    """What an id's starting states depend on: the system, its parameters and the bank
    settings (the warm-up uses the system's own step, whatever the task or control interval;
    tasks with their own starting states are never grouped)."""
    d = env_def(env_id)
    if callable(getattr(d.task(**d.task_kwargs), "initial_state", None)):
        return (env_id,)
    bank = {k: d.env_kwargs.get(k) for k in ("bank_size", "seed", "ic_noise", "dtype")}
    return (d.system, repr(sorted(d.system_kwargs.items())), repr(sorted(bank.items())),
            repr(sorted(kwargs.items())))


def reset_states(env_id: str, **kwargs) -> np.ndarray:
    """Starting states of 20 resets; ids whose states depend on the same things share one
    computation (five Lorenz ids, three Rössler ids, ...)."""
    key = _bank_key(env_id, kwargs)
    if key not in _STATES:
        _STATES[key] = _reset_states(env_id, **kwargs)
    return _STATES[key]


def _reset_states(env_id: str, **kwargs) -> np.ndarray:
    fenv = chaosgym.make_functional(env_id, **kwargs)
    keys = jax.random.split(jax.random.key(2026), RESETS)
    first = jax.vmap(lambda k: jax.random.split(k)[0])(keys)  # the key reset gives initial_state
    x = jax.vmap(fenv.initial_state, in_axes=(0, None))(first, fenv.default_params)
    return np.asarray(x)


def test_reset_starts_from_initial_state():
    fenv = chaosgym.make_functional("chaosgym/LorenzStabilize-v1")
    key = jax.random.key(3)
    _, state = fenv.reset(key)
    x0 = fenv.initial_state(jax.random.split(key)[0], fenv.default_params)
    np.testing.assert_array_equal(np.asarray(state.x), np.asarray(x0))


def test_distinct_counts_duplicates_and_near_duplicates():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(5, 7))
    assert distinct(x, 0.01) == 5
    dup = np.concatenate([x, x[:2] * (1 + 1e-4), x[:1]])
    assert distinct(dup, 0.01) == 5


@pytest.mark.parametrize("env_id", [i for i in chaosgym.list_envs() if i not in OWN_FAMILY])
def test_twenty_resets_give_varied_states(env_id):
    system = env_def(env_id).system
    x = reset_states(env_id, **COARSE.get(system, {}))
    assert np.all(np.isfinite(x))
    rtol = 0.01 if x.shape[1] > 2 else 0.001
    n = distinct(x, rtol)
    assert n >= MIN_DISTINCT, f"{env_id}: only {n} of {RESETS} resets differ by > {rtol:.0%}"


@pytest.mark.slow
@pytest.mark.parametrize("env_id", [i for i in chaosgym.list_envs()
                                    if env_def(i).system in COARSE])
def test_twenty_resets_varied_on_registered_2d_grids(env_id):
    n = distinct(reset_states(env_id), 0.01)
    assert n >= MIN_DISTINCT, f"{env_id}: only {n} of {RESETS} resets differ by > 1%"
