"""Published and exact invariants of the ODE and map catalogue (float64)."""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import chaosgym
from chaosgym.analysis import spectrum
from chaosgym.integrators import make_stepper
from chaosgym.systems import Invariant
from chaosgym.testing import InvariantError, check_system

ALL = chaosgym.systems.names()


@pytest.mark.parametrize("name", ALL)
def test_exact_invariants_of_every_spec_hold(name):
    """check_system reads each spec's invariants: every exact one is checked (divergence
    identities pointwise, fixed points with their residual, exact exponents by a run), the
    measured ones are left to the slow suite — none is silently unchecked."""
    checks = check_system(chaosgym.systems.get(name))
    spec = chaosgym.systems.get(name)
    assert len(checks) == len(spec.invariants)
    for inv, c in zip(spec.invariants, checks, strict=True):
        assert c.passed is (True if inv.exact else None), c.summary()


@pytest.mark.slow
@pytest.mark.parametrize("name", ALL)
def test_measured_invariants_of_every_spec_hold(name, x64):
    for c in check_system(chaosgym.systems.get(name), measured=True):
        assert c.passed, c.summary()


def test_a_wrong_invariant_in_a_spec_fails():
    import dataclasses

    lorenz = chaosgym.systems.get("lorenz")
    wrong = dataclasses.replace(lorenz, invariants=(
        Invariant("lyapunov_sum", 5.0, "wrong on purpose", abs_tol=1e-3, exact=True),))
    with pytest.raises(InvariantError, match="lyapunov_sum: FAILED"):
        check_system(wrong)
    # a measured value is checked too when asked (a short run is enough to refute 0.5)
    wrong_max = dataclasses.replace(lorenz, invariants=(
        Invariant("lyapunov_max", 0.5, "wrong on purpose", rel_tol=0.05,
                  settings={"steps": 5000, "n_ic": 2}),))
    assert check_system(wrong_max)[0].passed is None  # measured: skipped by default
    with pytest.raises(InvariantError, match="lyapunov_max: FAILED"):
        check_system(wrong_max, measured=True)
    # a wrong fixed point, and an invariant nobody can check, fail as well
    henon = chaosgym.systems.get("henon")
    bad_fp = dataclasses.replace(henon, invariants=(
        Invariant("fixed_point", (0.6, 0.19), "wrong", abs_tol=1e-6, exact=True),))
    with pytest.raises(InvariantError, match="fixed_point: FAILED"):
        check_system(bad_fp)
    unknown = dataclasses.replace(henon, invariants=(
        Invariant("mystery", 1.0, "nowhere", abs_tol=0.1, exact=True),))
    with pytest.raises(InvariantError, match="no way to check"):
        check_system(unknown)


def test_register_an_out_of_tree_system():
    import dataclasses

    import jax.numpy as jnp

    from chaosgym import systems

    lorenz = systems.get("lorenz")
    spec = dataclasses.replace(
        lorenz, name="lorenz_rho_35", params=lorenz.params.replace(rho=35.0),
        invariants=(Invariant("lyapunov_sum", -(10 + 1 + 8 / 3), "−(σ+1+β)", abs_tol=1e-9,
                              exact=True),))
    try:
        assert systems.register(spec) is spec
        assert "lorenz_rho_35" in systems.names() and systems.get("lorenz_rho_35") is spec
        with pytest.raises(ValueError, match="already registered"):
            systems.register(spec)
        systems.register(spec, replace=True)
        assert check_system("lorenz_rho_35")[0].passed
    finally:
        systems.unregister("lorenz_rho_35")
    assert "lorenz_rho_35" not in systems.names()
    with pytest.raises(ValueError, match="name"):
        systems.register(dataclasses.replace(lorenz, name="Bad Name"))
    with pytest.raises(ValueError, match="initial_state returns shape"):
        systems.register(dataclasses.replace(lorenz, name="lorenz_bad",
                                             initial_state=lambda k, p: jnp.zeros(4)))
    with pytest.raises(TypeError, match="SystemSpec"):
        systems.register("lorenz")
    assert systems._MODULES["lorenz"] == "chaosgym.systems.lorenz"


