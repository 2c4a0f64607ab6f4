"""An agent as a learner: the trainer's epoch is one episode, run by the agent in its environment.

The environment loop stays the agent's (``Agent.episode``: act, step the environment, update
its tables or networks, all its optimisation manual); the trainer counts the episodes against
the budget, records each episode's row in the run session, shows progress, stops on Ctrl-C or
a pruning hook, and keeps the agent's checkpoint (``checkpoints/agent.npz``) when training
ends, however it ends. A run restored from that checkpoint goes on with the budget counted
from the agent's start.

    state = Trainer(AgentLearner(agent, config.budget), session, reporter).fit()
"""
from __future__ import annotations

from dlx.rl.settings import BudgetSettings
from dlx.train.learner import Batch, Learner

AGENT_FILE = "agent"  # checkpoints/agent.npz, written by the session


class AgentLearner(Learner):
    """Episodes of ``agent`` until ``budget`` (episodes or environment steps) is spent.

    Rows: ``episode``, ``steps`` (counted from the agent's start) and the agent's own
    (``return``, ``length``, ``epsilon``, ...).
    """

    automatic_optimisation = False
    checkpoint = "end"
    checkpoint_name = AGENT_FILE
    batch_progress = False

    def __init__(self, agent, budget: BudgetSettings | None):
        self.agent, self.budget = agent, budget if budget is not None else BudgetSettings(episodes=1)
        self.progress_unit = "episode" if self.budget.episodes else "steps"
        self.planned: list[dict] | None = None  # a planning agent's rows, one per sweep

    def planned_epochs(self) -> int | None:
        return self.budget.episodes

    def on_fit_start(self) -> None:
        self.planned = self.agent.plan()

    def epochs_done(self) -> int:
        return self.agent.episodes

    def progress(self, epoch: int) -> tuple[int | None, int]:
        done = self.agent.episodes if self.progress_unit == "episode" else self.agent.steps
        return self.budget.episodes or self.budget.steps, done + 1

    def finished(self, epochs_done: int) -> bool:
        if self.planned is not None:
            return epochs_done >= len(self.planned)
        return self.agent.spent(self.budget)

    def train_batches(self, epoch: int) -> list[Batch]:
        return [Batch(index=[epoch - 1])]  # the episode's data comes from the environment, inside the step

    def training_step(self, batch: Batch) -> dict:
        if self.planned is not None:  # a sweep of the plan, already made
            return self.planned[batch.index[0]]
        row = self.agent.episode(self.budget)
        self.agent.episodes += 1
        return {"episode": self.agent.episodes, "steps": self.agent.steps, **row}

    def validation_step(self, epoch: int, outputs: list[dict], seconds: float) -> dict:
        return outputs[-1]

    def format_row(self, row: dict) -> str:
        return "  ".join(f"{k} {v:.4g}" if isinstance(v, float) else f"{k} {v}" for k, v in row.items())

    def on_fit_end(self, status: str) -> None:
        self.agent.finish()

    def state_dict(self) -> tuple[dict, dict]:
        return self.agent.state_dict()

    def load_state_dict(self, arrays: dict, meta: dict) -> None:
        self.agent.load_state_dict(arrays, meta)
