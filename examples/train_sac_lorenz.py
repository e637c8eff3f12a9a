"""Train SAC on LorenzStabilize and record it next to the LQR baseline from the same state.

Uses the resumable trainer of :mod:`chaosgym.baselines.train` (hyperparameters from
``chaosgym/baselines/config/sac.yml``; stopping and running again continues the run), then plays one
episode with the trained policy and one with the saturated LQR from the same initial state and
writes the side-by-side video.

    python examples/train_sac_lorenz.py [OUT_DIR]

The default budget is the benchmark's quick budget (50k steps, minutes on 2 cores); set
``CHAOSGYM_QUICK=1`` for a few thousand steps (used by the tests; the agent is then untrained).
"""

from __future__ import annotations

import os
import pathlib
import sys

import numpy as np

from chaosgym.baselines.train import load_agent, train_run
from chaosgym.render.video import record_comparison

QUICK = os.environ.get("CHAOSGYM_QUICK") == "1"
ENV_ID = "chaosgym/LorenzStabilize-v1"


def main(out_dir: str = "sac_lorenz") -> None:
    out = pathlib.Path(out_dir)
    run = out / "run"
    train_run(ENV_ID, "sac", seed=0, run_dir=run, quick=True,
              total_timesteps=2_500 if QUICK else None, tensorboard=False,
              progress_bar=not QUICK)
    model, rms = load_agent(run)

    def sac(env, obs):
        if rms is not None:
            obs = np.clip((obs - rms.mean) / np.sqrt(rms.var + 1e-8), -10.0, 10.0)
        action, _ = model.predict(obs.astype(np.float32), deterministic=True)
        return np.asarray(action, np.float32)

    video = out / ("sac_vs_lqr.gif" if QUICK else "sac_vs_lqr.mp4")
    summaries = record_comparison(ENV_ID, video, ("lqr", sac), labels=("LQR", "SAC"), seed=0,
                                  steps=40 if QUICK else None, every=2,
                                  scale=0.5 if QUICK else 1.0)
    for s in summaries:
        print(s.line())
    print(f"wrote {video}")


if __name__ == "__main__":
    main(*sys.argv[1:2])
