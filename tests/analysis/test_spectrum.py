"""Lyapunov spectra against published and exact invariants (float64)."""

from __future__ import annotations

import math

import jax.numpy as jnp
import numpy as np
import pytest

import chaosgym
from chaosgym.analysis import kaplan_yorke, spectrum


def test_lorenz_spectrum_and_trace_identity(x64):
    spec = chaosgym.systems.get("lorenz")
    r = spectrum(spec, steps=100_000, n_ic=8)
    lam1 = spec.invariant("lyapunov_max").value
    assert abs(r.max - lam1) / lam1 < 0.01, r
    assert abs(r.sum - (-(10 + 1 + 8 / 3))) < 1e-3, r
    assert abs(r.exponents[1]) < 0.01
    assert abs(r.kaplan_yorke - 2.062) < 0.01
    assert np.all(r.stderr < 0.01)


def test_lorenz96_spectrum_sum_and_leading(x64):
    r = spectrum("lorenz96", steps=20_000, n_ic=2)
    assert abs(r.sum - (-40.0)) < 1e-2, r
    assert abs(r.max - 1.67) / 1.67 < 0.05, r


@pytest.mark.slow
def test_lorenz96_long_run(x64):
    r = spectrum("lorenz96", steps=200_000, n_ic=4)
    assert abs(r.max - 1.67) / 1.67 < 0.05, r
    assert abs(r.sum + 40.0) < 1e-2


def test_henon_map_spectrum(x64):
    r = spectrum("henon", steps=50_000, n_ic=4)
    assert abs(r.sum - math.log(0.3)) < 1e-8
    assert abs(r.max - 0.41922) / 0.41922 < 0.01, r


def test_rossler_leading_exponent(x64):
    r = spectrum("rossler", steps=100_000, n_ic=4)
    assert abs(r.max - 0.0714) / 0.0714 < 0.05, r


def test_callable_linear_system_is_exact(x64):
    # x' = A x with eigenvalues -1, -2, 0.5: exponents are the real parts.
    A = jnp.diag(jnp.array([-1.0, -2.0, 0.5]))
    r = spectrum(lambda x: A @ x, jnp.ones(3), dt=0.01, steps=2000, transient=0)
    np.testing.assert_allclose(r.exponents, [0.5, -1.0, -2.0], atol=1e-6)


def test_closed_loop_lqr_is_stable(x64):
    from chaosgym.control import LQRController

    spec = chaosgym.systems.get("lorenz")
    ctl = LQRController(spec, target=0)
    x0 = spec.fixed_points(spec.params)[0] + 0.01
    r = spectrum(spec, x0, policy=ctl, steps=5000, transient=0)
    closed = np.linalg.eigvals(ctl.A - ctl.B @ ctl.K).real
    assert r.max < 0
    np.testing.assert_allclose(np.sort(r.exponents), np.sort(closed), atol=0.02)


def test_kaplan_yorke_formula():
    assert kaplan_yorke([0.9, 0.0, -14.5]) == pytest.approx(2 + 0.9 / 14.5)
    assert kaplan_yorke([-1.0, -2.0]) == 0.0
    assert kaplan_yorke([1.0, 0.5]) == 2.0


def test_bad_input_errors():
    with pytest.raises(KeyError, match="unknown system"):
        spectrum("lorenzz")
    with pytest.raises(ValueError, match="dt"):
        spectrum(lambda x: -x, jnp.ones(2))
    with pytest.raises(ValueError, match="n_exp"):
        spectrum("lorenz", n_exp=5, steps=100)


def test_lyapunov_command(capsys):
    from chaosgym.cli import main

    assert main(["lyapunov", "henon", "--steps", "20000", "--n-ic", "2"]) == 0
    out = capsys.readouterr().out
    lam1 = float(out.split("λ1")[1].split()[0])
    assert abs(lam1 - 0.41922) < 0.02
    assert "Σλ" in out and "D_KY" in out
    assert "per iterate" in out and "20000 iterates" in out
    assert main(["lyapunov", "henonn"]) == 2  # a one-line usage error with the suggestion
    assert "did you mean henon" in capsys.readouterr().err
    with pytest.raises(SystemExit, match="error: henon is a map"):
        main(["lyapunov", "henon", "--dt", "0.1", "--steps", "10"])


def test_exponents_live_in_analysis_and_are_re_exported():
    import subprocess
    import sys

    import chaosgym.analysis
    import chaosgym.lyapunov

    assert chaosgym.lyapunov.spectrum is chaosgym.analysis.spectrum
    assert chaosgym.lyapunov.LyapunovResult is chaosgym.analysis.LyapunovResult
    from chaosgym.lyapunov.spectrum import spectrum as s2

    assert s2 is chaosgym.analysis.spectrum
    # the exponent package never imports the Lyapunov-function package
    code = ("import sys, chaosgym.analysis, chaosgym.analysis.cli; "
            "sys.exit('chaosgym.lyapunov' in sys.modules)")
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0


