"""A config that cannot work fails before training with one line saying what to do."""
import numpy as np
import pytest

from dlx.errors import ConfigError
from dlx.registry import agents
from dlx.rl import EnvironmentSettings, load_rl_config, make_env, prepare
from dlx.rl.config import RLConfig


def one_line(error) -> str:
    message = str(error.value)
    assert "\n" not in message
    return message


def test_unknown_environment_names_the_closest_id():
    with pytest.raises(ConfigError) as error:
        make_env(EnvironmentSettings(id="FrozenLak-v1"))
    assert "unknown Gymnasium environment 'FrozenLak-v1'. Did you mean 'FrozenLake-v1'?" in one_line(error)


def test_an_option_the_environment_does_not_take():
    with pytest.raises(ConfigError) as error:
        make_env(EnvironmentSettings(id="FrozenLake-v1", options={"slippery": True}))
    assert "FrozenLake-v1 does not take the options ['slippery']" in one_line(error)


@pytest.mark.parametrize("agent, env_id, expected", [
    ("q_learning", "CartPole-v1", "agent 'q_learning' keeps a table over discrete states, but CartPole-v1 observes"),
    ("value_iteration", "CartPole-v1", "agent 'value_iteration' keeps a table over discrete states"),
    ("dqn", "Pendulum-v1", "agent 'dqn' chooses among discrete actions, but Pendulum-v1 has the action space"),
])
def test_an_agent_that_cannot_act_in_the_space(agent, env_id, expected):
    config = RLConfig(environment={"id": env_id}, agent={"name": agent})
    with pytest.raises(ConfigError) as error:
        prepare(config)
    assert expected in one_line(error)


def test_an_unknown_agent_setting_is_one_line():
    with pytest.raises(ConfigError) as error:
        agents.create("q_learning", alhpa=0.1)
    assert one_line(error).startswith("agent 'q_learning': alhpa: Extra inputs are not permitted")


def test_a_config_with_a_misspelt_key(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("environment: {id: FrozenLake-v1}\nagent: {name: q_learning, exploration: {shedule: linear}}\n")
    with pytest.raises(ConfigError) as error:
        load_rl_config(path)
    assert "agent.q_learning.exploration.shedule: Extra inputs are not permitted" in one_line(error)


def test_an_unknown_agent_name_in_a_config(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("environment: {id: FrozenLake-v1}\nagent: {name: sarsa}\n")
    with pytest.raises(ConfigError) as error:
        load_rl_config(path)
    assert "agent" in one_line(error) and "q_learning" in one_line(error)


def test_nothing_trains_before_the_check(monkeypatch):
    """prepare() raises before any environment step is taken."""
    config = RLConfig(environment={"id": "CartPole-v1"}, agent={"name": "q_learning"})
    taken = []
    monkeypatch.setattr("dlx.rl.tabular.QLearningAgent.episode", lambda self, budget: taken.append(1))
    with pytest.raises(ConfigError):
        prepare(config)
    assert not taken


def test_an_option_value_the_environment_rejects():
    with pytest.raises(ConfigError) as error:
        make_env(EnvironmentSettings(id="FrozenLake-v1", options={"map_name": "5x5"}))
    assert "FrozenLake-v1 rejects the option values {'map_name': '5x5'}" in one_line(error)
