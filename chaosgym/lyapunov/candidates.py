"""Lyapunov candidates: quadratic (Lyapunov equation, LQR), polynomial (SOS) and neural.

* :func:`quadratic_candidate` — ``V(x) = (x − x*)ᵀ P (x − x*)`` with ``P`` solving the
  Lyapunov equation of the linearisation ``A = ∂f/∂x(x*)`` (``AᵀP + PA = −Q`` or
  ``AᵀPA − P = −Q``), via :func:`chaosgym.control.lyapunov_matrix`.
* :func:`lqr_candidate` — the same form with the Riccati solution of an
  :class:`~chaosgym.control.LQRController`.
* :func:`sos_candidate` — a polynomial ``V`` found by a sum-of-squares program (cvxpy + SCS):
  ``V − ε‖x‖²`` and ``−V̇ − ε‖x‖²`` SOS. The SDP answer is approximate; the candidate is
  then checked by :func:`~chaosgym.lyapunov.certify.certify`, never trusted as it is.
* :func:`sos_certify` — an *exact* SOS proof for a polynomial problem: the Gram matrices
  returned by SCS are rounded to rationals, projected exactly onto the coefficient-matching
  affine space, and checked positive semidefinite by an exact rational LDLᵀ
  (Peyrl & Parrilo). The margins ``ε Σᵢ yᵢ^{2kᵢ}`` use, per coordinate, the lowest even power
  present in the polynomial, which makes degenerate candidates (``dV/dt = −2x⁴ − 2y²``)
  provable on all of ``Rⁿ \\ {x*}``.
* :class:`NeuralV` — an equinox MLP candidate, positive definite by construction:
  ``V(x) = ‖φ(x) − φ(x*)‖² + ε‖x − x*‖²`` (trained by :mod:`chaosgym.lyapunov.cegis`).

References:
    P. A. Parrilo, "Structured semidefinite programs and semialgebraic geometry methods in
    robustness and optimization", PhD thesis, Caltech (2000).
    H. Peyrl and P. A. Parrilo, "Computing sum of squares decompositions with rational
    coefficients", Theoret. Comput. Sci. 409, 269–281 (2008).
    B. Reznick, "Extremal PSD forms with few terms", Duke Math. J. 45, 363–374 (1978)
    (Newton polytope of a sum of squares).
    Y.-C. Chang, N. Roohi and S. Gao, "Neural Lyapunov control", NeurIPS (2019).
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable
from fractions import Fraction
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

Array = jax.Array

__all__ = [
    "NeuralV",
    "lqr_candidate",
    "quadratic_candidate",
    "sos_candidate",
    "sos_certify",
]


# --------------------------------------------------------------------------- quadratic
def _quadratic(P: np.ndarray, x_eq: np.ndarray) -> Callable[[Array], Array]:
    P = 0.5 * (np.asarray(P, np.float64) + np.asarray(P, np.float64).T)
    xe = np.asarray(x_eq, np.float64)

    def V(x: Array) -> Array:
        # constants enter at the caller's precision (float64 under analysis)
        d = x - jnp.asarray(xe, x.dtype)
        return d @ jnp.asarray(P, x.dtype) @ d

    V.P = P  # type: ignore[attr-defined]
    return V


def quadratic_candidate(f: Callable[[Array], Array], x_eq: Any, kind: str = "ct",
                        Q: Any = None) -> tuple[Callable[[Array], Array], np.ndarray]:
    """``(V, P)`` from the Lyapunov equation of the linearisation of ``f`` at ``x_eq``.

    Raises ``ValueError`` when the linearisation is not Hurwitz (``ct``) or Schur (``dt``).
    """
    from chaosgym.control import lyapunov_matrix

    x_eq = np.asarray(x_eq, np.float64)
    with jax.enable_x64(True):
        A = np.asarray(jax.jacfwd(f)(jnp.asarray(x_eq)), np.float64)
    ev = np.linalg.eigvals(A)
    if (kind == "ct" and np.max(ev.real) >= 0) or (kind == "dt" and np.max(np.abs(ev)) >= 1):
        raise ValueError(f"the linearisation at x_eq is not stable (eigenvalues {ev})")
    P = lyapunov_matrix(A, Q, kind)
    return _quadratic(P, x_eq), P


def lqr_candidate(controller: Any) -> Callable[[Array], Array]:
    """``V(x) = (x − x*)ᵀ P (x − x*)`` with the controller's Riccati solution ``P``."""
    return _quadratic(controller.P, controller.x_eq)


