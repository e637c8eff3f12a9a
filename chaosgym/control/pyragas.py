"""Pyragas time-delayed feedback control, with the delay line as a pure state.

The control ``u(t) = K (y(t − τ) − y(t))`` with ``y = C x`` the measured output and ``τ`` the
period of an unstable periodic orbit. On the orbit ``y(t − τ) = y(t)``, so the force vanishes:
the controller changes the stability of the orbit without changing the orbit itself, and needs
no model of it — only its period. As the orbit is stabilised the force decays to zero.

:class:`Pyragas` keeps the last outputs in a ring buffer (a pytree), so the controller is a
pure function ``(cstate, y) -> (u, cstate)`` usable inside ``jit``/``scan``. The delay is
``τ = (delay_steps + delay_fraction) · h``: with ``delay_fraction = 0`` (a sampling interval
``h = τ / delay_steps``) the delayed output is an exact sample; otherwise it is interpolated
linearly between the two samples around ``t − τ`` (error ≤ h² max|ÿ| / 8), so a delay that
is not a whole number of control intervals is not rounded off the orbit's period. The input is
held over each interval (zero-order hold). :func:`closed_loop` simulates a system under the
controller in one ``lax.scan``.

References:
    K. Pyragas, "Continuous control of chaos by self-controlling feedback", Phys. Lett. A
    170, 421–428 (1992).
    K. Pyragas, "Delayed feedback control of chaos", Phil. Trans. R. Soc. A 364, 2309–2334
    (2006).
"""

from __future__ import annotations

import dataclasses
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from chaosgym._pytree import pytree_dataclass
from chaosgym.integrators import make_stepper

Array = jax.Array

__all__ = ["Pyragas", "PyragasState", "closed_loop"]


@pytree_dataclass
class PyragasState:
    """The delay line: ``buffer[(head + i) % L]`` is the output ``L − i`` samples ago (``L`` =
    :attr:`Pyragas.buffer_length`)."""

    buffer: Array
    head: Array


