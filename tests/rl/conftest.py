"""Environments of the RL tests."""
import pytest

from dlx.rl import EnvironmentSettings, make_env

SLIPPERY_4X4 = EnvironmentSettings(id="FrozenLake-v1", options={"map_name": "4x4", "is_slippery": True})
DETERMINISTIC_4X4 = EnvironmentSettings(id="FrozenLake-v1", options={"map_name": "4x4", "is_slippery": False})


@pytest.fixture
def slippery_lake():
    return make_env(SLIPPERY_4X4)


@pytest.fixture
def deterministic_lake():
    return make_env(DETERMINISTIC_4X4)
