"""Tasks for PDE systems: dissipation control, reaching equilibria, suppression, tracking.

Every task here shares the observation choice of :class:`FieldTask` (a static task parameter
``observation``):

* ``"sensors"`` (default): the point sensors of the system (``n_sensors`` of its params; both
  components for complex fields);
* ``"field"``: the whole physical state vector;
* ``"fourier"``: real and imaginary parts of the lowest ``n_modes`` Fourier modes (÷ N^d).

Control inputs ``u`` reach the tasks in physical units (the action times ``u_max``).

Action space: ``Box(-1, 1, (m,))``, normalised per actuator (the system's ``u_max`` scales it).
Episode end: no task terminates on its own; episodes are truncated at ``max_steps``, and a
state that blows up (non-finite, or beyond the system's ``bound``) ends the episode with
``info["diverged"] = True`` and the last finite observation.

Tasks:
    :class:`Dissipation` — Kuramoto–Sivashinsky: reward −(D + P + ⟨u f⟩) with D = ⟨u_xx²⟩,
    P = ⟨u_x²⟩ and ⟨u f⟩ the power injected by the actuators (Zeng, Linot & Graham 2022).
    :class:`Target` — Kuramoto–Sivashinsky at L=22: reach and hold the equilibrium E1, E2 or E3
    (Bucci et al. 2019); reward −log(1 + ‖u − E_k‖/ε) − c·Σu²/m with ‖·‖ the root-mean-square
    norm and ε = ``precision``.
    :class:`Suppress` — reward −cost(x) − c·Σu²/m for a system-supplied cost (defects,
    enstrophy, modulation energy, spiral cores).
    :class:`Track` — follow a travelling sine wave r(x, t) = A sin(2π(x − c t)/L); reward
    −‖u − r‖ − c·Σu²/m.
    :class:`ControlgymRegulation` — controlgym's Kuramoto–Sivashinsky task (Zhang et al. 2024):
    the quadratic cost (x − x*)ᵀQ(x − x*) + aᵀRa about the zero state with Q = q I, R = r I,
    grid-point sensors with Gaussian noise of variance 0.25, unbounded actions and its own
    starting states; see the class.

References:
    M. A. Bucci et al., "Control of chaotic systems by deep reinforcement learning",
    Proc. R. Soc. A 475, 20190351 (2019).
    K. Zeng, A. J. Linot and M. D. Graham, "Data-driven control of spatiotemporal chaos with
    reduced-order neural ODE-based models and reinforcement learning", Proc. R. Soc. A 478,
    20220297 (2022).
    X. Zhang, W. Mao, S. Mowlavi, M. Benosman and T. Başar, "Controlgym: large-scale control
    environments for benchmarking reinforcement learning algorithms", L4DC (2024).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import jax
import jax.numpy as jnp

from chaosgym._pytree import pytree_dataclass, static
from chaosgym.tasks.base import Array, Task, TaskOutput, precision_cost

if TYPE_CHECKING:
    from chaosgym.systems.base import SystemSpec

__all__ = [
    "ControlgymParams",
    "ControlgymRegulation",
    "Dissipation",
    "DissipationParams",
    "FieldTask",
    "Suppress",
    "SuppressParams",
    "Target",
    "TargetParams",
    "Track",
    "TrackParams",
    "suppress_task",
]

OBSERVATIONS = ("sensors", "field", "fourier")


class FieldTask(Task):
    """Base class: observation of a PDE state by sensors, the full field or Fourier modes."""

    def check(self, spec: SystemSpec, sp: Any, tp: Any) -> None:
        if spec.kind != "pde" or not hasattr(spec, "sense"):
            raise ValueError(f"{self.name} needs a PDE system, got {spec.name!r} ({spec.kind})")
        if tp.observation not in OBSERVATIONS:
            raise ValueError(f"observation must be one of {OBSERVATIONS}, got {tp.observation!r}")
        if tp.observation == "fourier" and not 1 <= tp.n_modes < spec.grid(sp).N // 2:
            raise ValueError(f"n_modes must be in [1, N/2), got {tp.n_modes}")
        # The environment checks the task with its actual params before asking for the
        # observation size; remember them (the observation choice is static).
        self._checked_params = tp

    def observation_dim(self, spec: SystemSpec, sp: Any) -> int:
        tp = getattr(self, "_checked_params", self.params)
        return self._obs_dim(spec, sp, tp)

    @staticmethod
    def _obs_dim(spec: SystemSpec, sp: Any, tp: Any) -> int:
        if tp.observation == "sensors":
            return spec.num_sensors(sp)
        if tp.observation == "fourier":
            return spec.num_fourier(sp, tp.n_modes)
        return int(spec.dim(sp))

    def observe(self, x: Array, tstate: Any, spec: SystemSpec, sp: Any, tp: Any) -> Array:
        if tp.observation == "sensors":
            return spec.sense(x, sp)
        if tp.observation == "fourier":
            return spec.fourier_modes(x, sp, tp.n_modes)
        return x

    @staticmethod
    def forcing(spec: SystemSpec, u: Array, sp: Any) -> Array:
        """The physical forcing field ``B u`` of the system's (single) actuation."""
        B = spec.actuation().matrix(sp)
        return B.astype(u.dtype) @ u


