"""Rigorous re-check of certificates with arbitrary-precision ball arithmetic (python-flint).

:class:`ArbArith` is an endpoint arithmetic for the interval interpreter
(:mod:`chaosgym.lyapunov.interval`) and the expanded polynomials
(:mod:`chaosgym.lyapunov.poly`): interval endpoints are *exact* ``arb`` numbers; every
operation is carried out in Arb's ball arithmetic at ``prec`` bits and only the ball's lower
or upper bound is kept, so the enclosure does not depend on the platform's floating point or
libm. :func:`recheck` re-verifies every proof box of a certificate (bisecting a box a few
times where the ball enclosure is looser than the float one) and the local certificate at
the equilibrium (Weyl's bound on the shifted interval Hessian, with the midpoint's
definiteness decided by an LDLᵀ factorisation in ball arithmetic).

Requires the ``sos`` extra (``python-flint``).

References:
    F. Johansson, "Arb: efficient arbitrary-precision midpoint-radius interval arithmetic",
    IEEE Trans. Comput. 66, 1281–1292 (2017).
    S. M. Rump, "Verification methods: rigorous results using floating-point arithmetic",
    Acta Numerica 19, 287–449 (2010).
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

import numpy as np

__all__ = ["ArbArith", "arb_array", "arb_lower_float", "recheck"]


def _flint():
    try:
        import flint
    except ImportError as e:  # pragma: no cover - exercised only without the extra
        raise ImportError(
            "rigorous re-checks need python-flint: pip install 'chaosgym[sos]'"
        ) from e
    return flint


def arb_array(x: np.ndarray) -> np.ndarray:
    """Exact ``arb`` copies of a float64 array (object dtype)."""
    flint = _flint()
    x = np.asarray(x, np.float64)
    out = np.empty(x.shape, dtype=object)
    flat = out.reshape(-1)
    for i, v in enumerate(x.reshape(-1)):
        flat[i] = flint.arb(float(v))
    return out


def arb_lower_float(x: np.ndarray) -> np.ndarray:
    """float64 values at or below each exact ``arb`` endpoint (for reporting)."""
    return np.vectorize(lambda v: float(np.nextafter(float(v.mid()), -np.inf)) if v.is_finite()
                        else (-math.inf if v < 0 else math.inf), otypes=[np.float64])(x)


class ArbArith:
    """Exact-endpoint interval arithmetic computed with python-flint ``arb`` balls."""

    name = "rigorous"

    def __init__(self, prec: int = 128) -> None:
        flint = _flint()
        self.flint = flint
        self.arb = flint.arb
        self.prec = prec
        A = flint.arb
        self._ninf = A("-inf")
        self._pinf = A("+inf")
        self._zero = A(0)
        self._one = A(1)

        def lower(b):
            return b.lower() if b.is_finite() else self._ninf

        def upper(b):
            return b.upper() if b.is_finite() else self._pinf

        self._lower, self._upper = lower, upper
        self._add_lo = np.frompyfunc(lambda a, b: lower(a + b), 2, 1)
        self._add_hi = np.frompyfunc(lambda a, b: upper(a + b), 2, 1)
        self._mul_lo = np.frompyfunc(lambda a, b: lower(a * b) if (a != 0 and b != 0) else A(0),
                                     2, 1)
        self._mul_hi = np.frompyfunc(lambda a, b: upper(a * b) if (a != 0 and b != 0) else A(0),
                                     2, 1)
        self._neg = np.frompyfunc(lambda a: -a, 1, 1)
        self._lt0 = np.frompyfunc(lambda a: bool(a < 0), 1, 1)
        self._gt0 = np.frompyfunc(lambda a: bool(a > 0), 1, 1)
        self._abs = np.frompyfunc(lambda a: abs(a), 1, 1)

    def _ctx(self):
        return _Prec(self.flint, self.prec)

    # -- conversions
    def const(self, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x)
        if x.dtype == object:
            return x
        return arb_array(x)

    def rational_bounds(self, q) -> tuple[Any, Any]:
        with self._ctx():
            b = self.arb(self.flint.fmpq(int(q.p), int(q.q)))
            return b.lower(), b.upper()

    def midpoint(self, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
        fl = np.vectorize(lambda v: float(v.mid()), otypes=[np.float64])
        c = 0.5 * fl(lo) + 0.5 * fl(hi)
        c = np.minimum(np.maximum(c, np.nextafter(fl(lo), np.inf)), np.nextafter(fl(hi), -np.inf))
        out = arb_array(c)
        # keep the point inside the box exactly
        return np.where(np.frompyfunc(lambda a, l, h: bool(a >= l and a <= h), 3, 1)(out, lo, hi)
                        .astype(bool), out, lo)

    def neg(self, x):
        return self._neg(x)

    def is_neg(self, x):
        return self._lt0(x).astype(bool)

    def is_pos(self, x):
        return self._gt0(x).astype(bool)

    def to_float(self, x, direction: int):
        return np.vectorize(lambda v: float(v.mid()), otypes=[np.float64])(x)

    # -- arithmetic
    def add(self, al, ah, bl, bh):
        with self._ctx():
            return self._add_lo(al, bl), self._add_hi(ah, bh)

    def mul(self, al, ah, bl, bh):
        with self._ctx():
            pairs = ((al, bl), (al, bh), (ah, bl), (ah, bh))
            los = [self._mul_lo(a, b) for a, b in pairs]
            his = [self._mul_hi(a, b) for a, b in pairs]
        lo = np.minimum(np.minimum(los[0], los[1]), np.minimum(los[2], los[3]))
        hi = np.maximum(np.maximum(his[0], his[1]), np.maximum(his[2], his[3]))
        return lo, hi

    def sqr(self, l, h):
        al, ah = self._abs(l), self._abs(h)
        m = np.minimum(al, ah)
        M = np.maximum(al, ah)
        with self._ctx():
            straddle = (~self.is_pos(l)) & (~self.is_neg(h))
            lo = np.where(straddle, self._zero, self._mul_lo(m, m))
            hi = self._mul_hi(M, M)
        return lo, hi

    def recip(self, l, h):
        one = np.full(np.shape(l), self._one, dtype=object)
        return self.div(one, one, l, h)

    def div(self, al, ah, bl, bh):
        bad = (~self.is_pos(bl)) & (~self.is_neg(bh))
        with self._ctx():
            f_lo = np.frompyfunc(lambda a, b: self._lower(a / b) if b != 0 else self._ninf, 2, 1)
            f_hi = np.frompyfunc(lambda a, b: self._upper(a / b) if b != 0 else self._pinf, 2, 1)
            pairs = ((al, bl), (al, bh), (ah, bl), (ah, bh))
            los = [f_lo(a, b) for a, b in pairs]
            his = [f_hi(a, b) for a, b in pairs]
        lo = np.minimum(np.minimum(los[0], los[1]), np.minimum(los[2], los[3]))
        hi = np.maximum(np.maximum(his[0], his[1]), np.maximum(his[2], his[3]))
        return np.where(bad, self._ninf, lo), np.where(bad, self._pinf, hi)

    def ipow(self, l, h, n: int):
        if n == 0:
            one = np.full(np.shape(l), self._one, dtype=object)
            return one, one
        if n == 1:
            return l, h
        if n < 0:
            return self.recip(*self.ipow(l, h, -n))
        with self._ctx():
            plo = np.frompyfunc(lambda a: self._lower(a**n), 1, 1)
            phi = np.frompyfunc(lambda a: self._upper(a**n), 1, 1)
            if n % 2:
                return plo(l), phi(h)
            al, ah = self._abs(l), self._abs(h)
            m = np.minimum(al, ah)
            M = np.maximum(al, ah)
            straddle = (~self.is_pos(l)) & (~self.is_neg(h))
            return np.where(straddle, self._zero, plo(m)), phi(M)

    def mono(self, name: str, l, h):
        fn = _ARB_FN[name]
        with self._ctx():
            lo = np.frompyfunc(lambda a: self._lower(fn(a)) if a.is_finite() else a, 1, 1)(l)
            hi = np.frompyfunc(lambda a: self._upper(fn(a)) if a.is_finite() else a, 1, 1)(h)
        if name in ("log", "log1p"):
            thr = self._zero if name == "log" else self.arb(-1)
            lo = np.where(np.frompyfunc(lambda a: bool(a <= thr), 1, 1)(l).astype(bool),
                          self._ninf, lo)
        return lo, hi

    def sqrt(self, l, h):
        with self._ctx():
            lo = np.frompyfunc(lambda a: self._lower(a.sqrt()) if a >= 0 else self._ninf, 1, 1)(l)
            hi = np.frompyfunc(lambda a: self._upper(a.sqrt()) if a >= 0 else self._pinf, 1, 1)(h)
        return lo, hi

    def _trig(self, l, h, which: str, phase: float):
        from chaosgym.lyapunov.interval import _trig_range

        fl = self.to_float(l, -1)
        fh = self.to_float(h, 1)
        width_ok = np.isfinite(fl) & np.isfinite(fh)
        # extrema inside (decided on floats with slack, conservative)
        flo, fhi = _trig_range(np.where(width_ok, fl, 0.0) - 1e-9,
                               np.where(width_ok, fh, 7.0) + 1e-9,
                               np.cos if which == "cos" else np.sin, phase)
        with self._ctx():
            ev_lo = np.frompyfunc(lambda a: self._lower(getattr(a, which)()), 1, 1)
            ev_hi = np.frompyfunc(lambda a: self._upper(getattr(a, which)()), 1, 1)
            lo = np.minimum(ev_lo(l), ev_lo(h))
            hi = np.maximum(ev_hi(l), ev_hi(h))
        m1 = self.arb(-1)
        lo = np.where(flo <= -1.0, m1, lo)
        hi = np.where(fhi >= 1.0, self._one, hi)
        return lo, hi

    def cos(self, l, h):
        return self._trig(l, h, "cos", 0.0)

    def sin(self, l, h):
        return self._trig(l, h, "sin", math.pi / 2)

    def sum(self, l, h, axes: tuple[int, ...]):
        if not axes:
            return l, h
        keep = [d for d in range(l.ndim) if d not in axes]
        k = int(np.prod([l.shape[a] for a in axes]))
        lt = np.transpose(l, (*axes, *keep)).reshape((k, *[l.shape[d] for d in keep]))
        ht = np.transpose(h, (*axes, *keep)).reshape((k, *[h.shape[d] for d in keep]))
        sl, sh = lt[0], ht[0]
        for i in range(1, k):
            sl, sh = self.add(sl, sh, lt[i], ht[i])
        return sl, sh

    def matmul(self, al, ah, bl, bh, a_point: bool, b_point: bool):
        pl, ph = self.mul(al[..., :, :, None], ah[..., :, :, None],
                          bl[..., None, :, :], bh[..., None, :, :])
        return self.sum(pl, ph, (pl.ndim - 2,))


class _Prec:
    def __init__(self, flint, prec: int) -> None:
        self.flint = flint
        self.prec = prec

    def __enter__(self):
        self.old = self.flint.ctx.prec
        self.flint.ctx.prec = self.prec

    def __exit__(self, *exc):
        self.flint.ctx.prec = self.old


_ARB_FN = {
    "exp": lambda a: a.exp(),
    "exp2": lambda a: (a * a.const_log2()).exp(),
    "log": lambda a: a.log(),
    "log1p": lambda a: a.log1p(),
    "expm1": lambda a: a.expm1(),
    "tanh": lambda a: a.tanh(),
    "atan": lambda a: a.atan(),
    "asinh": lambda a: a.asinh(),
    "sinh": lambda a: a.sinh(),
    "logistic": lambda a: 1 / (1 + (-a).exp()),
    "erf": lambda a: a.erf(),
    "cbrt": lambda a: a.root(3) if a >= 0 else -((-a).root(3)),
}


# --------------------------------------------------------------------------- re-check
def _interval_pd(Ml: np.ndarray, Mh: np.ndarray, flint) -> bool:
    """True if every symmetric matrix in ``[Ml, Mh]`` is positive definite.

    Weyl's inequality ``λ_min(M) ≥ λ_min(C) − ‖M − C‖₂ ≥ λ_min(C) − ‖R‖_F`` with the midpoint
    ``C`` and radius ``R``; positive definiteness of the point matrix ``C − ‖R‖_F I`` is
    decided by an LDLᵀ factorisation in ball arithmetic (all pivots provably positive).
    """
    n = Ml.shape[0]
    C = [[None] * n for _ in range(n)]
    rf = flint.arb(0)
    for i in range(n):
        for j in range(n):
            lo = min(Ml[i, j], Ml[j, i])
            hi = max(Mh[i, j], Mh[j, i])
            if not (lo.is_finite() and hi.is_finite()):
                return False
            C[i][j] = (lo + hi) / 2
            r = abs((hi - lo) / 2).upper()
            rf += r * r
    rf = rf.sqrt().upper()
    A = [[C[i][j] - (rf if i == j else 0) for j in range(n)] for i in range(n)]
    d = [None] * n
    L = [[None] * n for _ in range(n)]
    for j in range(n):
        s = A[j][j]
        for k in range(j):
            s = s - L[j][k] * L[j][k] * d[k]
        if not s > 0:
            return False
        d[j] = s
        for i in range(j + 1, n):
            t = A[i][j]
            for k in range(j):
                t = t - L[i][k] * L[j][k] * d[k]
            L[i][j] = t / d[j]
    return True


def recheck(cert, max_depth: int = 4):
    """Re-verify a float-interval certificate with :class:`ArbArith`; returns a new one.

    A certificate whose every proof box and local certificate pass keeps its status with
    ``rigour="rigorous"``; otherwise its status becomes UNKNOWN and ``message`` says which
    part failed.
    """
    from chaosgym.lyapunov.certificate import Status
    from chaosgym.lyapunov.enclosures import compiled, enclose

    if cert.status not in (Status.CERTIFIED, Status.CERTIFIED_OUTSIDE_HOLE):
        return cert
    problem = cert.problem
    comp = compiled(problem)
    ar = ArbArith()
    flint = ar.flint
    lo, hi = cert.proof_boxes
    level = cert.scope.get("level")
    lev = ar.arb(float(level)) if level is not None else None
    loc = cert.local
    in_local = np.zeros(len(lo), bool)
    failures = []
    hole = cert.scope.get("hole_radius", 0.0)
    if loc is not None and loc.ok:
        xe = problem.x_eq
        in_local = np.all((lo >= xe - loc.radius) & (hi <= xe + loc.radius), axis=1)
        r0 = _recheck_local(problem, comp, loc, ar, flint)
        if r0 is None:
            failures.append("local certificate")
        else:
            hole = max(hole, r0)
    todo_lo, todo_hi = lo[~in_local], hi[~in_local]
    checked = 0
    for _depth in range(max_depth + 1):
        if not len(todo_lo):
            break
        bad_lo, bad_hi = [], []
        for s in range(0, len(todo_lo), 2048):
            bl, bh = todo_lo[s:s + 2048], todo_hi[s:s + 2048]
            Xl, Xh = arb_array(bl), arb_array(bh)
            lower, upper, _, _, _ = enclose(comp, Xl, Xh, ar)
            checked += len(bl)
            ok = np.frompyfunc(lambda a: bool(a < 0), 1, 1)(upper[:, :2]).astype(bool).all(axis=1)
            if level is not None:
                out = np.frompyfunc(lambda a: bool(a > lev), 1, 1)(lower[:, 2]).astype(bool)
                ok |= out
            if (~ok).any():
                bad_lo.append(bl[~ok])
                bad_hi.append(bh[~ok])
        if not bad_lo:
            todo_lo = todo_lo[:0]
            break
        bl, bh = np.concatenate(bad_lo), np.concatenate(bad_hi)
        if _depth == max_depth:
            todo_lo = bl
            break
        w = bh - bl
        j = np.argmax(w / np.maximum(problem.domain.width, 1e-300), axis=1)
        idx = np.arange(len(bl))
        mid = 0.5 * (bl[idx, j] + bh[idx, j])
        hi1, lo2 = bh.copy(), bl.copy()
        hi1[idx, j] = mid
        lo2[idx, j] = mid
        todo_lo, todo_hi = np.concatenate([bl, lo2]), np.concatenate([hi1, bh])
    if len(todo_lo):
        failures.append(f"{len(todo_lo)} proof boxes")
    stats = dict(cert.stats)
    stats["rigorous_boxes_checked"] = checked
    if failures:
        return dataclasses.replace(
            cert, status=Status.UNKNOWN, rigour="float_interval", stats=stats,
            message=f"rigorous re-check failed on: {', '.join(failures)}")
    scope = dict(cert.scope)
    status = cert.status
    if hole > scope.get("hole_radius", 0.0):
        # the rigorous bound on the hole is (slightly) larger than the float one
        scope["hole_radius"] = hole
        scope["hole_shape"] = "ball"
        if scope.get("kind") == "box":
            scope["kind"] = "box_minus_hole"
        status = Status.CERTIFIED_OUTSIDE_HOLE
    return dataclasses.replace(cert, status=status, scope=scope, rigour="rigorous", stats=stats,
                               message=cert.message + "; re-checked with arb ball arithmetic")


def _recheck_local(problem, comp, loc, ar: ArbArith, flint) -> float | None:
    """Re-prove the local certificate; returns the rigorous hole radius (``None``: failed)."""
    p = problem.x_eq[None, :]
    P = arb_array(p)
    _, hh = comp.h(P, P, ar)
    jl, jh = comp.dh(P, P, ar)
    X_lo = arb_array(p - loc.radius)
    X_hi = arb_array(p + loc.radius)
    # C² on the local box, decided in ball arithmetic too
    for piece in (comp.h, comp.dh):
        if piece(X_lo, X_hi, ar, flags=True)[2].kink[0]:
            return None
    Hl, Hh, flh = comp.hess(X_lo, X_hi, ar, flags=True)
    if flh.kink[0]:
        return None
    n = problem.n
    r0 = ar.arb(0)
    for k in range(2):
        # -H - mu I positive definite for every member of the interval Hessian
        mu = ar.arb(loc.mu[k])
        Ml = np.empty((n, n), dtype=object)
        Mh = np.empty((n, n), dtype=object)
        for i in range(n):
            for j in range(n):
                Ml[i, j] = -Hh[0, k, i, j] - (mu if i == j else 0)
                Mh[i, j] = -Hl[0, k, i, j] - (mu if i == j else 0)
        if not _interval_pd(Ml, Mh, flint):
            return None
        # h <= a + b|dx| - mu/2 |dx|^2 with rigorous a, b: hole radius r0
        a = ar.arb(hh[0, k]) if not hasattr(hh[0, k], "upper") else hh[0, k].upper()
        a = max(a, ar.arb(0))
        g2 = ar.arb(0)
        for j in range(n):
            m = max(abs(ar.arb(jl[0, k, j])), abs(ar.arb(jh[0, k, j])))
            g2 += m * m
        b = g2.sqrt().upper()
        if a == 0 and b == 0:
            continue
        rk = ((b + (b * b + 2 * mu * a).sqrt()) / mu).upper()
        r0 = max(r0, rk)
    if not r0 < ar.arb(loc.radius):
        return None
    return float(np.nextafter(float(r0.mid()), np.inf)) if r0 != 0 else 0.0
