"""RL agents declare their own settings: the config's ``agent`` union is made from the registered agents
(``Agent.settings_model``), not from a list to edit (issue 18 item 6)."""
import subprocess
import sys

from dlx.registry import agents
from dlx.rl.config import RLConfig, agent_settings_models
from tests.cli.cli_process import ROOT

TOY_AGENT = """
from typing import Literal
import numpy as np
from pydantic import Field
from dlx.registry import agents
from dlx.rl.agent import Agent
from dlx.rl.config import agent_settings_models, rl_config_model
from dlx.rl.settings import Strict

class ToySettings(Strict):
    name: Literal["toy"] = "toy"
    patience: int = Field(3, ge=1)

@agents.register("toy")
class ToyAgent(Agent):
    settings_model = ToySettings

schema = rl_config_model(agent_settings_models())
config = schema.model_validate({"environment": {"id": "FrozenLake-v1"}, "agent": {"name": "toy", "patience": 5}})
print(type(config.agent).__name__, config.agent.patience)
try:
    schema.model_validate({"environment": {"id": "FrozenLake-v1"}, "agent": {"name": "toy", "patiense": 5}})
except Exception as error:
    print(error.errors()[0]["loc"])
"""


def test_the_union_is_every_registered_agents_settings():
    declared = {agents.get(name).settings_model for name in agents.names()}
    assert set(agent_settings_models()) == declared
    names = {d["properties"]["name"].get("const") or tuple(d["properties"]["name"].get("enum", ()))
             for d in RLConfig.model_json_schema()["$defs"].values() if "name" in d.get("properties", {})}
    assert {"q_learning", "value_iteration", "certainty_equivalence", ("dqn", "double_dqn")} <= names


def test_a_new_agent_is_a_config_choice_without_editing_the_settings_module(tmp_path):
    done = subprocess.run([sys.executable, "-c", TOY_AGENT], cwd=tmp_path, capture_output=True, text=True,
                          env={"PYTHONPATH": str(ROOT), "PATH": ""}, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split("\n")[:2] == ["ToySettings 5", "('agent', 'toy', 'patiense')"]
