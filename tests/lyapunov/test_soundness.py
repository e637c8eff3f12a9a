"""Soundness of the certifier on non-smooth functions: kinks, branches, steps, refusals."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from chaosgym.lyapunov import Box, LyapunovProblem, Status, certify
from chaosgym.lyapunov.interval import PRIMITIVES, UnsupportedPrimitive, interval_function

# wrong candidates from the issue: each violates positivity at a point given here
WRONG = {
    "relu_at_origin": (lambda x: x[0] ** 2 + x[1] ** 2 - 0.2 * jax.nn.relu(x[0]), [0.05, 0.0]),
    "abs_pair": (lambda x: x[0] ** 2 + x[1] ** 2 - 0.1 * (jnp.abs(x[0]) + jnp.abs(-x[0])),
                 [0.05, 0.0]),
    "max_outside_old_hole": (lambda x: x @ x - 0.2 * jnp.maximum(x[0], 0.0), [0.15, 0.0]),
    "interior_bump": (lambda x: x @ x - 20 * jax.nn.relu(0.1 - jnp.abs(x[0] - 0.3)
                                                       - jnp.abs(x[1] + 0.2)), [0.3, -0.2]),
}


@pytest.mark.parametrize("name", sorted(WRONG))
def test_wrong_nonsmooth_candidates_are_never_certified(name, x64):
    V, bad = WRONG[name]
    bad = np.asarray(bad)
    assert float(V(jnp.asarray(bad))) < float(V(jnp.zeros(2)))  # the violation is real
    p = LyapunovProblem(lambda x: -x, V, Box.cube(2, 1.0))
    for kw in ({}, {"method": "sos"}):
        cert = certify(p, **kw)
        assert not cert.certified, (name, kw, cert.summary())
        assert cert.status == Status.COUNTEREXAMPLE
        # the reported point really violates a condition (positivity here)
        x = cert.counterexamples[0]
        assert float(V(jnp.asarray(x))) <= float(V(jnp.zeros(2))) + 1e-15
    assert "not polynomial" in cert.message


def test_relu_variant_in_three_dimensions(x64):
    V = lambda x: x @ x - 0.2 * jax.nn.relu(x[0] + x[1])  # noqa: E731
    cert = certify(LyapunovProblem(lambda x: -x, V, Box.cube(3, 1.0)))
    assert cert.status == Status.COUNTEREXAMPLE


def test_valid_nonsmooth_candidates_are_still_certified(x64):
    A = jnp.array([[-1.0, 2.0], [-2.0, -1.0]])
    cases = [
        (lambda x: -x, lambda x: jnp.sum(jnp.abs(x))),  # |x|_1
        (lambda x: A @ x, lambda x: jnp.maximum(x[0] ** 2 + 0.5 * x[1] ** 2,
                                                 0.5 * x[0] ** 2 + x[1] ** 2)),
        (lambda x: jnp.stack([x[1], -x[0] - x[1] - 0.5 * x[1] * jnp.abs(x[1])]),
         lambda x: 1.5 * x[0] ** 2 + x[0] * x[1] + x[1] ** 2),  # abs damping
    ]
    for f, V in cases:
        cert = certify(LyapunovProblem(f, V, Box.cube(2, 1.0)))
        assert cert.status == Status.CERTIFIED_OUTSIDE_HOLE, cert.summary()
        # the kink sits at x*: no Taylor certificate there, and the reason is given
        assert not cert.local.ok and "not smooth" in cert.local.reason
        conds = {p.condition for p in cert.proofs}
        assert conds == {"positivity", "decrease"}
    # a kink away from x*: the local certificate shrinks to a smooth box and holds
    V = lambda x: x @ x + 0.1 * jax.nn.relu(x[0] - 0.5) ** 2  # noqa: E731
    cert = certify(LyapunovProblem(lambda x: -x, V, Box.cube(2, 1.0)))
    assert cert.status == Status.CERTIFIED and cert.local.ok and cert.local.radius <= 0.5


def _flags(fn, n, lo, hi):
    F = interval_function(fn, n)
    return F(np.atleast_2d(lo), np.atleast_2d(hi), flags=True)


def test_kink_and_jump_flags(x64):
    lo, hi = np.array([-0.5, 0.2]), np.array([0.5, 0.4])
    # abs across 0: a kink, continuous
    *_, fl = _flags(lambda x: jnp.abs(x[0]), 2, lo, hi)
    assert fl.kink[0] and not fl.jump[0]
    # decided away from the kink: smooth
    *_, fl = _flags(lambda x: jnp.abs(x[1]), 2, lo, hi)
    assert not fl.kink[0]
    # sign and a Heaviside step jump
    for fn in (lambda x: jnp.sign(x[0]), lambda x: (x[0] > 0).astype(jnp.float64),
               lambda x: jnp.where(x[0] > 0, 1.0, 0.0), lambda x: jnp.floor(x[0])):
        vlo, vhi, fl = _flags(fn, 2, lo, hi)
        assert fl.jump[0]
    # branches that agree on the switching surface are proven continuous
    for fn in (lambda x: jax.nn.leaky_relu(x, 0.3)[0],
               lambda x: jnp.where(x[0] > 0, x[0] * x[1], 0.0),
               lambda x: jnp.where(x[0] > 0, x[0], 0.5 * jnp.sin(x[0]))):
        *_, fl = _flags(fn, 2, lo, hi)
        assert fl.kink[0] and not fl.jump[0]
    # a square root or logarithm that may be undefined gives [-inf, inf]
    vlo, vhi, fl = _flags(lambda x: jnp.log(x[0]) + x[1], 2, lo, hi)
    assert fl.bad[0] and vlo[0] == -np.inf and vhi[0] == np.inf


def test_max_derivative_is_the_hull_of_the_branches(x64):
    from chaosgym.lyapunov.enclosures import hull_derivative_rules

    with hull_derivative_rules():
        # forward mode, as the certifier differentiates
        G = interval_function(jax.jacfwd(lambda x: jnp.maximum(2 * x[0], x[0])), 1)
    lo, hi = G(np.array([[-0.1]]), np.array([[0.1]]))
    # Clarke's generalised gradient at the tie is [1, 2]; JAX's split weights would allow 0
    assert lo[0, 0] >= 1.0 - 1e-12 and hi[0, 0] <= 2.0 + 1e-12
    # and the caller's own derivatives are unchanged afterwards
    assert float(jax.grad(lambda x: jnp.maximum(x, -x))(0.0)) == 0.0


def test_refusals_name_the_primitive(x64):
    F = interval_function(lambda x: jnp.sort(x)[0], 2)
    with pytest.raises(UnsupportedPrimitive, match="sort"):
        F(np.zeros((1, 2)), np.ones((1, 2)))
    assert "sort" not in PRIMITIVES

    @jax.custom_jvp
    def liar(x):
        return jnp.abs(x)

    liar.defjvp(lambda p, t: (liar(p[0]), 0.0 * t[0]))
    with pytest.raises(UnsupportedPrimitive, match="liar"):
        interval_function(lambda x: liar(x[0]), 2)
    cert = certify(LyapunovProblem(lambda x: -x, lambda x: x @ x + liar(x[0]), Box.cube(2, 1.0)))
    assert cert.status == Status.UNKNOWN and "liar" in cert.message


def test_input_validation(x64):
    f = lambda x: -x  # noqa: E731
    with pytest.raises(ValueError, match="reads outside"):
        LyapunovProblem(f, lambda x: x[0] ** 2 + x[2] ** 2, Box.cube(2, 1.0))
    with pytest.raises(ValueError, match="V must return a scalar"):
        LyapunovProblem(f, lambda x: x * x, Box.cube(2, 1.0))
    with pytest.raises(ValueError, match="V is not finite"):
        certify(LyapunovProblem(f, lambda x: jnp.log(x[0]) + x @ x, Box.cube(2, 1.0)))
    with pytest.raises(ValueError, match="f is not finite"):
        certify(LyapunovProblem(lambda x: -x / x[0], lambda x: x @ x, Box.cube(2, 1.0)))
    with pytest.raises(ValueError, match="overflow"):
        certify(LyapunovProblem(f, lambda x: x @ x, Box.cube(2, 1e200)))
    with pytest.raises(ValueError, match="underflow"):
        certify(LyapunovProblem(f, lambda x: x @ x, Box.cube(2, 1e-200)))


def test_arithmetic_protocol_and_scalar_max(x64):
    from chaosgym.lyapunov.enclosures import compiled, enclose
    from chaosgym.lyapunov.interval import FloatArith, IntervalArith

    assert isinstance(FloatArith(), IntervalArith)
    with pytest.raises(TypeError, match="IntervalArith"):
        interval_function(lambda x: x[0], 1)(np.zeros((1, 1)), np.zeros((1, 1)), object())
    # a map with a clipped vector (max/min of a vector and a scalar), enclosed with an
    # explicit arithmetic object
    p = LyapunovProblem(lambda x: 0.5 * jnp.clip(x, -0.5, 0.5), lambda x: x @ x,
                        Box.cube(2, 1.0), kind="dt")
    lo, hi = np.array([[0.4, -0.1]]), np.array([[0.6, 0.1]])
    _, upper, *_ = enclose(compiled(p), lo, hi, arith=FloatArith())
    assert upper[0, 1] < 0
    assert certify(p).certified


def test_a_flow_with_a_jumping_V_is_not_certified(x64):
    # V jumps up by 0.1 across x0 = 0 while trajectories rotate through it: dV/dt < 0
    # everywhere else, but V is not a Lyapunov function; the Lie derivative is blind to it
    A = jnp.array([[-0.1, 1.0], [-1.0, -0.1]])
    V = lambda x: x @ x + 0.1 * (x[0] > 0).astype(jnp.float64)  # noqa: E731
    cert = certify(LyapunovProblem(lambda x: A @ x, V, Box.cube(2, 1.0)), max_boxes=3000)
    assert not cert.certified


def test_scatter_with_constant_indices_is_enclosed(x64):
    def fn(x):
        return jnp.zeros(3).at[1].add(x[0] * x[1]).at[jnp.array([0, 0])].add(x[2]) \
            + x.at[2].set(x[0] ** 2)

    F = interval_function(fn, 3)
    lo, hi = np.array([[0.1, 0.2, -1.0]]), np.array([[0.3, 0.5, 2.0]])
    ylo, yhi = F(lo, hi)
    pts = lo + (hi - lo) * np.random.default_rng(0).uniform(size=(500, 3))
    v = np.asarray(jax.vmap(fn)(jnp.asarray(pts)))
    assert np.all(v >= ylo) and np.all(v <= yhi)
    assert np.allclose(ylo, [-1.9, 0.02 + 0.2, 0.01]) and np.allclose(yhi, [4.3, 0.65, 0.09])
