"""One rgb_array environment per id for the whole rendering test session (small IC banks)."""

from __future__ import annotations

import gymnasium as gym
import pytest

import chaosgym  # noqa: F401  (registers the ids)

BANK = 4  # attractor states per env: enough for colour scales, cheap to warm up


class EnvCache:
    """Lazily built ``render_mode="rgb_array"`` environments, closed at the end."""

    def __init__(self) -> None:
        self.envs: dict[str, gym.Env] = {}

    def get(self, env_id: str) -> gym.Env:
        if env_id not in self.envs:
            self.envs[env_id] = gym.make(env_id, render_mode="rgb_array", bank_size=BANK)
        return self.envs[env_id]

    def close(self) -> None:
        for env in self.envs.values():
            env.close()
        self.envs.clear()


@pytest.fixture(scope="session")
def rgb_envs():
    cache = EnvCache()
    yield cache
    cache.close()
