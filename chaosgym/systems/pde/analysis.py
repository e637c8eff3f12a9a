"""Float64 analysis helpers for PDE systems: largest Lyapunov exponent and time averages.

:func:`largest_lyapunov` propagates a tangent vector through the *numerical* step map (the
ETDRK4 control interval, differentiated by ``jax.jvp``) and renormalises it every step
(Benettin et al. 1980); the exponent is the mean logarithmic growth per unit time. Several
initial conditions run at once (``vmap``) and their spread gives a standard error.

References:
    G. Benettin, L. Galgani, A. Giorgilli and J.-M. Strelcyn, Meccanica 15, 9 (1980).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

__all__ = ["largest_lyapunov", "time_average"]


def largest_lyapunov(
    step: Callable[[jax.Array, jax.Array, Any], jax.Array],
    x0: jax.Array,
    params: Any,
    dt: float,
    n_steps: int,
    n_inputs: int,
    key: jax.Array | None = None,
    transient: int = 0,
    chunk: int = 1000,
) -> tuple[float, float, np.ndarray]:
    """Largest Lyapunov exponent of the uncontrolled step map from the states ``x0 (B, n)``.

    Returns ``(mean, standard error over the B runs, per-run estimates)``.
    """
    x0 = jnp.atleast_2d(x0)
    key = jax.random.key(0) if key is None else key
    u0 = jnp.zeros((n_inputs,), x0.dtype)
    f = lambda x: step(x, u0, params)  # noqa: E731

    @jax.jit
    def advance(x, n):
        def body(x, _):
            return jax.vmap(f)(x), None

        return jax.lax.scan(body, x, None, length=transient)[0] if transient else x

    @jax.jit
    def run(x, v):
        def body(carry, _):
            x, v = carry
            x2, v2 = jax.vmap(lambda a, b: jax.jvp(f, (a,), (b,)))(x, v)
            nrm = jnp.linalg.norm(v2, axis=1)
            return (x2, v2 / nrm[:, None]), jnp.log(nrm)

        return jax.lax.scan(body, (x, v), None, length=chunk)

    x = advance(x0, transient)
    v = jax.random.normal(key, x.shape, x.dtype)
    v = v / jnp.linalg.norm(v, axis=1, keepdims=True)
    total = np.zeros(x.shape[0])
    done = 0
    while done < n_steps:
        (x, v), logs = run(x, v)
        total += np.asarray(jnp.sum(logs, axis=0))
        done += chunk
    per = total / (done * dt)
    se = float(np.std(per, ddof=1) / np.sqrt(len(per))) if len(per) > 1 else float("nan")
    return float(np.mean(per)), se, per


def time_average(
    step: Callable[[jax.Array, jax.Array, Any], jax.Array],
    observable: Callable[[jax.Array], jax.Array],
    x0: jax.Array,
    params: Any,
    n_steps: int,
    n_inputs: int,
) -> tuple[np.ndarray, jax.Array]:
    """Time averages of ``observable`` along uncontrolled runs from ``x0 (B, n)``: ``(B, ...)``
    averages and the final states."""
    x0 = jnp.atleast_2d(x0)
    u0 = jnp.zeros((n_inputs,), x0.dtype)

    @jax.jit
    def run(x):
        def body(x, _):
            x = jax.vmap(lambda a: step(a, u0, params))(x)
            return x, jax.vmap(observable)(x)

        x, obs = jax.lax.scan(body, x, None, length=n_steps)
        return jnp.mean(obs, axis=0), x

    avg, x = run(x0)
    return np.asarray(avg), x
