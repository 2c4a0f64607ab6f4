"""``RLConfig``: the RL config schema, its ``agent`` section the union of what the registered agents declare.

Each agent class names its settings (``settings_model``, a pydantic model with a ``name``
field) and registers in ``dlx.registry.agents``; nothing lists them by hand. The modules of the
built-in agents are imported here, first; a new agent is one module that registers, and one
import line below::

    @agents.register("sarsa")
    class SarsaAgent(Agent):
        settings_model = SarsaSettings     # name: Literal["sarsa"], alpha, gamma, ...

    RLConfig.model_validate({"environment": {...}, "agent": {"name": "sarsa", "alpha": 0.1}})
"""
from __future__ import annotations

from typing import Annotated, Union

from pydantic import BaseModel, Field, create_model

import dlx.rl.dqn  # noqa: F401  (each import registers agents)
import dlx.rl.tabular  # noqa: F401
from dlx.registry import agents
from dlx.rl.settings import RLConfigBase


def agent_settings_models() -> tuple[type[BaseModel], ...]:
    """Each registered agent's settings model, once (DQN and double DQN share one), in registration order."""
    models: list[type[BaseModel]] = []
    for agent in agents.canonical().values():
        model = getattr(agent, "settings_model", None)
        if model is not None and model not in models:
            models.append(model)
    return tuple(models)


def rl_config_model(models: tuple[type[BaseModel], ...]) -> type[RLConfigBase]:
    """The RL config schema whose ``agent`` is one of ``models``."""
    return create_model("RLConfig", __base__=RLConfigBase, __doc__="A whole RL experiment: environment, agent, "
                        "budget, evaluation, seed.", agent=(agent_union(models), ...))


def agent_union(models: tuple[type[BaseModel], ...]):
    """The ``agent`` field's type: one model, or their union told apart by ``name``."""
    if len(models) == 1:
        return models[0]
    return Annotated[Union[models], Field(discriminator="name")]


RLConfig = rl_config_model(agent_settings_models())