def _no_term() -> Array:
    return jnp.zeros((), bool)


# ---------------------------------------------------------------------- Dissipation
@pytree_dataclass
class DissipationParams:
    observation: str = static("sensors")
    n_modes: int = static(8)


class Dissipation(FieldTask):
    """Minimise dissipation plus power input of Kuramoto–Sivashinsky: reward −(D + P + ⟨u f⟩)."""

    name = "Dissipation"
    metrics = ("D", "P", "power", "energy")
    description = "minimise KS dissipation + power input −(D + P + ⟨uf⟩)"

    def __init__(self, **kwargs: Any) -> None:
        self.params = DissipationParams(**kwargs)

    def check(self, spec: SystemSpec, sp: Any, tp: DissipationParams) -> None:
        super().check(spec, sp, tp)
        if spec.name != "kuramoto_sivashinsky":
            raise ValueError("Dissipation is defined for kuramoto_sivashinsky")

    def evaluate(self, x: Array, u: Array, x_next: Array, tstate: Any, spec: SystemSpec,
                 sp: Any, tp: DissipationParams) -> TaskOutput:
        from chaosgym.systems.pde.kuramoto_sivashinsky import budget

        b = budget(x_next, self.forcing(spec, u, sp), sp)
        reward = -(b["D"] + b["P"] + b["power"])
        return TaskOutput(reward=reward, terminated=_no_term(), metrics=b, tstate=tstate)


# ---------------------------------------------------------------------- Target
@pytree_dataclass
class TargetParams:
    target: int = static(0)
    control_cost: float = 0.0
    capture_radius: float = 0.1
    observation: str = static("sensors")
    n_modes: int = static(8)
    precision: float = 0.01


class Target(FieldTask):
    """Reach and hold a KS equilibrium (``target`` 0, 1, 2 → E1, E2, E3; L=22)."""

    name = "Target"
    metrics = ("distance", "captured")
    description = "reach and hold the KS equilibrium E1/E2/E3 (L=22)"

    def __init__(self, **kwargs: Any) -> None:
        self.params = TargetParams(**kwargs)

    def check(self, spec: SystemSpec, sp: Any, tp: TargetParams) -> None:
        super().check(spec, sp, tp)
        if spec.fixed_points is None:
            raise ValueError(f"system {spec.name!r} declares no equilibria")
        k = spec.fixed_points(sp).shape[0]
        if not 0 <= tp.target < k:
            raise ValueError(f"target must be in [0, {k}), got {tp.target}")

    def target_state(self, spec: SystemSpec, sp: Any, tp: TargetParams) -> Array:
        return spec.fixed_points(sp)[tp.target]

    def evaluate(self, x: Array, u: Array, x_next: Array, tstate: Any, spec: SystemSpec,
                 sp: Any, tp: TargetParams) -> TaskOutput:
        err = x_next - self.target_state(spec, sp, tp).astype(x_next.dtype)
        dist = jnp.sqrt(jnp.mean(err * err))
        m = max(u.size, 1)
        reward = -precision_cost(dist, tp.precision) - tp.control_cost * jnp.sum(u * u) / m
        return TaskOutput(
            reward=reward,
            terminated=_no_term(),
            metrics={"distance": dist, "captured": dist < tp.capture_radius},
            tstate=tstate,
        )


# ---------------------------------------------------------------------- Suppress
@pytree_dataclass
class SuppressParams:
    control_cost: float = 0.0
    observation: str = static("sensors")
    n_modes: int = static(8)


