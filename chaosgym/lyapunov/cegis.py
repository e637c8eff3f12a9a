"""Counterexample-guided training of neural Lyapunov candidates (CEGIS).

The learner fits a :class:`~chaosgym.lyapunov.candidates.NeuralV` (positive definite by
construction) by minimising the hinge loss ``mean(relu(V̇(x) + τ‖x − x*‖²))`` on a training
set; the falsifier (:func:`~chaosgym.lyapunov.falsify.falsify`) searches for violations of
the trained candidate, which are added (with a small cloud around each) to the training set,
and the loop repeats until the falsifier finds nothing. The result is then handed to
:func:`~chaosgym.lyapunov.certify.certify`: CEGIS itself proves nothing.

References:
    A. Solar-Lezama et al., "Combinatorial sketching for finite programs", ASPLOS (2006)
    (counterexample-guided inductive synthesis).
    Y.-C. Chang, N. Roohi and S. Gao, "Neural Lyapunov control", NeurIPS (2019).
    A. Abate, D. Ahmed, M. Giacobbe and A. Peruffo, "Formal synthesis of Lyapunov neural
    networks", IEEE Control Syst. Lett. 5, 773–778 (2021).
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from chaosgym.lyapunov.candidates import NeuralV
from chaosgym.lyapunov.falsify import falsify
from chaosgym.lyapunov.problem import Box, LyapunovProblem

Array = jax.Array

__all__ = ["CegisResult", "cegis"]


@dataclasses.dataclass
class CegisResult:
    """The trained candidate, its problem, and per-round ``(loss, counterexamples found)``."""

    V: NeuralV
    problem: LyapunovProblem
    history: list[tuple[float, int]]
    converged: bool
    seconds: float


def cegis(
    f: Callable[[Array], Array],
    domain: Box,
    key: Any,
    *,
    x_eq: Any = None,
    kind: str = "ct",
    width: int = 64,
    depth: int = 2,
    out: int = 8,
    eps: float = 0.1,
    tau: float = 0.05,
    rounds: int = 6,
    steps: int = 600,
    lr: float = 3e-3,
    n_train: int = 4096,
    batch: int = 1024,
    P: Any = None,
    init_scale: float = 1.0,
) -> CegisResult:
    """Train a neural Lyapunov candidate for ``f`` on ``domain`` with the falsifier in the loop.

    Args:
        f: the closed loop (``x -> dx/dt`` or ``x -> x_next``).
        domain: the box where the conditions are wanted.
        key: JAX PRNG key (initialisation, sampling, falsifier).
        x_eq: the equilibrium (origin by default).
        kind: ``"ct"`` or ``"dt"``.
        width, depth, out: the MLP ``φ`` (``depth`` hidden layers of ``width`` tanh units).
        eps: the ``ε‖x − x*‖²`` term of ``V`` (when ``P`` is not given).
        P: the quadratic part of ``V`` (e.g. from :func:`quadratic_candidate`).
        init_scale: factor on the initial output layer of ``φ``.
        tau: decrease margin the loss asks for, ``V̇ ≤ −τ‖x − x*‖²``.
        rounds: learner–falsifier rounds; ``steps``: Adam steps per round; ``lr``: step size.
        n_train: initial uniform samples; ``batch``: minibatch size.
    """
    import optax

    from chaosgym.lyapunov.candidates import _equinox

    eqx = _equinox()
    t0 = time.perf_counter()
    n = domain.dim
    xe = np.zeros(n) if x_eq is None else np.asarray(x_eq, np.float64)
    with jax.enable_x64(True):
        k_init, k_data, key = jax.random.split(key, 3)
        cand = NeuralV(n, k_init, xe, width=width, depth=depth, out=out, eps=eps, P=P,
                       init_scale=init_scale)
        Pj = jnp.asarray(cand.P)
        params = cand.params
        xe_j = jnp.asarray(xe)
        lo, hi = jnp.asarray(domain.lo), jnp.asarray(domain.hi)
        X = np.asarray(jax.random.uniform(k_data, (n_train, n), jnp.float64, lo, hi))

        def decrease(p, x):
            V = lambda z: NeuralV.value(p, z, xe_j, Pj)  # noqa: E731
            if kind == "ct":
                return jax.jvp(V, (x,), (f(x),))[1]
            return V(f(x)) - V(x)

        def loss_fn(p, xb):
            d = jax.vmap(lambda x: decrease(p, x))(xb)
            r2 = jnp.sum((xb - xe_j) ** 2, axis=1)
            return jnp.mean(jax.nn.relu(d + tau * r2) / (1e-3 + r2))

        opt = optax.adam(lr)
        state = opt.init(eqx.filter(params, eqx.is_array))

        @eqx.filter_jit
        def step(p, s, xb):
            val, g = eqx.filter_value_and_grad(loss_fn)(p, xb)
            upd, s = opt.update(g, s, eqx.filter(p, eqx.is_array))
            return eqx.apply_updates(p, upd), s, val

        history: list[tuple[float, int]] = []
        converged = False
        rng = np.random.default_rng(int(jax.random.randint(key, (), 0, 2**31 - 1)))
        problem = None
        for r in range(rounds):
            val = jnp.inf
            for _ in range(steps):
                idx = rng.integers(0, len(X), batch)
                params, state, val = step(params, state, jnp.asarray(X[idx]))
            cand = cand.bind(params)
            problem = LyapunovProblem(f, cand, domain, xe, kind=kind, name="neural")
            key, kf = jax.random.split(key)
            fr = falsify(problem, kf, n_samples=4096, n_starts=64, steps=60,
                         max_counterexamples=64)
            history.append((float(val), len(fr.counterexamples)))
            if not fr.found:
                converged = True
                break
            cloud = fr.counterexamples[:, None, :] + 0.02 * np.asarray(domain.width) * \
                rng.normal(size=(len(fr.counterexamples), 16, n))
            cloud = np.clip(cloud.reshape(-1, n), domain.lo, domain.hi)
            X = np.concatenate([X, fr.counterexamples, cloud])
            del r
    return CegisResult(cand, problem, history, converged, time.perf_counter() - t0)
