"""Certify the saturated LQR closed loop of Lorenz near C+ and estimate its region of attraction.

    python examples/certify_lqr.py [--half-width 10] [--plot lqr_roa.png]

Builds u = clip(−K (x − C+), ±10) on y' (Q = I, R = 1, the REFERENCE baseline), takes
V = (x − C+)ᵀ P (x − C+) from the Riccati solution, certifies it on a small box around C+,
then bisects for the largest certified sublevel set of V inside the box C+ ± half-width.
"""

from __future__ import annotations

import argparse

from chaosgym.lyapunov import Box, LyapunovProblem, certify
from chaosgym.lyapunov.candidates import lqr_candidate
from chaosgym.lyapunov.closed_loop import lqr_closed_loop
from chaosgym.lyapunov.report import plot_certificate, text_report
from chaosgym.lyapunov.roa import estimate_roa


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--half-width", type=float, default=10.0)
    ap.add_argument("--plot", default=None)
    args = ap.parse_args()

    f, ctrl = lqr_closed_loop("lorenz", target=0)
    V = lqr_candidate(ctrl)
    print(f"C+ = {ctrl.x_eq}, K = {ctrl.K.ravel()}")
    local = LyapunovProblem(f, V, Box.cube(3, 0.5, ctrl.x_eq), x_eq=ctrl.x_eq, name="LQR, C+ ± 0.5")
    print(text_report(certify(local), local.name))

    big = LyapunovProblem(f, V, Box.cube(3, args.half_width, ctrl.x_eq), x_eq=ctrl.x_eq,
                          name=f"LQR, C+ ± {args.half_width:g}")
    roa = estimate_roa(big)
    print(repr(roa))
    if roa.certificate is not None:
        print(text_report(roa.certificate, "region of attraction"))
        if args.plot:
            plot_certificate(roa.certificate, args.plot, title="LQR: certified sublevel set")
            print(f"plot written to {args.plot}")


if __name__ == "__main__":
    main()