# --------------------------------------------------------------------------- SOS machinery
def _newton_basis(support: list[tuple[int, ...]], n: int) -> list[tuple[int, ...]]:
    """Monomials ``α`` with ``2α`` in the convex hull of ``support`` (Reznick)."""
    from scipy.optimize import linprog

    S = np.asarray(support, np.float64)
    degs = S.sum(axis=1)
    lo, hi = int(np.ceil(degs.min() / 2)), int(np.floor(degs.max() / 2))
    out = []
    for d in range(lo, hi + 1):
        for combo in itertools.combinations_with_replacement(range(n), d):
            a = np.zeros(n, int)
            for i in combo:
                a[i] += 1
            target = 2.0 * a
            # is target a convex combination of the support points?
            A_eq = np.vstack([S.T, np.ones(len(S))])
            b_eq = np.concatenate([target, [1.0]])
            res = linprog(np.zeros(len(S)), A_eq=A_eq, b_eq=b_eq, bounds=(0, None),
                          method="highs")
            if res.status == 0:
                out.append(tuple(int(v) for v in a))
    return out


def _exact_psd(Q: list[list[Fraction]]) -> bool:
    """Exact positive semidefiniteness by a rational LDLᵀ with zero-pivot checks."""
    m = len(Q)
    A = [row[:] for row in Q]
    for j in range(m):
        p = A[j][j]
        if p < 0:
            return False
        if p == 0:
            if any(A[i][j] != 0 for i in range(j + 1, m)):
                return False
            continue
        for i in range(j + 1, m):
            if A[i][j] == 0:
                continue
            f = A[i][j] / p
            for k in range(j + 1, m):
                A[i][k] -= f * A[j][k]
    return True


def _sos_prove(poly_terms: dict[tuple[int, ...], Fraction], n: int,
               eps_terms: dict[tuple[int, ...], Fraction]) -> dict[str, Any] | None:
    """Prove ``p − ε·m`` is a sum of squares for some rational ``ε > 0``; exact validation.

    ``poly_terms`` / ``eps_terms``: exponent → rational coefficient of ``p`` and ``m``.
    Returns a dict with the Gram matrix, basis and ``ε``, or ``None``.
    """
    import cvxpy as cp

    support = sorted(set(poly_terms) | set(eps_terms))
    basis = _newton_basis(support, n)
    if not basis:
        return None
    m = len(basis)
    pairs: dict[tuple[int, ...], list[tuple[int, int]]] = {}
    for i in range(m):
        for j in range(m):
            g = tuple(a + b for a, b in zip(basis[i], basis[j], strict=True))
            pairs.setdefault(g, []).append((i, j))
    if any(g not in pairs for g in support):
        return None
    scale = max(float(abs(c)) for c in poly_terms.values())

    def solve(eps_fixed: float | None):
        Q = cp.Variable((m, m), symmetric=True)
        eps = cp.Variable()
        t = cp.Variable()
        cons = [Q >> t * np.eye(m)] if eps_fixed is not None else [Q >> 0]
        e = eps if eps_fixed is None else eps_fixed
        for g, ps in pairs.items():
            rhs = float(poly_terms.get(g, 0)) / scale - e * float(eps_terms.get(g, 0)) / scale
            cons.append(sum(Q[i, j] for i, j in ps) == rhs)
        if eps_fixed is None:
            cons += [eps >= 0, eps <= scale]
            obj = cp.Maximize(eps)
        else:
            cons += [t <= 1.0]
            obj = cp.Maximize(t)
        prob = cp.Problem(obj, cons)
        try:
            prob.solve(solver=cp.SCS, eps=1e-9, max_iters=20000)
        except cp.error.SolverError:
            return None, None
        if Q.value is None:
            return None, None
        return Q.value * scale, (eps.value if eps_fixed is None else eps_fixed)

    _, eps_max = solve(None)
    if eps_max is None or not np.isfinite(eps_max) or eps_max <= 0:
        return None
    for frac in (0.5, 0.1, 0.01):
        eps_r = Fraction(float(eps_max) * frac).limit_denominator(2**20)
        if eps_r <= 0:
            continue
        Qf, _ = solve(float(eps_r))
        if Qf is None:
            continue
        Qr = [[Fraction(float(Qf[i, j])).limit_denominator(2**40) for j in range(m)]
              for i in range(m)]
        for i in range(m):
            for j in range(i):
                Qr[i][j] = Qr[j][i]
        # exact projection onto  Σ_{α+β=γ} Q_αβ = p_γ − ε m_γ
        for g, ps in pairs.items():
            target = poly_terms.get(g, Fraction(0)) - eps_r * eps_terms.get(g, Fraction(0))
            r = (target - sum(Qr[i][j] for i, j in ps)) / len(ps)
            for i, j in ps:
                Qr[i][j] += r
        # the update keeps symmetry: (i, j) and (j, i) belong to the same γ
        if _exact_psd(Qr):
            return {"gram": Qr, "basis": basis, "eps": eps_r}
    return None


