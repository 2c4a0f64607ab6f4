"""Planning with a model: value iteration, policy extraction, certainty-equivalence estimates.

Value iteration applies the Bellman optimality backup until the values stop changing::

    Q(s, a) = sum_s' T(s, a, s') [R(s, a, s') + gamma (1 - done(s, a, s')) V(s')]
    V(s)    = max_a Q(s, a)

The greedy policy pi(s) = argmax_a Q(s, a) of the fixed point is optimal. Certainty
equivalence (the lecture's model-based approach) counts transitions and rewards seen
while exploring at random, takes the estimate as if it were the true model, and plans.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from dlx.rl.env import TabularModel


@dataclass
class ValueIterationResult:
    values: np.ndarray  # (S,)
    q_values: np.ndarray  # (S, A)
    iterations: int
    deltas: list[float]  # max |V_new - V| per sweep

    @property
    def policy(self) -> np.ndarray:
        return greedy_policy(self.q_values)


def bellman_q(model: TabularModel, values: np.ndarray, gamma: float) -> np.ndarray:
    """Q(s, a) of the one-step look-ahead on ``values``, shape (S, A)."""
    # (S, A, S') * [(S, A, S') + (S, A, S') * (S',)] summed over S'
    backup = model.reward + gamma * (1.0 - model.terminal) * values[None, None, :]
    return np.einsum("ijk,ijk->ij", model.transition, backup)


def value_iteration(model: TabularModel, gamma: float = 0.99, tolerance: float = 1e-10,
                    max_iterations: int = 100_000) -> ValueIterationResult:
    """Iterate V <- max_a Q(V) until max |V_new - V| < tolerance.

    Args:
        model (TabularModel): transition, reward and terminal arrays.
        gamma (float, default 0.99): discount factor.
        tolerance (float, default 1e-10): stopping threshold on the largest change.
        max_iterations (int, default 100000): upper bound on sweeps.

    Example::

        >>> result = value_iteration(tabular_model(make_env(EnvironmentSettings(id="FrozenLake-v1"))))
        >>> result.policy.shape
        (16,)
    """
    values = np.zeros(model.transition.shape[0])
    deltas = []
    q_values = bellman_q(model, values, gamma)
    for _ in range(max_iterations):
        new_values = q_values.max(axis=1)
        deltas.append(float(np.max(np.abs(new_values - values))))
        values = new_values
        q_values = bellman_q(model, values, gamma)
        if deltas[-1] < tolerance:
            break
    return ValueIterationResult(values, q_values, len(deltas), deltas)


def greedy_policy(q_values: np.ndarray, decimals: int = 12) -> np.ndarray:
    """argmax_a Q(s, a) per state, shape (S,); values equal to ``decimals`` count as ties (first wins)."""
    return np.argmax(np.round(q_values, decimals), axis=1)


class TransitionCounts:
    """Counts of (s, a, s') and summed rewards, the data of certainty equivalence."""

    def __init__(self, n_states: int, n_actions: int):
        shape = (n_states, n_actions, n_states)
        self.visits = np.zeros(shape)
        self.reward_sum = np.zeros(shape)
        self.terminal = np.zeros(shape)
        self.starts = np.zeros(n_states)

    def add(self, state: int, action: int, reward: float, next_state: int, terminated: bool) -> None:
        self.visits[state, action, next_state] += 1
        self.reward_sum[state, action, next_state] += reward
        if terminated:
            self.terminal[state, action, next_state] = 1.0

    def estimate(self) -> TabularModel:
        """The maximum-likelihood model; unvisited (s, a) stay in place with reward 0."""
        n_sa = self.visits.sum(axis=2, keepdims=True)  # (S, A, 1)
        transition = np.divide(self.visits, n_sa, out=np.zeros_like(self.visits), where=n_sa > 0)
        unvisited = n_sa[..., 0] == 0
        states = np.arange(self.visits.shape[0])
        transition[unvisited] = 0.0
        rows, cols = np.nonzero(unvisited)
        transition[rows, cols, states[rows]] = 1.0
        reward = np.divide(self.reward_sum, self.visits, out=np.zeros_like(self.reward_sum),
                           where=self.visits > 0)
        start = self.starts / self.starts.sum() if self.starts.sum() else np.full(len(states), 1 / len(states))
        return TabularModel(transition, reward, self.terminal.copy(), start)

    def state_dict(self) -> dict[str, np.ndarray]:
        return {"visits": self.visits, "reward_sum": self.reward_sum, "terminal": self.terminal,
                "starts": self.starts}

    def load_state_dict(self, arrays: dict[str, np.ndarray]) -> None:
        for name in ("visits", "reward_sum", "terminal", "starts"):
            setattr(self, name, np.array(arrays[name], dtype=np.float64))


def model_error(estimate: TabularModel, truth: TabularModel, visits: np.ndarray) -> dict[str, float]:
    """How far the estimated model is from the true one.

    Returns the mean and max total-variation distance 0.5 sum_s' |T_hat - T| over
    visited (s, a) pairs, the max |R_hat(s, a) - R(s, a)| of expected rewards, and the
    share of (s, a) pairs never tried (terminal states count: no episode acts there, so on
    FrozenLake 4x4 the 4 holes and the goal leave at least 20/64 = 0.3125 untried).
    """
    tried = visits.sum(axis=2) > 0  # (S, A)
    tv = 0.5 * np.abs(estimate.transition - truth.transition).sum(axis=2)
    reward_gap = np.abs(estimate.expected_reward - truth.expected_reward)
    return {"transition_tv_mean": float(tv[tried].mean()) if tried.any() else float("nan"),
            "transition_tv_max": float(tv[tried].max()) if tried.any() else float("nan"),
            "reward_abs_max": float(reward_gap[tried].max()) if tried.any() else float("nan"),
            "untried_share": float(1.0 - tried.mean())}
