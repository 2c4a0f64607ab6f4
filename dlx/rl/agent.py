"""The interface every agent offers a run session, and the episode loop they share.

Driving an agent::

    agent = create_agent(settings.agent)              # or agents.create("q_learning", alpha=0.1)
    agent.setup(env, np.random.default_rng(seed))     # checks the spaces, builds tables or networks
    rows = agent.train(BudgetSettings(episodes=500), on_episode=log_row)
    action = agent.act(observation)                   # greedy
    arrays, meta = agent.state_dict()                 # numpy arrays + JSON-able meta: a checkpoint
    agent.load_state_dict(arrays, meta)               # after setup(): continue where it stopped

``on_episode(row)`` receives one dict per finished episode (``episode``, ``steps``,
``return``, ``length``, ``epsilon``, ``explore_share``, and ``mean_q`` for value-based
agents); returning True stops training. A KeyboardInterrupt propagates; the agent's
tables and counters are consistent after every step, so its state_dict can be saved.
"""
from __future__ import annotations

from typing import Callable

import numpy as np
from pydantic import BaseModel, ValidationError

from dlx.errors import CheckpointError, ConfigError
from dlx.registry import agents
from dlx.rl.env import seed_from
from dlx.rl.learner import AgentLearner
from dlx.rl.settings import BudgetSettings
from dlx.train.trainer import fit

EpisodeCallback = Callable[[dict], "bool | None"]


def one_line(error: ValidationError, owner: str) -> str:
    first = error.errors()[0]
    where = ".".join(str(part) for part in first["loc"])
    return f"{owner}: {where}: {first['msg']}"


class Agent:
    """Base class: settings in, ``setup``, ``train``, ``act``, ``state_dict`` out.

    Subclasses set ``settings_model`` (a pydantic model) and implement ``check``,
    ``build``, ``episode`` (one episode of training), ``act_batch`` and the state hooks.
    """

    settings_model: type[BaseModel]
    value_based = True

    def __init__(self, **settings):
        settings.setdefault("name", self.registry_name)
        try:
            self.settings = self.settings_model(**settings)
        except ValidationError as error:
            raise ConfigError(one_line(error, f"agent '{self.registry_name}'")) from None
        self.steps = 0
        self.episodes = 0
        self.env = None
        self.rng: np.random.Generator | None = None

    # ---- life -------------------------------------------------------------------------------
    def setup(self, env, rng: np.random.Generator) -> "Agent":
        """Check that the agent can act in ``env``, build its tables or networks, seed the environment."""
        self.check(env)
        self.env, self.rng = env, rng
        self.build(env, rng)
        env.reset(seed=seed_from(rng))
        return self

    def check(self, env) -> None:
        raise NotImplementedError

    def build(self, env, rng: np.random.Generator) -> None:
        raise NotImplementedError

    def train(self, budget: BudgetSettings | None = None, on_episode: EpisodeCallback | None = None) -> list[dict]:
        """Run episodes until the budget (counted from the agent's start, so resumes continue) is spent:
        the trainer with an ``AgentLearner``, no run session; the rows. Ctrl-C propagates."""
        return fit(AgentLearner(self, budget), on_episode).history

    def spent(self, budget: BudgetSettings) -> bool:
        return ((budget.steps is not None and self.steps >= budget.steps)
                or (budget.episodes is not None and self.episodes >= budget.episodes))

    def episode(self, budget: BudgetSettings) -> dict:
        raise NotImplementedError

    def finish(self) -> None:
        """Called when training ends (planning agents plan here)."""

    def plan(self) -> list[dict] | None:
        """An agent that solves its environment's model instead of learning from episodes (value
        iteration) solves it here and returns a row per sweep; None (default): it learns from episodes."""
        return None

    # ---- acting -----------------------------------------------------------------------------
    def act_batch(self, observations: np.ndarray) -> np.ndarray:
        """Greedy actions for a batch of observations (N, ...) -> (N,)."""
        raise NotImplementedError

    def act(self, observation, greedy: bool = True):
        """One action: greedy, or (greedy=False) the behaviour policy of training."""
        if not greedy:
            return int(self.rng.integers(self.env.action_space.n))
        return int(self.act_batch(np.asarray(observation)[None])[0])

    def summary(self) -> dict:
        """JSON-able facts for summary.json (planning iterations, model error ...)."""
        return {}

    # ---- state ------------------------------------------------------------------------------
    def state_dict(self) -> tuple[dict[str, np.ndarray], dict]:
        """(arrays, meta): everything needed to continue; meta is JSON-able."""
        meta = {"agent": self.registry_name, "settings": self.settings.model_dump(), "steps": self.steps,
                "episodes": self.episodes, "rng": self.rng.bit_generator.state,
                "env_rng": self.env.unwrapped.np_random.bit_generator.state, "own": self.own_meta()}
        return self.arrays(), meta

    def load_state_dict(self, arrays: dict[str, np.ndarray], meta: dict) -> None:
        if meta.get("agent") != self.registry_name:
            raise CheckpointError(f"the checkpoint holds agent '{meta.get('agent')}', not "
                                  f"'{self.registry_name}'; load it with the agent that saved it")
        self.check_shapes(arrays)
        self.steps, self.episodes = int(meta["steps"]), int(meta["episodes"])
        self.rng.bit_generator.state = meta["rng"]
        self.env.unwrapped.np_random.bit_generator.state = meta["env_rng"]
        self.load_arrays(arrays, meta.get("own", {}))

    def check_shapes(self, arrays: dict[str, np.ndarray]) -> None:
        """A CheckpointError when saved arrays do not fit the environment this agent was set up on."""
        for name, expected in self.arrays().items():
            if name not in arrays:
                continue
            saved, needed = tuple(np.shape(arrays[name])), tuple(np.shape(expected))
            grows = bool(needed) and needed[0] == 0  # an empty buffer (replay memory) grows along its first axis
            if (saved[1:] != needed[1:]) if grows else (saved != needed):
                shown = ("N",) + needed[1:] if grows else needed
                raise CheckpointError(
                    f"the checkpoint's '{name}' has shape {saved} but the environment "
                    f"({self.env.spec.id if self.env.spec else 'of config.yaml'}) needs "
                    f"{shown}: was the run's config.yaml edited after training? restore it, "
                    f"or train a new run for this environment")

    def arrays(self) -> dict[str, np.ndarray]:
        raise NotImplementedError

    def own_meta(self) -> dict:
        """JSON-able state of the subclass beyond its arrays (buffer fill, best return ...)."""
        return {}

    def load_arrays(self, arrays: dict[str, np.ndarray], own_meta: dict) -> None:
        raise NotImplementedError


def create_agent(settings: BaseModel) -> Agent:
    """The agent named by ``settings.name`` with those settings."""
    return agents.create(settings.name, **settings.model_dump(exclude={"name"}))
