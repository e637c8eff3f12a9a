"""chaosgym.testing.check_env: Gymnasium's and Stable-Baselines3's checkers on gym.make(id)."""

from __future__ import annotations

import pytest

from chaosgym.testing import check_env


def test_check_env_passes_a_registered_id():
    check_env("chaosgym/HenonStabilize-v1")


def test_check_env_reports_an_unknown_id():
    with pytest.raises(Exception, match="HenonStabilise"):
        check_env("chaosgym/HenonStabilise-v0")