@dataclasses.dataclass(frozen=True)
class Pyragas:
    """Delayed feedback ``u = clip(K (y(t − τ) − y(t)), ±u_max)`` with ``y = x[outputs]``.

    Args:
        gain: feedback gain ``K`` (scalar, or one per output).
        delay_steps: the whole sampling intervals of the delay.
        outputs: state components measured (one input per output, in the same order).
        u_max: saturation of the physical input (``None``: no saturation).
        delay_fraction: the rest of the delay, in ``[0, 1)`` intervals
            (``τ = (delay_steps + delay_fraction) · h``; the delayed output is interpolated).
    """

    gain: float
    delay_steps: int
    outputs: tuple[int, ...] = (1,)
    u_max: float | None = None
    delay_fraction: float = 0.0

    def __post_init__(self) -> None:
        if int(self.delay_steps) < 1:
            raise ValueError(f"delay_steps must be >= 1, got {self.delay_steps}")
        if not 0.0 <= float(self.delay_fraction) < 1.0:
            raise ValueError(f"delay_fraction must be in [0, 1), got {self.delay_fraction}")

    @property
    def buffer_length(self) -> int:
        """Samples kept: ``delay_steps``, plus one when the delay has a fraction."""
        return int(self.delay_steps) + (1 if self.delay_fraction > 0 else 0)

    def output(self, x: Array) -> Array:
        return x[jnp.asarray(self.outputs)]

    def init(self, history: Array) -> PyragasState:
        """Delay line from a history ``(buffer_length, n)`` of states, oldest first, or from
        one state ``(n,)`` repeated (no force until the line has turned over)."""
        history = jnp.asarray(history)
        L = self.buffer_length
        if history.ndim == 1:
            history = jnp.broadcast_to(history, (L, history.shape[0]))
        if history.shape[0] != L:
            raise ValueError(
                f"history must hold buffer_length={L} states (delay_steps="
                f"{self.delay_steps}{' + 1 for the fraction' if L > self.delay_steps else ''}), "
                f"got {history.shape}"
            )
        ys = jax.vmap(self.output)(history)
        return PyragasState(buffer=ys, head=jnp.zeros((), jnp.int32))

    def __call__(self, cstate: PyragasState, x: Array) -> tuple[Array, PyragasState]:
        """``(u, new_state)`` for the current state ``x`` (pure, jittable)."""
        y = self.output(x)
        L = self.buffer_length
        oldest = cstate.buffer[cstate.head]  # L samples ago
        if self.delay_fraction > 0:  # between delay_steps (next) and delay_steps + 1 (oldest)
            a = jnp.asarray(self.delay_fraction, y.dtype)
            delayed = (1 - a) * cstate.buffer[(cstate.head + 1) % L] + a * oldest
        else:
            delayed = oldest
        u = jnp.asarray(self.gain, y.dtype) * (delayed - y)
        if self.u_max is not None:
            u = jnp.clip(u, -self.u_max, self.u_max)
        buf = cstate.buffer.at[cstate.head].set(y)
        head = (cstate.head + 1) % L
        return u, PyragasState(buffer=buf, head=head)

    @classmethod
    def for_env(cls, fenv, gain: float, period: float, outputs=None, u_max=None) -> Pyragas:
        """A controller for a :class:`~chaosgym.functional.FunctionalEnv`: the delay is the
        period, as whole control intervals plus an interpolated fraction (never rounded);
        outputs default to the actuated components."""
        if outputs is None:
            from chaosgym.systems.base import SparseActuators

            sp = fenv.default_params.system
            mat = fenv.actuation.matrix
            if isinstance(mat, SparseActuators):  # no dense matrix needed
                outputs = tuple(int(r) for r in mat.indices(sp))
            else:
                B = np.asarray(mat(sp))
                outputs = tuple(int(np.argmax(np.abs(B[:, j]))) for j in range(B.shape[1]))
        steps = float(period) / fenv.dt
        d = max(1, int(np.floor(steps + 1e-9)))
        frac = max(0.0, steps - d)
        frac = 0.0 if frac < 1e-9 else frac
        return cls(gain=gain, delay_steps=d, outputs=tuple(outputs), u_max=u_max,
                   delay_fraction=frac)


def closed_loop(
    spec: Any,
    controller: Pyragas,
    x0: Array,
    period: float,
    periods: int,
    *,
    params: Any = None,
    actuation: str | None = None,
    substeps: int = 2,
    integrator: str = "rk4",
    free_periods: int = 1,
) -> dict[str, Array]:
    """Simulate ``spec`` under delayed feedback with sampling
    ``h = period / (delay_steps + delay_fraction)``.

    The system first runs ``free_periods`` uncontrolled periods to fill the delay line with
    its own history, then ``periods`` controlled periods. Returns the states ``x`` and inputs
    ``u`` at every sample of the controlled run (leading time axis).
    """
    params = spec.params if params is None else params
    d = controller.delay_steps
    h = float(period) / (d + controller.delay_fraction)
    step = make_stepper(spec, actuation, h, substeps, integrator, params)
    m = spec.actuation(actuation).num_inputs(params)
    if m != len(controller.outputs):
        raise ValueError(f"the actuation has {m} inputs but the controller {controller.outputs}")
    x0 = jnp.asarray(x0)
    zero = jnp.zeros((m,), x0.dtype)

    def free(x, _):
        x2 = step(x, zero, params)
        return x2, x

    n_free = max(1, int(free_periods)) * d
    x, hist = jax.lax.scan(free, x0, None, length=n_free)
    cstate = controller.init(hist[-controller.buffer_length:])

    def body(carry, _):
        x, cs = carry
        u, cs = controller(cs, x)
        x2 = step(x, u.astype(x.dtype), params)
        return (x2, cs), (x, u)

    _, (xs, us) = jax.lax.scan(body, (x, cstate), None, length=int(periods) * d)
    return {"x": xs, "u": us, "h": h}
