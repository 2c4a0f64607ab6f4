"""An agent's run: a run like any other, through the run session, only without a data set.

``dlx train configs/frozenlake_q.yaml`` comes here (the config has an ``environment``)::

    result = train_rl("configs/frozenlake_q.yaml", results_dir="results")
    result.summary["evaluation"]["success_rate"]

The folder holds ``config.yaml``, ``metrics.jsonl``/``.csv`` (one row per episode, or per
sweep for value iteration), ``run.log``, ``agent.npz`` (the agent's arrays and JSON record,
no pickle), ``plots/`` and ``summary.json`` with the greedy evaluation. Ctrl-C saves the
agent as it is and marks the run interrupted; ``dlx play RUN_DIR`` evaluates a trained run.
"""
from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np
import yaml

from dlx.config.loading import default_run_name
from dlx.errors import DlxError
from dlx.models.memory import check_bytes
from dlx.rl.experiment import evaluation_summary, generators, load_rl_config, prepare, restore_agent
from dlx.rl.play import play
from dlx.rl.learner import AGENT_FILE, AgentLearner
from dlx.rl.plots import CARTPOLE_Q_BOUND, plot_rl_run
from dlx.rl.settings import RLConfig
from dlx.runs import atomic_write_json, load_checkpoint
from dlx.runs.lock import FolderLock
from dlx.runs.session import RunSession
from dlx.threads import choose_threads, use_threads
from dlx.train.runner import RunResult
from dlx.train.trainer import Trainer

PLAY_BYTES_PER_EPISODE = 64  # the vectorised evaluation keeps ~8 numbers per episode (state, return, length, draws)


def train_rl(path: str | Path, settings: list[str] = (), results_dir: str | None = None, reporter=None,
             folder: str | Path | None = None) -> RunResult:
    """Train the agent of the RL config at ``path`` in a new run folder; everything is checked first."""
    config = load_rl_config(path, settings=list(settings))
    return start_rl(config, str(path), default_run_name(path), results_dir, reporter, folder)


def start_rl(config: RLConfig, source: str, run_name: str, results_dir: str | None = None, reporter=None,
             folder: str | Path | None = None) -> RunResult:
    """Train the agent of a validated ``config`` in a new run folder (``folder``, or one under
    ``results_dir/run_name``); the environment and the agent are made before the folder."""
    agent, env = prepare(config)  # an unknown environment or an agent that cannot act there fails here
    text = yaml.safe_dump(config.model_dump(mode="json"), sort_keys=False)
    session = RunSession.create(results_dir or "results", run_name, text, folder)
    return train_in(session, agent, env, config, source, reporter)


def resume_rl(run_dir: str | Path, reporter=None, config: RLConfig | None = None) -> RunResult:
    """Finish an interrupted RL run in its own folder: the agent continues from checkpoints/agent.npz
    (its weights, buffers, counters and generators), so the budget counts on from where it stopped.
    ``config``: the run's config.yaml as already read (default: read here)."""
    run_dir = Path(run_dir)
    FolderLock.check(run_dir, "run folder")
    checkpoint = run_dir / "checkpoints" / f"{AGENT_FILE}.npz"
    if not checkpoint.is_file():
        raise DlxError(f"'{run_dir}' has no checkpoints/{AGENT_FILE}.npz to resume from; start a new run with "
                       f"dlx train CONFIG")
    config = config or load_rl_config(run_dir / "config.yaml")
    agent = restore_agent(*load_checkpoint(checkpoint), config.environment)
    session = RunSession.reopen(run_dir)
    return train_in(session, agent, agent.env, config, str(run_dir / "config.yaml"), reporter)


def train_in(session: RunSession, agent, env, config: RLConfig, source: str, reporter=None) -> RunResult:
    """Train ``agent`` for the rest of its budget in ``session``; Ctrl-C saves the agent and marks the run."""
    threads = choose_threads(config.threads)  # auto: one thread, an agent's products are small (DQN 64x128x128)
    with session, use_threads(threads):
        session.log(threads.describe())
        started = time.perf_counter()
        state = Trainer(AgentLearner(agent, config.budget), session, reporter).fit()
        status = "interrupted" if state.status == "interrupted" else "finished"
        summary = {"task": "reinforcement_learning", "config": source, "seed": config.seed,
                   "environment": config.environment.id, "agent": config.agent.name,
                   "train_seconds": time.perf_counter() - started, "threads": threads.record()}
        if status == "finished":
            summary.update(evaluation_summary(agent, env, config))
        history = session.metrics.rows
        if history:
            bound = CARTPOLE_Q_BOUND if config.environment.id.startswith("CartPole") else None
            plot_rl_run(agent, history, session.run_dir / "plots", bound)
        session.finish(status, summary, "interrupted (Ctrl-C); resume with dlx train --resume "
                       f"{session.run_dir}" if status == "interrupted" else "")
    return RunResult(session.run_dir, status, session.summary, session.summary.get("message", ""), history)


def play_run(run_dir: str | Path, episodes: int = 100, render: bool = False, seed: int = 0,
             config: RLConfig | None = None) -> dict:
    """Evaluate the greedy policy of a trained RL run; writes ``play.json`` into the run folder.
    ``config``: the run's config.yaml as already read (default: read here)."""
    run_dir = Path(run_dir)
    config_file, checkpoint = run_dir / "config.yaml", run_dir / "checkpoints" / f"{AGENT_FILE}.npz"
    if not config_file.is_file() or not checkpoint.is_file():
        raise DlxError(f"'{run_dir}' is not the folder of a reinforcement-learning run (needs config.yaml and "
                       f"checkpoints/{AGENT_FILE}.npz); train one with dlx train configs/frozenlake_q.yaml")
    if isinstance(episodes, bool) or episodes < 1:
        raise DlxError(f"--episodes must be at least 1, got {episodes}")
    check_bytes(episodes * PLAY_BYTES_PER_EPISODE, f"--episodes {episodes}", "play fewer episodes")
    config = config or load_rl_config(config_file)
    arrays, meta = load_checkpoint(checkpoint)
    agent = restore_agent(arrays, meta, config.environment)
    result = play(agent, config.environment, episodes, np.random.default_rng(seed), render=render)
    result = {"run_dir": str(run_dir), "episodes": episodes, "seed": seed, **result}
    atomic_write_json(run_dir / "play.json", json.loads(json.dumps(result, default=float)))
    return result


__all__ = ["RLConfig", "RunResult", "generators", "play_run", "start_rl", "train_rl"]
