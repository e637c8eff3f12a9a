"""LQR and LQG on controlgym's Kuramoto–Sivashinsky task, beside zero control.

The environment is ``chaosgym/KuramotoSivashinskyControlgym-v1`` (controlgym's KS task: cost
xᵀQx + aᵀRa with Q = I_256, R = I_8 about u = 0, 10 grid-point sensors with N(0, 0.25) noise,
unbounded actions, 500 steps of 0.5 time units, starting states A cos(2πx/L) sin(12πx/L) with
A ~ U(0.9, 1.1)). The controllers are designed on the linearisation about u = 0, discretised
exactly over one control interval (zero-order hold):

    A_d = exp(0.5 Λ),  B_d = Λ⁻¹ (exp(0.5 Λ) − I) B   (Λ = k² − k⁴, diagonal in Fourier space)

* LQR: state feedback a = −K x with K from the discrete algebraic Riccati equation for
  (√γ A_d, √γ B_d, Q, R), the LQR of the cost discounted by γ per step (``--gamma``); it reads
  the true state (``EnvState.x``), not the observation. The undiscounted problem has no
  solution: controlgym's 8 boxes repeat with period L/8, so for every Fourier mode n ≡ 0
  (mod 4) all actuators project onto one direction of its (cos, sin) plane; the other
  direction is uncontrollable, unstable for n = 4, 8, 12 (growth k² − k⁴ up to 0.246 per
  time unit, at n = 12) and marginal for n = 16. No linear feedback stabilises u = 0, and
  the Riccati equation is solvable only for γ < exp(−2 · 0.5 · 0.246) ≈ 0.78 (default 0.5;
  γ close to that bound gives huge gains). The script prints the uncontrollable modes.
* LQG: the same K on a steady-state Kalman estimate from the 10 noisy sensors (V = 0.25 I;
  the model has no process noise, so the filter is tuned with W = w I, ``--w``), started at
  the mean starting state.

With 10 sensors for 32 unstable directions the Kalman gains are large (up to ~30) and the
estimate is driven by the unmodelled nonlinear term; the LQG loop diverges in every episode
for every W tried (0.01, 1, 100), which the table reports as measured.

Each row: mean ± standard deviation over ``--episodes`` episodes of the return (the sum of the
500 rewards, controlgym's negative H2 cost), the final ⟨u²⟩, and the number of diverged
episodes. Every row starts from the same states (same reset keys).

Usage::

    python benchmarks/ks_controlgym_lqr.py [--episodes 20] [--w 0.01] [--gamma 0.5]

Results: printed and written to ``benchmarks/results/ks_controlgym_lqr.md``.
"""

from __future__ import annotations

import argparse
import pathlib
import platform
import time

import jax
import jax.numpy as jnp
import numpy as np
import scipy.linalg

import chaosgym

ROOT = pathlib.Path(__file__).resolve().parents[1]
OUT = ROOT / "benchmarks" / "results" / "ks_controlgym_lqr.md"
ENV_ID = "chaosgym/KuramotoSivashinskyControlgym-v1"


