"""The adversarial soundness suite: its violating points are proven in ball arithmetic, its
JAX and ball-arithmetic formulas agree, and its valid cases are not refuted by exact checks
at sample points."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from chaosgym.lyapunov import adversarial as adv

pytest.importorskip("flint")

WRONG = adv.wrong_cases()
VALID = adv.valid_cases()


#: cases whose JAX/ball agreement runs in the default suite (one per operation family); the
#: rest behind ``slow`` (each costs an XLA compilation)
AGREE_FAST = {"leaky_at_eq", "norm_at_eq", "max_flow_3d", "bump_where_disc", "bump_min_2d",
              "round_flow", "floor_flow", "where_map", "sign_V", "relu_net_V_random",
              "relu_loop_mlp_bias", "map_clip", "sat_loop", "coulomb_friction"}


def _param(cases, fast=None):
    return [pytest.param(c, id=c.name,
                         marks=[pytest.mark.slow] if c.slow or (fast is not None
                                                               and c.name not in fast) else [])
            for c in cases]


def test_suite_shape():
    names = [c.name for c in adv.CASES]
    assert len(names) == len(set(names))
    assert len(WRONG) >= 40 and len(VALID) >= 20
    fams = {c.family for c in WRONG}
    assert {"kink_at_eq", "kink_near_eq", "sliver", "bump", "neg_near_eq", "discontinuous",
            "relu_net_V", "relu_loop", "map"} <= fams
    assert any(c.kind == "dt" for c in WRONG) and any(c.kind == "dt" for c in VALID)
    for c in adv.CASES:
        assert c.doc, c.name
        assert c.expected in ("wrong", "valid")
        if c.expected == "wrong":
            assert c.violation in ("positivity", "decrease")
            assert c.domain.contains(np.asarray(c.point))
    with pytest.raises(KeyError, match="no adversarial case"):
        adv.get("nope")


@pytest.mark.parametrize("case", _param(WRONG))
def test_violating_point_is_proven(case, x64):
    v = case.verify()
    assert v.proven, v.detail
    assert v.lower >= 0


def test_verification_refuses_what_it_cannot_prove(x64):
    relu = adv.get("relu_at_eq")
    assert not relu.verify((-0.5, 0.0)).proven  # V(−0.5, 0) = 0.25 > 0
    assert not relu.verify((0.0, 0.0)).proven  # the equilibrium itself
    assert relu.verify((2.0, 0.0)).detail == "point outside the box"
    # on the jump of f: the comparison x₀ > 0.5 is decided but the derivative is not
    v = adv.get("where_flow").verify((0.5, 0.0))
    assert not v.proven and v.detail.startswith("undecided")
    # a kink of V crossed by the derivative direction is refused, not resolved by a branch
    v = adv.get("relu_net_V_l1_rot").verify((0.0, 0.5))
    assert not v.proven and "kink" in v.detail
    # ties of round() are refused
    assert not adv.get("round_flow").verify((0.5, 0.0)).proven
    with pytest.raises(ValueError, match="dimension"):
        relu.verify((0.1,))


@pytest.mark.parametrize("case", _param(adv.CASES, AGREE_FAST))
def test_jax_and_ball_formulas_agree(case, x64):
    rng = np.random.default_rng(len(case.name))
    pts = rng.uniform(case.lo, case.hi, (4, case.n))
    if case.point is not None:
        pts = np.vstack([case.point, pts])
    prob = case.problem()
    vj, fj, cj = (np.asarray(a) for a in jax.jit(jax.vmap(
        lambda x: (case.V_jax(x), case.f_jax(x), prob.conditions(x))))(jnp.asarray(pts)))
    checked = 0
    for x, v, f in zip(pts, vj, fj, strict=True):
        try:
            vb = float(case.V_ball(x).v.mid())
            fb = np.array([float(u.v.mid()) for u in case.f_ball(x)])
        except adv.Undecided:
            continue
        checked += 1
        assert vb == pytest.approx(float(v), rel=1e-12, abs=1e-12)
        np.testing.assert_allclose(fb, f, rtol=1e-12, atol=1e-12)
    assert checked >= 3
    if case.point is not None:  # the problem a certifier sees violates there too (float64)
        assert cj[0, 0 if case.violation == "positivity" else 1] >= 0


@pytest.mark.parametrize("case", _param(VALID))
def test_valid_cases_hold_exactly_at_sample_points(case, x64):
    rng = np.random.default_rng(7)
    pts = rng.uniform(case.lo, case.hi, (25, case.n))
    pts = np.vstack([pts, 1e-3 * pts[:5], np.diag(case.hi)])  # near x*, on the axes
    for x in pts:
        for which in ("positivity", "decrease"):
            v = case.verify(x, which)
            assert not v.proven, (x, which, v.detail)
    # and the conditions evaluate strictly at some point, in ball arithmetic
    x = 0.5 * np.asarray(case.hi)
    assert case.verify(x, "positivity").lower < 0


def test_operation_tables_agree(x64):
    """Every operation of the ball table matches JAX's on points off the kinks."""
    J, B = adv.JAX_OPS, adv.BALL_OPS
    for v in (-1.7, -0.3, 0.2, 0.6, 2.4):
        b = adv.D(v)
        pairs = [(J.relu(v), B.relu(b)), (J.leaky_relu(v), B.leaky_relu(b)),
                 (J.abs(v), B.abs(b)), (J.max(v, 0.1), B.max(b, 0.1)),
                 (J.min(v, 0.1), B.min(b, 0.1)), (J.sign(v), B.sign(b)),
                 (J.floor(v), B.floor(b)), (J.round(v), B.round(b)), (J.tanh(v), B.tanh(b)),
                 (J.exp(v), B.exp(b)), (J.clip(v, -0.5, 0.5), B.clip(b, -0.5, 0.5)),
                 (J.where(jnp.asarray(v) > 0.5, 1.0, -1.0), B.where(b > 0.5, 1.0, -1.0))]
        if v > 0:
            pairs.append((J.sqrt(v), B.sqrt(b)))
        for j, ball in pairs:
            assert float(adv.D.lift(ball).v.mid()) == pytest.approx(float(j), rel=1e-15,
                                                                    abs=1e-300)
    # derivatives of the dual numbers (tanh′ = 1 − tanh², relu′ = 1 on x > 0)
    d = adv.BALL_OPS.tanh(adv.D(0.3, 1.0)).d
    assert float(d.mid()) == pytest.approx(1 - np.tanh(0.3) ** 2, rel=1e-14)
    assert adv.BALL_OPS.relu(adv.D(0.3, 2.0)).d == 2
    with pytest.raises(adv.Undecided):
        adv.BALL_OPS.relu(adv.D(0.0, 1.0))  # a kink in the direction of the derivative
    assert adv.BALL_OPS.relu(adv.D(0.0)).v == 0  # a value at the kink is fine