@pytest.mark.parametrize(
    "name,params,expected",
    [
        ("lorenz", {}, -(10.0 + 1.0 + 8.0 / 3.0)),  # −(σ + 1 + β), Lorenz-type
        ("chen", {}, -10.0),  # c − a − b, Lorenz-type
        ("duffing", {}, -0.1),  # −δ
        ("thomas", {}, -3 * 0.208186),  # −3b
        ("lorenz96", {"N": 8}, -8.0),  # −N
        ("henon", {}, math.log(0.3)),  # ln b
    ],
)
def test_spectrum_sum_identity(name, params, expected, x64):
    spec = chaosgym.systems.get(name)
    p = spec.params.replace(**params) if params else spec.params
    r = spectrum(spec, params=p, steps=4000, n_ic=1, transient=500)
    assert abs(r.sum - expected) < 1e-3 * max(1.0, abs(expected))


def test_double_pendulum_conserves_energy(x64):
    from chaosgym.systems.double_pendulum import energy

    spec = chaosgym.systems.get("double_pendulum")
    p = spec.params
    step = jax.jit(make_stepper(spec, dt=0.05, substeps=25))
    x = jnp.asarray([2.0, 2.5, 0.0, 0.0])
    e0 = float(energy(x, p))
    for _ in range(400):
        x = step(x, jnp.zeros(2), p)
    assert abs(float(energy(x, p)) - e0) < 1e-6 * abs(e0) + 1e-6
    # a torque does work: energy changes under control
    y = step(x, jnp.ones(2) * 3.0, p)
    assert abs(float(energy(y, p)) - e0) > 1e-3


def test_sabra_nonlinearity_conserves_energy_and_cascade_scales(x64):
    from chaosgym.systems.sabra import _nonlinear

    spec = chaosgym.systems.get("sabra")
    p = spec.params
    x = jax.random.normal(jax.random.key(0), (2 * p.N,))
    free = p.replace(f_re=0.0, f_im=0.0)
    dE = float(jnp.dot(x, _nonlinear(x, free)))
    scale = float(jnp.max(jnp.abs(_nonlinear(x, free))) * jnp.max(jnp.abs(x)))
    assert abs(dE) < 1e-13 * scale
    # stationary cascade: |u_n| falls by about 2^(−1/3) per shell in the inertial range
    step = make_stepper(spec, params=p)
    m = spec.actuation().num_inputs(p)

    @jax.jit
    def run(x):
        def body(x, _):
            x2 = step(x, jnp.zeros((m,)), p)
            return x2, jnp.sqrt(x2[: p.N] ** 2 + x2[p.N:] ** 2)

        return jax.lax.scan(body, x, None, length=6000)[1]

    amp = np.asarray(run(spec.initial_state(jax.random.key(1), p)))[2000:].mean(0)
    ratios = amp[4:10] / amp[3:9]
    assert np.all(np.abs(ratios - 2 ** (-1 / 3)) < 0.15), ratios


def test_shear_flow_laminar_state(x64):
    from chaosgym.systems.shear_flow import damping, deviation, nonlinear

    spec = chaosgym.systems.get("shear_flow")
    p = spec.params
    a = jax.random.normal(jax.random.key(2), (9,))
    assert abs(float(jnp.dot(a, nonlinear(a, p)))) < 1e-14  # energy-conserving coupling
    e1 = spec.fixed_points(p)[0]
    np.testing.assert_allclose(np.asarray(spec.vector_field(e1, p)), 0.0, atol=1e-15)
    J = jax.jacfwd(spec.vector_field)(e1, p)
    eig = np.linalg.eigvals(np.asarray(J))
    assert eig.real.max() < 0  # linearly stable
    np.testing.assert_allclose(float(jnp.trace(J)), -float(jnp.sum(damping(p))), rtol=1e-12)
    # a small perturbation decays back to laminar flow (nonlinear stability near e1)
    step = jax.jit(make_stepper(spec, params=p))
    for seed in range(3):
        d = jax.random.normal(jax.random.key(seed), (9,)).at[0].set(0.0)
        x = e1 + 1e-3 * d / jnp.linalg.norm(d)
        for _ in range(1500):
            x = step(x, jnp.zeros(9), p)
        assert float(deviation(x)) < 1e-5


