"""Experience replay: a ring buffer of transitions sampled uniformly (Mnih et al. 2015).

Sampling old transitions at random breaks the correlation of consecutive steps that
would otherwise make the TD targets of one batch nearly identical.

Example::

    >>> buffer = ReplayBuffer(capacity=1000, observation_size=4)
    >>> buffer.add(obs, action, reward, next_obs, terminated)
    >>> batch = buffer.sample(64, rng)     # dict of arrays, each with 64 rows
"""
from __future__ import annotations

import numpy as np

FIELDS = ("observation", "action", "reward", "next_observation", "terminated")


class ReplayBuffer:
    """The last ``capacity`` transitions (s, a, r, s', terminated).

    Args:
        capacity (int): number of transitions kept; the oldest is overwritten first.
        observation_size (int): length of an observation vector.

    Shape:
        observation, next_observation (capacity, observation_size) float32; action (capacity,) int64;
        reward, terminated (capacity,) float32.
    """

    def __init__(self, capacity: int, observation_size: int):
        self.capacity = int(capacity)
        self.observation = np.zeros((capacity, observation_size), dtype=np.float32)
        self.next_observation = np.zeros_like(self.observation)
        self.action = np.zeros(capacity, dtype=np.int64)
        self.reward = np.zeros(capacity, dtype=np.float32)
        self.terminated = np.zeros(capacity, dtype=np.float32)
        self.size = 0
        self.position = 0

    def __len__(self) -> int:
        return self.size

    def add(self, observation, action: int, reward: float, next_observation, terminated: bool) -> None:
        i = self.position
        self.observation[i], self.action[i], self.reward[i] = observation, action, reward
        self.next_observation[i], self.terminated[i] = next_observation, float(terminated)
        self.position = (i + 1) % self.capacity
        self.size = min(self.size + 1, self.capacity)

    def sample(self, batch_size: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
        """``batch_size`` transitions drawn uniformly with replacement."""
        index = rng.integers(0, self.size, batch_size)
        return {name: getattr(self, name)[index] for name in FIELDS}

    def state_dict(self) -> dict[str, np.ndarray]:
        """The filled part of the buffer (arrays) - its size and position go into the meta."""
        return {f"replay.{name}": getattr(self, name)[:self.size].copy() for name in FIELDS}

    def load_state_dict(self, arrays: dict[str, np.ndarray], size: int, position: int) -> None:
        for name in FIELDS:
            getattr(self, name)[:size] = arrays[f"replay.{name}"]
        self.size, self.position = int(size), int(position)
