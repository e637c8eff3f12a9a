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
    with pytest.raises(SystemExit, match="Did you mean"):
        main(["lyapunov", "henonn"])


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
