"""Lorenz λ1 over ρ: a bifurcation-style diagram from one vmapped Lyapunov computation.

The Rayleigh number ρ is appended to the state as a constant component, so
``chaosgym.lyapunov.spectrum`` integrates every ρ of the sweep as one of its vmapped initial
conditions: one compiled program for the whole diagram. The tangent vectors start in the
(x, y, z) directions and never acquire a ρ component (ρ' = 0), so the three exponents
returned per ρ are exactly those of the Lorenz flow at that ρ.

    python examples/lorenz_rho_sweep.py [OUT_PNG]

Set ``CHAOSGYM_QUICK=1`` for a coarse, short run (used by the tests).
"""

from __future__ import annotations

import os
import sys
import time

import jax.numpy as jnp
import numpy as np

from chaosgym import lyapunov, systems

QUICK = os.environ.get("CHAOSGYM_QUICK") == "1"


def main(out: str = "lorenz_rho_sweep.png") -> np.ndarray:
    spec = systems.get("lorenz")
    base = spec.params
    n_rho = 24 if QUICK else 400
    steps = 4_000 if QUICK else 60_000
    rho = np.union1d(np.linspace(1.0, 250.0, n_rho), [28.0])

    def field(s):
        # state (x, y, z, rho): the Lorenz field at this rho, and rho' = 0
        p = base.replace(rho=s[3])
        return jnp.concatenate([spec.vector_field(s[:3], p), jnp.zeros((1,), s.dtype)])

    # start near the attractor scale of each rho (off the symmetric axis)
    r = np.sqrt(np.maximum(base.beta * (rho - 1.0), 1.0))
    x0 = np.stack([0.5 * r + 1.0, 0.3 * r - 1.0, rho - 1.0, rho], axis=1)
    t0 = time.perf_counter()
    res = lyapunov.spectrum(field, x0, kind="ct", dt=0.01, steps=steps, transient=2_000,
                            n_exp=3)
    lam = np.asarray(res.per_ic)
    lam1 = lam[:, 0]
    print(f"{len(rho)} values of rho, {steps} steps each, in {time.perf_counter() - t0:.1f} s")
    i28 = int(np.argmin(np.abs(rho - 28.0)))
    print(f"lambda1(rho={rho[i28]:.1f}) = {lam1[i28]:.3f}   (rho = 28: 0.906, Sprott)")
    print(f"sum of exponents at rho={rho[i28]:.1f}: {lam[i28].sum():.3f} "
          f"(exact: {-(base.sigma + 1 + base.beta):.3f})")

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(8, 3.6), dpi=110)
    chaotic = lam1 > 0.01
    ax.axhline(0.0, color="0.6", lw=0.8)
    ax.plot(rho, lam1, color="0.3", lw=0.8)
    ax.scatter(rho[chaotic], lam1[chaotic], s=9, color="tab:red", label="chaotic (λ1 > 0)")
    ax.scatter(rho[~chaotic], lam1[~chaotic], s=9, color="tab:blue",
               label="equilibrium / periodic")
    ax.axvline(24.74, color="tab:orange", ls="--", lw=0.8)
    ax.text(25.5, ax.get_ylim()[0] * 0.9, "ρ_H = 24.74", color="tab:orange", fontsize=8)
    ax.set_xlabel("ρ")
    ax.set_ylabel("largest Lyapunov exponent λ1")
    ax.set_title("Lorenz-63 (σ = 10, β = 8/3): λ1 over ρ, one vmapped spectrum call")
    ax.legend(loc="upper left", fontsize=8, frameon=False)
    fig.tight_layout()
    os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
    fig.savefig(out)
    plt.close(fig)
    print(f"wrote {out}")
    return lam1


if __name__ == "__main__":
    main(*sys.argv[1:2])