def test_claim_contains():
    from chaosgym.lyapunov.certify import Certificate, Status

    def cert(status, r, shape):
        scope = {"x_eq": np.zeros(2), "hole_radius": r, "hole_shape": shape}
        e = (np.zeros((0, 2)), np.zeros((0, 2)))
        return Certificate(status, "float_interval", scope, e, None, np.zeros((0, 2)),
                           np.zeros(0), e, {}, {})

    p = (0.06, 0.06)  # sup norm 0.06, Euclidean 0.0849
    assert adv.claim_contains(cert(Status.CERTIFIED, 0.0, None), p)
    assert not adv.claim_contains(cert(Status.CERTIFIED, 0.0, None), (0.0, 0.0))
    assert adv.claim_contains(cert(Status.CERTIFIED_OUTSIDE_HOLE, 0.07, "box"), p) is False
    assert adv.claim_contains(cert(Status.CERTIFIED_OUTSIDE_HOLE, 0.05, "box"), p)
    assert adv.claim_contains(cert(Status.CERTIFIED_OUTSIDE_HOLE, 0.07, "ball"), p)
    assert not adv.claim_contains(cert(Status.CERTIFIED_OUTSIDE_HOLE, 0.09, "ball"), p)
    assert not adv.claim_contains(cert(Status.UNKNOWN, 0.0, None), p)
    assert not adv.claim_contains(cert(Status.COUNTEREXAMPLE, 0.0, None), p)


# --------------------------------------------------------------------------- the certifier
#: a small budget: UNKNOWN is an acceptable answer here, a wrong verdict never is
CERT_BUDGET = {"max_boxes": 20_000, "time_limit": 4.0}
#: cases certified in the default suite: most families' cases that the certifier once
#: certified wrongly, ReLU and discontinuous closed loops, and a spread of valid ones; the
#: rest behind ``slow`` (and all of them in ``benchmarks/bench_soundness.py``)
CERT_FAST = {"relu_at_eq", "abs_pair_at_eq", "max_at_eq_hole", "where_at_eq", "relu_shift_V",
             "bump_relu_inf", "bump_where_disc", "bump_relu_3d", "neg_near_tiny", "sign_V",
             "map_positivity", "relu_flow_at_eq", "floor_flow",
             "l1_V", "sat_decoupled", "coulomb_friction", "relu_kink_loop"}
#: cases also run with rigorous=True and method="sos" in the default suite
MODES_FAST = {"relu_at_eq", "bump_relu_inf", "sign_V", "l1_V"}


def _certify(case, **kw):
    from chaosgym.lyapunov import certify

    return certify(case.problem(), **{**CERT_BUDGET, **case.certify_kwargs, **kw})


@pytest.mark.parametrize("case", _param(WRONG, CERT_FAST))
def test_certify_never_certifies_a_wrong_case(case, x64):
    c = _certify(case)
    assert not adv.claim_contains(c, case.point), c.summary()
    if c.status == "COUNTEREXAMPLE":  # a reported counterexample is a real one
        from chaosgym.lyapunov.certify import confirm_points

        assert confirm_points(case.problem(), c.counterexamples[:1])[0].all()


@pytest.mark.parametrize("case", _param(WRONG, MODES_FAST))
@pytest.mark.parametrize("mode", [{"rigorous": True}, {"method": "sos"}], ids=["rigorous", "sos"])
def test_certify_modes_never_certify_a_wrong_case(case, mode, x64):
    c = _certify(case, **mode)
    assert not adv.claim_contains(c, case.point), c.summary()


@pytest.mark.parametrize("case", _param(VALID, CERT_FAST))
def test_certify_never_refutes_a_valid_case(case, x64):
    c = _certify(case)
    assert c.status != "COUNTEREXAMPLE", c.summary()


@pytest.mark.parametrize("case", _param(VALID, MODES_FAST))
@pytest.mark.parametrize("mode", [{"rigorous": True}, {"method": "sos"}], ids=["rigorous", "sos"])
def test_certify_modes_never_refute_a_valid_case(case, mode, x64):
    c = _certify(case, **mode)
    assert c.status != "COUNTEREXAMPLE", c.summary()