class Suppress(FieldTask):
    """Suppress a system-specific measure of disorder: reward −cost(x) − c·Σu²/m.

    Args:
        cost: ``(x, params) -> dict`` with the scalar ``"cost"`` and further named metrics.
        metrics: names of the metrics ``cost`` returns (``"cost"`` included).
        **kwargs: :class:`SuppressParams` fields.
    """

    name = "Suppress"
    description = "suppress spatiotemporal disorder (defects, enstrophy, spiral breakup)"

    def __init__(
        self,
        cost: Callable[[jax.Array, object], dict[str, jax.Array]],
        metrics: tuple[str, ...] = ("cost",),
        **kwargs: Any,
    ) -> None:
        if "cost" not in metrics:
            raise ValueError("metrics must include 'cost'")
        self.cost = cost
        self.metrics = tuple(metrics)
        self.params = SuppressParams(**kwargs)

    def evaluate(self, x: Array, u: Array, x_next: Array, tstate: Any, spec: SystemSpec,
                 sp: Any, tp: SuppressParams) -> TaskOutput:
        out = self.cost(x_next, sp)
        m = max(u.size, 1)
        reward = -out["cost"] - tp.control_cost * jnp.sum(u * u) / m
        return TaskOutput(
            reward=reward,
            terminated=_no_term(),
            metrics={k: out[k] for k in self.metrics},
            tstate=tstate,
        )


# ---------------------------------------------------------------------- Track
@pytree_dataclass
class TrackParams:
    amplitude: float = 0.5
    speed: float = 0.1
    wavenumber: int = static(1)
    control_cost: float = 0.0
    observation: str = static("sensors")
    n_modes: int = static(8)


class Track(FieldTask):
    """Track the travelling wave r(x, t) = A sin(2π n (x − c t)/L) (1-D real fields).

    The task state is the elapsed time, counted in the system's control interval ``spec.dt``
    (``speed`` is in length per that time unit); the reference is evaluated after each step.
    """

    name = "Track"
    metrics = ("distance",)
    description = "track a travelling sine wave"

    def __init__(self, **kwargs: Any) -> None:
        self.params = TrackParams(**kwargs)

    def check(self, spec: SystemSpec, sp: Any, tp: TrackParams) -> None:
        super().check(spec, sp, tp)
        g = spec.grid(sp)
        if g.ndim != 1 or g.complex_field:
            raise ValueError("Track needs a real 1-D field")

    def init(self, key: Array, x0: Array, spec: SystemSpec, sp: Any, tp: TrackParams) -> Array:
        return jnp.zeros((), x0.dtype)

    def reference(self, t: Array, spec: SystemSpec, sp: Any, tp: TrackParams) -> Array:
        g = spec.grid(sp)
        x = jnp.asarray(g.x, jnp.result_type(t))
        return tp.amplitude * jnp.sin(2 * jnp.pi * tp.wavenumber * (x - tp.speed * t) / g.L)

    def evaluate(self, x: Array, u: Array, x_next: Array, tstate: Any, spec: SystemSpec,
                 sp: Any, tp: TrackParams) -> TaskOutput:
        t = tstate + jnp.asarray(spec.dt, tstate.dtype)
        err = x_next - self.reference(t, spec, sp, tp).astype(x_next.dtype)
        dist = jnp.sqrt(jnp.mean(err * err))
        m = max(u.size, 1)
        reward = -dist - tp.control_cost * jnp.sum(u * u) / m
        return TaskOutput(reward=reward, terminated=_no_term(), metrics={"distance": dist},
                          tstate=t)


def suppress_task(system: str) -> Callable[..., Suppress]:
    """A :class:`Suppress` factory for a registered PDE system (imported lazily).

    The system module provides ``suppress_cost(x, params) -> dict`` and ``SUPPRESS_METRICS``.
    """

    def factory(**kwargs: Any) -> Suppress:
        import importlib

        from chaosgym import systems

        mod = importlib.import_module(systems._MODULES[system])
        return Suppress(mod.suppress_cost, mod.SUPPRESS_METRICS, **kwargs)

    factory.__name__ = f"Suppress[{system}]"
    return factory


# ---------------------------------------------------------------------- controlgym's KS task
@pytree_dataclass
class ControlgymParams:
    """controlgym's ``kuramoto_sivashinsky`` defaults (v1.0): ``Q_weight``, ``R_weight``,
    ``sensor_noise_cov``, ``n_observation``, ``init_amplitude_mean/width``."""

    q_weight: float = 1.0
    r_weight: float = 1.0
    sensor_noise_cov: float = 0.25
    n_observation: int = static(10)
    init_amplitude_mean: float = 1.0
    init_amplitude_width: float = 0.2


