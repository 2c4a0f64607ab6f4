"""Deep Q-networks of dlx layers: DQN (Mnih et al. 2015) and double DQN (van Hasselt et al. 2016).

One update on a batch of replayed transitions (s, a, r, s', done)::

    y = r + gamma (1 - done) Q_target(s', a*)     a* = argmax_a Q_target(s', a)   (DQN)
                                                  a* = argmax_a Q_online(s', a)   (double DQN)
    loss = mean huber(Q_online(s, a) - y)         (or the squared error)

Taking the maximum of noisy estimates overestimates it; double DQN lets the online
network choose a* and the target network evaluate it, which removes most of that bias.
The target network follows the online one by a hard copy every ``target_every`` steps
or by Polyak averaging, target += tau (online - target), after every update.
"""
from __future__ import annotations

import numpy as np

from dlx import ops
from dlx.nn import Dense, Sequential
from dlx.optim import Adam
from dlx.registry import agents, layers
from dlx.rl.agent import Agent
from dlx.rl.env import is_discrete, require_discrete_actions, require_vector_states
from dlx.rl.evaluate import evaluate
from dlx.rl.exploration import EpsilonSchedule
from dlx.rl.replay import ReplayBuffer
from dlx.rl.settings import BudgetSettings, DQNSettings
from dlx.tensor import Tensor, no_grad


def q_network(observation_size: int, n_actions: int, hidden: list[int], activation: str,
              rng: np.random.Generator) -> Sequential:
    """An MLP observation -> one Q-value per action, e.g. 4 -> 128 -> 128 -> 2."""
    stack = []
    for units in hidden:
        stack += [Dense(units), layers.create(activation)]
    network = Sequential(stack + [Dense(n_actions)])
    network.build((observation_size,), rng)
    return network


