"""The bad-input table: every input is validated once, in the contract, with a clear error.

Actions go through every adapter (``gym.make``, ``gym.make_vec``, the SB3 VecEnv); bad
construction values raise before anything is compiled.
"""

from __future__ import annotations

import gymnasium as gym
import jax
import jax.numpy as jnp
import numpy as np
import pytest

import chaosgym

ID = "chaosgym/LorenzStabilize-v1"
N = 2

BAD_ACTIONS = [
    ("str", "a", TypeError, "real-valued"),
    ("bytes", b"\x00\x00\x80?", TypeError, "real-valued"),
    ("bool", True, TypeError, "real-valued"),
    ("bool array", np.array([True]), TypeError, "dtype bool"),
    ("complex", 1 + 2j, TypeError, "real-valued"),
    ("complex array", np.array([1j]), TypeError, "complex"),
    ("None", None, TypeError, "None"),
    ("object", object(), TypeError, "real-valued"),
    ("object list", [object()], TypeError, "real-valued"),
    ("dict", {"a": 1.0}, TypeError, "real-valued"),
    ("nan", np.nan, ValueError, "non-finite"),
    ("inf", np.inf, ValueError, "non-finite"),
    ("float32 nan", np.array([np.nan], np.float32), ValueError, "non-finite"),
    ("wrong shape", np.zeros((2, 2), np.float32), ValueError, "shape"),
]


@pytest.fixture(scope="module")
def adapters():
    e = gym.make(ID)
    e.reset(seed=0)
    v = gym.make_vec(ID, N)
    v.reset(seed=0)
    out = {"gym.make": (e, None), "make_vec": (v, N)}
    try:
        from chaosgym.envs.adapters.sb3 import ChaosSB3VecEnv

        s = ChaosSB3VecEnv(ID, N, seed=0)
        s.reset()
        out["sb3"] = (s, N)
    except ImportError:
        pass
    return out


def _batched(action, n):
    if n is None:
        return action
    if type(action) is float:
        return np.full((n, 1), action)
    if isinstance(action, np.ndarray) and action.dtype != object:
        return np.broadcast_to(action, (n, *action.shape[-1:])) if action.ndim <= 1 else \
            np.zeros((n + 1, 3), np.float32)
    return action


@pytest.mark.parametrize("adapter", ["gym.make", "make_vec", "sb3"])
@pytest.mark.parametrize(("name", "action", "exc", "match"), BAD_ACTIONS,
                         ids=[b[0] for b in BAD_ACTIONS])
def test_bad_actions(adapters, adapter, name, action, exc, match):
    if adapter not in adapters:
        pytest.skip("stable-baselines3 not installed")
    env, n = adapters[adapter]
    a = _batched(action, n)
    with pytest.raises(exc, match=match) as info:
        env.step(a)
    msg = str(info.value)
    assert ID in msg
    if exc is TypeError:
        assert "shape" in msg and "float32" in msg
    if name == "None":
        assert "[nan]" not in msg


def test_finite_huge_action_is_clipped_not_rejected(adapters):
    e = gym.make(ID)
    e.reset(seed=1)
    big = e.step(np.array([1e39]))[0]
    e.reset(seed=1)
    one = e.step(np.array([1.0], np.float32))[0]
    np.testing.assert_array_equal(big, one)
    v, n = adapters["make_vec"]
    v.step(np.full((n, 1), 1e39))


