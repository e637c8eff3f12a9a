"""OGY captures the Hénon (and logistic) fixed point with bounded parameter kicks."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import chaosgym
from chaosgym.control import OGY


@pytest.mark.parametrize("name,bound", [("henon", 0.1), ("henon", 0.03), ("logistic", 0.05)])
def test_ogy_captures_fixed_point_with_bounded_kicks(name, bound, x64):
    spec = chaosgym.systems.get(name)
    ctrl = OGY(spec, bound=bound)
    keys = jax.random.split(jax.random.key(0), 64)
    x0 = jax.vmap(lambda k: spec.initial_state(k, spec.params))(keys).astype(jnp.float64)
    out = jax.jit(jax.vmap(lambda x: ctrl.run(x, 3000)))(x0)
    d = np.linalg.norm(np.asarray(out["x"]) - ctrl.x_eq, axis=-1)
    u = np.abs(np.asarray(out["u"]))
    assert u.max() <= bound + 1e-12  # kicks never exceed the bound
    captured = d[:, -1] < 1e-9
    assert captured.mean() >= 0.95
    # once captured, the kicks vanish
    assert np.all(u[captured, -1] < 1e-8)


def test_ogy_geometry_henon(x64):
    spec = chaosgym.systems.get("henon")
    ctrl = OGY(spec)
    np.testing.assert_allclose(ctrl.x_eq, [0.631354, 0.189406], atol=1e-6)
    # a state on the stable eigendirection needs no kick
    evals, evecs = np.linalg.eig(ctrl.A)
    es = np.real(evecs[:, np.argmin(np.abs(evals))])
    assert abs(float(ctrl.kick(jnp.asarray(ctrl.x_eq + 1e-3 * es)))) < 1e-12
    # the linearised closed loop A + w·gain has no unstable eigenvalue
    closed = ctrl.A + np.outer(ctrl.w, ctrl.gain)
    assert np.max(np.abs(np.linalg.eigvals(closed))) < 1.0


def test_ogy_in_environment():
    fenv = chaosgym.make_functional("chaosgym/HenonStabilize-v1", bank_size=16)
    ctrl = OGY.for_env(fenv)
    keys = jax.random.split(jax.random.key(3), 16)
    traj = jax.jit(jax.vmap(lambda k: fenv.rollout(k, ctrl.action, steps=800)))(keys)
    assert np.abs(np.asarray(traj["action"])).max() <= 1.0
    assert np.asarray(traj["captured"])[:, -1].mean() >= 0.8


def test_ogy_errors():
    with pytest.raises(ValueError, match="map"):
        OGY(chaosgym.systems.get("lorenz"))
