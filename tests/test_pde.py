"""Pseudo-spectral PDE machinery and systems: numerics, invariants, environments.

Float64 checks use the ``x64`` fixture. Long invariant runs (KS Lyapunov exponent and
moments, CGLE grid refinement, λ–ω spiral/breakup, Kolmogorov chaos) are marked ``slow``.
"""

from __future__ import annotations

import gymnasium as gym
import jax
import jax.numpy as jnp
import numpy as np
import pytest

import chaosgym
from chaosgym import systems
from chaosgym.integrators import make_stepper
from chaosgym.integrators.etdrk4 import etdrk4_coefficients, make_etdrk4
from chaosgym.systems.pde import Grid, box_actuators, gaussian_jets, sensor_matrix
from chaosgym.systems.pde import ginzburg_landau as cgle
from chaosgym.systems.pde import kuramoto_sivashinsky as ks
from chaosgym.systems.pde import nonlinear_schrodinger as nls
from chaosgym.systems.pde.analysis import largest_lyapunov, time_average

PDE_NAMES = sorted(n for n in systems.names() if systems.get(n).kind == "pde")
PDE_IDS = [i for i in chaosgym.list_envs()
           if chaosgym.registration.env_def(i).system in PDE_NAMES]


# ---------------------------------------------------------------------- grids, actuators, sensors
def test_registry_has_every_pde_system():
    assert set(PDE_NAMES) >= {"kuramoto_sivashinsky", "ginzburg_landau", "nonlinear_schrodinger",
                              "burgers", "lambda_omega", "kolmogorov"}
    assert {chaosgym.registration.env_def(i).system for i in PDE_IDS} == set(PDE_NAMES)


