"""DQN environment steps per second on CartPole-v1: dlx against the same DQN written with PyTorch.

Both run the same loop in one process: epsilon-greedy acting with the online network,
``dlx.rl.replay.ReplayBuffer``, one Adam step per environment step on a batch of 64 (Huber
TD loss, global-norm clipping 10), a hard target copy every 500 steps; network 4-128-128-2
(ReLU), float32. (a) is ``dlx.rl.DQNAgent`` itself; (b) the loop below with ``torch.nn``.
Each is timed for ``--steps`` steps after ``--warmup`` steps that fill the buffer, in
alternating rounds; the script prints the median steps/s of each and dlx / torch. BLAS and
torch use ``--threads`` threads (default 1: small matrices, and steadier on a busy machine).

Usage::

    python benchmarks/bench_dqn.py [--steps 2000] [--rounds 3] [--threads 1]
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_limits

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from dlx.registry import agents  # noqa: E402
from dlx.rl import BudgetSettings, EnvironmentSettings, make_env  # noqa: E402
from dlx.rl.replay import ReplayBuffer  # noqa: E402

SETTINGS = dict(hidden=[128, 128], lr=1e-3, batch_size=64, buffer_size=50_000, learning_starts=0,
                target_every=500, loss="huber", clip_norm=10.0,
                exploration={"schedule": "linear", "start": 1.0, "end": 0.05, "steps": 10_000})


def dlx_steps_per_second(steps: int, warmup: int) -> float:
    agent = agents.create("dqn", **SETTINGS).setup(make_env(EnvironmentSettings(id="CartPole-v1")),
                                                   np.random.default_rng(0))
    agent.train(BudgetSettings(steps=warmup))
    start = time.perf_counter()
    agent.train(BudgetSettings(steps=warmup + steps))
    return steps / (time.perf_counter() - start)


class TorchDQN:
    """The same DQN in PyTorch: acting, replay, Huber TD loss, Adam with clipping, hard target copy."""

    def __init__(self, seed: int = 0):
        import torch
        from torch import nn

        self.torch, self.rng = torch, np.random.default_rng(seed)
        torch.manual_seed(seed)

        def network():
            return nn.Sequential(nn.Linear(4, 128), nn.ReLU(), nn.Linear(128, 128), nn.ReLU(), nn.Linear(128, 2))

        self.online, self.target = network(), network()
        self.target.load_state_dict(self.online.state_dict())
        self.optimiser = torch.optim.Adam(self.online.parameters(), lr=SETTINGS["lr"])
        self.buffer = ReplayBuffer(SETTINGS["buffer_size"], 4)
        self.env = make_env(EnvironmentSettings(id="CartPole-v1"))
        self.observation, _ = self.env.reset(seed=seed)
        self.steps = 0

    def epsilon(self) -> float:
        e = SETTINGS["exploration"]
        return e["start"] + (e["end"] - e["start"]) * min(self.steps / e["steps"], 1.0)

    def step(self) -> None:
        torch = self.torch
        with torch.no_grad():
            q = self.online(torch.as_tensor(self.observation[None], dtype=torch.float32)).numpy()[0]
        action = int(self.rng.integers(2)) if self.rng.random() < self.epsilon() else int(np.argmax(q))
        next_observation, reward, terminated, truncated, _ = self.env.step(action)
        self.buffer.add(self.observation, action, reward, next_observation, terminated)
        self.observation = self.env.reset()[0] if terminated or truncated else next_observation
        self.steps += 1
        self.update()
        if self.steps % SETTINGS["target_every"] == 0:
            self.target.load_state_dict(self.online.state_dict())

    def update(self) -> None:
        torch = self.torch
        batch = {k: torch.as_tensor(v) for k, v in self.buffer.sample(SETTINGS["batch_size"], self.rng).items()}
        with torch.no_grad():
            best_next = self.target(batch["next_observation"]).max(dim=1).values
            targets = batch["reward"] + 0.99 * (1 - batch["terminated"]) * best_next
        q = self.online(batch["observation"]).gather(1, batch["action"][:, None])[:, 0]
        loss = torch.nn.functional.huber_loss(q, targets)
        self.optimiser.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(self.online.parameters(), SETTINGS["clip_norm"])
        self.optimiser.step()


def torch_steps_per_second(steps: int, warmup: int) -> float:
    agent = TorchDQN()
    for _ in range(warmup):
        agent.step()
    start = time.perf_counter()
    for _ in range(steps):
        agent.step()
    return steps / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=2000, help="timed environment steps per round")
    parser.add_argument("--warmup", type=int, default=200, help="untimed steps that fill the buffer first")
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds; the median is reported")
    parser.add_argument("--threads", type=int, default=1, help="BLAS and torch threads")
    args = parser.parse_args()
    try:
        import torch
        torch.set_num_threads(args.threads)
    except ImportError:
        sys.exit("bench_dqn compares against PyTorch; install torch (pip install 'dlx[reference]')")
    rates = {"dlx": [], "torch": []}
    with threadpool_limits(args.threads, user_api="blas"):
        for _ in range(args.rounds):
            rates["dlx"].append(dlx_steps_per_second(args.steps, args.warmup))
            rates["torch"].append(torch_steps_per_second(args.steps, args.warmup))
    dlx_rate, torch_rate = statistics.median(rates["dlx"]), statistics.median(rates["torch"])
    print(f"DQN on CartPole-v1, one update per step, batch 64, 4-128-128-2, {args.threads} thread(s)")
    print(f"dlx   {dlx_rate:8.0f} env steps/s   (rounds: {', '.join(f'{r:.0f}' for r in rates['dlx'])})")
    print(f"torch {torch_rate:8.0f} env steps/s   (rounds: {', '.join(f'{r:.0f}' for r in rates['torch'])})")
    print(f"dlx / torch = {dlx_rate / torch_rate:.2f}")


if __name__ == "__main__":
    main()
