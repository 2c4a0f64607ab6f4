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
from dlx.inference.formats import load_model
from dlx.models.memory import check_bytes
from dlx.rl.experiment import evaluation_summary, generators, load_rl_config, prepare, restore_agent
from dlx.rl.play import play
from dlx.rl.learner import AGENT_FILE, AgentLearner
from dlx.rl.plots import CARTPOLE_Q_BOUND, plot_rl_run
from dlx.rl.config import RLConfig
from dlx.rl.saving import LoadedAgent, save_agent_model
from dlx.runs import atomic_write_json, load_checkpoint
from dlx.runs.children import open_child
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
    return start_rl(config, str(path), config.output.run_name or default_run_name(path), results_dir, reporter, folder)


def start_rl(config: RLConfig, source: str, run_name: str, results_dir: str | None = None, reporter=None,
             folder: str | Path | None = None) -> RunResult:
    """Train the agent of a validated ``config`` in a new run folder (``folder``, or one under
    ``results_dir/run_name``, ``results_dir`` by default ``output.results_dir``); the environment and the agent
    are made before the folder."""
    agent, env = prepare(config)  # an unknown environment or an agent that cannot act there fails here
    text = yaml.safe_dump(config.model_dump(mode="json"), sort_keys=False)
    session = RunSession.create(results_dir or config.output.results_dir, run_name, text, folder, kind="rl")
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
    session = RunSession.reopen(run_dir, kind="rl")
    return train_in(session, agent, agent.env, config, str(run_dir / "config.yaml"), reporter)


def train_in(session: RunSession, agent, env, config: RLConfig, source: str, reporter=None) -> RunResult:
    """Train ``agent`` for the rest of its budget in ``session``; Ctrl-C saves the agent and marks the run."""
    threads = choose_threads(config.threads)  # auto: one thread, an agent's products are small (DQN 64x128x128)
    with session, use_threads(threads):
        session.log(threads.describe())
        started = time.perf_counter()
        state = Trainer(AgentLearner(agent, config.budget), session, reporter).fit()
        status = "interrupted" if state.status == "interrupted" else "finished"
        save_agent_model(agent, config.environment, session.run_dir)
        summary = {"task": "reinforcement_learning", "config": source, "seed": config.seed,
                   "environment": config.environment.id, "agent": config.agent.name,
                   "train_seconds": time.perf_counter() - started, "threads": threads.record()}
        if status == "finished":
            summary.update(evaluation_summary(agent, env, config))
            summary["headline"] = headline_of(summary["evaluation"])
        history = session.metrics.rows
        if history and config.output.plots:
            bound = CARTPOLE_Q_BOUND if config.environment.id.startswith("CartPole") else None
            plot_rl_run(agent, history, session.run_dir / "plots", bound)
        session.finish(status, summary, "interrupted (Ctrl-C); resume with dlx train --resume "
                       f"{session.run_dir}" if status == "interrupted" else "")
    return RunResult(session.run_dir, status, session.summary, session.summary.get("message", ""), history)


def play_run(run_dir: str | Path, episodes: int = 100, render: bool = False, seed: int = 0) -> dict:
    """Evaluate the greedy policy of a trained RL run in a child run of its own
    (``RUN/children/play/<stamp>/``, ``dlx.runs.children``); the run's own files stay as they were.
    Returns the result (also the child's ``play.json``), with ``child``: the child's folder."""
    run_dir = Path(run_dir)
    if isinstance(episodes, bool) or episodes < 1:
        raise DlxError(f"--episodes must be at least 1, got {episodes}")
    check_bytes(episodes * PLAY_BYTES_PER_EPISODE, f"--episodes {episodes}", "play fewer episodes")
    loaded = load_model(run_dir)
    if not isinstance(loaded, LoadedAgent):
        raise DlxError(f"'{run_dir}' is not the folder of a reinforcement-learning run; train one with "
                       f"dlx train configs/frozenlake_q.yaml")
    with open_child(run_dir, "play", {"episodes": episodes, "seed": seed, "render": render}) as child:
        result = play(loaded.agent, loaded.environment, episodes, np.random.default_rng(seed), render=render)
        result = json.loads(json.dumps({"run_dir": str(run_dir), "episodes": episodes, "seed": seed, **result},
                                       default=float))
        atomic_write_json(child.run_dir / "play.json", result)
        child.finish("finished", {"evaluation": result, "headline": headline_of(result)})
    return {**result, "child": str(child.run_dir)}


def headline_of(evaluation: dict) -> dict:
    """The figures of a greedy evaluation that a summary's headline shows."""
    return {k: evaluation[k] for k in ("mean_return", "std_return", "success_rate") if k in evaluation}


__all__ = ["RLConfig", "RunResult", "generators", "play_run", "start_rl", "train_rl"]