@pytest.mark.parametrize("ndim,cplx", [(1, False), (1, True), (2, False), (2, True)])
def test_grid_spectral_derivative_and_dealias(x64, ndim, cplx):
    g = Grid(2 * np.pi * 3, 32, ndim, cplx)
    X = g.mesh[-1]
    f = np.sin(2 * X / 3) + 0.5 * np.cos(5 * X / 3)
    df = 2 / 3 * np.cos(2 * X / 3) - 2.5 / 3 * np.sin(5 * X / 3)
    fx = f if not cplx else f * (1 + 0.5j)
    dfx = df if not cplx else df * (1 + 0.5j)
    x = g.flatten(jnp.asarray(fx))
    assert x.shape == (g.size,)
    np.testing.assert_allclose(g.to_physical(g.to_spectral(x)), x, atol=1e-13)
    d = g.ifft(g.derivative(g.to_spectral(x), axis=-1))
    np.testing.assert_allclose(np.asarray(d), dfx, atol=1e-12)
    # 2/3 rule: modes with |n| <= N/3 kept on every axis, the rest removed
    kept = np.all([np.abs(n) <= 32 // 3 for n in np.broadcast_arrays(*g.mode_numbers)], axis=0)
    assert np.array_equal(g.dealias, kept)


def _exact_cubic(v: np.ndarray, N: int, real: bool) -> np.ndarray:
    """Spectrum of the exact cubic (u³ or |A|²A) of the band-limited field with FFT ``v`` on
    an N-point grid, computed on a grid 4x finer (no aliasing) and cut back to N modes."""
    M = 4 * N
    n = np.fft.fftfreq(N, 1.0 / N).astype(int)
    if real:
        w = np.zeros(M // 2 + 1, complex)
        w[: N // 2 + 1] = v
        u = np.fft.irfft(w * (M / N), n=M)
        c = np.fft.rfft(u**3) * (N / M)
        return c[: N // 2 + 1]
    w = np.zeros(M, complex)
    w[n] = v
    A = np.fft.ifft(w * (M / N))
    c = np.fft.fft(np.abs(A) ** 2 * A) * (N / M)
    return c[n]


@pytest.mark.parametrize("real", [True, False])
def test_half_rule_makes_cubic_terms_alias_free_and_two_thirds_does_not(x64, real):
    from chaosgym.systems.pde.semilinear import cubic_term, real_cubic_term

    N, rng = 32, np.random.default_rng(1)
    out = {}
    for frac in (0.5, 2.0 / 3.0):
        g = Grid(7.0, N, 1, not real, frac)
        assert g.max_mode == (7 if frac == 0.5 else 10)
        noise = rng.normal(size=g.spectral_shape) + 1j * rng.normal(size=g.spectral_shape)
        v = np.where(g.dealias, noise, 0.0)
        if real:
            v[0] = v[0].real
            v = np.fft.rfft(np.fft.irfft(v, n=N))  # a real field's spectrum
        term = (real_cubic_term if real else cubic_term)(g, lambda p: 1.0)
        got = np.asarray(term(jnp.asarray(v), None))
        exact = np.where(g.dealias, _exact_cubic(v, N, real), 0.0)
        out[frac] = np.max(np.abs(got - exact)) / np.max(np.abs(exact))
    assert out[0.5] < 1e-12  # alias-free on the retained modes
    assert out[2.0 / 3.0] > 1e-3  # modes above N/4 alias back onto retained ones


def test_cubic_terms_reject_the_wrong_field_and_bad_fractions():
    from chaosgym.systems.pde.semilinear import cubic_term, real_cubic_term

    with pytest.raises(ValueError, match="real_cubic_term"):
        cubic_term(Grid(1.0, 16), lambda p: 1.0)
    with pytest.raises(ValueError, match="cubic_term"):
        real_cubic_term(Grid(1.0, 16, 1, True), lambda p: 1.0)
    for bad in (0.0, 1.5, float("nan")):
        with pytest.raises(ValueError, match="dealias_fraction"):
            Grid(1.0, 16, dealias_fraction=bad)
    with pytest.raises(ValueError, match="keeps no mode"):
        Grid(1.0, 4, dealias_fraction=0.3)


def test_models_and_coefficients_keyed_by_every_parameter():
    """Cached models (and the ETDRK4 coefficients built from them) differ whenever a
    parameter they depend on differs, and are shared when every one is equal."""
    base = cgle.CGLEParams(N=64, L=50.0)
    spec = systems.get("ginzburg_landau")
    variants = {"alpha": base.replace(alpha=2.5), "L": base.replace(L=51.0),
                "dealias": base.replace(dealias=2.0 / 3.0), "N": base.replace(N=32)}
    assert cgle._model(base) is cgle._model(base.replace())
    c0 = make_stepper(spec, dt=0.5, substeps=10, params=base).coefficients
    for name, p in variants.items():
        m0, m1 = cgle._model(base), cgle._model(p)
        assert m1 is not m0, name
        c1 = make_stepper(spec, dt=0.5, substeps=10, params=p).coefficients
        same_shape = c1.E.shape == c0.E.shape
        if name == "dealias":
            assert np.array_equal(m1.symbol, m0.symbol)
            assert not np.array_equal(m1.grid.dealias, m0.grid.dealias)
        else:
            assert not (same_shape and np.allclose(c1.f1, c0.f1)), name
    # the step and the substep count are part of the coefficients too
    c_dt = make_stepper(spec, dt=0.5, substeps=5, params=base).coefficients
    assert c_dt.h == 0.1 and not np.allclose(c_dt.E, c0.E)
    # KS: two lengths give different symbols, dynamics and equilibria
    assert not np.array_equal(ks.model(22.0, 64).symbol, ks.model(22.5, 64).symbol)


def test_gaussian_jets_unit_integral_and_centres():
    g = Grid(22.0, 64)
    B = np.asarray(gaussian_jets(g, 4, 0.4))
    np.testing.assert_allclose(B.sum(axis=0) * g.dx, 1.0, rtol=1e-6)
    centres = 22.0 / 8 + np.arange(4) * 22.0 / 4
    fine = Grid(22.0, 2048)
    Bf = np.asarray(gaussian_jets(fine, 4, 0.4))
    np.testing.assert_allclose(fine.x[np.argmax(Bf, axis=0)], centres, atol=fine.dx)
    np.testing.assert_allclose(Bf.max(axis=0), 1 / (np.sqrt(2 * np.pi) * 0.4), rtol=1e-4)
    box = np.asarray(box_actuators(Grid(1.0, 256), 8, 0.1))
    assert box.shape == (256, 8) and set(np.unique(box)) == {0.0, 1.0}
    np.testing.assert_allclose(box.sum(axis=0) / 256, 0.1, atol=2 / 256)


def test_sensor_matrix_interpolates_band_limited_fields():
    g = Grid(7.0, 24)
    pos = np.array([0.0, 0.31, 2.2, 6.99])

    def f(x):
        return 1.0 + np.sin(2 * np.pi * 3 * x / 7.0) - 0.3 * np.cos(2 * np.pi * 12 * x / 7.0)

    np.testing.assert_allclose(sensor_matrix(g, pos) @ f(g.x), f(pos), atol=1e-12)


# ---------------------------------------------------------------------- ETDRK4
def test_contour_coefficients_match_closed_forms_and_reject_folded_complex(x64):
    lam = np.array([-50.0, -3.0, 2.0, -8.0 + 5.0j, 0.5 - 2.0j])
    h = 0.3
    co = etdrk4_coefficients(lam, h, M=64, real=False)
    z = h * lam
    np.testing.assert_allclose(co.Q, h * (np.exp(z / 2) - 1) / z, rtol=1e-12)
    f1 = h * (-4 - z + np.exp(z) * (4 - 3 * z + z * z)) / z**3
    np.testing.assert_allclose(co.f1, f1, rtol=1e-10)
    # near zero the closed forms cancel catastrophically; the contour gives the limits
    small = etdrk4_coefficients(np.array([0.0, 1e-14, -1e-14]), 1.0, real=True)
    np.testing.assert_allclose(small.Q, 0.5, rtol=1e-12)
    np.testing.assert_allclose(small.f1, 1 / 6, rtol=1e-12)
    np.testing.assert_allclose(small.f2, 1 / 6, rtol=1e-12)
    np.testing.assert_allclose(small.f3, 1 / 6, rtol=1e-12)
    with pytest.raises(ValueError, match="full-circle"):
        etdrk4_coefficients(lam, h, real=True)


def _orders(model, v0, T, hs, h_ref, params, to_phys):
    def solve(h):
        n = round(T / h)
        adv = make_etdrk4(model.symbol, h, n, real=model.real_symbol)
        return jax.jit(lambda v: adv(v, lambda w: model.nonlinear(w, params)))(v0)

    ref = to_phys(solve(h_ref))
    err = np.array([float(jnp.max(jnp.abs(to_phys(solve(h)) - ref))) for h in hs])
    return err, np.log2(err[:-1] / err[1:])


def test_etdrk4_fourth_order_on_ks(x64):
    # Kassam & Trefethen's test problem: N=128, L=32π, u0 = cos(x/16)(1 + sin(x/16))
    m = ks.model(32 * np.pi, 128)
    x = m.grid.x
    v0 = jnp.asarray(np.fft.rfft(np.cos(x / 16) * (1 + np.sin(x / 16))))
    err, orders = _orders(m, v0, 3.0, [0.2, 0.1, 0.05], 1 / 256, None, jnp.fft.irfft)
    assert err[-1] < 1e-9
    assert np.all(np.abs(orders - 4.0) < 0.3), orders


def test_etdrk4_fourth_order_on_complex_symbol(x64):
    # CGLE: complex symbol 1 − (1 + 2i)k², full-circle contour
    m = cgle.model(50.0, 64, 2.0)
    x = m.grid.x
    A0 = 0.8 * (1 + 0.5 * np.cos(2 * np.pi * x / 50)) * np.exp(1j * np.sin(4 * np.pi * x / 50))
    assert not m.real_symbol
    p = cgle.CGLEParams(L=50.0, N=64)
    _err, orders = _orders(m, jnp.asarray(np.fft.fft(A0)), 5.0, [0.2, 0.1, 0.05], 1 / 512, p,
                          jnp.fft.ifft)
    assert np.all(np.abs(orders - 4.0) < 0.3), orders


# ---------------------------------------------------------------------- Kuramoto–Sivashinsky
def test_ks_energy_balance_step_by_step_with_forcing(x64):
    spec = ks.SPEC
    p = spec.params
    h = 0.01
    step = jax.jit(make_stepper(spec, dt=h, substeps=1, params=p))
    B = ks.actuator_matrix(p)
    u = jnp.asarray([0.7, -0.4, 0.2, -0.9])
    f = B @ u
    x = jnp.asarray(ks.initial_state(jax.random.key(3), p), jnp.float64)
    for _ in range(2000):  # onto the attractor
        x = step(x, jnp.zeros(4), p)
    for _ in range(10):  # past the fast transient of the stiff modes after switching on f
        x = step(x, u, p)
    xs = [x]
    for _ in range(40):
        xs.append(step(xs[-1], u, p))
    b = [ks.budget(xi, f, p) for xi in xs]
    E = np.array([float(bi["energy"]) for bi in b])
    rate = np.array([float(bi["P"] - bi["D"] + bi["power"]) for bi in b])
    # Simpson's rule over each pair of steps: dE = ∫ (P − D + <uf>) dt
    dE = E[2::2] - E[:-2:2]
    quad = h / 3 * (rate[:-2:2] + 4 * rate[1:-1:2] + rate[2::2])
    scale = np.max(np.abs(rate)) * 2 * h
    assert np.max(np.abs(dE - quad)) < 1e-7 * scale, np.max(np.abs(dE - quad)) / scale
    assert np.max(np.abs(dE)) > 1e-3 * scale  # the budget is not trivially zero


def test_ks_equilibria_residuals_energies_and_fixed_points(x64):
    ref = ks.SPEC.invariant("equilibrium_energies")
    for N in (64, 96):
        E = ks.equilibria(22.0, N)
        assert E.shape == (3, N)
        for e, energy in zip(E, ref.value, strict=True):
            assert np.max(np.abs(ks.residual(e, 22.0))) < 1e-8
            assert abs(0.5 * np.mean(e * e) - energy) < ref.abs_tol
            np.testing.assert_allclose(e[1:][::-1], -e[1:], atol=1e-10)  # odd about x = 0
    # equilibria are fixed points of the environment's own discrete step
    p = ks.SPEC.params
    step = jax.jit(make_stepper(ks.SPEC, params=p))
    for e in ks.equilibria(22.0, 64):
        x = jnp.asarray(e)
        for _ in range(4):
            x = step(x, jnp.zeros(4), p)
        assert float(jnp.max(jnp.abs(x - e))) < 1e-9
    with pytest.raises(ValueError, match="L=22"):
        ks.equilibria(30.0, 64)


def test_ks_target_env_reward_is_precision_cost_of_distance_to_equilibrium():
    fenv = chaosgym.make_functional("chaosgym/KuramotoSivashinskyTarget-v2", target=2,
                                    bank_size=4)
    E3 = ks.equilibria(22.0, 64)[2]
    _obs, state = fenv.reset_to(jax.random.key(0), jnp.asarray(E3, jnp.float32))
    _, state, r, *_ , info = fenv.step(jax.random.key(1), state, jnp.zeros(4))
    assert float(info["distance"]) < 1e-4 and bool(info["captured"])
    eps = float(fenv.default_params.task.precision)
    assert float(r) == pytest.approx(-np.log1p(float(info["distance"]) / eps), rel=1e-5)


# ---------------------------------------------------------------------- nonlinear Schrödinger
def test_conservative_nls_soliton_conserves_and_moves_at_its_speed(x64):
    # ETDRK4 conserves mass and H up to its O(h^5)-per-unit-time truncation error: h = 0.005
    p = nls.NLSParams(L=40.0, N=256, gamma=0.0, detuning=0.0, drive=0.0)
    a, T = 1.0, 40
    c = 2 * np.pi * 5 / p.L  # c L ∈ 2πZ: the travelling solution is L-periodic
    x0 = nls.soliton(p, a=a, c=c, x0=10.0)
    step = make_stepper(nls.SPEC, dt=1.0, substeps=200, params=p)

    @jax.jit
    def run(x):
        def body(x, _):
            x = step(x, jnp.zeros(16), p)
            return x, nls.invariants(x, p)

        return jax.lax.scan(body, x, None, length=T)

    x, inv = run(jnp.asarray(x0))
    inv0 = nls.invariants(jnp.asarray(x0), p)
    np.testing.assert_allclose(float(inv0["mass"]), 2 * a, rtol=1e-10)  # ∫ a² sech² = 2a
    assert np.max(np.abs(np.asarray(inv["mass"]) - float(inv0["mass"]))) < 1e-10
    assert np.max(np.abs(np.asarray(inv["hamiltonian"]) - float(inv0["hamiltonian"]))) < 1e-6
    # the numerical soliton is the exact travelling solution: shape, position and phase
    exact = nls.soliton(p, a=a, c=c, x0=10.0, t=T)
    assert np.max(np.abs(np.asarray(x) - exact)) < 1e-6
    g = nls.model(p.L, p.N, 0.0, 0.0).grid
    amp2 = np.asarray(x)[: p.N] ** 2 + np.asarray(x)[p.N:] ** 2
    centre = np.angle(np.sum(amp2 * np.exp(2j * np.pi * g.x / g.L))) % (2 * np.pi)
    assert abs(centre * g.L / (2 * np.pi) - (10.0 + c * T) % g.L) < 1e-6


def test_nls_splitstep_conserves_mass_to_round_off_and_is_second_order(x64):
    """Strang split-step: every factor is unitary in the conservative mode, so the mass drift
    is round-off, where ETDRK4's is its truncation error; the error halves twice per halving
    of the step (second order)."""
    p = nls.NLSParams(L=40.0, N=256, gamma=0.0, detuning=0.0, drive=0.0)
    c, T = 2 * np.pi * 5 / p.L, 20
    x0 = jnp.asarray(nls.soliton(p, a=1.0, c=c, x0=10.0))
    exact = nls.soliton(p, a=1.0, c=c, x0=10.0, t=T)
    m0 = float(nls.invariants(x0, p)["mass"])
    drift, err = {}, {}
    for integ, sub in (("etdrk4", 20), ("splitstep", 20), ("splitstep", 40)):
        step = make_stepper(nls.SPEC, dt=1.0, substeps=sub, integrator=integ, params=p)

        @jax.jit
        def run(x, step=step):
            def body(x, _):
                x = step(x, jnp.zeros(16), p)
                return x, nls.invariants(x, p)["mass"]

            return jax.lax.scan(body, x, None, length=T)

        x, mass = run(x0)
        drift[integ, sub] = np.max(np.abs(np.asarray(mass) - m0)) / m0
        err[integ, sub] = np.max(np.abs(np.asarray(x) - exact))
    assert drift["splitstep", 20] < 1e-13 and drift["splitstep", 40] < 1e-13
    assert drift["etdrk4", 20] > 1e4 * drift["splitstep", 20]
    assert 3.5 < err["splitstep", 20] / err["splitstep", 40] < 4.5
    assert err["splitstep", 40] < 5e-3


def test_splitstep_needs_a_nonlinear_flow_and_runs_in_the_env():
    with pytest.raises(ValueError, match="splitstep"):
        make_stepper(ks.SPEC, integrator="splitstep")
    with pytest.raises(ValueError, match="'etdrk4' or 'splitstep'"):
        make_stepper(ks.SPEC, integrator="rk4")
    fenv = chaosgym.make_functional("chaosgym/NonlinearSchrodingerSuppress-v2",
                                    integrator="splitstep", bank_size=4)
    _, s = fenv.reset(jax.random.key(0))
    _, s2, r, *_ = fenv.step(jax.random.key(1), s, jnp.full((16,), 0.5))
    assert np.isfinite(float(r)) and not np.allclose(np.asarray(s2.x), np.asarray(s.x))


# ---------------------------------------------------------------------- environments
@pytest.fixture(scope="module")
def ks_env():
    env = gym.make("chaosgym/KuramotoSivashinskyDissipation-v2")
    yield env
    env.close()


def test_ks_env_one_trace_per_shape_and_dissipation_reward(ks_env):
    env = ks_env.unwrapped
    env.reset(seed=0)
    n0 = env._step._cache_size()
    for a in (np.zeros(4), np.ones(4), -np.ones(4) * 0.3):
        obs, r, _term, _trunc, info = env.step(a.astype(np.float32))
    assert env._step._cache_size() - n0 <= 1  # at most the first trace
    assert obs.shape == (8,) and np.isfinite(obs).all()
    assert r == pytest.approx(-(info["D"] + info["P"] + info["power"]), rel=1e-5)
    # sensors read the field at x_j = j L / 8 (grid points: exact sampling)
    np.testing.assert_allclose(obs, env.state[::8], rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("observation,dim", [("field", 64), ("fourier", 2 * 9), ("sensors", 8)])
def test_ks_observation_modes(observation, dim):
    fenv = chaosgym.make_functional("chaosgym/KuramotoSivashinskyTarget-v2",
                                    observation=observation, n_modes=8, bank_size=4)
    obs, _state = fenv.reset(jax.random.key(0))
    assert obs.shape == (dim,) == fenv.observation_space.shape


def test_blow_up_ends_episode_with_diverged_and_finite_obs():
    # one ETDRK4 step of 8 time units is unstable for KS with strong forcing
    env = gym.make("chaosgym/KuramotoSivashinskyDissipation-v2", dt=8.0, substeps=1,
                   bank_size=4)
    obs, _ = env.reset(seed=0)
    diverged = False
    for _ in range(50):
        obs, r, term, _trunc, info = env.step(np.ones(4, np.float32))
        assert np.isfinite(obs).all() and np.isfinite(r)
        if info["diverged"]:
            diverged = True
            assert term
            break
    assert diverged
    env.close()


def test_pde_step_vmap_matches_loop():
    spec = cgle.SPEC
    p = cgle.CGLEParams(N=64, L=40.0)
    step = jax.jit(make_stepper(spec, params=p))
    xs = jax.vmap(lambda k: cgle.initial_state(k, p))(jax.random.split(jax.random.key(0), 3))
    us = jax.random.uniform(jax.random.key(1), (3, 16), minval=-1, maxval=1)
    batched = jax.jit(jax.vmap(step, in_axes=(0, 0, None)))(xs, us, p)
    for i in range(3):
        np.testing.assert_allclose(batched[i], step(xs[i], us[i], p), rtol=1e-5, atol=1e-6)


def test_vmap_and_grad_over_traced_params():
    # β (nonlinear term) and the actuator width are pytree leaves: a parameter sweep is one vmap
    p = cgle.CGLEParams(N=64, L=40.0)
    step = jax.jit(make_stepper(cgle.SPEC, dt=0.1, substeps=1, params=p))
    x = cgle.initial_state(jax.random.key(0), p)
    u = 0.5 * jnp.ones(16)
    betas = jnp.asarray([-2.0, -1.0, 0.5])
    ps = jax.vmap(lambda b: p.replace(beta=b))(betas)
    out = jax.jit(jax.vmap(step, in_axes=(None, None, 0)))(x, u, ps)
    for i, b in enumerate(betas):
        np.testing.assert_allclose(out[i], step(x, u, p.replace(beta=b)), rtol=1e-4, atol=1e-5)
    g = jax.grad(lambda w: jnp.sum(step(x, u, p.replace(actuator_width=w)) ** 2))(2.0)
    assert np.isfinite(float(g)) and float(g) != 0.0


# small grids keep the batched check cheap for the 2-D systems
_VEC_OVERRIDES = {"lambda_omega": {"N": 32, "L": 10.0}, "kolmogorov": {"N": 32}}


# every id is checked batched; in the default run one 1-D and one 2-D id (CPU budget), the
# rest under -m slow
_VEC_DEFAULT = ("chaosgym/KuramotoSivashinskyDissipation-v2", "chaosgym/LambdaOmegaSuppress-v2")


@pytest.mark.parametrize("env_id", [
    i if i in _VEC_DEFAULT else pytest.param(i, marks=pytest.mark.slow) for i in PDE_IDS])
def test_make_vec_every_pde_id(env_id):
    system = chaosgym.registration.env_def(env_id).system
    vec = gym.make_vec(env_id, num_envs=3, bank_size=2, **_VEC_OVERRIDES.get(system, {}))
    obs, _ = vec.reset(seed=1)
    assert obs.shape == (3, *vec.single_observation_space.shape)
    assert not np.allclose(obs[0], obs[1])  # fresh initial conditions
    for _ in range(2):
        obs, r, _term, _trunc, info = vec.step(vec.action_space.sample())
    assert np.isfinite(obs).all() and np.isfinite(r).all() and r.shape == (3,)
    assert not info["diverged"].any()
    vec.close()


# ---------------------------------------------------------------------- long runs
@pytest.mark.slow
def test_ks_l22_lyapunov_and_moments(x64):
    spec = ks.SPEC
    p = spec.params
    step = make_stepper(spec, params=p)
    keys = jax.random.split(jax.random.key(7), 8)
    x0 = jax.vmap(lambda k: ks.initial_state(k, p))(keys).astype(jnp.float64)

    def obs(x):
        b = ks.budget(x, jnp.zeros_like(x), p)
        return jnp.stack([2 * b["energy"], b["P"], b["D"]])

    _, x1 = time_average(step, obs, x0, p, 800, 4)  # transient of 200 time units
    avg, x2 = time_average(step, obs, x1, p, 8000, 4)  # 8 × 2000 time units
    m = avg.mean(axis=0)
    assert abs(m[0] - 1.41) < 0.02 and abs(m[1] - 0.92) < 0.02 and abs(m[2] - 0.92) < 0.02, m
    lam, se, _ = largest_lyapunov(step, x2, p, spec.dt, 8000, 4, chunk=1000)
    assert abs(lam - 0.048) < 0.002, (lam, se)


@pytest.mark.slow
def test_cgle_lyapunov_and_amplitude_converge_under_refinement(x64):
    out = {}
    for N in (256, 512):
        p = cgle.CGLEParams(N=N)
        step = make_stepper(cgle.SPEC, params=p)
        x0 = jax.vmap(lambda k, p=p: cgle.initial_state(k, p))(
            jax.random.split(jax.random.key(0), 4)).astype(jnp.float64)
        _, x1 = time_average(step, lambda x: x[0], x0, p, 400, 16)
        avg, x2 = time_average(step, lambda x, p=p: jnp.mean(cgle.amplitude2(x, p)), x1, p,
                               2000, 16)
        lam, se, _ = largest_lyapunov(step, x2, p, 0.5, 2000, 16, chunk=500)
        out[N] = (lam, se, float(avg.mean()), float(avg.std(ddof=1) / 2))
    (l1, s1, a1, e1), (l2, s2, a2, e2) = out[256], out[512]
    assert l1 > 0.05 and l2 > 0.05
    assert abs(l1 - l2) < 4 * np.hypot(s1, s2) + 0.01, out
    assert abs(a1 - a2) < 4 * np.hypot(e1, e2) + 0.005, out


@pytest.mark.slow
def test_lambda_omega_rotating_spiral_and_breakup():
    from chaosgym.systems.pde import lambda_omega as lo

    def run(beta, steps=300):
        p = lo.LambdaOmegaParams(beta=beta)
        step = make_stepper(lo.SPEC, params=p)
        x = lo.spiral(p)

        @jax.jit
        def go(x):
            def body(x, _):
                x = step(x, jnp.zeros(18), p)
                return x, (lo.defects(x, p), x[p.N * p.N // 2 + p.N // 4])
            return jax.lax.scan(body, x, None, length=steps)

        return go(x)

    _, (d1, probe) = run(1.0)
    assert np.all(np.asarray(d1[100:]) == np.asarray(d1[100]))  # no new cores: stable spiral
    assert int(d1[-1]) <= 4
    # the spiral rotates: the probe oscillates with a steady period
    s = np.sign(np.asarray(probe[100:]))
    assert np.sum(s[1:] != s[:-1]) >= 4
    _, (d3, _) = run(3.0)
    assert int(np.min(np.asarray(d3[150:]))) >= 10  # breakup into many spiral cores


@pytest.mark.slow
def test_kolmogorov_flow_is_chaotic(x64):
    from chaosgym.systems.pde import kolmogorov as ko

    p = ko.SPEC.params
    step = make_stepper(ko.SPEC, params=p)
    x0 = jax.vmap(lambda k: ko.initial_state(k, p))(
        jax.random.split(jax.random.key(1), 2)).astype(jnp.float64)
    _, x1 = time_average(step, lambda x: x[0], x0, p, 300, 16)
    _lam, _se, per = largest_lyapunov(step, x1, p, 0.5, 600, 16, chunk=200)
    assert np.all(per > 0.03), per


@pytest.mark.slow
def test_driven_damped_nls_is_chaotic_and_conservative_nls_long_run(x64):
    p = nls.SPEC.params
    step = make_stepper(nls.SPEC, params=p)
    x0 = jax.vmap(lambda k: nls.initial_state(k, p))(
        jax.random.split(jax.random.key(2), 2)).astype(jnp.float64)
    _, x1 = time_average(step, lambda x: x[0], x0, p, 400, 16)
    _lam, _se, per = largest_lyapunov(step, x1, p, 0.5, 1000, 16, chunk=500)
    assert np.all(per > 0.05), per
    # conservative mode over 400 time units
    pc = nls.NLSParams(L=40.0, N=256, gamma=0.0, detuning=0.0, drive=0.0)
    xs = jnp.asarray(nls.soliton(pc, a=1.0, c=2 * np.pi * 3 / pc.L))
    stepc = make_stepper(nls.SPEC, dt=1.0, substeps=250, params=pc)
    inv0 = nls.invariants(xs, pc)
    _avg, xT = time_average(stepc, lambda x: x[0], xs[None], pc, 400, 16)
    inv = nls.invariants(xT[0], pc)
    assert abs(float(inv["mass"] - inv0["mass"])) < 1e-10
    assert abs(float(inv["hamiltonian"] - inv0["hamiltonian"])) < 1e-6


# ---------------------------------------------------------------------- controlgym's KS task
CG_ID = "chaosgym/KuramotoSivashinskyControlgym-v1"


@pytest.fixture(scope="module")
def cg_env():
    return chaosgym.make_functional(CG_ID, bank_size=8)


def test_controlgym_task_cost_sensors_and_actuators(cg_env):
    f = cg_env
    p = f.default_params
    assert f.action_space.shape == (8,) and np.all(np.isinf(f.action_space.high))
    assert np.all(np.isinf(f.action_space.low)) and f.obs_dim == 10
    B = np.asarray(f.spec.actuation("controlgym").matrix(p.system))
    for i in range(8):  # controlgym's supports: indices [3 + 32 i, 28 + 32 i)
        np.testing.assert_array_equal(np.nonzero(B[:, i])[0], np.arange(3, 28) + 32 * i)
    _, s0 = f.reset(jax.random.key(0))
    a = jnp.linspace(-30.0, 30.0, 8)  # far beyond the bounded envs' |a| <= 1: not clipped
    np.testing.assert_allclose(np.asarray(f.control(a)), np.asarray(a))
    _, s1, r, term, _, info = f.step(jax.random.key(1), s0, a)
    x0 = np.asarray(s0.x, np.float64)
    # controlgym's stage cost: the state before the step and the action applied in it
    expected = -(np.sum(x0**2) + np.sum(np.asarray(a, np.float64) ** 2))
    np.testing.assert_allclose(float(r), expected, rtol=1e-5)
    assert not bool(term) and not bool(info["diverged"])
    # the forcing of the boxes reaches the state: zero action gives another next state
    _, s1z, *_ = f.step(jax.random.key(1), s0, jnp.zeros(8))
    assert np.max(np.abs(np.asarray(s1.x) - np.asarray(s1z.x))) > 1.0


def test_controlgym_task_noise_and_starting_states(cg_env):
    f = cg_env
    p = f.default_params
    keys = jax.random.split(jax.random.key(5), 200)
    obs, st = jax.vmap(f.reset, in_axes=(0, None))(keys, p)
    x = np.asarray(st.x, np.float64)
    idx = np.arange(10) * 25
    noise = np.asarray(obs, np.float64) - x[:, idx]
    assert abs(noise.var() - 0.25) < 0.03 and abs(noise.mean()) < 0.03
    # starting states: A cos(2πx/L) sin(12πx/L) with A uniform in [0.9, 1.1]
    g = f.spec.grid(p.system)
    shape = np.cos(2 * np.pi * g.x / g.L) * np.sin(12 * np.pi * g.x / g.L)
    amp = x @ shape / (shape @ shape)
    np.testing.assert_allclose(x, amp[:, None] * shape[None, :], atol=1e-5)
    assert 0.9 <= amp.min() < 0.91 and 1.09 < amp.max() <= 1.1
    # fresh noise at every step, from the key carried in the task state
    s = jax.tree_util.tree_map(lambda v: v[0], st)
    o1, s1, *_ = f.step(jax.random.key(0), s, jnp.zeros(8))
    o2, s2, *_ = f.step(jax.random.key(0), s1, jnp.zeros(8))
    n1 = np.asarray(o1) - np.asarray(s1.x)[idx]
    n2 = np.asarray(o2) - np.asarray(s2.x)[idx]
    assert np.max(np.abs(n1 - n2)) > 0.1


def test_controlgym_env_rejects_non_finite_actions_and_accepts_large_ones():
    env = gym.make(CG_ID, bank_size=4)
    env.reset(seed=0)
    _, r, *_ = env.step(np.full(8, 50.0, np.float32))
    assert np.isfinite(r) and r < -8 * 50.0**2 * 0.99
    for bad in (np.nan, np.inf, -np.inf):
        with pytest.raises(ValueError, match="non-finite"):
            env.step(np.full(8, bad, np.float32))
    env.close()
