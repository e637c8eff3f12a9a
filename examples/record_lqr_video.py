"""Record the saturated LQR baseline next to the uncontrolled flow, from the same state.

    python examples/record_lqr_video.py [OUT_FILE] [ENV_ID]

Writes an MP4 (or a GIF when OUT_FILE ends in .gif). The same as
``chaosgym record chaosgym/LorenzStabilize-v1 --compare zero --policy lqr --out OUT_FILE``.
Set ``CHAOSGYM_QUICK=1`` for a short run (used by the tests).
"""

from __future__ import annotations

import os
import sys

from chaosgym.render.video import record_comparison

QUICK = os.environ.get("CHAOSGYM_QUICK") == "1"


def main(out: str = "lorenz_lqr.mp4", env_id: str = "chaosgym/LorenzStabilize-v1") -> None:
    summaries = record_comparison(
        env_id,
        out,
        policies=("zero", "lqr"),
        labels=("no control", "LQR"),
        seed=0,
        steps=40 if QUICK else None,   # None: the full episode
        every=2,
        scale=0.5 if out.endswith(".gif") else 1.0,
    )
    for s in summaries:
        print(s.line())
    print(f"wrote {out}")


if __name__ == "__main__":
    main(*sys.argv[1:3])
