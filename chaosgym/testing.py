"""Checks for systems and environments, used by the test suite and open to users.

:func:`check_system` reads a spec's :attr:`~chaosgym.systems.base.SystemSpec.invariants` and
checks every one of them in float64:

* ``lyapunov_sum`` of an exact identity: the divergence (trace of the Jacobian; for a map
  ``log|det J|``) at sampled states, where it is constant; otherwise, and when measured, the
  sum of the Lyapunov spectrum;
* ``lyapunov_max``, ``lyapunov_spectrum``, ``kaplan_yorke``: a
  :func:`chaosgym.analysis.spectrum` run (the invariant's ``settings`` are its arguments);
* ``fixed_point``: a point of ``spec.fixed_points`` equal to the value, with zero residual;
* any other name: the invariant's own ``measure(spec, params)``.

An invariant that cannot be checked is a failure, never a silent pass. Exact identities are
always checked (cheap); measured values only with ``measured=True`` (long runs: the slow
suite and ``benchmarks/invariants.py``).

:func:`check_env` runs Gymnasium's and (when installed) Stable-Baselines3's environment
checkers on ``gym.make(id)``.

Example::

    from chaosgym import systems, testing
    testing.check_system(systems.get("lorenz"))                  # exact identities
    testing.check_system(systems.get("lorenz"), measured=True)   # and the published λ1, ...
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from typing import Any

import numpy as np

__all__ = ["InvariantCheck", "InvariantError", "check_env", "check_system"]

_EXPONENT_NAMES = ("lyapunov_max", "lyapunov_spectrum", "lyapunov_sum", "kaplan_yorke")


class InvariantError(AssertionError):
    """A spec's invariant does not hold (or cannot be checked); lists every failing check."""

    def __init__(self, checks: list[InvariantCheck]):
        self.checks = checks
        super().__init__("; ".join(c.summary() for c in checks))


@dataclasses.dataclass(frozen=True)
class InvariantCheck:
    """The outcome of checking one invariant.

    ``passed`` is ``True``/``False``, or ``None`` when the check was skipped (a measured
    invariant without ``measured=True``). ``computed`` is the value found, ``tolerance`` the
    allowed deviation, ``method`` how it was computed.
    """

    system: str
    name: str
    reference: Any
    computed: Any
    tolerance: float
    passed: bool | None
    method: str
    source: str = ""

    @property
    def error(self) -> float:
        """Max-norm deviation ``|computed − reference|`` (``nan`` if not computed)."""
        if self.computed is None:
            return float("nan")
        c = np.atleast_1d(np.asarray(self.computed, np.float64))
        r = np.atleast_1d(np.asarray(self.reference, np.float64))
        if c.shape != r.shape:
            return float("inf")
        return float(np.max(np.abs(c - r)))

    def summary(self) -> str:
        state = {True: "ok", False: "FAILED", None: "skipped"}[self.passed]
        comp = "—" if self.computed is None else _fmt(self.computed)
        return (f"{self.system}.{self.name}: {state} (reference {_fmt(self.reference)}, "
                f"computed {comp}, tolerance {self.tolerance:.3g}; {self.method})")


def _fmt(v: Any) -> str:
    a = np.asarray(v, np.float64)
    if a.ndim == 0:
        return f"{float(a):.6g}"
    return "(" + ", ".join(f"{float(x):.6g}" for x in a.ravel()) + ")"


def _tolerance(inv) -> float:
    ref = np.atleast_1d(np.asarray(inv.value, np.float64))
    if inv.abs_tol is None and inv.rel_tol is None:
        if not inv.exact:
            raise ValueError(f"invariant {inv.name!r} states no tolerance (abs_tol or rel_tol)")
        return 1e-9 * max(1.0, float(np.max(np.abs(ref))))
    return (inv.abs_tol or 0.0) + (inv.rel_tol or 0.0) * float(np.max(np.abs(ref)))


def _divergence(spec, params, n_points: int = 5) -> np.ndarray:
    """Trace of the Jacobian (map: ``log|det J|``) at ``n_points`` randomly perturbed samples of
    ``initial_state``, float64."""
    import jax
    import jax.numpy as jnp

    out = []
    for k in jax.random.split(jax.random.key(0), n_points):
        k1, k2 = jax.random.split(k)
        x = jnp.asarray(spec.initial_state(k1, params), jnp.float64)
        # perturbed off the sampler's own set (it may pin components, e.g. zero velocities)
        x = x + 0.5 * (1.0 + jnp.abs(x)) * jax.random.normal(k2, x.shape, jnp.float64)
        J = jax.jacfwd(spec.vector_field)(x, params)
        if spec.kind == "map":
            out.append(float(jnp.linalg.slogdet(J)[1]))
        else:
            out.append(float(jnp.trace(J)))
    return np.asarray(out)


def _params(spec, inv):
    return spec.params.replace(**dict(inv.params)) if inv.params else spec.params