def _key_data(key):
    return jax.random.key_data(key) if jnp.issubdtype(key.dtype, jax.dtypes.prng_key) else key


class ControlgymRegulation(Task):
    """controlgym's Kuramoto–Sivashinsky regulation task on a chaosgym KS system.

    * reward −((x_t − x*)ᵀ Q (x_t − x*) + a_tᵀ R a_t) with Q = ``q_weight`` I over the N grid
      values, R = ``r_weight`` I, target x* = 0, evaluated at the state *before* the step and
      the action applied in it (controlgym's stage cost, the LQR convention);
    * observation: the state at grid points ``(N // n_observation) i`` (controlgym's C matrix)
      plus independent Gaussian noise of variance ``sensor_noise_cov``, redrawn at every step
      from a key carried in the task state;
    * starting states A cos(2πx/L) sin(12πx/L) with A uniform in
      ``init_amplitude_mean ± init_amplitude_width / 2`` (not attractor samples: controlgym's
      own family);
    * no termination (episodes are truncated at the time limit).

    The actions themselves are unbounded when the system's actuation has ``u_max = inf``
    (the ``"controlgym"`` actuation of the KS system).
    """

    name = "Controlgym"
    metrics = ("state_cost", "control_cost")
    description = "controlgym's quadratic regulation about u = 0 with noisy sensors"

    def __init__(self, **kwargs: Any) -> None:
        self.params = ControlgymParams(**kwargs)

    def check(self, spec: SystemSpec, sp: Any, tp: ControlgymParams) -> None:
        if spec.kind != "pde" or not hasattr(spec, "grid"):
            raise ValueError(f"{self.name} needs a PDE system, got {spec.name!r}")
        g = spec.grid(sp)
        if g.ndim != 1 or g.complex_field:
            raise ValueError(f"{self.name} needs a real 1-D field")
        if not 1 <= tp.n_observation <= g.N:
            raise ValueError(f"n_observation must be in [1, N={g.N}], got {tp.n_observation}")
        for name in ("sensor_noise_cov", "q_weight", "r_weight", "init_amplitude_width"):
            v = float(getattr(tp, name))
            if not (math.isfinite(v) and v >= 0):
                raise ValueError(f"{name} must be finite and >= 0, got {v}")
        self._checked_params = tp  # the observation size is static

    def observation_dim(self, spec: SystemSpec, sp: Any) -> int:
        return int(getattr(self, "_checked_params", self.params).n_observation)

    @staticmethod
    def sensor_indices(spec: SystemSpec, sp: Any, tp: ControlgymParams) -> jax.Array:
        n = spec.grid(sp).N
        return jnp.arange(tp.n_observation) * (n // tp.n_observation)

    def initial_state(self, key: Array, spec: SystemSpec, sp: Any, tp: ControlgymParams) -> Array:
        g = spec.grid(sp)
        a = tp.init_amplitude_mean + tp.init_amplitude_width * jax.random.uniform(
            key, (), minval=-0.5, maxval=0.5)
        x = jnp.asarray(g.x)
        return a * jnp.cos(2 * jnp.pi * x / g.L) * jnp.sin(12 * jnp.pi * x / g.L)

    def init(self, key: Array, x0: Array, spec: SystemSpec, sp: Any, tp: ControlgymParams) -> Array:
        return _key_data(jax.random.fold_in(key, 7))

    def observe(self, x: Array, tstate: Any, spec: SystemSpec, sp: Any,
                tp: ControlgymParams) -> Array:
        noise = jax.random.normal(jax.random.wrap_key_data(tstate), (tp.n_observation,),
                                  x.dtype)
        idx = self.sensor_indices(spec, sp, tp)
        return x[idx] + jnp.sqrt(jnp.asarray(tp.sensor_noise_cov, x.dtype)) * noise

    def evaluate(self, x: Array, u: Array, x_next: Array, tstate: Any, spec: SystemSpec,
                 sp: Any, tp: ControlgymParams) -> TaskOutput:
        state_cost = tp.q_weight * jnp.sum(x * x)
        control_cost = tp.r_weight * jnp.sum(u * u)
        new = _key_data(jax.random.split(jax.random.wrap_key_data(tstate))[0])
        return TaskOutput(
            reward=-(state_cost + control_cost),
            terminated=_no_term(),
            metrics={"state_cost": state_cost, "control_cost": control_cost},
            tstate=new,
        )
