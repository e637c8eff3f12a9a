"""Rigorous (python-flint arb) re-check agrees with the float interval certificates."""

from __future__ import annotations

import numpy as np
import pytest

from chaosgym.lyapunov import Status, certify
from chaosgym.lyapunov.interval import FloatArith, interval_function
from chaosgym.lyapunov.rigorous import ArbArith, arb_array

from .cases import CASES

pytest.importorskip("flint")


def test_rigorous_confirms_counterexamples(x64):
    for case in CASES:
        if case.expected != "counterexample":
            continue
        cert = certify(case.problem(), rigorous=True)
        assert cert.status == Status.COUNTEREXAMPLE
        assert cert.rigour == "rigorous"


@pytest.mark.slow
@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_rigorous_mode_end_to_end(case, x64):
    cert = certify(case.problem(), rigorous=True)
    if case.expected == "counterexample":
        assert cert.status == Status.COUNTEREXAMPLE
    else:
        assert cert.certified and cert.rigour == "rigorous", cert.summary()


def test_arb_and_float_enclosures_are_consistent(x64):
    import jax
    import jax.numpy as jnp

    fn = lambda x: jnp.stack([jnp.tanh(x[0]) * jnp.exp(x[1]) - x[0] ** 3,  # noqa: E731
                              jnp.sin(x[0] * x[1]) + jnp.log1p(x[1] ** 2) / (2.0 + x[0])])
    F = interval_function(fn, 2)
    rng = np.random.default_rng(1)
    c = rng.uniform(-1, 1, (20, 2))
    w = rng.uniform(0, 0.2, (20, 2))
    lo, hi = c - w, c + w
    fl, fh = F(lo, hi, FloatArith())
    al, ah = F(arb_array(lo), arb_array(hi), ArbArith())
    al = np.vectorize(lambda v: float(v.mid()))(al)
    ah = np.vectorize(lambda v: float(v.mid()))(ah)
    # both enclose sampled values; and the two enclosures overlap tightly
    pts = lo[:, None, :] + (hi - lo)[:, None, :] * rng.uniform(0, 1, (20, 64, 2))
    vals = np.asarray(jax.jit(jax.vmap(jax.vmap(fn)))(jnp.asarray(pts)))
    assert np.all(vals >= fl[:, None, :]) and np.all(vals <= fh[:, None, :])
    assert np.all(vals >= al[:, None, :] - 1e-12) and np.all(vals <= ah[:, None, :] + 1e-12)
    assert np.mean(np.isclose(al, fl, atol=1e-9)) > 0.9
    assert np.mean(np.isclose(ah, fh, atol=1e-9)) > 0.9
