"""Region of attraction: certified sublevel sets, for flows and maps."""

from __future__ import annotations

import jax.numpy as jnp
import numpy as np

from chaosgym.lyapunov import Box, LyapunovProblem, Status, certify
from chaosgym.lyapunov.roa import estimate_roa, sublevel_contains


def test_roa_of_cubic_flow_approaches_the_exact_level(x64):
    # x' = −x + x³, y' = −y with V = x² + y²: dV/dt < 0 exactly where x² < 1, so the largest
    # invariant sublevel set inside the box has level 1
    p = LyapunovProblem(lambda x: jnp.stack([-x[0] + x[0] ** 3, -x[1]]), lambda x: x @ x,
                        Box.cube(2, 2.0))
    r = estimate_roa(p, iters=8)
    assert r.certified and r.certificate.scope["kind"] == "sublevel"
    assert 0.95 <= r.level < 1.0
    assert not certify(p, level=1.05, falsify_first=False, max_boxes=20_000).certified
    assert sublevel_contains(p, r.level, np.array([[0.5, 0.5]]))[0]


def test_roa_of_a_map(x64):
    # x⁺ = x/2 + x², V = x²: V decreases exactly for −3/2 < x < 1/2, so the level is 1/4
    p = LyapunovProblem(lambda x: 0.5 * x + x**2, lambda x: x @ x, Box.cube(1, 2.0), kind="dt")
    r = estimate_roa(p, iters=8)
    assert r.certified
    assert 0.23 <= r.level < 0.25


def test_level_outside_the_box_is_rejected(x64):
    p = LyapunovProblem(lambda x: -x, lambda x: x @ x, Box.cube(2, 1.0))
    ok = certify(p, level=0.9, falsify_first=False)
    assert ok.status == Status.CERTIFIED
    bad = certify(p, level=1.1, falsify_first=False, max_boxes=20_000)
    assert not bad.certified
