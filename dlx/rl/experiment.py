"""From an RL config to a trained, evaluated agent: the entry point a run session drives.

    config = load_rl_config("configs/frozenlake_q.yaml")
    agent, env = prepare(config)                    # fails here, before training, on a bad config
    rows = agent.train(config.budget, on_episode=log_row)
    summary = evaluation_summary(agent, env, config)  # what summary.json holds

``run_config`` does all three. Randomness: one ``SeedSequence(config.seed)`` spawns the
training generator (agent and environment) and the evaluation generator.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from pydantic import ValidationError

from dlx.config import apply_override, parse_mapping, read_config_text
from dlx.config.loading import refuse_non_finite
from dlx.errors import ConfigError
from dlx.registry import agents
from dlx.rl.agent import Agent, create_agent
from dlx.rl.config import RLConfig
from dlx.rl.env import make_env
from dlx.rl.evaluate import evaluate
from dlx.rl.settings import EnvironmentSettings


def load_rl_config(path: str | Path, overrides: dict | None = None, settings: list[str] = ()) -> RLConfig:
    """Read and validate an RL config as every dlx config is read (safe YAML, UTF-8, line numbers).

    Args:
        path: the YAML file.
        overrides (default None): whole sections to replace, e.g. ``{"budget": {"episodes": 300}}``.
        settings (default ()): ``--set`` overrides, ``"agent.gamma=0.9"``.
    """
    source = str(path)
    raw, lines = parse_mapping(read_config_text(path), source)
    raw.update(overrides or {})
    for setting in settings:
        apply_override(raw, setting, schema=RLConfig)
    refuse_non_finite(raw, source, lines)
    try:
        return RLConfig.model_validate(raw)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        line = _line_of(first["loc"], raw, lines)
        raise ConfigError(f"{source}{line}: {where}: {first['msg'].removeprefix('Value error, ')}") from None


def _line_of(loc: tuple, raw: dict, lines: dict) -> str:
    """``:N``, the YAML line of the deepest part of ``loc`` present in the file (agent tags are skipped)."""
    path, node = (), raw
    for part in loc:
        if isinstance(node, dict) and part in node:
            path, node = path + (part,), node[part]
    return f":{lines[path]}" if path in lines else ""


def generators(seed: int) -> tuple[np.random.Generator, np.random.Generator]:
    """(training, evaluation) generators from one seed."""
    train_seed, eval_seed = np.random.SeedSequence(seed).spawn(2)
    return np.random.default_rng(train_seed), np.random.default_rng(eval_seed)


def prepare(config: RLConfig) -> tuple[Agent, object]:
    """Make the environment and the agent, check they fit, build the agent: all before any training."""
    env = make_env(config.environment)
    agent = create_agent(config.agent)
    agent.setup(env, generators(config.seed)[0])
    return agent, env


def evaluation_summary(agent: Agent, env, config: RLConfig) -> dict:
    """The greedy evaluation and the agent's own facts, for summary.json."""
    result = evaluate(agent.act_batch, env, config.evaluation.episodes, generators(config.seed)[1],
                      config.evaluation.max_steps)
    return {"evaluation": result, "steps": agent.steps, "episodes": agent.episodes, **agent.summary()}


@dataclass
class RLResult:
    agent: Agent
    env: object
    rows: list[dict]
    summary: dict


def run_config(config: RLConfig, on_episode=None) -> RLResult:
    """Prepare, train for the budget, evaluate greedily; summary adds the wall time."""
    start = time.perf_counter()
    agent, env = prepare(config)
    rows = agent.train(config.budget, on_episode=on_episode)
    summary = evaluation_summary(agent, env, config)
    summary["wall_time_s"] = time.perf_counter() - start
    return RLResult(agent, env, rows, summary)


def restore_agent(arrays: dict[str, np.ndarray], meta: dict, environment: EnvironmentSettings) -> Agent:
    """A trained agent from its checkpoint (``agent.state_dict()``), e.g. for ``dlx play RUN_DIR``.

    Example::

        arrays, meta = load_checkpoint(run_dir / "agent.npz")
        agent = restore_agent(arrays, meta, config.environment)
        play(agent, config.environment, episodes=100, rng=np.random.default_rng(0))
    """
    settings = dict(meta["settings"])
    agent = agents.create(settings.pop("name"), **settings)
    agent.setup(make_env(environment), np.random.default_rng(0))
    agent.load_state_dict(arrays, meta)
    return agent
