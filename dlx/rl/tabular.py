"""Tabular agents: value iteration (known model), certainty equivalence (estimated model), Q-learning.

All three keep a table over the discrete states of a toy-text environment and act
greedily on it; they differ in where the table comes from.
"""
from __future__ import annotations

import numpy as np

from dlx.registry import agents
from dlx.rl.agent import Agent
from dlx.rl.env import require_discrete_actions, require_discrete_states, tabular_model
from dlx.rl.exploration import EpsilonSchedule, epsilon_greedy
from dlx.rl.planning import TransitionCounts, model_error, value_iteration
from dlx.rl.settings import (BudgetSettings, CertaintyEquivalenceSettings, QLearningSettings,
                             ValueIterationSettings)


class TabularAgent(Agent):
    """A table Q (S, A) and its greedy policy."""

    def check(self, env) -> None:
        require_discrete_states(env, self.registry_name)
        require_discrete_actions(env, self.registry_name)

    def build(self, env, rng) -> None:
        self.q = np.zeros((int(env.observation_space.n), int(env.action_space.n)))

    def act_batch(self, observations: np.ndarray) -> np.ndarray:
        return np.argmax(self.q[np.asarray(observations, dtype=np.int64)], axis=1)

    @property
    def values(self) -> np.ndarray:
        """V(s) = max_a Q(s, a), shape (S,)."""
        return self.q.max(axis=1)

    @property
    def policy(self) -> np.ndarray:
        return np.argmax(self.q, axis=1)

    def arrays(self) -> dict[str, np.ndarray]:
        return {"q": self.q.copy()}

    def load_arrays(self, arrays, own_meta=None) -> None:
        self.q = np.array(arrays["q"], dtype=np.float64)


@agents.register("value_iteration")
class ValueIterationAgent(TabularAgent):
    """Value iteration on the environment's own model env.unwrapped.P, then the greedy policy.

    Training takes no environment steps; ``on_episode`` receives one row per sweep
    (``iteration``, ``delta`` = max |V_new - V|, ``mean_value``).
    """

    settings_model = ValueIterationSettings

    def check(self, env) -> None:
        super().check(env)
        tabular_model(env)  # a ConfigError if the environment publishes no model

    def plan(self) -> list[dict]:
        s = self.settings
        result = value_iteration(tabular_model(self.env), s.gamma, s.tolerance, s.max_iterations)
        self.q, self.iterations = result.q_values, result.iterations
        return [{"iteration": i + 1, "delta": d} for i, d in enumerate(result.deltas)]

    def summary(self) -> dict:
        return {"iterations": int(getattr(self, "iterations", 0))}


@agents.register("q_learning")
class QLearningAgent(TabularAgent):
    """Q-learning with epsilon-greedy exploration: Q(s,a) += alpha (r + gamma max_a' Q(s',a') - Q(s,a)).

    The target of a terminal step is r alone; a time-limit truncation still bootstraps.
    """

    settings_model = QLearningSettings

    def build(self, env, rng) -> None:
        super().build(env, rng)
        self.q += self.settings.initial_q
        self.epsilon = EpsilonSchedule(self.settings.exploration)

    def episode(self, budget: BudgetSettings) -> dict:
        s = self.settings
        state, _ = self.env.reset()
        total, length, explored, q_sum = 0.0, 0, 0, 0.0
        while True:
            epsilon = self.epsilon(self.steps)
            action, was_random = epsilon_greedy(self.q[state], epsilon, self.rng)
            next_state, reward, terminated, truncated, _ = self.env.step(action)
            target = reward + (0.0 if terminated else s.gamma * self.q[next_state].max())
            self.q[state, action] += s.alpha * (target - self.q[state, action])
            q_sum += self.q[state].max()
            self.steps += 1
            total, length, explored = total + float(reward), length + 1, explored + was_random
            if terminated or truncated or (budget.steps is not None and self.steps >= budget.steps):
                break
            state = next_state
        return {"return": total, "length": length, "epsilon": epsilon, "explore_share": explored / length,
                "mean_q": float(q_sum / length)}


@agents.register("certainty_equivalence")
class CertaintyEquivalenceAgent(TabularAgent):
    """Explore at random for the budget, estimate T and R from the counts, plan with value iteration.

    ``summary()`` reports the estimated model's error against the environment's true table.
    """

    settings_model = CertaintyEquivalenceSettings

    def build(self, env, rng) -> None:
        super().build(env, rng)
        self.counts = TransitionCounts(*self.q.shape)

    def episode(self, budget: BudgetSettings) -> dict:
        state, _ = self.env.reset()
        self.counts.starts[state] += 1
        total, length = 0.0, 0
        while True:
            action = int(self.rng.integers(self.q.shape[1]))
            next_state, reward, terminated, truncated, _ = self.env.step(action)
            self.counts.add(state, action, float(reward), next_state, terminated)
            self.steps += 1
            total, length = total + float(reward), length + 1
            if terminated or truncated or (budget.steps is not None and self.steps >= budget.steps):
                break
            state = next_state
        return {"return": total, "length": length, "epsilon": 1.0, "explore_share": 1.0}

    def finish(self) -> None:
        s = self.settings
        self.estimate = self.counts.estimate()
        self.q = value_iteration(self.estimate, s.gamma, s.tolerance, s.max_iterations).q_values

    def summary(self) -> dict:
        if not hasattr(self, "estimate"):
            return {}
        return {"model_error": model_error(self.estimate, tabular_model(self.env), self.counts.visits),
                "transitions_seen": int(self.counts.visits.sum())}

    def arrays(self) -> dict[str, np.ndarray]:
        return {"q": self.q.copy(), **self.counts.state_dict()}

    def load_arrays(self, arrays, own_meta=None) -> None:
        super().load_arrays(arrays)
        self.counts.load_state_dict(arrays)
