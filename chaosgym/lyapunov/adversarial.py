"""An adversarial soundness suite for Lyapunov certifiers: wrong candidates built to fool one,
and valid non-smooth candidates that a sound certifier should still prove.

Every :class:`AdversarialCase` is written once, against a small table of operations
(:data:`JAX_OPS` or the ball-arithmetic :class:`BallOps`), so that the *same* formula gives

* the JAX functions of a :class:`~chaosgym.lyapunov.problem.LyapunovProblem` (what a certifier
  sees), and
* a rigorous evaluation in python-flint ``arb`` ball arithmetic (256-bit midpoints, float64
  constants taken exactly), with forward-mode derivatives on the same balls.

A *wrong* case carries a violating point ``p`` (inside the box, away from ``x*``) at which
:meth:`AdversarialCase.verify` proves, in ball arithmetic, ``V(p) − V(x*) ≤ 0`` (positivity
violated), ``∇V(p)·f(p) ≥ 0`` (flows) or ``V(f(p)) − V(p) ≥ 0`` (maps). At a kink or branch
switch the ball evaluation refuses (:class:`Undecided`) instead of choosing a branch, so a
point is only accepted where ``V`` and ``f`` are differentiable (resp. continuous) on a
neighbourhood and the derivative is the classical one. Any certifier that returns CERTIFIED
(or CERTIFIED_OUTSIDE_HOLE with ``p`` outside the hole) on a wrong case is unsound.

A *valid* case's docstring argues validity in the strong non-smooth sense: ``V − V(x*) > 0``
on the box minus ``x*`` and, for flows, ``g·f(x) < 0`` for every ``x ≠ x*`` and every ``g`` in
the convex hull of the limiting gradients of ``V`` at ``x`` (Clarke's generalized gradient),
so the choice a JAX derivative makes at a kink (``relu′(0) = 0``, ``|·|′(0) = 0``, ties of
``max`` split evenly) cannot matter; for a discontinuous ``f`` the same holds for every
element of the convex hull of the limits of ``f`` (Filippov's set-valued map).

Families (``family``): ``kink_at_eq``, ``kink_near_eq``, ``sliver``, ``bump``, ``neg_near_eq``,
``discontinuous``, ``relu_net_V``, ``relu_loop`` (ReLU closed loops, including a
stable-baselines3 SAC actor exported by
:func:`~chaosgym.lyapunov.closed_loop.export_sb3_actor`), ``map`` and, for valid cases,
``valid_nonsmooth``.

References:
    F. H. Clarke, *Optimization and Nonsmooth Analysis*, Wiley (1983), ch. 2 (generalized
    gradients). A. F. Filippov, *Differential Equations with Discontinuous Righthand Sides*,
    Kluwer (1988). A. Bacciotti and F. Ceragioli, "Stability and stabilization of
    discontinuous systems and nonsmooth Lyapunov functions", ESAIM: COCV 4, 361–376 (1999).
    F. Johansson, "Arb: efficient arbitrary-precision midpoint-radius interval arithmetic",
    IEEE Trans. Computers 66(8), 1281–1292 (2017).
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable, Sequence
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from chaosgym.lyapunov.problem import Box, LyapunovProblem

__all__ = [
    "BALL_OPS",
    "CASES",
    "JAX_OPS",
    "AdversarialCase",
    "BallOps",
    "D",
    "Undecided",
    "Vec",
    "Verification",
    "claim_contains",
    "get",
    "valid_cases",
    "wrong_cases",
]

PREC = 256  # bits of the ball midpoints
_STRICT = [False]  # refuse exact ties in comparisons (points on a switching surface)


class Undecided(ArithmeticError):
    """Ball arithmetic cannot decide a comparison, or a point lies on a kink/jump."""


# --------------------------------------------------------------------------- JAX operations
class _JaxOps:
    """The operation table for the JAX side (``x`` is a ``jnp`` vector)."""

    is_jax = True
    relu = staticmethod(jax.nn.relu)
    abs = staticmethod(jnp.abs)
    max = staticmethod(jnp.maximum)
    min = staticmethod(jnp.minimum)
    where = staticmethod(jnp.where)
    sign = staticmethod(jnp.sign)
    floor = staticmethod(jnp.floor)
    round = staticmethod(jnp.round)
    tanh = staticmethod(jnp.tanh)
    exp = staticmethod(jnp.exp)
    sqrt = staticmethod(jnp.sqrt)
    clip = staticmethod(jnp.clip)
    sum = staticmethod(jnp.sum)

    @staticmethod
    def leaky_relu(x):
        return jax.nn.leaky_relu(x, 0.01)

    @staticmethod
    def vec(xs):
        return jnp.stack([jnp.asarray(v, jnp.result_type(float)) for v in xs])

    @staticmethod
    def dense(W, b, h):
        W = jnp.asarray(np.asarray(W, np.float64), h.dtype)
        return W @ h + jnp.asarray(np.asarray(b, np.float64), h.dtype)

    @staticmethod
    def maxv(xs):
        out = xs[0]
        for v in xs[1:]:
            out = jnp.maximum(out, v)
        return out


JAX_OPS = _JaxOps()


# --------------------------------------------------------------------------- ball arithmetic
def _arb():
    try:
        import flint
    except ImportError as e:  # pragma: no cover - the sos extra is needed
        raise ImportError("rigorous verification needs python-flint (pip install "
                          "'chaosgym[sos]')") from e
    return flint


class D:
    """A forward-mode dual number ``v + d·ε`` over ``arb`` balls (``d``: a directional
    derivative, zero for constants)."""

    __slots__ = ("d", "v")

    def __init__(self, v: Any, d: Any = None) -> None:
        arb = _arb().arb
        self.v = v if isinstance(v, arb) else arb(v)
        self.d = arb(0) if d is None else (d if isinstance(d, arb) else arb(d))

    # -- arithmetic
    @staticmethod
    def lift(o: Any) -> D:
        if isinstance(o, D):
            return o
        if isinstance(o, (bool, np.bool_)):
            raise TypeError("booleans are not numbers here")
        return D(float(o) if isinstance(o, (np.floating, np.integer)) else o)

    def __add__(self, o):
        if isinstance(o, Vec):
            return NotImplemented
        o = D.lift(o)
        return D(self.v + o.v, self.d + o.d)

    __radd__ = __add__

    def __neg__(self):
        return D(-self.v, -self.d)

    def __sub__(self, o):
        if isinstance(o, Vec):
            return NotImplemented
        return self + (-D.lift(o))

    def __rsub__(self, o):
        return D.lift(o) - self

    def __mul__(self, o):
        if isinstance(o, Vec):
            return NotImplemented
        o = D.lift(o)
        return D(self.v * o.v, self.d * o.v + self.v * o.d)

    __rmul__ = __mul__

    def __truediv__(self, o):
        if isinstance(o, Vec):
            return NotImplemented
        o = D.lift(o)
        if _sgn(o.v) == 0:
            raise Undecided("division by a ball containing 0")
        q = self.v / o.v
        return D(q, (self.d - q * o.d) / o.v)

    def __rtruediv__(self, o):
        return D.lift(o) / self

    def __pow__(self, k):
        if not isinstance(k, int) or k < 0:
            raise TypeError("only non-negative integer powers")
        out = D(1)
        for _ in range(k):
            out = out * self
        return out

    # -- comparisons: decided or refused (equality only between exact values, and not at a
    # switch that the derivative direction crosses)
    def _cmp(self, o) -> int:
        diff = self - D.lift(o)
        s = _sgn(diff.v)
        if s == 0:
            if _STRICT[0]:
                raise Undecided("the point lies on a switching surface of a comparison")
            _smooth_at_kink(diff, "a comparison")
        return s

    def __gt__(self, o):
        return self._cmp(o) > 0

    def __lt__(self, o):
        return self._cmp(o) < 0

    def __ge__(self, o):
        return self._cmp(o) >= 0

    def __le__(self, o):
        return self._cmp(o) <= 0

    def __repr__(self) -> str:
        return f"D({self.v}, {self.d})"


def _sgn(v: Any, strict: bool = False) -> int:
    """Sign of an ``arb`` ball: ±1, 0 only for an exact zero (refused when ``strict``)."""
    if v > 0:
        return 1
    if v < 0:
        return -1
    if v.is_exact() and v.is_zero() and not strict:
        return 0
    raise Undecided(f"cannot decide the sign of {v}")


def _smooth_at_kink(x: D, what: str) -> None:
    if not x.d.is_zero():
        raise Undecided(f"{what} is not differentiable at the point (a kink in the direction)")


class Vec:
    """A small vector of :class:`D` with elementwise arithmetic (the ball side's ``x``)."""

    __slots__ = ("xs",)

    def __init__(self, xs: Sequence[Any]) -> None:
        self.xs = [D.lift(v) for v in xs]

    def __len__(self) -> int:
        return len(self.xs)

    def __getitem__(self, i):
        return self.xs[i]

    def __iter__(self):
        return iter(self.xs)

    def _zip(self, o, op):
        if isinstance(o, Vec):
            if len(o) != len(self):
                raise ValueError("length mismatch")
            return Vec([op(a, b) for a, b in zip(self.xs, o.xs, strict=True)])
        if isinstance(o, (np.ndarray, list, tuple)):
            o = np.asarray(o, np.float64).ravel()
            return Vec([op(a, float(b)) for a, b in zip(self.xs, o, strict=True)])
        return Vec([op(a, o) for a in self.xs])

    def __add__(self, o):
        return self._zip(o, lambda a, b: a + b)

    def __radd__(self, o):
        return self._zip(o, lambda a, b: b + a)

    def __sub__(self, o):
        return self._zip(o, lambda a, b: a - b)

    def __rsub__(self, o):
        return self._zip(o, lambda a, b: b - a)

    def __mul__(self, o):
        return self._zip(o, lambda a, b: a * b)

    def __rmul__(self, o):
        return self._zip(o, lambda a, b: b * a)

    def __truediv__(self, o):
        return self._zip(o, lambda a, b: a / b)

    def __neg__(self):
        return Vec([-a for a in self.xs])

    def __pow__(self, k):
        return Vec([a ** k for a in self.xs])


def _elementwise(fn):
    @functools.wraps(fn)
    def wrapped(x, *a):
        if isinstance(x, Vec):
            return Vec([fn(v, *a) for v in x.xs])
        return fn(D.lift(x), *a)
    return wrapped


def _two_pieces(x: D, what: str, slope: float) -> D:
    """``x`` for ``x ≥ 0``, ``slope·x`` below (relu, leaky relu, abs); refused at a kink that
    the derivative direction crosses."""
    s = _sgn(x.v)
    if s == 0:
        _smooth_at_kink(x, what)
    return x if s >= 0 else slope * x


def _pick(c: Any, a: Any, b: Any) -> Any:
    if isinstance(c, Vec | list | tuple | np.ndarray):
        raise TypeError("vector conditions are not supported on the ball side")
    return a if bool(c) else b


class BallOps:
    """The operation table for the ball side: every kink or branch must be decided."""

    is_jax = False

    @staticmethod
    @_elementwise
    def relu(x: D) -> D:
        return _two_pieces(x, "relu", 0.0)

    @staticmethod
    @_elementwise
    def leaky_relu(x: D) -> D:
        return _two_pieces(x, "leaky_relu", 0.01)

    @staticmethod
    @_elementwise
    def abs(x: D) -> D:
        return _two_pieces(x, "abs", -1.0)

    @staticmethod
    def max(a: Any, b: Any) -> Any:
        if isinstance(a, Vec) or isinstance(b, Vec):
            a_ = a if isinstance(a, Vec) else Vec([a] * len(b))
            b_ = b if isinstance(b, Vec) else Vec([b] * len(a_))
            return Vec([BallOps.max(u, v) for u, v in zip(a_, b_, strict=True)])
        a, b = D.lift(a), D.lift(b)
        s = _sgn((a - b).v)
        if s == 0:
            _smooth_at_kink(a - b, "max")
        return a if s >= 0 else b

    @staticmethod
    def min(a: Any, b: Any) -> Any:
        return -BallOps.max(-D.lift(a) if not isinstance(a, Vec) else -a,
                            -D.lift(b) if not isinstance(b, Vec) else -b)

    @staticmethod
    def maxv(xs):
        out = xs[0]
        for v in xs[1:]:
            out = BallOps.max(out, v)
        return out

    @staticmethod
    def clip(x: Any, lo: float, hi: float) -> Any:
        return BallOps.min(BallOps.max(x, lo), hi)

    @staticmethod
    def where(c: Any, a: Any, b: Any) -> Any:
        return _pick(c, a, b)

    @staticmethod
    @_elementwise
    def sign(x: D) -> D:
        s = _sgn(x.v)
        if s == 0:
            _smooth_at_kink(x, "sign")
        return D(s)

    @staticmethod
    @_elementwise
    def floor(x: D) -> D:
        fl = x.v.floor()
        if not fl.is_exact():
            raise Undecided(f"floor of {x.v} is not decided")
        if (x.v - fl).is_zero():
            _smooth_at_kink(x, "floor")
        return D(fl)

    @staticmethod
    @_elementwise
    def round(x: D) -> D:
        h = x.v + _arb().arb(0.5)
        fl = h.floor()
        if not fl.is_exact() or (h - fl).is_zero():
            raise Undecided(f"round of {x.v} is at or near a tie")
        return D(fl)

    @staticmethod
    @_elementwise
    def tanh(x: D) -> D:
        t = x.v.tanh()
        return D(t, (1 - t * t) * x.d)

    @staticmethod
    @_elementwise
    def exp(x: D) -> D:
        e = x.v.exp()
        return D(e, e * x.d)

    @staticmethod
    @_elementwise
    def sqrt(x: D) -> D:
        if not x.v > 0:
            if x.v.is_zero() and x.d.is_zero():
                return D(0)
            raise Undecided("sqrt at or near 0")
        s = x.v.sqrt()
        return D(s, x.d / (2 * s))

    @staticmethod
    def sum(x: Vec) -> D:
        out = D(0)
        for v in x:
            out = out + v
        return out

    @staticmethod
    def vec(xs: Sequence[Any]) -> Vec:
        return Vec(list(xs))

    @staticmethod
    def dense(W: Any, b: Any, h: Vec) -> Vec:
        W = np.asarray(W, np.float64)
        b = np.asarray(b, np.float64)
        out = []
        for i in range(W.shape[0]):
            acc = D(float(b[i]))
            for j in range(W.shape[1]):
                if W[i, j] != 0.0:
                    acc = acc + float(W[i, j]) * h[j]
            out.append(acc)
        return Vec(out)


BALL_OPS = BallOps()


# --------------------------------------------------------------------------- cases
@dataclasses.dataclass(frozen=True)
class Verification:
    """The outcome of a ball-arithmetic check of a violating point."""

    proven: bool
    which: str  # "positivity" | "decrease"
    lower: float  # a float lower bound of the violation (V* − V(p), or the decrease)
    detail: str


@dataclasses.dataclass(frozen=True)
class AdversarialCase:
    """One case of the suite.

    Attributes:
        name: a unique label.
        family: the trick it plays (see the module docstring).
        expected: ``"wrong"`` (the candidate violates the conditions at ``point``) or
            ``"valid"`` (a true Lyapunov function on the box, argued in ``doc``).
        V: ``(x, ops) -> scalar``, written against :data:`JAX_OPS` / :class:`BallOps`.
        f: ``(x, ops) -> vector``: the vector field (``kind="ct"``) or the map (``"dt"``).
        lo, hi: the box.
        kind: ``"ct"`` or ``"dt"``.
        point: the violating point of a wrong case.
        violation: ``"positivity"`` or ``"decrease"`` (what fails at ``point``).
        certify_kwargs: options a test passes to ``certify`` (e.g. an explicit ``hole``).
        doc: why the case is wrong (and what it targets) or why it is valid.
        slow: whether it is kept out of the fast default test selection.
    """

    name: str
    family: str
    expected: str
    V: Callable[[Any, Any], Any]
    f: Callable[[Any, Any], Any]
    lo: tuple[float, ...]
    hi: tuple[float, ...]
    kind: str = "ct"
    point: tuple[float, ...] | None = None
    violation: str = ""
    certify_kwargs: dict[str, Any] = dataclasses.field(default_factory=dict)
    doc: str = ""
    slow: bool = False

    @property
    def n(self) -> int:
        return len(self.lo)

    @property
    def domain(self) -> Box:
        return Box(np.asarray(self.lo), np.asarray(self.hi))

    @property
    def x_eq(self) -> np.ndarray:
        return np.zeros(self.n)

    def V_jax(self, x: jax.Array) -> jax.Array:
        return self.V(x, JAX_OPS)

    def f_jax(self, x: jax.Array) -> jax.Array:
        return self.f(x, JAX_OPS)

    def problem(self) -> LyapunovProblem:
        """The :class:`LyapunovProblem` a certifier is given."""
        return LyapunovProblem(self.f_jax, self.V_jax, self.domain, kind=self.kind,
                               name=self.name)

    # -- ball arithmetic
    def V_ball(self, p: Sequence[float], direction: Sequence[Any] | None = None) -> D:
        """``V(p)`` (and its derivative along ``direction``) in ball arithmetic."""
        if direction is None:
            x = Vec([D(float(v)) for v in p])
        else:
            x = Vec([D(float(v), d.v if isinstance(d, D) else d)
                     for v, d in zip(p, direction, strict=True)])
        return D.lift(self.V(x, BALL_OPS))

    def f_ball(self, p: Sequence[float] | Vec) -> Vec:
        x = p if isinstance(p, Vec) else Vec([D(float(v)) for v in p])
        out = self.f(x, BALL_OPS)
        return out if isinstance(out, Vec) else Vec(list(out))

    def verify(self, p: Sequence[float] | None = None, which: str | None = None
               ) -> Verification:
        """Prove in ball arithmetic that the conditions fail at ``p`` (default ``point``).

        Positivity: ``V(p) − V(x*) ≤ 0``. Decrease: ``∇V(p)·f(p) ≥ 0`` (a directional
        derivative in dual numbers; refused at a kink of ``V`` in that direction or on a
        switching surface of a comparison in ``f`` or ``V``) or
        ``V(f(p)) − V(p) ≥ 0``. ``p`` must lie in the box and differ from ``x*``. ``which``
        (``"positivity"`` or ``"decrease"``) overrides the case's ``violation``.
        """
        flint = _arb()
        p = self.point if p is None else tuple(float(v) for v in p)
        which = self.violation if which is None else which
        if p is None:
            raise ValueError(f"case {self.name!r} has no violating point")
        if len(p) != self.n:
            raise ValueError(f"point {p} has dimension {len(p)}, the box {self.n}")
        pa = np.asarray(p)
        if not self.domain.contains(pa):
            return Verification(False, which, -np.inf, "point outside the box")
        if np.all(pa == self.x_eq):
            return Verification(False, which, -np.inf, "point is the equilibrium")
        old = flint.ctx.prec
        flint.ctx.prec = PREC
        _STRICT[0] = which == "decrease"
        try:
            if which == "positivity":
                gap = self.V_ball(self.x_eq).v - self.V_ball(p).v  # V* − V(p) ≥ 0 ?
            elif which == "decrease" and self.kind == "ct":
                fp = self.f_ball(p)
                gap = self.V_ball(p, list(fp)).d
            elif which == "decrease":
                fp = self.f_ball(p)
                gap = D.lift(self.V(fp, BALL_OPS)).v - self.V_ball(p).v
            else:
                raise ValueError(f"unknown violation kind {which!r}")
            proven = bool(gap >= 0)
            lower = float(gap.lower()) if hasattr(gap, "lower") else float(gap.mid())
            return Verification(proven, which, lower, f"violation in {gap}")
        except Undecided as e:
            return Verification(False, which, -np.inf, f"undecided: {e}")
        finally:
            flint.ctx.prec = old
            _STRICT[0] = False


# --------------------------------------------------------------------------- helpers
def _q(x, o):
    return o.sum(x * x)


def _neg(x, o):
    return -x


def _half(x, o):
    return 0.5 * x


def _cube(n: int, h: float = 1.0) -> tuple[tuple[float, ...], tuple[float, ...]]:
    return (-h,) * n, (h,) * n


def _box_bump(x, o, c, r):
    """``r − max_i |x_i − c_i|``: positive on a sup-norm ball of radius ``r`` around ``c``."""
    return r - o.maxv([o.abs(x[i] - c[i]) for i in range(len(c))])


def _wrong(name, family, V, f, n_or_box, point, violation, kind="ct", doc="", **kw):
    lo, hi = _cube(n_or_box) if isinstance(n_or_box, int) else n_or_box
    return AdversarialCase(name, family, "wrong", V, f, lo, hi, kind, tuple(point), violation,
                           doc=doc, **kw)


def _valid(name, V, f, n_or_box, kind="ct", doc="", **kw):
    lo, hi = _cube(n_or_box) if isinstance(n_or_box, int) else n_or_box
    return AdversarialCase(name, "valid_nonsmooth", "valid", V, f, lo, hi, kind, doc=doc, **kw)


# --------------------------------------------------------------------------- ReLU networks
#: A fixed 2-6-1 ReLU network (weights chosen once, stored as literals).
_NET_W1 = np.array([[0.9, -0.4], [-0.7, 0.8], [0.3, 0.6], [-0.5, -0.9], [1.1, 0.2],
                    [-0.2, 1.3]])
_NET_B1 = np.array([0.05, -0.1, 0.2, 0.0, -0.15, 0.1])
_NET_W2 = np.array([[0.8, -1.2, 0.5, 0.9, -1.4, 0.6]])
_NET_B2 = np.array([0.1])


def _net(x, o):
    return o.dense(_NET_W2, _NET_B2, o.relu(o.dense(_NET_W1, _NET_B1, x)))[0]


_LOOP_W = np.array([[1.0, 0.5], [0.5, 1.0], [-1.0, 0.2]])
_LOOP_C = np.array([[2.0, 2.0, -0.5]])
_MLP_W1 = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
_MLP_B1 = np.array([0.01, -0.01, 0.02])
_MLP_W2 = np.array([[1.0, 6.0, -1.0]])
_VALID_W = np.array([[1.0, -0.5], [0.3, 0.8], [-0.7, 0.4]])


# --------------------------------------------------------------------------- SB3 SAC actors
@functools.cache
def _sac(which: str) -> tuple[Callable, list[tuple[np.ndarray, np.ndarray]], float]:
    """A stable-baselines3 SAC model (2-8-8-1 ReLU actor, seed 0, untrained) on a 2-D box
    environment, exported with :func:`~chaosgym.lyapunov.closed_loop.export_sb3_actor`.

    ``which="designed"`` overwrites the weights with dyadic values so that the actor is
    ``tanh(3·relu(x₀))`` (a kink at ``x*``); ``"random"`` keeps torch's seeded initialisation.
    Returns ``(jax actor, [(W, b), ...] hidden layers then head, Lipschitz bound)``.
    """
    import gymnasium as gym
    import torch
    from stable_baselines3 import SAC

    from chaosgym.lyapunov.closed_loop import export_sb3_actor

    class _Box2(gym.Env):
        observation_space = gym.spaces.Box(-1.0, 1.0, (2,), np.float32)
        action_space = gym.spaces.Box(-1.0, 1.0, (1,), np.float32)

        def reset(self, *, seed=None, options=None):
            super().reset(seed=seed)
            return np.zeros(2, np.float32), {}

        def step(self, action):
            return np.zeros(2, np.float32), 0.0, True, False, {}

    torch.manual_seed(0)
    model = SAC("MlpPolicy", _Box2(), seed=0, buffer_size=16, learning_starts=0,
                policy_kwargs={"net_arch": [8, 8]}, device="cpu", verbose=0)
    actor = model.policy.actor
    lins = [m for m in actor.latent_pi.modules() if isinstance(m, torch.nn.Linear)]
    lins += [m for m in actor.mu.modules() if isinstance(m, torch.nn.Linear)]
    if which == "designed":
        with torch.no_grad():
            for m in lins:
                m.weight.zero_()
                m.bias.zero_()
            lins[0].weight[0, 0] = 1.0
            lins[0].weight[1, 0] = -1.0
            lins[1].weight[:2, :2] = torch.eye(2)
            lins[2].weight[0, 0] = 3.0
    fn, _ = export_sb3_actor(model)
    layers = [(m.weight.detach().double().numpy().copy(), m.bias.detach().double().numpy().copy())
              for m in lins]
    lip = float(np.prod([np.linalg.norm(W, 2) for W, _ in layers]))
    return fn, layers, lip


def _sac_actor(x, o, which: str):
    fn, layers, _ = _sac(which)
    if o.is_jax:
        return fn(x)[0]
    h = x
    for W, b in layers[:-1]:
        h = o.relu(o.dense(W, b, h))
    W, b = layers[-1]
    return o.tanh(o.dense(W, b, h)[0])


def _sac_scale() -> float:
    return 0.5 / max(_sac("random")[2], 1e-12)


def _sac_valid_f(x, o):
    c = _sac_scale()
    u = c * (_sac_actor(x, o, "random") - _sac_actor(o.vec([0.0, 0.0]), o, "random"))
    return o.vec([-x[0] + 0.5 * x[1], -0.5 * x[0] - x[1] + u])


# --------------------------------------------------------------------------- the wrong cases
_W = [
    # ---- kinks at x*
    _wrong("relu_at_eq", "kink_at_eq", lambda x, o: _q(x, o) - 0.2 * o.relu(x[0]), _neg, 2,
           (0.05, 0.0), "positivity",
           doc="V = |x|² − 0.2·relu(x₀): V(0.05, 0) = −0.0075 < 0; ∇V(0) from relu′(0) = 0 "
               "and relu″ = 0 look like a strict minimum."),
    _wrong("abs_pair_at_eq", "kink_at_eq",
           lambda x, o: _q(x, o) - 0.1 * (o.abs(x[0]) + o.abs(-x[0])), _neg, 2,
           (0.05, 0.0), "positivity",
           doc="V = |x|² − 0.1(|x₀| + |−x₀|) = |x|² − 0.2|x₀|: negative for 0 < |x₀| < 0.2."),
    _wrong("relu_sum_3d", "kink_at_eq", lambda x, o: _q(x, o) - 0.2 * o.relu(x[0] + x[1]),
           _neg, 3, (0.04, 0.04, 0.0), "positivity",
           doc="3-D: V = |x|² − 0.2·relu(x₀ + x₁) is −0.0128 at (0.04, 0.04, 0)."),
    _wrong("max_at_eq_hole", "kink_at_eq", lambda x, o: _q(x, o) - 0.2 * o.max(x[0], 0.0),
           _neg, 2, (0.15, 0.0), "positivity", certify_kwargs={"hole": 0.1},
           doc="V = |x|² − 0.2·max(x₀, 0) with an explicit hole 0.1: V(0.15, 0) = −0.0075 "
               "outside the hole."),
    _wrong("min_at_eq", "kink_at_eq", lambda x, o: _q(x, o) + 0.2 * o.min(x[0], 0.0), _neg, 2,
           (-0.05, 0.0), "positivity", doc="V = |x|² + 0.2·min(x₀, 0)."),
    _wrong("leaky_at_eq", "kink_at_eq", lambda x, o: _q(x, o) - 0.2 * o.leaky_relu(x[0]),
           _neg, 2, (0.05, 0.0), "positivity", doc="V = |x|² − 0.2·leaky_relu(x₀)."),
    _wrong("clip_at_eq", "kink_at_eq", lambda x, o: _q(x, o) - 0.2 * o.clip(x[0], 0.0, 1.0),
           _neg, 2, (0.05, 0.0), "positivity", doc="V = |x|² − 0.2·clip(x₀, 0, 1)."),
    _wrong("where_at_eq", "kink_at_eq",
           lambda x, o: _q(x, o) - o.where(x[0] > 0, 0.2 * x[0], 0.0), _neg, 2,
           (0.05, 0.0), "positivity", doc="V = |x|² − where(x₀ > 0, 0.2x₀, 0)."),
    _wrong("norm_at_eq", "kink_at_eq", lambda x, o: _q(x, o) - 0.2 * o.sqrt(_q(x, o)), _neg, 2,
           (0.05, 0.0), "positivity",
           doc="V = |x|² − 0.2‖x‖₂: a cone at x* (its JAX gradient there is NaN)."),
    _wrong("relu_flow_at_eq", "kink_at_eq", _q,
           lambda x, o: o.vec([-x[0] + 3.0 * o.relu(x[0]), -x[1]]), 2, (0.1, 0.05), "decrease",
           doc="f = (−x₀ + 3 relu(x₀), −x₁): the JAX Jacobian at 0 is −I, but x₀' = 2x₀ for "
               "x₀ > 0, so d|x|²/dt = 0.04 − 0.005 > 0 at (0.1, 0.05)."),
    _wrong("abs_flow_at_eq", "kink_at_eq", _q,
           lambda x, o: o.vec([-x[0] + 2.0 * o.abs(x[0]), -x[1]]), 2, (0.1, 0.05), "decrease",
           doc="f = (−x₀ + 2|x₀|, −x₁): unstable for x₀ > 0."),
    _wrong("max_flow_3d", "kink_at_eq", _q,
           lambda x, o: -x + 2.0 * o.max(x[0] + x[1] + x[2], 0.0), 3, (0.1, 0.1, 0.1),
           "decrease", doc="f = −x + 2 max(x₀ + x₁ + x₂, 0)·(1, 1, 1)."),
    _wrong("sign_flow_at_eq", "discontinuous", _q,
           lambda x, o: o.vec([-x[0] + 0.5 * o.sign(x[0]), -x[1]]), 2, (0.1, 0.0), "decrease",
           doc="f = (−x₀ + 0.5 sign(x₀), −x₁): a jump at x* pushing away from it."),
    # ---- kinks near x*
    _wrong("relu_shift_V", "kink_near_eq",
           lambda x, o: _q(x, o) - 0.5 * o.relu(x[0] - 0.02), _neg, 2, (0.1, 0.0), "positivity",
           doc="V = |x|² − 0.5 relu(x₀ − 0.02): a kink 0.02 from x*, V(0.1, 0) = −0.03."),
    _wrong("relu_shift_flow", "kink_near_eq", _q,
           lambda x, o: o.vec([-x[0] + 2.0 * o.relu(x[0] - 0.01), -x[1]]), 2, (0.1, 0.0),
           "decrease", doc="f₀ = −x₀ + 2 relu(x₀ − 0.01) > 0 for x₀ > 0.02."),
    _wrong("max_diag_near", "kink_near_eq",
           lambda x, o: _q(x, o) - 0.8 * o.max(x[0] - x[1] - 0.05, 0.0), _neg, 2, (0.1, -0.1),
           "positivity", doc="V = |x|² − 0.8 max(x₀ − x₁ − 0.05, 0): a diagonal kink."),
    _wrong("relu_shift_flow_3d", "kink_near_eq", _q,
           lambda x, o: o.vec([-x[0], -x[1] + 3.0 * o.relu(x[1] - 0.02), -x[2]]), 3,
           (0.0, 0.1, 0.0), "decrease", doc="3-D: f₁ = −x₁ + 3 relu(x₁ − 0.02)."),
    # ---- thin slivers at corners and faces
    _wrong("corner_sliver_V", "sliver",
           lambda x, o: _q(x, o) - 200.0 * o.relu(x[0] + x[1] - 1.98), _neg, 2, (0.995, 0.995),
           "positivity", doc="V < 0 only in the corner triangle x₀ + x₁ > 1.98 (legs 0.02)."),
    _wrong("corner_sliver_flow", "sliver", _q,
           lambda x, o: -x + 100.0 * o.relu(x[0] + x[1] - 1.98), 2, (1.0, 1.0), "decrease",
           doc="f = −x + 100 relu(x₀ + x₁ − 1.98)(1, 1): d|x|²/dt = 4 at the corner (1, 1)."),
    _wrong("face_sliver_flow", "sliver", _q,
           lambda x, o: o.vec([-x[0] + 300.0 * o.relu(x[0] - 0.99), -x[1]]), 2, (0.999, 0.3),
           "decrease", doc="a sliver of width 0.01 along the face x₀ = 1."),
    _wrong("corner_sliver_3d", "sliver",
           lambda x, o: _q(x, o) - 400.0 * o.relu(x[0] + x[1] + x[2] - 2.97), _neg, 3,
           (0.995, 0.995, 0.995), "positivity", doc="the corner simplex of legs 0.03 in 3-D."),
    _wrong("face_sliver_where_V", "sliver",
           lambda x, o: o.where(x[1] < -0.995, -1.0, _q(x, o)), _neg, 2, (0.0, -0.999),
           "positivity", doc="a discontinuous V = −1 on the strip x₁ < −0.995."),
    _wrong("strip_V", "sliver",
           lambda x, o: _q(x, o) - 1000.0 * o.relu(0.001 - o.abs(x[0] - 0.5)), _neg, 2,
           (0.5, 0.0), "positivity", doc="V < 0 on the strip |x₀ − 0.5| < 0.001 (width 0.002)."),
    _wrong("corner_sliver_map", "sliver", _q,
           lambda x, o: 0.5 * x + 100.0 * o.relu(x[0] + x[1] - 1.98), 2, (1.0, 1.0), "decrease",
           kind="dt", doc="map: F = x/2 + 100 relu(x₀ + x₁ − 1.98)(1, 1) expands at (1, 1)."),
    _wrong("offcentre_face_flow", "sliver", _q,
           lambda x, o: o.vec([-x[0] + 500.0 * o.relu(x[0] - 1.99), -x[1]]),
           ((-1.0, -0.5), (2.0, 0.5)), (2.0, 0.0), "decrease",
           doc="a box not centred at x*, violation on the far face x₀ = 2 only."),
    # ---- small interior bumps
    _wrong("bump_relu_inf", "bump",
           lambda x, o: _q(x, o) - 1000.0 * o.relu(_box_bump(x, o, (0.3, -0.2), 0.01)), _neg,
           2, (0.3, -0.2), "positivity",
           doc="a pyramid bump of sup-radius 0.01 at (0.3, −0.2): V = −9.87 at its centre."),
    _wrong("bump_abs_l1", "bump",
           lambda x, o: _q(x, o) - 1000.0 * o.relu(0.01 - o.abs(x[0] + 0.45)
                                                    - o.abs(x[1] - 0.35)),
           _neg, 2, (-0.45, 0.35), "positivity", doc="an ℓ¹ bump of radius 0.01."),
    _wrong("bump_where_disc", "bump",
           lambda x, o: _q(x, o) - o.where((x[0] - 0.6) ** 2 + (x[1] - 0.1) ** 2 < 1e-4, 1.0,
                                           0.0),
           _neg, 2, (0.6, 0.1), "positivity", doc="a disc of radius 0.01 where V jumps by −1."),
    _wrong("bump_flow_where", "bump", _q,
           lambda x, o: o.vec([-x[0] + o.where((x[0] - 0.5) ** 2 + (x[1] - 0.1) ** 2 < 1e-4,
                                               10.0, 0.0), -x[1]]),
           2, (0.5, 0.1), "decrease", doc="f jumps by 10 on a disc of radius 0.01."),
    _wrong("bump_relu_3d", "bump",
           lambda x, o: _q(x, o) - 1000.0 * o.relu(_box_bump(x, o, (0.2, 0.3, -0.4), 0.01)),
           _neg, 3, (0.2, 0.3, -0.4), "positivity", doc="3-D pyramid bump, radius 0.01."),
    _wrong("bump_flow_3d", "bump", _q,
           lambda x, o: -x + 1e4 * o.relu(_box_bump(x, o, (0.4, -0.3, 0.2), 0.01)), 3,
           (0.4, -0.3, 0.2), "decrease", doc="3-D: f pushed by up to 100 on a 0.01 bump."),
    _wrong("bump_map_2d", "bump", _q,
           lambda x, o: 0.5 * x + o.vec([1000.0 * o.relu(_box_bump(x, o, (-0.2, -0.7), 0.01)),
                                         0.0]),
           2, (-0.2, -0.7), "decrease", kind="dt", doc="map: a bump that throws points out."),
    _wrong("bump_gauss_2d", "bump",
           lambda x, o: _q(x, o) - 2.0 * o.exp(-((x[0] - 0.35) ** 2 + (x[1] - 0.55) ** 2)
                                                / 1e-4),
           _neg, 2, (0.35, 0.55), "positivity",
           doc="a smooth Gaussian well of width 0.01 (analytic, but hard to sample)."),
    _wrong("bump_min_2d", "bump",
           lambda x, o: _q(x, o) - 1000.0 * o.relu(o.min(0.01 - o.abs(x[0] - 0.7),
                                                         0.01 - o.abs(x[1] - 0.7))),
           _neg, 2, (0.7, 0.7), "positivity", doc="the bump written with min."),
    _wrong("bump_4d", "bump",
           lambda x, o: _q(x, o) - 1000.0 * o.relu(_box_bump(x, o, (0.1, -0.2, 0.3, -0.1),
                                                             0.01)),
           _neg, 4, (0.1, -0.2, 0.3, -0.1), "positivity", doc="4-D pyramid bump."),
    _wrong("bump_flow_small", "bump", _q,
           lambda x, o: o.vec([-x[0], -x[1] + 4000.0 * o.relu(0.005 - o.abs(x[0] - 0.25)
                                                              - o.abs(x[1] - 0.45))]),
           2, (0.25, 0.45), "decrease", doc="an ℓ¹ bump of radius 0.005 in f."),
    # ---- V negative (or decrease failing) only very close to x*
    _wrong("neg_near_product", "neg_near_eq",
           lambda x, o: _q(x, o) - 2.0 * o.relu(x[0]) * o.relu(0.04 - x[0]), _neg, 2,
           (0.02, 0.0), "positivity", doc="V < 0 only for 0 < x₀ < 0.027 near the axis."),
    _wrong("neg_near_flow", "neg_near_eq", _q,
           lambda x, o: o.vec([-x[0] + 40.0 * o.relu(x[0]) * o.relu(0.05 - x[0]), -x[1]]), 2,
           (0.02, 0.0), "decrease", doc="x₀' > 0 only for 0 < x₀ < 0.025."),
    _wrong("neg_near_tiny", "neg_near_eq", lambda x, o: _q(x, o) - 0.002 * o.relu(x[0]), _neg,
           2, (0.001, 0.0), "positivity", certify_kwargs={"hole": 1e-4},
           doc="V < 0 only for 0 < x₀ < 0.002, checked with an explicit hole 1e-4."),
    _wrong("neg_near_annulus_3d", "neg_near_eq",
           lambda x, o: _q(x, o) - 0.06 * o.relu(o.abs(x[0]) + o.abs(x[1]) - 0.01), _neg, 3,
           (0.02, 0.0, 0.0), "positivity",
           doc="V = |x|² outside an ℓ¹ annulus 0.011 < |x₀| + |x₁| < 0.049 where V < 0."),
    # ---- discontinuous f
    _wrong("where_flow", "discontinuous", _q,
           lambda x, o: o.vec([-x[0] + o.where(x[0] > 0.5, 3.0, 0.0), -x[1]]), 2, (0.7, 0.0),
           "decrease", doc="f jumps by 3 across x₀ = 0.5."),
    _wrong("floor_flow", "discontinuous", _q,
           lambda x, o: o.vec([-x[0] + o.floor(3.0 * x[0]), -x[1]]), 2, (0.5, 0.0), "decrease",
           doc="f₀ = −x₀ + floor(3x₀): zero derivative almost everywhere, jumps of 1."),
    _wrong("round_flow", "discontinuous", _q,
           lambda x, o: o.vec([-x[0] + 2.0 * o.round(x[0]), -x[1]]), 2, (0.6, 0.0), "decrease",
           doc="f₀ = −x₀ + 2 round(x₀)."),
    _wrong("where_map", "discontinuous", _q,
           lambda x, o: o.where(x[0] > 0.3, 2.0 * x, 0.5 * x), 2, (0.4, 0.0), "decrease",
           kind="dt", doc="map: contracting for x₀ ≤ 0.3, expanding beyond."),
    _wrong("where_V", "discontinuous", lambda x, o: o.where(x[0] > 0.6, 0.0, _q(x, o)), _neg, 2,
           (0.7, 0.0), "positivity", doc="V drops to V(x*) = 0 for x₀ > 0.6."),
    _wrong("floor_V", "discontinuous",
           lambda x, o: _q(x, o) - 0.5 * o.floor(x[0] + 0.95), _neg, 2, (0.1, 0.0),
           "positivity", doc="V jumps by −0.5 at x₀ = 0.05."),
    _wrong("sign_V", "discontinuous",
           lambda x, o: _q(x, o) - 0.1 * (o.sign(x[0] - 0.3) + 1.0), _neg, 2, (0.35, 0.0),
           "positivity", doc="V jumps by −0.2 at x₀ = 0.3."),
    # ---- ReLU-network V
    _wrong("relu_net_V_kink", "relu_net_V",
           lambda x, o: o.dense([[1.0, 1.0, 1.0, 1.0, -1.5]], [0.0],
                                o.relu(o.dense([[1.0, 0.0], [-1.0, 0.0], [0.0, 1.0], [0.0, -1.0],
                                                [1.0, -1.0]], np.zeros(5), x)))[0],
           _neg, 2, (0.1, -0.1), "positivity",
           doc="a ReLU net V = |x|₁ − 1.5 relu(x₀ − x₁), all kinks through x*."),
    _wrong("relu_net_V_random", "relu_net_V",
           lambda x, o: 0.5 * _q(x, o) + 0.3 * (_net(x, o) - _net(o.vec([0.0, 0.0]), o)),
           _neg, 2, (-0.055, 0.0), "positivity",
           doc="V = |x|²/2 + 0.3(N(x) − N(0)) with a fixed 2-6-1 ReLU net N whose "
               "gradient at 0 is not 0."),
    _wrong("relu_net_V_bump", "relu_net_V",
           lambda x, o: o.sum(o.relu(x) + o.relu(-x))
           - 100.0 * o.relu(0.02 - o.relu(x[0] - 0.5) - o.relu(0.5 - x[0])
                            - o.relu(x[1] - 0.5) - o.relu(0.5 - x[1])),
           _neg, 2, (0.5, 0.5), "positivity",
           doc="a depth-3 ReLU net: |x|₁ minus an ℓ¹ bump of radius 0.02 at (0.5, 0.5)."),
    _wrong("relu_net_V_l1_rot", "relu_net_V", lambda x, o: o.sum(o.relu(x) + o.relu(-x)),
           lambda x, o: o.vec([-x[0] + 2.0 * x[1], -x[1]]), 2, (0.1, 0.5), "decrease",
           doc="V = |x|₁ (ReLU net) with f = (−x₀ + 2x₁, −x₁): V̇ = 0.4 at (0.1, 0.5)."),
    # ---- ReLU closed loops
    _wrong("relu_loop_kinks_at_eq", "relu_loop", _q,
           lambda x, o: -x + o.vec([o.dense(_LOOP_C, [0.0], o.relu(o.dense(_LOOP_W, np.zeros(3),
                                                                            x)))[0], 0.0]),
           2, (0.1, 0.1), "decrease",
           doc="u = c·relu(Wx) with every kink through x*: the JAX linearisation is −I."),
    _wrong("relu_loop_mlp_bias", "relu_loop", _q,
           lambda x, o: -x + o.vec([o.dense(_MLP_W2, [0.0], o.relu(o.dense(_MLP_W1, _MLP_B1, x)))[0]
                                    - o.dense(_MLP_W2, [0.0],
                                              o.relu(o.dense(_MLP_W1, _MLP_B1,
                                                             o.vec([0.0, 0.0]))))[0], 0.0]),
           2, (0.3, 0.3), "decrease",
           doc="a 2-3-1 ReLU controller with kinks 0.01–0.02 from x*, shifted to u(x*) = 0."),
    _wrong("sac_designed", "relu_loop", _q,
           lambda x, o: o.vec([-x[0] + _sac_actor(x, o, "designed"), -x[1]]), 2, (0.1, 0.05),
           "decrease",
           doc="an SB3 SAC actor (2-8-8-1 ReLU, tanh head) exported by export_sb3_actor, with "
               "weights set to a = tanh(3 relu(x₀)): x₀' ≈ 2x₀ for x₀ > 0.", slow=True),
    _wrong("relu_loop_map", "relu_loop", _q,
           lambda x, o: 0.5 * x + o.vec([1.2 * o.relu(x[0]), 0.0]), 2, (0.1, 0.0), "decrease",
           kind="dt", doc="map: F₀ = 1.7x₀ for x₀ > 0."),
    # ---- maps
    _wrong("map_abs_at_eq", "map", _q, lambda x, o: o.vec([1.2 * o.abs(x[1]), 0.5 * x[0]]), 2,
           (0.0, 0.1), "decrease", kind="dt", doc="F = (1.2|x₁|, x₀/2)."),
    _wrong("map_kink_near", "map", _q,
           lambda x, o: o.vec([0.5 * x[0] + 2.0 * o.relu(x[0] - 0.02), 0.5 * x[1]]), 2,
           (0.1, 0.0), "decrease", kind="dt", doc="F₀ = x₀/2 + 2 relu(x₀ − 0.02)."),
    _wrong("map_positivity", "map", lambda x, o: _q(x, o) - 0.2 * o.relu(x[0]), _half, 2,
           (0.05, 0.0), "positivity", kind="dt", doc="map F = x/2 with the relu_at_eq V."),
    _wrong("map_face_sliver_3d", "map", _q,
           lambda x, o: 0.5 * x + o.vec([0.0, 0.0, 300.0 * o.relu(x[2] - 0.99)]), 3,
           (0.0, 0.0, 1.0), "decrease", kind="dt", doc="map, sliver at the face x₂ = 1."),
    _wrong("map_floor", "map", _q,
           lambda x, o: 0.5 * x + o.vec([0.9 * o.floor(x[0] + 0.5), 0.0]), 2, (0.6, 0.0),
           "decrease", kind="dt", doc="map with a jump of 0.9 at x₀ = 0.5."),
]


# --------------------------------------------------------------------------- the valid cases
def _maxquad(x, o):
    return o.max(x[0] ** 2 + 2.0 * x[1] ** 2, 2.0 * x[0] ** 2 + x[1] ** 2)


_V = [
    _valid("l1_V", lambda x, o: o.abs(x[0]) + o.abs(x[1]), _neg, 2,
           doc="V = |x|₁, f = −x. V is positively homogeneous of degree 1, so every limiting "
               "gradient g at x satisfies g·x = V(x) (Euler, piece by piece); hence "
               "g·f = −V(x) < 0 on the whole Clarke gradient for x ≠ 0."),
    _valid("linf_V", lambda x, o: o.max(o.abs(x[0]), o.abs(x[1])), _neg, 2,
           doc="V = |x|_∞, f = −x: homogeneous of degree 1, g·f = −V(x) < 0 (as l1_V)."),
    _valid("maxquad_rot", _maxquad,
           lambda x, o: o.vec([-x[0] - 0.5 * x[1], -x[1] + 0.5 * x[0]]), 2,
           doc="V = max(q₁, q₂), q₁ = x₀² + 2x₁², q₂ = 2x₀² + x₁², f = −x + ½(−x₁, x₀). "
               "∇q₁·f = −2q₁ + x₀x₁ ≤ −2q₁ + ½|x|² ≤ −1.5q₁, likewise ∇q₂·f = −2q₂ − x₀x₁ "
               "≤ −1.5q₂; at ties q₁ = q₂ = V, so every convex combination is ≤ −1.5V < 0."),
    _valid("l1_rot", lambda x, o: o.abs(x[0]) + o.abs(x[1]),
           lambda x, o: o.vec([-x[0] - 0.5 * x[1], 0.5 * x[0] - x[1]]), 2,
           doc="V = |x|₁, f = −x + ½(−x₁, x₀): g = (s₀, s₁) with sᵢ = sign(xᵢ) or any "
               "sᵢ ∈ [−1, 1] where xᵢ = 0; g·f = −|x|₁ + ½(s₁x₀ − s₀x₁) ≤ −½|x|₁ < 0."),
    _valid("l1_3d", lambda x, o: o.sum(o.abs(x)), _neg, 3,
           doc="3-D V = |x|₁, f = −x: homogeneous, g·f = −V < 0."),
    _valid("linf_3d", lambda x, o: o.maxv([o.abs(x[0]), o.abs(x[1]), o.abs(x[2])]),
           lambda x, o: -x - 0.5 * x * x * x, 3,
           doc="V = |x|_∞, f = −x − x³/2 (elementwise): a limiting gradient is ±eᵢ for an "
               "active i (|xᵢ| = V), giving −|xᵢ| − |xᵢ|³/2 < 0; convex combinations too."),
    _valid("sat_loop", _q,
           lambda x, o: o.vec([-0.5 * x[0] + x[1], -x[0] - 0.5 * x[1]])
           - o.clip(x[0] + 0.5 * x[1], -1.0, 1.0) * o.vec([1.0, 0.5]), _cube(2, 2.0),
           doc="f = Ax − b sat(bᵀx), A = [[−½, 1], [−1, −½]], b = (1, ½), V = |x|²: "
               "V̇ = xᵀ(A + Aᵀ)x − 2(bᵀx)sat(bᵀx) ≤ −|x|² < 0 since y·sat(y) ≥ 0."),
    _valid("sat_decoupled", _q,
           lambda x, o: o.vec([-o.clip(x[0], -0.5, 0.5), -x[1] - 0.5 * o.tanh(x[1])]),
           _cube(2, 2.0),
           doc="V̇ = −2x₀ sat(x₀) − 2x₁² − x₁ tanh(x₁) < 0 for x ≠ 0 (each term ≤ 0, the first "
               "two vanish only at x₀ = 0, x₁ = 0)."),
    _valid("abs_damping", _q,
           lambda x, o: o.vec([-x[0] + x[1], -x[0] - x[1] - o.abs(x[1]) * x[1]]), 2,
           doc="V̇ = −2x₀² − 2x₁² − 2|x₁|x₁² < 0 (f is C¹; |x₁|x₁ is a kink of order 2)."),
    _valid("coulomb_friction", _q,
           lambda x, o: o.vec([-x[0] + x[1], -x[0] - x[1] - 0.5 * o.sign(x[1])]), 2,
           doc="discontinuous f with dry friction −½ sign(x₁): V̇ = −2x₀² − 2x₁² − |x₁| < 0; on "
               "x₁ = 0 every Filippov value s ∈ [−1, 1] multiplies x₁ = 0."),
    _valid("relu_net_l1_V", lambda x, o: o.sum(o.relu(x) + o.relu(-x)), _neg, 2,
           doc="V = Σ relu(xᵢ) + relu(−xᵢ) = |x|₁ as a ReLU net, f = −x (as l1_V)."),
    _valid("relu_loop_valid", _q,
           lambda x, o: -x - o.dense(_VALID_W.T, np.zeros(2),
                                     o.relu(o.dense(_VALID_W, np.zeros(3), x))), 2,
           doc="f = −x − Wᵀrelu(Wx): V̇ = −2|x|² − 2(Wx)·relu(Wx) ≤ −2|x|² since y·relu(y) ≥ 0 "
               "(Clarke: relu′ ∈ [0, 1] changes nothing, V is smooth)."),
    _valid("leaky_loop", _q, lambda x, o: -x - 0.5 * o.leaky_relu(x), 2,
           doc="f = −x − ½ leaky_relu(x): V̇ = −2|x|² − Σ xᵢ leaky(xᵢ) ≤ −2|x|²."),
    _valid("where_pwl", _q,
           lambda x, o: o.vec([o.where(x[0] > 0, -2.0 * x[0], -x[0]), -x[1]]), 2,
           doc="continuous piecewise-linear f: V̇ = 2x₀f₀ − 2x₁² with x₀f₀ ∈ {−2x₀², −x₀²}."),
    _valid("map_l1", lambda x, o: o.abs(x[0]) + o.abs(x[1]), _half, 2, kind="dt",
           doc="map F = x/2, V = |x|₁: V(F(x)) − V(x) = −½|x|₁ < 0."),
    _valid("map_clip", lambda x, o: o.max(o.abs(x[0]), o.abs(x[1])),
           lambda x, o: 0.5 * o.clip(x, -0.5, 0.5) + 0.2 * x, 2, kind="dt",
           doc="map F = ½ sat(x) + 0.2x, V = |x|_∞: |Fᵢ| ≤ 0.7|xᵢ|, so V(F) ≤ 0.7V < V."),
    _valid("map_relu", _q, lambda x, o: 0.5 * x - 0.3 * o.relu(x), 2, kind="dt",
           doc="map Fᵢ ∈ {0.2xᵢ, 0.5xᵢ}: V(F) ≤ V/4 < V."),
    _valid("map_maxquad", _maxquad,
           lambda x, o: o.vec([0.5 * (0.825 * x[0] - 0.565 * x[1]),
                               0.5 * (0.565 * x[0] + 0.825 * x[1])]), 2, kind="dt",
           doc="map F = ½Rx with R ≈ rotation by 0.6 (‖R‖₂ ≤ 1.0): |x|² ≤ V ≤ 2|x|², so "
               "V(F) ≤ 2·¼|x|² ≤ ½V(x) < V(x)."),
    _valid("map_sat", _q, lambda x, o: x - 0.5 * o.clip(x, -1.0, 1.0), _cube(2, 2.0), kind="dt",
           doc="map Fᵢ = xᵢ − ½ sat(xᵢ): |Fᵢ| = ½|xᵢ| for |xᵢ| ≤ 1 and |xᵢ| − ½ otherwise, "
               "so |Fᵢ| < |xᵢ| for xᵢ ≠ 0."),
    _valid("norm_V", lambda x, o: o.sqrt(_q(x, o)), _neg, 2,
           doc="V = ‖x‖₂ (a cone at x*, smooth elsewhere), f = −x: V̇ = −‖x‖₂ < 0."),
    _valid("abs_x0_V", lambda x, o: o.abs(x[0]) + x[1] ** 2, _neg, 2,
           doc="V = |x₀| + x₁², f = −x: g·f = −s₀x₀ − 2x₁² = −|x₀| − 2x₁² < 0."),
    _valid("relu_kink_loop", _q, lambda x, o: o.vec([-x[0] - o.relu(x[0]), -x[1]]), 2,
           doc="f₀ = −x₀ − relu(x₀) (a kink at x*): V̇ = −2x₀² − 2x₀relu(x₀) − 2x₁² < 0."),
    _valid("sac_valid", _q, _sac_valid_f, 2,
           doc="f = (−x₀ + ½x₁, −½x₀ − x₁ + u), u = c(a(x) − a(0)) with a an SB3 SAC actor "
               "(seeded, untrained; 2-8-8-1 ReLU, tanh head) exported by export_sb3_actor and "
               "c = 1/(2L), L the product of its layers' spectral norms (relu and tanh are "
               "1-Lipschitz), so |u| ≤ ½|x|. The rotation terms cancel in V̇ and "
               "V̇ = −2|x|² + 2x₁u ≤ −2|x|² + |x|² = −|x|² < 0 (u is Lipschitz, so the "
               "bound holds for every element of its Clarke Jacobian too).",
           slow=True),
]

CASES: list[AdversarialCase] = _W + _V


def wrong_cases(include_slow: bool = True) -> list[AdversarialCase]:
    """The wrong candidates (each with a violating point)."""
    return [c for c in CASES if c.expected == "wrong" and (include_slow or not c.slow)]


def valid_cases(include_slow: bool = True) -> list[AdversarialCase]:
    """The valid non-smooth candidates."""
    return [c for c in CASES if c.expected == "valid" and (include_slow or not c.slow)]


def get(name: str) -> AdversarialCase:
    """The case called ``name``."""
    for c in CASES:
        if c.name == name:
            return c
    raise KeyError(f"no adversarial case {name!r}; known: {[c.name for c in CASES]}")


def claim_contains(cert: Any, point: Sequence[float]) -> bool:
    """Whether a certificate claims the conditions at ``point``: it is CERTIFIED (or
    CERTIFIED_OUTSIDE_HOLE with ``point`` outside the stated hole, a Euclidean ball or a
    sup-norm box around ``x*``) and, for a sublevel claim, ``point`` is not excluded by it
    (the level is not checked here: every suite case certifies the whole box)."""
    if not cert.certified:
        return False
    sc = cert.scope
    p = np.asarray(point, np.float64)
    xe = np.asarray(sc.get("x_eq"), np.float64)
    if np.all(p == xe):
        return False
    r = float(sc.get("hole_radius", 0.0) or 0.0)
    if r <= 0:
        return True
    d = (np.sqrt(np.sum((p - xe) ** 2)) if sc.get("hole_shape") == "ball"
         else np.max(np.abs(p - xe)))
    return bool(d > r)
