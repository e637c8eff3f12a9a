"""Regenerate ``chaosgym/data/ks_equilibria_L22.npz``: the KS equilibria E1, E2, E3 at L=22.

Each equilibrium is found by :func:`chaosgym.systems.pde.kuramoto_sivashinsky.newton_equilibrium`
(Newton in the odd subspace, float64) from a two-harmonic initial guess, on N=64 points, and
identified by its energy ½⟨u²⟩ (Cvitanović, Davidchack & Siminos 2010: 0.26087, 0.43816,
1.58760). Profiles are odd about x=0 in the grid frame x_j = j L / N, the frame in which the
actuators sit at L/8 + i L/4.

Usage: ``python scripts/ks_equilibria.py [--check]`` (``--check`` compares with the shipped file).
"""

from __future__ import annotations

import argparse
import pathlib

import numpy as np

from chaosgym.systems.pde.kuramoto_sivashinsky import EQ_ENERGIES_L22, newton_equilibrium

L, N = 22.0, 64
# (wavenumber q, amplitude a, second harmonic amplitude b): u0 = −a sin(qκx) + b sin(2qκx)
GUESSES = {"E1": (1, 0.6, 0.18), "E2": (1, 1.0, 0.3), "E3": (3, 1.0, -0.3)}
OUT = pathlib.Path(__file__).resolve().parents[1] / "chaosgym" / "data" / "ks_equilibria_L22.npz"


def compute() -> tuple[np.ndarray, np.ndarray]:
    x = np.arange(N) * L / N
    kappa = 2 * np.pi / L
    us, res = [], []
    for name, target in zip(GUESSES, EQ_ENERGIES_L22, strict=True):
        q, a, b = GUESSES[name]
        u0 = -a * np.sin(q * kappa * x) + b * np.sin(2 * q * kappa * x)
        u, r = newton_equilibrium(u0, L)
        energy = 0.5 * np.mean(u * u)
        print(f"{name}: energy {energy:.6f} (reference {target}), max|residual| {r:.2e}")
        if abs(energy - target) > 1e-4 or r > 1e-9:
            raise RuntimeError(f"{name}: Newton converged to a different state")
        us.append(u)
        res.append(r)
    return np.stack(us), np.asarray(res)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="compare with the shipped file")
    args = ap.parse_args()
    u, res = compute()
    if args.check:
        old = np.load(OUT)["u"]
        print(f"max difference to shipped profiles: {np.max(np.abs(old - u)):.2e}")
        return
    np.savez(OUT, u=u, residual=res, L=L, N=N, names=np.array(list(GUESSES)))
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
