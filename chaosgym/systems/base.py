"""What a system is: :class:`SystemSpec`, actuation models and reference invariants.

A system is *what evolves*. It is described by a frozen :class:`SystemSpec` holding pure
functions of ``(x, params)``; how it is integrated (``chaosgym.integrators``) and why it is
controlled (``chaosgym.tasks``) live elsewhere. Adding a system is one new module that defines
a params pytree, a vector field (or map) and a ``SPEC``, plus one line in
``chaosgym/systems/__init__.py``.

Conventions
-----------
* ``kind`` is ``"ode"`` (x' = f(x)), ``"map"`` (x_{k+1} = F(x_k)) or ``"pde"`` (a semilinear
  PDE stepped by its own ``make_stepper``). Non-autonomous forcing is carried in the state
  (a phase variable), so every vector field is autonomous.
* Control enters through an :class:`Actuation`: additive forcing ``f(x, p) + B(p) u`` or
  parametric control ``f(x, p + δp(u))``. ``u`` is in physical units; the environment maps its
  normalised action in ``[-1, 1]`` to ``u`` by a per-input scale.
* ``initial_state(key, params)`` is a cheap sampler around the attractor; environments warm
  a bank of attractor states from it once, at construction, and draw fresh initial
  conditions from that bank inside jit.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from typing import Any, Literal

import jax
import jax.numpy as jnp
import numpy as np

from chaosgym._pytree import field_names

Array = jax.Array
Params = Any
Kind = Literal["ode", "map", "pde"]

__all__ = [
    "Actuation",
    "Additive",
    "Invariant",
    "Parametric",
    "SparseActuators",
    "SystemSpec",
    "components",
]


@dataclasses.dataclass(frozen=True)
class Invariant:
    """A published (or exactly known) invariant a system is validated against.

    :func:`chaosgym.testing.check_system` reads these and checks every one; an invariant it
    cannot check is a failure, so a wrong value in a spec fails a test.

    Attributes:
        name: ``"lyapunov_max"``, ``"lyapunov_sum"``, ``"lyapunov_spectrum"``,
            ``"kaplan_yorke"`` (exponents per the system's time unit, measured by
            :func:`chaosgym.analysis.spectrum`), ``"fixed_point"`` (a point of
            ``spec.fixed_points`` with zero residual), or a system-specific name with a
            ``measure`` function.
        value: the reference value (a number or a tuple).
        source: the citation.
        rel_tol, abs_tol: the check passes when ``|computed − value| ≤ abs_tol +
            rel_tol·|value|`` (max-norms for tuples).
        exact: an identity rather than a measurement (always checked; measured invariants
            are checked by ``check_system(spec, measured=True)``, the slow suite).
        params: parameter overrides at which the invariant holds (e.g. ``{"r": 4.0}``).
        settings: keyword arguments of the measurement (for exponents: ``spectrum``'s
            ``steps``, ``dt``, ``n_ic``, ...).
        measure: ``(spec, params) -> value`` for a system-specific invariant.
    """

    name: str
    value: float | tuple[float, ...]
    source: str
    rel_tol: float | None = None
    abs_tol: float | None = None
    exact: bool = False
    params: Mapping[str, Any] | None = None
    settings: Mapping[str, Any] | None = None
    measure: Callable[[Any, Any], Any] | None = None


class Actuation:
    """How a control ``u`` enters a system. Subclasses implement :meth:`field`."""

    name: str = "actuation"

    def num_inputs(self, params: Params) -> int:
        raise NotImplementedError

    def field(self, spec: SystemSpec, x: Array, u: Array, params: Params) -> Array:
        """The controlled vector field (or map) at ``x`` under input ``u``."""
        raise NotImplementedError

    def scale(self, params: Params) -> Array:
        """Physical magnitude of each input when the normalised action is ±1."""
        raise NotImplementedError


@dataclasses.dataclass(frozen=True)
class Additive(Actuation):
    """Additive forcing ``f(x, p) + B(p) @ u`` with ``|u_i| <= u_max``.

    ``matrix(params)`` returns the ``(n, m)`` actuator matrix ``B``. When ``matrix`` is a
    :class:`SparseActuators` (one nonzero per column: what :func:`components` builds) the
    field adds ``B u`` by a scatter, never forming ``B``, so the cost is ``O(n + m)`` instead
    of ``O(n m)``; ``matrix(params)`` still gives the dense ``B`` for analysis.
    """

    matrix: Callable[[Params], Array]
    u_max: float = 1.0
    name: str = "additive"

    def num_inputs(self, params: Params) -> int:
        if isinstance(self.matrix, SparseActuators):
            return self.matrix.num_inputs(params)
        return int(self.matrix(params).shape[1])

    def field(self, spec: SystemSpec, x: Array, u: Array, params: Params) -> Array:
        if isinstance(self.matrix, SparseActuators):
            return spec.vector_field(x, params) + self.matrix.apply(u.astype(x.dtype), params)
        B = self.matrix(params).astype(x.dtype)
        return spec.vector_field(x, params) + B @ u.astype(x.dtype)

    def scale(self, params: Params) -> Array:
        return jnp.full((self.num_inputs(params),), self.u_max)


@dataclasses.dataclass(frozen=True)
class SparseActuators:
    """An actuator matrix with one nonzero per column: input ``j`` adds ``weight · u_j`` to
    state component ``rows(params)[j]``.

    ``rows(params)`` gives the (static, concrete) row of every input, ``n(params)`` the state
    dimension and ``weight`` a scalar (or ``params -> scalar``). Calling the object returns the
    dense ``(n, m)`` matrix (for linear analysis); :meth:`apply` adds ``B u`` in ``O(n + m)``.
    """

    rows: Callable[[Params], Any]
    n: Callable[[Params], int]
    weight: float | Callable[[Params], Any] = 1.0

    def indices(self, params: Params) -> np.ndarray:
        """The state component each input acts on (concrete integers, one per input)."""
        r = np.asarray(self.rows(params), dtype=np.int64).reshape(-1)
        dim = int(self.n(params))
        if r.size and (r.min() < 0 or r.max() >= dim):
            raise ValueError(f"actuator rows {r.tolist()} out of range for dimension {dim}")
        return r

    def _weight(self, params: Params) -> Any:
        return self.weight(params) if callable(self.weight) else self.weight

    def num_inputs(self, params: Params) -> int:
        return int(self.indices(params).size)

    def __call__(self, params: Params) -> Array:
        r = self.indices(params)
        B = jnp.zeros((int(self.n(params)), r.size))
        return B.at[jnp.asarray(r), jnp.arange(r.size)].set(self._weight(params))

    def apply(self, u: Array, params: Params) -> Array:
        """``B @ u`` without forming ``B`` (a plain product when ``B`` is the identity)."""
        r = self.indices(params)
        dim = int(self.n(params))
        w = jnp.asarray(self._weight(params), u.dtype)
        if r.size == dim and np.array_equal(r, np.arange(dim)):
            return w * u
        return jnp.zeros((dim,), u.dtype).at[jnp.asarray(r)].add(w * u)


@dataclasses.dataclass(frozen=True)
class Parametric(Actuation):
    """Parametric control: ``u_i`` perturbs the named parameter ``names[i]`` by at most
    ``bounds[i]`` (the OGY setting: small kicks to an accessible system parameter)."""

    names: tuple[str, ...]
    bounds: tuple[float, ...]
    name: str = "parametric"

    def __post_init__(self) -> None:
        if len(self.names) != len(self.bounds):
            raise ValueError("Parametric actuation needs one bound per parameter name")

    def num_inputs(self, params: Params) -> int:
        return len(self.names)

    def field(self, spec: SystemSpec, x: Array, u: Array, params: Params) -> Array:
        valid = field_names(params)
        changes = {}
        for i, n in enumerate(self.names):
            if n not in valid:
                raise ValueError(f"{spec.name} has no parameter {n!r}; parameters: {valid}")
            changes[n] = getattr(params, n) + u[i]
        return spec.vector_field(x, dataclasses.replace(params, **changes))

    def scale(self, params: Params) -> Array:
        return jnp.asarray(self.bounds)


def components(
    *indices: int, n: int | Callable[[Params], int], weight: float = 1.0
) -> SparseActuators:
    """Actuator matrix factory: one input added to each listed state component (sparse)."""
    idx = tuple(int(i) for i in indices)
    return SparseActuators(
        rows=lambda params: idx,
        n=n if callable(n) else (lambda params: n),
        weight=weight,
    )


@dataclasses.dataclass(frozen=True)
class SystemSpec:
    """Everything the rest of the library needs to know about one dynamical system.

    Attributes:
        name: registry key, lower case (``"lorenz"``).
        title: human name used in ids and docs (``"Lorenz"``).
        kind: ``"ode"``, ``"map"`` or ``"pde"``.
        params: default parameters (a pytree dataclass; static fields fix shapes).
        dim: state dimension as a function of params.
        vector_field: ``f(x, params) -> dx/dt`` (ODE) or ``F(x, params) -> x_next`` (map);
            for PDEs the right-hand side in physical space (may be ``None``).
        actuations: named actuation models; the first is the default.
        initial_state: ``(key, params) -> x0``: a cheap sampler near the attractor.
        dt: default control interval (time between actions); 1 for maps.
        substeps: default integrator substeps per control interval.
        integrator: default integrator name (``"rk4"``, ``"dopri5"``, ...).
        fixed_points: ``params -> (k, n)`` array of equilibria (or ``None``).
        bound: the state is declared diverged when ``max|x| > bound`` or non-finite.
        warmup: time integrated from ``initial_state`` to reach the attractor.
        invariants: reference invariants with their sources.
        references: citations.
        labels: names of the state components (for plots and docs).
        lyapunov_dt: time step used for Lyapunov-exponent runs.
        iterate_time: for a map that advances a continuous time (a delay equation stepped by
            the method of steps), the time one iterate advances (a number or
            ``params -> float``); Lyapunov exponents are then reported per unit time.
            ``None`` (a genuine map): per iterate.
        make_stepper: optional override ``(spec, actuation, dt, substeps, integrator,
            params) -> step(x, u, params)``: PDEs use it to precompute ETDRK4 coefficients once.
        description: one line for listings.
        model_kind: the mathematical model when it differs from ``kind``, for listings and
            docs (``"dde"``: a delay differential equation stepped as a map of its history).
    """

    name: str
    title: str
    kind: Kind
    params: Params
    dim: Callable[[Params], int]
    vector_field: Callable[[Array, Params], Array] | None
    actuations: Mapping[str, Actuation]
    initial_state: Callable[[Array, Params], Array]
    dt: float
    substeps: int = 1
    integrator: str = "rk4"
    fixed_points: Callable[[Params], Array] | None = None
    bound: float = 1e3
    warmup: float = 50.0
    invariants: tuple[Invariant, ...] = ()
    references: tuple[str, ...] = ()
    labels: tuple[str, ...] | None = None
    lyapunov_dt: float = 0.01
    iterate_time: float | Callable[[Params], float] | None = None
    make_stepper: Callable[..., Callable[[Array, Array, Params], Array]] | None = None
    description: str = ""
    doc: str = ""
    model_kind: str | None = None

    def __post_init__(self) -> None:
        if self.kind not in ("ode", "map", "pde"):
            raise ValueError(f"kind must be 'ode', 'map' or 'pde', got {self.kind!r}")
        if not self.actuations:
            raise ValueError(f"system {self.name!r} declares no actuation")

    @property
    def default_actuation(self) -> str:
        return next(iter(self.actuations))

    def actuation(self, name: str | None = None) -> Actuation:
        name = name or self.default_actuation
        try:
            return self.actuations[name]
        except KeyError:
            raise ValueError(
                f"system {self.name!r} has no actuation {name!r}; choose one of "
                f"{sorted(self.actuations)}"
            ) from None

    def with_params(self, **overrides: Any) -> Params:
        """Default params with some fields replaced; unknown names raise ``TypeError``."""
        return self.params.replace(**overrides)

    def controlled_field(
        self, actuation: str | None = None
    ) -> Callable[[Array, Array, Params], Array]:
        """``(x, u, params) -> dx/dt`` (or ``x_next`` for maps) under the named actuation."""
        act = self.actuation(actuation)

        def f(x: Array, u: Array, params: Params) -> Array:
            return act.field(self, x, u, params)

        return f

    def invariant(self, name: str) -> Invariant | None:
        for inv in self.invariants:
            if inv.name == name:
                return inv
        return None
