"""Certifier: verdicts on the public cases, soundness on random linear systems, blind spots."""

from __future__ import annotations

import jax.numpy as jnp
import numpy as np
import pytest

from chaosgym.control import lyapunov_matrix
from chaosgym.lyapunov import Box, LyapunovProblem, Status, certify, falsify
from chaosgym.lyapunov.rigorous import recheck

from .cases import CASES

CERTIFIED = (Status.CERTIFIED, Status.CERTIFIED_OUTSIDE_HOLE)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_public_case_verdicts(case, x64):
    cert = certify(case.problem())
    if case.expected != "counterexample":
        # the arbitrary-precision re-check agrees with the float interval certificate
        rc = recheck(cert)
        assert rc.status == cert.status and rc.rigour == "rigorous", rc.summary()
    if case.expected == "valid":
        assert cert.status == Status.CERTIFIED, cert.summary()
        assert cert.hole == 0.0
    elif case.expected == "degenerate":
        assert cert.status in CERTIFIED, cert.summary()
    else:
        assert cert.status == Status.COUNTEREXAMPLE, cert.summary()
        # every reported counterexample really violates the strict conditions
        p = case.problem()
        for x in cert.counterexamples:
            c = np.asarray(p.conditions(jnp.asarray(x)))
            assert max(c[0], c[1]) >= 0
            assert p.domain.contains(x)


def test_degenerate_case_holds_outside_its_hole(x64):
    case = next(c for c in CASES if c.name == "cubic_x")
    cert = certify(case.problem())
    assert cert.status == Status.CERTIFIED_OUTSIDE_HOLE
    assert 0 < cert.hole <= 0.05
    lo, hi = cert.proof_boxes
    # proof boxes plus the hole cover the domain: total volume check
    vol = np.prod(hi - lo, axis=1).sum() + (2 * cert.hole) ** 2
    assert vol >= np.prod(case.problem().domain.width) * (1 - 1e-9)


def test_corner_violation_on_reference_box(x64):
    """x²+y²+z² on [−2,2]³: dV/dt = −2x⁴+4x²z²−2y²−2x²y²−8z² reaches 0 at (±2, 0, ±2)."""
    case = next(c for c in CASES if c.name == "three_d_bad")
    p = LyapunovProblem(case.f, case.V, Box.cube(3, 2.0))
    cert = certify(p)
    assert cert.status == Status.COUNTEREXAMPLE
    x = cert.counterexamples[0]
    assert float(p.decrease(jnp.asarray(x))) >= 0


def _blind_problem():
    # dV/dt = −2 (2x − y)² (x² + y²): zero on the line y = 2x (a line of equilibria)
    f = lambda x: -((2 * x[0] - x[1]) ** 2) * x  # noqa: E731
    V = lambda x: x[0] ** 2 + x[1] ** 2  # noqa: E731
    return LyapunovProblem(f, V, Box.cube(2, 1.0))


def test_falsifier_blind_case_is_caught(x64):
    p = _blind_problem()
    fr = falsify(p, n_samples=2048, n_starts=32, steps=60, interval_boxes=0)
    assert not fr.found  # the violation lives on a measure-zero set: sampling misses it
    cert = certify(p, falsify_first=False)
    assert cert.status == Status.COUNTEREXAMPLE
    x = cert.counterexamples[0]
    assert 2 * x[0] == x[1] and np.any(x != 0)


def _random_stable(rng, n, kind):
    while True:
        if kind == "ct":
            ev = -rng.uniform(0.2, 3.0, n)
        else:
            ev = rng.uniform(-0.9, 0.9, n)
        Q, _ = np.linalg.qr(rng.normal(size=(n, n)))
        S = Q @ np.diag(rng.uniform(0.5, 2.0, n))
        A = S @ np.diag(ev) @ np.linalg.inv(S)
        if np.linalg.cond(S) < 20:
            return A, S, ev


@pytest.mark.parametrize("kind", ["ct", "dt"])
def test_soundness_random_linear_systems(kind, x64):
    """Stable systems with P from the Lyapunov equation certify; one flipped eigenvalue never."""
    rng = np.random.default_rng(7 if kind == "ct" else 8)
    for trial in range(4):
        n = 2 + trial % 3
        A, S, ev = _random_stable(rng, n, kind)
        P = lyapunov_matrix(A, kind=kind)
        Pj = jnp.asarray(P)
        V = lambda x, Pj=Pj: x @ Pj @ x  # noqa: E731
        dom = Box.cube(n, 1.0)
        Aj = jnp.asarray(A)
        cert = certify(LyapunovProblem(lambda x, Aj=Aj: Aj @ x, V, dom, kind=kind))
        assert cert.status == Status.CERTIFIED, cert.summary()
        ev2 = ev.copy()
        ev2[0] = -ev2[0] if kind == "ct" else 1.0 / ev2[0] if abs(ev2[0]) > 0.2 else 1.5
        A2 = jnp.asarray(S @ np.diag(ev2) @ np.linalg.inv(S))
        cert2 = certify(LyapunovProblem(lambda x, A2=A2: A2 @ x, V, dom, kind=kind),
                        max_boxes=20_000)
        assert cert2.status in (Status.COUNTEREXAMPLE, Status.UNKNOWN), cert2.summary()
        assert not cert2.certified


def test_margin_and_strictness(x64):
    # V = x² + y² for x' = −x, y' = 0: dV/dt = −2x² is zero on the y-axis: never certified
    p = LyapunovProblem(lambda x: jnp.stack([-x[0], 0.0 * x[1]]), lambda x: x @ x, Box.cube(2, 1.0))
    cert = certify(p)
    assert not cert.certified
    # a margin larger than the decrease rate is refuted
    case = CASES[0]
    cert = certify(case.problem(margin=3.0))
    assert cert.status == Status.COUNTEREXAMPLE
    cert = certify(case.problem(margin=0.5))
    assert cert.status == Status.CERTIFIED


def test_unsupported_function_falls_back_to_sampling(x64):
    # jnp.sort has no interval rule: the answer can only be a sampled refutation or UNKNOWN
    f = lambda x: -x  # noqa: E731
    V = lambda x: jnp.sort(x * x)[-1] + 0.5 * (x @ x)  # noqa: E731
    cert = certify(LyapunovProblem(f, V, Box.cube(2, 1.0)))
    assert cert.status == Status.UNKNOWN and cert.rigour == "sampled"
    bad = certify(LyapunovProblem(lambda x: x, V, Box.cube(2, 1.0)))
    assert bad.status == Status.COUNTEREXAMPLE and bad.rigour == "sampled"


def test_margin_of_matching_degree_on_a_degenerate_case(x64):
    # dV/dt = −2x⁴ − 2y²: a quartic margin keeps the check strict away from the origin
    case = next(c for c in CASES if c.name == "cubic_x")
    cert = certify(case.problem(margin=0.1, margin_power=4))
    assert cert.status == Status.CERTIFIED_OUTSIDE_HOLE
    # a quadratic margin cannot hold along the x-axis near the origin (−2x⁴ + 0.1x² > 0)
    bad = certify(case.problem(margin=0.1, margin_power=2), hole=1e-3)
    assert bad.status == Status.COUNTEREXAMPLE