def test_delay_equation_exponents_are_per_unit_time(x64):
    """Mackey–Glass is a map of its history buffer, one iterate = h = 0.1 time units: its
    exponents come back per unit time (10× the per-iterate rates) and its time in time units."""
    import dataclasses

    spec = chaosgym.systems.get("mackey_glass")
    h = spec.params.h
    kw = dict(steps=2000, n_ic=2, transient=200)
    r = spectrum(spec, **kw)
    assert len(r.exponents) == 8  # a delay equation: the leading exponents by default
    per_iterate = spectrum(dataclasses.replace(spec, iterate_time=None), **kw)
    assert r.unit == "time" and r.unit_label == "per unit time"
    assert per_iterate.unit == "iterate"
    np.testing.assert_allclose(r.exponents, per_iterate.exponents / h, rtol=1e-12)
    assert r.dt == pytest.approx(h) and r.time == pytest.approx(2000 * h)
    assert per_iterate.time == 2000
    assert r.dim == 172 and not r.complete
    with pytest.raises(ValueError, match="map"):
        spectrum(spec, dt=0.1, steps=10)
    # maps proper stay per iterate; flows are per unit time
    assert spectrum("henon", steps=1000, n_ic=1).unit == "iterate"
    assert spectrum(lambda x: 0.5 * x, jnp.ones(1), kind="dt", steps=100).unit == "iterate"
    r2 = spectrum(lambda x: 0.5 * x, jnp.ones(1), kind="dt", dt=0.1, steps=100, transient=0)
    assert r2.unit == "time"
    np.testing.assert_allclose(r2.exponents, [math.log(0.5) / 0.1], rtol=1e-12)


def test_cache_is_keyed_by_the_program_not_the_name(x64):
    """A spec with a different vector field under the same name gets its own program."""
    import dataclasses

    lorenz = chaosgym.systems.get("lorenz")
    kw = dict(steps=4000, n_ic=1, transient=500)
    r1 = spectrum(lorenz, **kw)
    doubled = dataclasses.replace(lorenz, vector_field=lambda x, p: 2 * lorenz.vector_field(x, p))
    r2 = spectrum(doubled, **kw)
    # twice the field: twice the exponents (Σλ = 2·tr J exactly, λ1 ≈ 1.80)
    assert abs(r2.sum - 2 * r1.sum) < 1e-2, (r1, r2)
    assert abs(r2.max - 2 * r1.max) < 0.25 and r2.max > 1.5
    # and the original is still served correctly afterwards
    np.testing.assert_array_equal(spectrum(lorenz, **kw).exponents, r1.exponents)
    # a different static parameter (a state size) is a different program, too
    l96 = chaosgym.systems.get("lorenz96")
    for n in (5, 6):
        r = spectrum(l96, params=l96.params.replace(N=n), steps=200, n_ic=1, transient=10)
        assert r.dim == n and abs(r.sum + n) < 1e-2


def test_pde_exponents_through_the_etdrk4_stepper(x64):
    """Kuramoto–Sivashinsky (L=22, N=16): the whole spectrum of the ETDRK4 tangent map.

    The dealiased advection term is trace-free, so Σλ equals the trace of the linear symbol
    Σ (k² − k⁴) over the grid's modes exactly; the most damped exponent is the Nyquist mode's
    k² − k⁴ (no nonlinear coupling there)."""
    from chaosgym.systems.pde import kuramoto_sivashinsky as ks

    p = ks.KSParams(N=16)
    k = 2 * np.pi * np.fft.fftfreq(16, 1 / 16) / p.L
    r = spectrum("kuramoto_sivashinsky", params=p, steps=400, n_ic=1, n_exp=16)
    assert r.unit == "time" and r.dt == 0.25 and r.complete
    np.testing.assert_allclose(r.sum, np.sum(k**2 - k**4), rtol=1e-6)
    kn = k[8]
    np.testing.assert_allclose(r.exponents[-1], kn**2 - kn**4, rtol=1e-6)
    assert np.all(np.isfinite(r.exponents)) and r.max > 0


def test_pde_cli_and_complex_field(capsys, x64):
    """The commands that crashed with 'non-finite tangent growth' under RK4 now run."""
    from chaosgym.cli import main
    from chaosgym.systems.pde import ginzburg_landau as gl

    r = spectrum("ginzburg_landau", params=gl.CGLEParams(N=64), steps=40, n_ic=1, n_exp=1)
    assert np.all(np.isfinite(r.exponents)) and r.dim == 128
    assert main(["lyapunov", "kuramoto_sivashinsky", "--steps", "40", "--n-ic", "1",
                 "--n-exp", "1"]) == 0
    out = capsys.readouterr().out
    assert "per unit time (leading 1 of 64)" in out and "10 time units" in out
    assert "reference lyapunov_max = 0.048" in out


def test_underflowing_tangent_directions_raise_a_clear_error(x64):
    from chaosgym.systems.pde import kuramoto_sivashinsky as ks

    # the most damped KS modes at N=64 decay by e^{-1700} per step: not resolvable in float64
    with pytest.raises(FloatingPointError, match="fewer exponents"):
        spectrum("kuramoto_sivashinsky", params=ks.KSParams(N=64), steps=4, n_ic=1, n_exp=64,
                 transient=0)
