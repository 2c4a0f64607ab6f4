"""Epsilon-greedy exploration: schedules of epsilon over environment steps, and the choice itself.

A schedule is a pure function of the step count, so a resumed run explores exactly as
an uninterrupted one.

Example::

    >>> schedule = EpsilonSchedule(ExplorationSettings(schedule="linear", start=1, end=0.1, steps=100))
    >>> schedule(50)
    0.55
"""
from __future__ import annotations

import numpy as np

from dlx.rl.settings import ExplorationSettings


class EpsilonSchedule:
    """epsilon(step) for the constant, linear and exponential schedules.

    constant: start; linear: start + (end - start) min(step / steps, 1);
    exponential: end + (start - end) decay^step.
    """

    def __init__(self, settings: ExplorationSettings):
        self.settings = settings

    def __call__(self, step: int) -> float:
        s = self.settings
        if s.schedule == "constant":
            return float(s.start)
        if s.schedule == "linear":
            return float(s.start + (s.end - s.start) * min(step / s.steps, 1.0))
        return float(s.end + (s.start - s.end) * s.decay ** step)


def epsilon_greedy(q_values: np.ndarray, epsilon: float, rng: np.random.Generator) -> tuple[int, bool]:
    """(action, explored): a uniformly random action with probability epsilon, else argmax Q.

    Ties of the greedy choice are broken at random, so that an all-zero table does not
    always pick action 0. ``explored`` says whether the random branch was taken.
    """
    if rng.random() < epsilon:
        return int(rng.integers(len(q_values))), True
    return greedy_action(q_values, rng), False


def greedy_action(q_values: np.ndarray, rng: np.random.Generator | None = None) -> int:
    """argmax Q, ties broken at random with ``rng`` (the first maximum without one)."""
    best = np.flatnonzero(q_values == q_values.max())
    if rng is None or len(best) == 1:
        return int(best[0])
    return int(rng.choice(best))
