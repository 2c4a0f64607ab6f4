"""Typed settings of reinforcement-learning runs: the ``environment:`` and ``agent:`` sections.

An RL config reads::

    description: Q-learning on slippery FrozenLake 4x4
    environment: {id: FrozenLake-v1, options: {map_name: 4x4, is_slippery: true}}
    agent:
      name: q_learning
      alpha: 0.1
      gamma: 0.99
      exploration: {schedule: linear, start: 1.0, end: 0.05, steps: 150000}
    budget: {episodes: 20000}
    evaluation: {episodes: 10000}
    seed: 0

Each agent declares its own pydantic model (``extra="forbid"``) as its ``settings_model``;
``dlx.rl.config`` makes the union of the registered agents' models, chosen by ``agent.name``:
a misspelt key or a key of another agent fails when the config is loaded.
"""
from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from dlx.config.schema import RunOutput


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_default=True)


class EnvironmentSettings(Strict):
    """A registered Gymnasium environment and the keyword arguments of ``gymnasium.make``."""

    id: str = Field(description="Gymnasium id, e.g. FrozenLake-v1, Taxi-v4, CliffWalking-v1, CartPole-v1")
    options: dict[str, Any] = Field(default_factory=dict,
                                    description="keyword arguments of gymnasium.make, e.g. {map_name: 4x4, "
                                                "is_slippery: true}")
    max_episode_steps: int | None = Field(None, ge=1, description="time limit; default: the registered one "
                                                                   "(1000 where none is registered)")

    @field_validator("options")
    @classmethod
    def _no_render_mode(cls, options: dict) -> dict:
        if "render_mode" in options:  # "human" opens a window every step (and needs pygame)
            raise ValueError("render_mode is chosen by dlx, not the config: training draws nothing, and "
                             "'dlx play RUN --render' prints the frames; remove render_mode")
        return options


class ExplorationSettings(Strict):
    """Epsilon-greedy exploration rate over environment steps.

    constant: epsilon = start; linear: from start to end over ``steps`` steps, then end;
    exponential: end + (start - end) * decay^step (``decay`` per step).
    """

    schedule: Literal["constant", "linear", "exponential"] = Field("linear", description="how epsilon decays")
    start: float = Field(1.0, ge=0, le=1, description="epsilon at step 0")
    end: float = Field(0.05, ge=0, le=1, description="epsilon after the decay")
    steps: int = Field(10_000, ge=1, description="linear: steps from start to end")
    decay: float = Field(0.9995, gt=0, le=1, description="exponential: factor per step")


class BudgetSettings(Strict):
    """How long an agent interacts with the environment (whichever comes first)."""

    steps: int | None = Field(None, ge=1, description="environment steps")
    episodes: int | None = Field(None, ge=1, description="episodes")

    @model_validator(mode="after")
    def _one_limit(self):
        if self.steps is None and self.episodes is None:
            raise ValueError("give 'steps' or 'episodes' (or both) as the training budget")
        return self


class EvaluationSettings(Strict):
    episodes: int = Field(100, ge=1, description="greedy episodes for summary.json")
    max_steps: int | None = Field(None, ge=1, description="cap per episode; default: the environment's limit")


class ValueIterationSettings(Strict):
    """Value iteration on the known model env.unwrapped.P; no environment steps."""

    name: Literal["value_iteration"] = "value_iteration"
    gamma: float = Field(0.99, gt=0, le=1, description="discount factor")
    tolerance: float = Field(1e-10, gt=0, description="stop when max |V_new - V| falls below this")
    max_iterations: int = Field(100_000, ge=1, description="upper bound on sweeps")


class CertaintyEquivalenceSettings(Strict):
    """Estimate T and R from random exploration (the budget), then value iteration on the estimate."""

    name: Literal["certainty_equivalence"] = "certainty_equivalence"
    gamma: float = Field(0.99, gt=0, le=1, description="discount factor")
    tolerance: float = Field(1e-10, gt=0, description="value iteration stopping tolerance")
    max_iterations: int = Field(100_000, ge=1, description="upper bound on value-iteration sweeps")


class QLearningSettings(Strict):
    """Tabular Q-learning: Q(s,a) += alpha (r + gamma max_a' Q(s',a') - Q(s,a))."""

    name: Literal["q_learning"] = "q_learning"
    gamma: float = Field(0.99, gt=0, le=1, description="discount factor")
    alpha: float = Field(0.1, gt=0, le=1, description="learning rate")
    initial_q: float = Field(0.0, description="initial value of every Q(s,a)")
    exploration: ExplorationSettings = Field(default_factory=ExplorationSettings)


class DQNSettings(Strict):
    """Deep Q-network (Mnih et al. 2015) of dlx layers; ``double: true`` gives double DQN."""

    name: Literal["dqn", "double_dqn"] = "dqn"
    double: bool = Field(False, description="double DQN: the online network chooses, the target evaluates")
    hidden: list[int] = Field(default_factory=lambda: [128, 128], description="units of the hidden layers")
    activation: str = Field("relu", description="hidden activation (a registered activation layer)")
    gamma: float = Field(0.99, gt=0, le=1, description="discount factor")
    lr: float = Field(1e-3, gt=0, description="Adam learning rate")
    batch_size: int = Field(64, ge=1, description="transitions per update")
    buffer_size: int = Field(50_000, ge=1, description="replay buffer capacity")
    learning_starts: int = Field(1_000, ge=0, description="random steps before the first update")
    train_every: int = Field(1, ge=1, description="environment steps between training phases")
    gradient_steps: int = Field(1, ge=1, description="gradient steps per training phase")
    target_update: Literal["hard", "soft"] = Field("hard", description="copy every target_every steps, "
                                                                       "or Polyak averaging with tau")
    target_every: int = Field(500, ge=1, description="hard update period in environment steps")
    tau: float = Field(0.005, gt=0, le=1, description="soft update: target += tau (online - target)")
    loss: Literal["mse", "huber"] = Field("huber", description="TD loss")
    huber_delta: float = Field(1.0, gt=0, description="Huber threshold")
    clip_norm: float | None = Field(10.0, gt=0, description="clip gradients to this global L2 norm")
    exploration: ExplorationSettings = Field(default_factory=ExplorationSettings)
    eval_every: int | None = Field(None, ge=1, description="greedy evaluation every this many steps; "
                                                          "the best network is kept")
    eval_episodes: int = Field(20, ge=1, description="episodes of each periodic evaluation")

    @model_validator(mode="after")
    def _double_by_name(self):
        if self.name == "double_dqn":
            self.double = True
        return self


class RLConfigBase(Strict):
    """A whole RL experiment but its agent: ``dlx.rl.config.RLConfig`` adds ``agent``, the union of the
    settings the registered agents declare (``Agent.settings_model``), so a new agent edits no list here."""

    kind: Literal["rl"] | None = Field(None, exclude=True, description="the experiment kind")
    description: str = ""
    environment: EnvironmentSettings
    agent: Any = None  # replaced by dlx.rl.config (kept here for the order of the keys in config.yaml)
    budget: BudgetSettings = Field(default_factory=lambda: BudgetSettings(episodes=1))
    evaluation: EvaluationSettings = Field(default_factory=EvaluationSettings)
    seed: int = Field(0, ge=0, description="seeds the agent's and the environment's generators")
    threads: int | None = Field(None, ge=1, description="BLAS and dlx threads (default: $DLX_NUM_THREADS, else "
                                "1: an agent's products are small; see dlx.threads)")
    output: RunOutput = Field(default_factory=RunOutput)
