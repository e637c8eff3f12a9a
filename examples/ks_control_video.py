"""Kuramoto–Sivashinsky: drive the chaotic field onto an equilibrium with four jets.

Runs the uncontrolled flow and the saturated LQR on the linearisation at the target
equilibrium from the same initial field, prints what happened and writes the side-by-side
space–time video.

    python examples/ks_control_video.py [OUT_FILE]

Set ``CHAOSGYM_QUICK=1`` for a short run (used by the tests).
"""

from __future__ import annotations

import os
import sys

import chaosgym
from chaosgym.render.video import record_comparison

QUICK = os.environ.get("CHAOSGYM_QUICK") == "1"
ENV_ID = "chaosgym/KuramotoSivashinskyTarget-v2"


def main(out: str = "ks_control.mp4") -> int:
    if ENV_ID not in chaosgym.list_envs():
        print(f"{ENV_ID} is not registered in this installation; nothing to do")
        return 0
    summaries = record_comparison(
        ENV_ID,
        out,
        policies=("zero", "lqr"),
        labels=("no control", "LQR"),
        seed=0,
        steps=30 if QUICK else None,
        every=1 if QUICK else 2,
        scale=0.5 if out.endswith(".gif") else 1.0,
    )
    for s in summaries:
        print(s.line())
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    main(*sys.argv[1:2])
