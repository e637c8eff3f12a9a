"""Candidates: quadratic from the Lyapunov equation / LQR, SOS (exactly validated)."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from chaosgym.lyapunov import Box, LyapunovProblem, Status, certify
from chaosgym.lyapunov.candidates import lqr_candidate, quadratic_candidate, sos_candidate
from chaosgym.lyapunov.closed_loop import closed_loop, find_equilibrium, lqr_closed_loop

from .cases import CASES


def test_lqr_closed_loop_of_lorenz_certifies_near_c_plus(x64):
    f, ctrl = lqr_closed_loop("lorenz")
    V = lqr_candidate(ctrl)
    xe = ctrl.x_eq
    assert np.allclose(find_equilibrium(f, xe), xe, atol=1e-12)
    p = LyapunovProblem(f, V, Box.cube(3, 0.2, xe), x_eq=xe)
    cert = certify(p)
    assert cert.status == Status.CERTIFIED_OUTSIDE_HOLE, cert.summary()
    assert cert.hole < 1e-10  # only float rounding of C+ separates it from the equilibrium


def test_quadratic_candidate_and_open_loop_refutation(x64):
    from chaosgym import systems

    spec = systems.get("lorenz")
    f_open = closed_loop(spec, lambda x: jnp.zeros(1))
    with pytest.raises(ValueError):
        quadratic_candidate(f_open, np.zeros(3))  # the origin is a saddle at rho = 28
    f = closed_loop(spec, lambda x: jnp.atleast_1d(-28.0 * x[0]))
    V, P = quadratic_candidate(f, np.zeros(3))
    assert np.all(np.linalg.eigvalsh(P) > 0)
    cert = certify(LyapunovProblem(f, V, Box.cube(3, 1.0)))
    assert cert.status == Status.CERTIFIED


@pytest.mark.parametrize("name", ["cubic_x", "quartic", "three_d", "four_d"])
def test_sos_backend_fully_certifies_degenerate_cases(name, x64):
    case = next(c for c in CASES if c.name == name)
    cert = certify(case.problem(), method="sos")
    assert cert.status == Status.CERTIFIED and cert.rigour == "rigorous"
    assert cert.scope["kind"] == "global"


def test_sos_never_certifies_a_refuted_case(x64):
    for case in CASES:
        if case.expected == "counterexample":
            cert = certify(case.problem(), method="sos")
            assert cert.status == Status.COUNTEREXAMPLE


def test_sos_candidate_is_validated_by_the_certifier(x64):
    f = lambda x: jnp.stack([-x[0] + x[1], -x[0] - x[1] - x[1] ** 3])  # noqa: E731
    V = sos_candidate(f, 2, degree=2)
    cert = certify(LyapunovProblem(f, V, Box.cube(2, 1.0)))
    assert cert.certified
    assert float(jax.jit(V)(jnp.zeros(2))) == 0.0