def _terms_of(expr, syms) -> dict[tuple[int, ...], Fraction]:
    import sympy

    if expr == 0:
        return {}
    poly = sympy.Poly(expr, *syms)
    return {tuple(int(k) for k in mono): Fraction(int(c.p), int(c.q))
            for mono, c in poly.terms()}


def _margin_terms(terms: dict[tuple[int, ...], Fraction], n: int):
    """``Σᵢ yᵢ^{2kᵢ}`` with ``2kᵢ`` the lowest even pure power of ``yᵢ`` with a positive
    coefficient; ``None`` when a coordinate has none (no strict margin possible)."""
    out = {}
    for i in range(n):
        ks = [m[i] for m, c in terms.items()
              if c > 0 and m[i] > 0 and m[i] % 2 == 0 and sum(m) == m[i]]
        if not ks:
            return None
        e = [0] * n
        e[i] = min(ks)
        out[tuple(e)] = Fraction(1)
    return out


def sos_certify(problem: Any):
    """An exact SOS certificate for a polynomial problem, or ``None`` if none was found.

    Proves ``V − V* − m ≥ ε Σ yᵢ^{2kᵢ}`` and ``−(V̇ + m) ≥ ε' Σ yᵢ^{2lᵢ}`` on all of ``Rⁿ``
    (``y = x − x*``), hence the strict conditions on the domain minus ``x*`` (status
    CERTIFIED, rigour ``rigorous``: exact rational arithmetic).
    """
    import sympy

    from chaosgym.lyapunov.certificate import Certificate, Proof, Status
    from chaosgym.lyapunov.poly import NotPolynomial, to_polynomials

    t0 = time.perf_counter()
    n = problem.n
    try:
        exprs, syms = to_polynomials(problem.conditions, n)
    except (NotPolynomial, NotImplementedError):
        return None
    ys = sympy.symbols(f"y0:{n}", real=True)
    shift = {s: y + sympy.Rational(Fraction(float(c)).numerator, Fraction(float(c)).denominator)
             for s, y, c in zip(syms, ys, problem.x_eq, strict=True)}
    proofs = []
    for k in range(2):
        p = sympy.expand(-exprs[k].subs(shift, simultaneous=True))
        terms = _terms_of(p, ys)
        if not terms:
            return None
        mt = _margin_terms(terms, n)
        if mt is None:
            return None
        pr = _sos_prove(terms, n, mt)
        if pr is None:
            return None
        pr["margin"] = mt
        proofs.append(pr)
    dom = problem.domain
    empty = (np.zeros((0, n)), np.zeros((0, n)))
    scope = {"kind": "global", "domain": dom, "x_eq": problem.x_eq.copy(), "hole_radius": 0.0,
             "hole_shape": None, "level": None}
    return Certificate(Status.CERTIFIED, "rigorous", scope, empty, None, np.zeros((0, n)),
                       np.zeros(0), empty, {"sos": time.perf_counter() - t0},
                       {"evaluated": 0, "sos_basis": [len(p["basis"]) for p in proofs],
                        "sos_eps": [str(p["eps"]) for p in proofs]},
                       "exact rational SOS certificates of positivity and decrease", problem,
                       tuple(Proof(cond, "exact rational SOS (Gram matrix checked PSD by an "
                                   "exact LDLᵀ)", "R^n minus x* (hence the domain)",
                                   {"eps": str(pr["eps"]), "basis": len(pr["basis"])})
                             for cond, pr in zip(("positivity", "decrease"), proofs,
                                                 strict=True)))