def check_system(
    spec: Any,
    *,
    measured: bool = False,
    names: Iterable[str] | None = None,
    raise_on_failure: bool = True,
) -> list[InvariantCheck]:
    """Check every invariant of ``spec`` (a :class:`SystemSpec` or a registered name).

    Args:
        spec: the system.
        measured: also check measured (non-exact) invariants — long runs.
        names: only these invariant names.
        raise_on_failure: raise :class:`InvariantError` listing the failures.

    Returns:
        One :class:`InvariantCheck` per invariant, in the spec's order.
    """
    import jax

    from chaosgym import systems
    from chaosgym.analysis import spectrum

    if isinstance(spec, str):
        spec = systems.get(spec)
    wanted = None if names is None else set(names)
    runs: dict[tuple, Any] = {}
    checks: list[InvariantCheck] = []

    def run_spectrum(inv, p):
        settings = dict(inv.settings or {})
        key = (repr(sorted((inv.params or {}).items())), repr(sorted(settings.items())))
        if key not in runs:
            runs[key] = spectrum(spec, params=p, **settings)
        return runs[key]

    with jax.enable_x64(True):
        for inv in spec.invariants:
            if wanted is not None and inv.name not in wanted:
                continue
            checks.append(_check_one(spec, inv, measured, run_spectrum))
    failed = [c for c in checks if c.passed is False]
    if failed and raise_on_failure:
        raise InvariantError(failed)
    return checks


def _check_one(spec, inv, measured, run_spectrum) -> InvariantCheck:
    def result(computed, method, passed=None) -> InvariantCheck:
        if passed is None and computed is not None:
            c = np.atleast_1d(np.asarray(computed, np.float64))
            r = np.atleast_1d(np.asarray(inv.value, np.float64))
            passed = bool(c.shape == r.shape and np.all(np.isfinite(c))
                          and np.max(np.abs(c - r)) <= tol)
        return InvariantCheck(spec.name, inv.name, inv.value, computed, tol, passed, method,
                              inv.source)

    try:
        tol = _tolerance(inv)
    except ValueError as e:
        tol = float("nan")
        return result(None, str(e), passed=False)
    p = _params(spec, inv)
    # exact divergence identities: pointwise, where the divergence is constant
    if inv.name == "lyapunov_sum" and inv.exact and spec.vector_field is not None:
        div = _divergence(spec, p)
        if np.ptp(div) <= 1e-9 * max(1.0, float(np.max(np.abs(div)))):
            what = "log|det J|" if spec.kind == "map" else "trace of the Jacobian"
            return result(float(div[0]), f"{what} at 5 perturbed sampled states (constant)")
    if not (inv.exact or measured):
        return result(None, "measured invariant: checked with measured=True", passed=None)
    if inv.measure is not None:
        return result(inv.measure(spec, p), "the invariant's own measure")
    if inv.name in _EXPONENT_NAMES:
        r = run_spectrum(inv, p)
        how = (f"spectrum: T = {r.time:g} {'iterates' if r.unit == 'iterate' else 'time units'}"
               f" × {len(r.per_ic)} ICs, step {r.dt:g}")
        if inv.name == "lyapunov_max":
            return result(r.max, how)
        if inv.name == "lyapunov_spectrum":
            n = len(np.atleast_1d(inv.value))
            return result(tuple(float(v) for v in r.exponents[:n]), how)
        if not r.complete:
            return result(None, f"{how}: only {len(r.exponents)} of {r.dim} exponents",
                          passed=False)
        return result(r.sum if inv.name == "lyapunov_sum" else r.kaplan_yorke, how)
    if inv.name == "fixed_point":
        return _check_fixed_point(spec, inv, p, tol, result)
    return result(None, f"no way to check {inv.name!r}: give the Invariant a measure function",
                  passed=False)


def _check_fixed_point(spec, inv, p, tol, result) -> InvariantCheck:
    import jax.numpy as jnp

    if spec.fixed_points is None or spec.vector_field is None:
        return result(None, "the spec has no fixed_points/vector_field", passed=False)
    pts = np.asarray(spec.fixed_points(p), np.float64)
    ref = np.asarray(inv.value, np.float64)
    if pts.ndim != 2 or pts.shape[1] != ref.size:
        return result(None, f"fixed_points has shape {pts.shape}, value has {ref.size} entries",
                      passed=False)
    i = int(np.argmin(np.max(np.abs(pts - ref[None, :]), axis=1)))
    x = jnp.asarray(pts[i], jnp.float64)
    fx = np.asarray(spec.vector_field(x, p), np.float64)
    res = float(np.max(np.abs(fx - pts[i] if spec.kind == "map" else fx)))
    ok = res <= tol and float(np.max(np.abs(pts[i] - ref))) <= tol
    return result(tuple(float(v) for v in pts[i]),
                  f"nearest of spec.fixed_points, residual {res:.1e}", passed=ok)


def check_env(env_id: str, *, sb3: bool = True, **make_kwargs: Any) -> None:
    """Run Gymnasium's ``check_env`` (and Stable-Baselines3's, when installed and ``sb3``) on
    ``gym.make(env_id, **make_kwargs)``; raises what the checkers raise."""
    import warnings

    import gymnasium as gym
    from gymnasium.utils.env_checker import check_env as gym_check

    import chaosgym  # noqa: F401  (registers the ids)

    env = gym.make(env_id, **make_kwargs)
    try:
        gym_check(env.unwrapped, skip_render_check=True)
    finally:
        env.close()
    if not sb3:
        return
    try:
        from stable_baselines3.common.env_checker import check_env as sb3_check
    except ImportError:
        return
    env = gym.make(env_id, **make_kwargs)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # advice on spaces, not failures
            sb3_check(env, warn=False)
    finally:
        env.close()