BAD_CONFIG = [
    ({"substeps": 2.5}, ValueError, "substeps"),
    ({"substeps": "3"}, TypeError, "substeps"),
    ({"substeps": 0}, ValueError, "substeps"),
    ({"max_steps": 1.5}, ValueError, "max_steps"),
    ({"max_steps": 0}, ValueError, "max_steps"),
    ({"max_steps": True}, TypeError, "max_steps"),
    ({"max_steps": 2**70}, ValueError, "max_steps"),
    ({"control_cost": -1.0}, ValueError, "control_cost"),
    ({"capture_radius": -0.1}, ValueError, "capture_radius"),
    ({"control_cost": "x"}, TypeError, "control_cost"),
    ({"bank_size": -1}, ValueError, "bank_size"),
    ({"bank_size": 0}, ValueError, "bank_size"),
    ({"bank_size": 2.0}, ValueError, "bank_size"),
    ({"ic_noise": float("nan")}, ValueError, "ic_noise"),
    ({"ic_noise": float("inf")}, ValueError, "ic_noise"),
    ({"ic_noise": -1e-3}, ValueError, "ic_noise"),
    ({"dtype": "float16"}, ValueError, "dtype"),
    ({"dtype": jnp.bfloat16}, ValueError, "dtype"),
    ({"dtype": np.int32}, ValueError, "dtype"),
    ({"dtype": "banana"}, ValueError, "dtype"),
    ({"dt": 0.0}, ValueError, "dt"),
    ({"dt": -0.01}, ValueError, "dt"),
    ({"dt": float("nan")}, ValueError, "dt"),
    ({"dt": "0.01"}, TypeError, "dt"),
    ({"seed": -1}, ValueError, "seed"),
    ({"seed": 2**70}, ValueError, "seed"),
    ({"seed": 1.5}, ValueError, "seed"),
    ({"rho": "a"}, TypeError, "rho"),
    ({"rho": None}, TypeError, "rho"),
    ({"rho": float("nan")}, ValueError, "rho"),
    ({"rho": [1.0, 2.0]}, ValueError, "rho"),
    ({"rho": 1j}, TypeError, "rho"),
    ({"actuation": 3}, TypeError, "actuation"),
    ({"actuation": "z"}, ValueError, "actuation"),
    ({"rhoo": 3.0}, TypeError, "rhoo"),
]


@pytest.mark.parametrize(("kwargs", "exc", "match"), BAD_CONFIG,
                         ids=[repr(b[0]) for b in BAD_CONFIG])
def test_bad_construction_values(kwargs, exc, match):
    with pytest.raises(exc, match=match):
        gym.make(ID, **kwargs)
    with pytest.raises(exc, match=match):
        chaosgym.make_functional(ID, **kwargs)


@pytest.mark.parametrize(("kwargs", "exc"), [({"N": 2.5}, ValueError), ({"N": 2**40}, ValueError),
                                             ({"N": "8"}, TypeError)])
def test_bad_static_system_values(kwargs, exc):
    with pytest.raises(exc, match="N"):
        chaosgym.make_functional("chaosgym/Lorenz96Stabilize-v1", **kwargs)


@pytest.mark.parametrize(("n", "exc"), [(2.5, ValueError), (0, ValueError), ("4", TypeError),
                                        (True, TypeError)])
def test_bad_num_envs(n, exc):
    with pytest.raises(exc, match="num_envs"):
        gym.make_vec(ID, n)


def test_bad_initial_states_and_seeds():
    fenv = chaosgym.make_functional(ID)
    key = jax.random.key(0)
    with pytest.raises(ValueError, match="shape"):
        fenv.reset_to(key, jnp.zeros(4))
    with pytest.raises(ValueError, match="finite"):
        fenv.reset_to(key, jnp.array([0.0, jnp.nan, 1.0]))
    e = gym.make(ID)
    with pytest.raises(ValueError, match="bound"):
        e.reset(options={"x0": [1e9, 0.0, 0.0]})
    with pytest.raises(ValueError, match="shape"):
        e.reset(options={"x0": [1.0, 2.0]})
    with pytest.raises(ValueError, match="unknown reset option"):
        e.reset(options={"x1": 0})
    with pytest.raises(ValueError, match="seed"):
        e.reset(seed=-1)
    with pytest.raises(TypeError, match="seed"):
        e.reset(seed="1")
    v = gym.make_vec(ID, 2)
    with pytest.raises(ValueError, match="bound"):
        v.reset(options={"x0": [[0.0, 0.0, 0.0], [0.0, 0.0, 1e9]]})
    with pytest.raises(ValueError, match="2 seeds"):
        v.reset(seed=[1, 2, 3])