def test_mackey_glass_equilibrium_and_buffer(x64):
    spec = chaosgym.systems.get("mackey_glass")
    p = spec.params
    assert spec.dim(p) == 172 and p.delay_steps == 170
    xs = spec.fixed_points(p)[0]
    np.testing.assert_allclose(np.asarray(spec.vector_field(xs, p)), np.asarray(xs), atol=1e-14)
    # the buffer shifts: the new head is x(t + h), the rest is the old history
    x = jnp.linspace(0.5, 1.2, 172)
    y = spec.vector_field(x, p)
    np.testing.assert_array_equal(np.asarray(y[1:]), np.asarray(x[:-1]))


def test_chua_and_chen_equilibria_are_unstable_foci(x64):
    for name in ("chen", "chua"):
        spec = chaosgym.systems.get(name)
        J = jax.jacfwd(spec.vector_field)(spec.fixed_points(spec.params)[0], spec.params)
        eig = np.linalg.eigvals(np.asarray(J))
        assert np.any(eig.real > 0) and np.any(np.abs(eig.imag) > 0)


def test_bad_parameters_raise_clear_errors():
    from chaosgym.systems.chialvo_ring_star import ChialvoRingStarParams
    from chaosgym.systems.mackey_glass import MackeyGlassParams
    from chaosgym.systems.sabra import SabraParams
    from chaosgym.systems.thomas import ThomasParams

    with pytest.raises(ValueError, match="N=-3"):
        SabraParams(N=-3)
    with pytest.raises(ValueError, match="integer >= 4"):
        SabraParams(N=2)
    with pytest.raises(ValueError, match="integer"):
        SabraParams(N=20.5)
    with pytest.raises(ValueError, match="nu"):
        SabraParams(nu=-1.0)
    with pytest.raises(ValueError, match="longer than the step"):
        MackeyGlassParams(tau=0.05, h=0.1)
    with pytest.raises(ValueError, match="longer than the step"):
        MackeyGlassParams(tau=0.1, h=0.1)
    with pytest.raises(ValueError, match="integer"):
        MackeyGlassParams(tau=17.0, h=0.3)
    with pytest.raises(ValueError, match="positive"):
        MackeyGlassParams(h=0.0)
    with pytest.raises(ValueError, match="too large"):
        ChialvoRingStarParams(N=10, R=5)
    with pytest.raises(ValueError, match="integer >= 4"):
        ChialvoRingStarParams(N=3)
    with pytest.raises(ValueError, match="non-negative"):
        ThomasParams(b=-0.1)
    # through the environment factory, too
    with pytest.raises(ValueError, match="integer >= 4"):
        chaosgym.make_functional("chaosgym/SabraSuppress-v1", N=-1)
    with pytest.raises(ValueError, match="longer than the step"):
        chaosgym.make_functional("chaosgym/MackeyGlassStabilize-v1", tau=0.05)
    # valid non-default values work and change the state size
    assert chaosgym.systems.get("sabra").dim(SabraParams(N=12)) == 24


# ------------------------------------------------------------------ slow: chaos without a reference
@pytest.mark.slow
@pytest.mark.parametrize("name", ["chua", "hindmarsh_rose", "duffing", "thomas", "chialvo",
                                  "double_pendulum"])
def test_chaotic_systems_have_positive_leading_exponent(name, x64):
    spec = chaosgym.systems.get(name)
    x0 = None
    if name == "double_pendulum":  # Hamiltonian: chaos needs a high energy (mixed phase space)
        x0 = jnp.asarray([[2.0, 2.5, 0.0, 0.0], [2.2, -2.0, 0.0, 0.0], [3.0, 1.5, 0.0, 0.0],
                          [1.8, 3.0, 0.0, 0.0]])
    r = spectrum(spec, x0, steps=400_000, n_ic=4, transient=2000)
    assert r.max > 3 * max(float(r.stderr[0]), 1e-4)


@pytest.mark.slow
def test_mackey_glass_is_chaotic_at_tau_17(x64):
    spec = chaosgym.systems.get("mackey_glass")
    r = spectrum(spec, steps=200_000, n_ic=4, n_exp=3)
    assert r.unit == "time"  # per unit time, not per iterate of the buffer map
    assert 0.002 < r.max < 0.02