@agents.register("dqn")
class DQNAgent(Agent):
    """DQN with replay buffer, target network, epsilon-greedy exploration and a Huber or MSE TD loss.

    ``on_episode`` rows add ``mean_q`` (mean of max_a Q(s, a) over the episode's states),
    ``loss`` (mean TD loss of the episode's updates) and, after a periodic evaluation,
    ``eval_return``. With ``eval_every`` the network of the best evaluation is the one
    that acts after training.
    """

    settings_model = DQNSettings

    def check(self, env) -> None:
        require_discrete_actions(env, self.registry_name)
        require_vector_states(env, self.registry_name)

    def build(self, env, rng) -> None:
        s = self.settings
        self.n_actions = int(env.action_space.n)
        self.observation_size = require_vector_states(env, self.registry_name)
        self.one_hot_states = is_discrete(env.observation_space)
        self.online = q_network(self.observation_size, self.n_actions, s.hidden, s.activation, rng)
        self.target = q_network(self.observation_size, self.n_actions, s.hidden, s.activation, rng)
        self.target.load_state_dict(self.online.state_dict())
        self.optimiser = Adam(self.online.parameters(), lr=s.lr, clip_norm=s.clip_norm)
        self.buffer = ReplayBuffer(s.buffer_size, self.observation_size)
        self.epsilon = EpsilonSchedule(s.exploration)
        self.best_return, self.best_state = -np.inf, None

    # ---- acting -----------------------------------------------------------------------------
    def encode(self, observations) -> np.ndarray:
        """Observations as float32 rows (N, observation_size); discrete states one-hot."""
        observations = np.asarray(observations)
        if self.one_hot_states:
            return np.eye(self.observation_size, dtype=np.float32)[observations.astype(np.int64)]
        return observations.reshape(len(observations), -1).astype(np.float32)

    def q_values(self, observations, network=None, encoded: bool = False) -> np.ndarray:
        """Q(s, .) of a batch without recording a tape, shape (N, n_actions)."""
        rows = observations if encoded else self.encode(observations)
        with no_grad():
            return (network or self.online)(Tensor(rows)).data

    def act_batch(self, observations: np.ndarray) -> np.ndarray:
        return np.argmax(self.q_values(observations), axis=1)

    # ---- learning ---------------------------------------------------------------------------
    def td_targets(self, batch: dict) -> np.ndarray:
        """y = r + gamma (1 - done) Q_target(s', a*), with a* chosen by the online net for double DQN."""
        next_q = self.q_values(batch["next_observation"], self.target, encoded=True)  # (B, A)
        if self.settings.double:  # the online net chooses
            chosen = np.argmax(self.q_values(batch["next_observation"], encoded=True), axis=1)
        else:
            chosen = np.argmax(next_q, axis=1)
        best_next = np.take_along_axis(next_q, chosen[:, None], axis=1)[:, 0]  # (B,)
        return batch["reward"] + self.settings.gamma * (1.0 - batch["terminated"]) * best_next

    def update(self) -> float:
        """One gradient step on a replayed batch; returns the TD loss."""
        s = self.settings
        batch = self.buffer.sample(s.batch_size, self.rng)
        targets = self.td_targets(batch).astype(np.float32)
        chosen = np.eye(self.n_actions, dtype=np.float32)[batch["action"]]  # (B, A) one-hot of a
        q = self.online(Tensor(batch["observation"]))  # (B, A), rows encoded when stored
        q_taken = (q * chosen).sum(axis=1)  # (B,)
        loss = ops.huber_loss(q_taken, targets, s.huber_delta) if s.loss == "huber" \
            else ops.mse_loss(q_taken, targets)
        self.optimiser.zero_grad()
        loss.backward()
        self.optimiser.step()
        if s.target_update == "soft":
            for target, online in zip(self.target.parameters(), self.online.parameters()):
                target.data += s.tau * (online.data - target.data)
        return float(loss.data)

    def step_bookkeeping(self) -> tuple[float | None, float | None]:
        """After an environment step: maybe update, maybe copy the target, maybe evaluate."""
        s = self.settings
        loss = evaluation = None
        if self.steps >= s.learning_starts and self.steps % s.train_every == 0 and len(self.buffer):
            loss = float(np.mean([self.update() for _ in range(s.gradient_steps)]))
        if s.target_update == "hard" and self.steps % s.target_every == 0:
            self.target.load_state_dict(self.online.state_dict())
        if s.eval_every and self.steps % s.eval_every == 0:
            evaluation = self.periodic_evaluation()
        return loss, evaluation

    def periodic_evaluation(self) -> float:
        """Greedy mean return now, on a copy of the environment; keeps the best network so far."""
        if getattr(self, "evaluation_env", None) is None:
            import gymnasium

            self.evaluation_env = gymnasium.make(self.env.spec)  # same id, options and time limit
        mean_return = evaluate(self.act_batch, self.evaluation_env, self.settings.eval_episodes,
                               self.rng)["mean_return"]
        if mean_return >= self.best_return:
            self.best_return, self.best_state = mean_return, self.online.state_dict()
        return mean_return

    def episode(self, budget: BudgetSettings) -> dict:
        observation, _ = self.env.reset()
        total, length, explored, q_sum, losses, evaluations = 0.0, 0, 0, 0.0, [], []
        while True:
            epsilon = self.epsilon(self.steps)
            q = self.q_values(observation[None] if np.ndim(observation) else np.array([observation]))[0]
            explore = self.rng.random() < epsilon
            action = int(self.rng.integers(self.n_actions)) if explore else int(np.argmax(q))
            next_observation, reward, terminated, truncated, _ = self.env.step(action)
            self.buffer.add(self.encode(np.array([observation]))[0], action, reward,
                            self.encode(np.array([next_observation]))[0], terminated)
            self.steps += 1
            total, length, explored, q_sum = total + float(reward), length + 1, explored + explore, q_sum + q.max()
            loss, evaluation = self.step_bookkeeping()
            losses += [loss] if loss is not None else []
            evaluations += [evaluation] if evaluation is not None else []
            if terminated or truncated or (budget.steps is not None and self.steps >= budget.steps):
                break
            observation = next_observation
        row = {"return": total, "length": length, "epsilon": epsilon, "explore_share": explored / length,
               "mean_q": float(q_sum / length), "loss": float(np.mean(losses)) if losses else None}
        if evaluations:
            row["eval_return"] = evaluations[-1]
        return row

    def finish(self) -> None:
        """With periodic evaluations, act with the best network found."""
        if self.best_state is not None:
            self.online.load_state_dict(self.best_state)

    def summary(self) -> dict:
        return {"best_eval_return": self.best_return} if self.best_state is not None else {}

    # ---- state ------------------------------------------------------------------------------
    def arrays(self) -> dict[str, np.ndarray]:
        arrays = {f"online.{k}": v for k, v in self.online.state_dict().items()}
        arrays.update({f"target.{k}": v for k, v in self.target.state_dict().items()})
        arrays.update({f"optimiser.{k}": v for k, v in self.optimiser.state_dict().items()})
        arrays.update({f"best.{k}": v for k, v in (self.best_state or {}).items()})
        return {**arrays, **self.buffer.state_dict()}

    def own_meta(self) -> dict:
        best = None if self.best_state is None else float(self.best_return)
        return {"buffer_size": self.buffer.size, "buffer_position": self.buffer.position, "best_return": best}

    def load_arrays(self, arrays, own_meta) -> None:
        def part(prefix):
            return {k[len(prefix):]: v for k, v in arrays.items() if k.startswith(prefix)}

        self.online.load_state_dict(part("online."))
        self.target.load_state_dict(part("target."))
        self.optimiser.load_state_dict(part("optimiser."))
        self.buffer.load_state_dict(arrays, own_meta["buffer_size"], own_meta["buffer_position"])
        if own_meta.get("best_return") is not None:
            self.best_return, self.best_state = own_meta["best_return"], part("best.")


@agents.register("double_dqn")
class DoubleDQNAgent(DQNAgent):
    """Double DQN: the online network chooses the next action, the target network evaluates it."""

