"""Quickstart: make an environment, act randomly, save a frame (PNG) and a clip (GIF).

    python examples/quickstart.py [OUT_DIR]

Set ``CHAOSGYM_QUICK=1`` for a short run (used by the tests).
"""

from __future__ import annotations

import os
import pathlib
import sys

import gymnasium as gym
import numpy as np

import chaosgym
from chaosgym.render.video import write_video

QUICK = os.environ.get("CHAOSGYM_QUICK") == "1"


def main(out_dir: str = "quickstart_out") -> None:
    out = pathlib.Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    print(f"{len(chaosgym.list_envs())} registered environments, e.g. {chaosgym.list_envs()[:3]}")

    env = gym.make("chaosgym/LorenzStabilize-v1", render_mode="rgb_array")
    print("observation space:", env.observation_space, " action space:", env.action_space)
    obs, info = env.reset(seed=0)
    frames = [env.render()]
    total = 0.0
    steps = 30 if QUICK else 200
    for _ in range(steps):
        action = env.action_space.sample()          # replace with your agent
        obs, reward, terminated, truncated, info = env.step(action)
        total += reward
        frames.append(env.render())
        if terminated or truncated:
            break
    env.close()
    print(f"{len(frames) - 1} random steps: return {total:.1f}, "
          f"final distance to the target {info['distance']:.2f}")

    from PIL import Image

    Image.fromarray(frames[-1]).save(out / "quickstart.png")
    write_video(frames[::2], out / "quickstart.gif", fps=15, scale=0.5)
    print(f"wrote {out / 'quickstart.png'} and {out / 'quickstart.gif'}")
    assert np.all(np.isfinite(obs))


if __name__ == "__main__":
    main(*sys.argv[1:2])
