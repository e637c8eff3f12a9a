"""Package-level contract: light import, public names, float64 analysis mode."""

from __future__ import annotations

import subprocess
import sys

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import chaosgym


def test_import_is_light_and_registers_ids():
    code = (
        "import sys, gymnasium as gym, chaosgym\n"
        "heavy = [m for m in ('torch', 'pygame', 'stable_baselines3', 'cvxpy', 'matplotlib', "
        "'flint', 'equinox', 'ray') if m in sys.modules]\n"
        "assert not heavy, heavy\n"
        "assert all(i in gym.registry for i in chaosgym.list_envs())\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_public_contract_names():
    for name in ("list_envs", "make_functional", "systems", "lyapunov", "control"):
        assert hasattr(chaosgym, name)
    assert callable(chaosgym.lyapunov.spectrum)
    assert chaosgym.systems.get("lorenz").name == "lorenz"
    with pytest.raises(KeyError, match="Did you mean"):
        chaosgym.systems.get("lorenzz")


def test_every_system_spec_is_documented():
    for spec in chaosgym.systems.all_specs():
        assert spec.description, spec.name
        assert spec.references, spec.name
        assert "References" in spec.doc and "Version History" in spec.doc, spec.name


def test_float64_environment_for_analysis(x64):
    fenv = chaosgym.make_functional("chaosgym/LorenzStabilize-v1", dtype=jnp.float64)
    obs, state = fenv.reset(jax.random.key(0))
    assert state.x.dtype == jnp.float64
    obs, state, r, *_ = fenv.step(jax.random.key(1), state, jnp.zeros(1))
    assert obs.dtype == jnp.float64 and np.isfinite(float(r))


def test_float64_needs_x64():
    if jax.config.jax_enable_x64:
        pytest.skip("64-bit mode is on globally")
    with pytest.raises(ValueError, match="jax_enable_x64"):
        chaosgym.make_functional("chaosgym/LorenzStabilize-v1", dtype=jnp.float64)