def linear_model(fenv) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(A_d, B_d, C)`` of the linearisation about 0 over one control interval (float64)."""
    p = fenv.default_params
    g = fenv.spec.grid(p.system)
    n, h = g.N, fenv.dt
    lam = g.k[0] ** 2 - g.k[0] ** 4
    e = np.exp(h * lam)
    phi = np.where(lam == 0, h, (e - 1.0) / np.where(lam == 0, 1.0, lam))

    def diag(mult, X):
        return np.fft.irfft(mult[:, None] * np.fft.rfft(X, axis=0), n=n, axis=0)

    Bc = np.asarray(fenv.spec.actuation(fenv.actuation_name).matrix(p.system), np.float64)
    C = np.zeros((p.task.n_observation, n))
    C[np.arange(p.task.n_observation), np.asarray(fenv.task.sensor_indices(
        fenv.spec, p.system, p.task))] = 1.0
    return diag(e, np.eye(n)), diag(phi, Bc), C


def uncontrollable_modes(Bc: np.ndarray, L: float) -> list[int]:
    """Fourier modes n ≥ 1 whose (cos, sin) plane the actuator profiles reach in one
    direction only (rank of the 2 × m projection below 2)."""
    n_pts = Bc.shape[0]
    x = np.arange(n_pts) * L / n_pts
    out = []
    for n in range(1, n_pts // 2):
        proj = np.stack([np.cos(2 * np.pi * n * x / L), np.sin(2 * np.pi * n * x / L)]) @ Bc
        s = np.linalg.svd(proj, compute_uv=False)
        if s[1] < 1e-9 * max(s[0], 1e-300):
            out.append(n)
    return out


def gains(A, B, C, q: float, r: float, v: float, w: float, gamma: float):
    n, m = B.shape
    g = np.sqrt(gamma)
    P = scipy.linalg.solve_discrete_are(g * A, g * B, q * np.eye(n), r * np.eye(m))
    K = np.linalg.solve(r * np.eye(m) + gamma * B.T @ P @ B, gamma * B.T @ P @ A)
    Pf = scipy.linalg.solve_discrete_are(A.T, C.T, w * np.eye(n), v * np.eye(C.shape[0]))
    Lk = Pf @ C.T @ np.linalg.inv(C @ Pf @ C.T + v * np.eye(C.shape[0]))
    return K, Lk


def evaluate(fenv, mode: str, K, Lk, A, B, C, prior, keys) -> dict:
    p = fenv.default_params
    f32 = lambda a: jnp.asarray(a, jnp.float32)  # noqa: E731
    K, Lk, A, B, C, prior = map(f32, (K, Lk, A, B, C, prior))
    steps = int(p.max_steps)

    def episode(key):
        k0, key = jax.random.split(key)
        obs, s = fenv.reset(k0, p)
        xh = prior + Lk @ (obs - C @ prior)

        def body(carry, k):
            s, xh = carry
            x = s.x if mode == "lqr" else xh
            a = jnp.zeros(B.shape[1], jnp.float32) if mode == "zero" else -K @ x
            obs2, s2, rew, _term, _trunc, info = fenv.step(k, s, a, p)
            pred = A @ xh + B @ a
            xh2 = pred + Lk @ (obs2 - C @ pred)
            return (s2, xh2), (rew, info["diverged"])

        (s, _), (rew, div) = jax.lax.scan(body, (s, xh), jax.random.split(key, steps))
        return jnp.sum(rew), jnp.any(div), jnp.mean(s.x * s.x)

    t = time.perf_counter()
    ret, div, u2 = (np.asarray(v) for v in jax.jit(jax.vmap(episode))(keys))
    return {"return": ret, "diverged": int(div.sum()), "u2": u2,
            "seconds": time.perf_counter() - t}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--episodes", type=int, default=20)
    ap.add_argument("--w", type=float, default=0.01, help="Kalman process-noise variance")
    ap.add_argument("--gamma", type=float, default=0.5, help="LQR discount per step")
    ap.add_argument("--out", type=pathlib.Path, default=OUT)
    args = ap.parse_args()

    fenv = chaosgym.make_functional(ENV_ID, bank_size=16)
    tp = fenv.default_params.task
    A, B, C = linear_model(fenv)
    K, Lk = gains(A, B, C, tp.q_weight, tp.r_weight, tp.sensor_noise_cov, args.w, args.gamma)
    Bc = np.asarray(fenv.spec.actuation(fenv.actuation_name).matrix(
        fenv.default_params.system), np.float64)
    g = fenv.spec.grid(fenv.default_params.system)
    prior = tp.init_amplitude_mean * np.cos(2 * np.pi * g.x / g.L) * np.sin(12 * np.pi * g.x / g.L)
    keys = jax.random.split(jax.random.key(0), args.episodes)
    rho = max(abs(np.linalg.eigvals(A - B @ K)))
    lines = ["# controlgym's KS task: zero control, LQR and LQG", "",
             f"`python benchmarks/ks_controlgym_lqr.py --episodes {args.episodes} "
             f"--w {args.w:g} --gamma {args.gamma:g}` ({platform.machine()}, "
             f"jax {jax.__version__}); env `{ENV_ID}`, "
             f"float32, {int(fenv.default_params.max_steps)} steps of {fenv.dt:g}.", "",
             f"Linearisation about 0: {int(np.sum(abs(np.linalg.eigvals(A)) > 1))} unstable "
             f"directions; actuator-uncontrollable Fourier modes n < 32: "
             f"{[n for n in uncontrollable_modes(Bc, g.L) if n < 32]}; LQR discount "
             f"γ = {args.gamma:g}; spectral radius of A_d − B_d K = {rho:.4f}.", "",
             "| controller | return (mean ± std) | final ⟨u²⟩ (mean) | diverged | seconds |",
             "|---|---|---|---|---|"]
    for mode, label in (("zero", "zero control"), ("lqr", "LQR (true state)"),
                        ("lqg", f"LQG (10 noisy sensors, Kalman W = {args.w:g} I)")):
        r = evaluate(fenv, mode, K, Lk, A, B, C, prior, keys)
        ret = r["return"] if np.all(np.isfinite(r["return"])) else np.array([-np.inf])
        lines.append(f"| {label} | {ret.mean():.4g} ± {ret.std():.3g} | "
                     f"{r['u2'].mean():.3g} | {r['diverged']}/{args.episodes} | "
                     f"{r['seconds']:.1f} |")
        print(lines[-1], flush=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