def sos_candidate(f: Callable[[Array], Array], n: int, degree: int = 2, x_eq: Any = None,
                  eps: float = 1e-3) -> Callable[[Array], Array]:
    """A polynomial ``V`` (even degree ``degree``, no constant or linear terms) with
    ``V − ε‖y‖²`` and ``−∇V·f − ε‖y‖²`` SOS according to SCS (``y = x − x*``).

    The result is a numerical candidate: check it with :func:`certify`.
    """
    import cvxpy as cp
    import sympy

    from chaosgym.lyapunov.poly import to_polynomials

    x_eq = np.zeros(n) if x_eq is None else np.asarray(x_eq, np.float64)
    fx, syms = to_polynomials(lambda x: f(x + jnp.asarray(x_eq, x.dtype)), n)
    monos = [m for d in range(2, degree + 1)
             for m in itertools.combinations_with_replacement(range(n), d)]
    mono_exprs = [sympy.Mul(*[syms[i] for i in m]) for m in monos]
    c = cp.Variable(len(monos))
    # polynomial coefficients as affine expressions of c
    Vd = {}
    for k, e in enumerate(mono_exprs):
        for mono, coef in _terms_of(e, syms).items():
            Vd.setdefault(mono, []).append((k, float(coef)))
    Ld = {}
    for k, e in enumerate(mono_exprs):
        lie = sympy.expand(sum(sympy.diff(e, s) * fi for s, fi in zip(syms, fx, strict=True)))
        for mono, coef in _terms_of(lie, syms).items():
            Ld.setdefault(mono, []).append((k, float(coef)))
    deg_l = max(sum(m) for m in Ld) if Ld else 2
    cons = []

    def sos_constraint(coeffs, deg, sign):
        half = [m for d in range(1, deg // 2 + 1)
                for m in itertools.combinations_with_replacement(range(n), d)]
        basis = []
        for m in half:
            a = [0] * n
            for i in m:
                a[i] += 1
            basis.append(tuple(a))
        q = len(basis)
        Q = cp.Variable((q, q), symmetric=True)
        cons.append(Q >> 0)
        pairs = {}
        for i in range(q):
            for j in range(q):
                g = tuple(a + b for a, b in zip(basis[i], basis[j], strict=True))
                pairs.setdefault(g, []).append((i, j))
        allm = set(pairs) | set(coeffs)
        for g in allm:
            lin = sum(sign * w * c[k] for k, w in coeffs.get(g, [])) if g in coeffs else 0
            if sum(g) == 2 and max(g) == 2:
                lin = lin - eps
            gram = sum(Q[i, j] for i, j in pairs.get(g, [])) if g in pairs else 0
            cons.append(gram == lin)

    sos_constraint(Vd, degree, 1.0)
    sos_constraint(Ld, deg_l + (deg_l % 2), -1.0)
    prob = cp.Problem(cp.Minimize(cp.norm1(c)), cons)
    prob.solve(solver=cp.SCS, eps=1e-8, max_iters=20000)
    if c.value is None:
        raise ValueError(f"the SOS program found no candidate (status {prob.status})")
    coef = np.asarray(c.value, np.float64)
    idx = [list(m) for m in monos]

    def V(x: Array) -> Array:
        y = x - jnp.asarray(x_eq, x.dtype)
        total = jnp.zeros((), x.dtype)
        for k, ii in enumerate(idx):
            term = jnp.asarray(coef[k], x.dtype)
            for i in ii:
                term = term * y[i]
            total = total + term
        return total

    V.coefficients = dict(zip(map(tuple, monos), coef, strict=True))  # type: ignore[attr-defined]
    return V


# --------------------------------------------------------------------------- neural
def _equinox():
    try:
        import equinox as eqx
    except ImportError as e:  # pragma: no cover
        raise ImportError("neural candidates need equinox: pip install 'chaosgym[neural]'") from e
    return eqx


class NeuralV:
    """``V(x) = (x − x*)ᵀ P (x − x*) + ‖φ(x) − φ(x*)‖²`` with ``φ`` an equinox MLP (tanh).

    Positive definite by construction for any weights when ``P ≻ 0`` (``P = ε I`` by default;
    pass the Lyapunov-equation matrix of the linearisation to start from the quadratic
    candidate, which keeps the certificate's local part at the equilibrium easy).
    ``params`` is the equinox module; calling the object evaluates ``V`` (jittable and
    traceable by the interval interpreter). ``init_scale`` shrinks the initial output layer.
    """

    def __init__(self, n: int, key: Any, x_eq: Any = None, width: int = 64, depth: int = 2,
                 out: int | None = None, eps: float = 0.1, activation: str = "tanh",
                 P: Any = None, init_scale: float = 1.0) -> None:
        eqx = _equinox()
        act = {"tanh": jnp.tanh, "softplus": jax.nn.softplus}[activation]
        self.n = n
        self.x_eq = np.zeros(n) if x_eq is None else np.asarray(x_eq, np.float64)
        self.P = eps * np.eye(n) if P is None else np.asarray(P, np.float64)
        if np.min(np.linalg.eigvalsh(0.5 * (self.P + self.P.T))) <= 0:
            raise ValueError("P must be positive definite")
        self.eps = float(eps)
        with jax.enable_x64(True):
            mlp = eqx.nn.MLP(n, out or width, width, depth, activation=act, key=key,
                             dtype=jnp.float64)
            if init_scale != 1.0:
                last = mlp.layers[-1]
                mlp = eqx.tree_at(lambda m: m.layers[-1].weight, mlp, last.weight * init_scale)
        self.params = mlp

    @staticmethod
    def value(params: Any, x: Array, x_eq: Array, P: Array) -> Array:
        d = params(x) - params(x_eq)
        dx = x - x_eq
        return dx @ P @ dx + d @ d

    def __call__(self, x: Array) -> Array:
        return self.value(self.params, x, jnp.asarray(self.x_eq, x.dtype),
                          jnp.asarray(self.P, x.dtype))

    def bind(self, params: Any) -> NeuralV:
        new = object.__new__(NeuralV)
        new.__dict__.update(self.__dict__)
        new.params = params
        return new
