"""Reinforcement learning on Gymnasium's reference environments.

Importing this package registers the agents in ``dlx.registry.agents``:
``value_iteration``, ``certainty_equivalence``, ``q_learning``, ``dqn``, ``double_dqn``.

Example::

    >>> config = load_rl_config("configs/frozenlake_q.yaml")
    >>> result = run_config(config, on_episode=print)      # rows per episode, then the greedy evaluation
    >>> result.summary["evaluation"]["success_rate"]
"""
from dlx.rl.agent import Agent, create_agent
from dlx.rl.config import RLConfig
from dlx.rl.dqn import DoubleDQNAgent, DQNAgent
from dlx.rl.env import make_env, tabular_model
from dlx.rl.evaluate import evaluate
from dlx.rl.experiment import load_rl_config, prepare, restore_agent, run_config
from dlx.rl.planning import model_error, value_iteration
from dlx.rl.play import play
from dlx.rl.saving import LoadedAgent, load_agent_model, save_agent_model
from dlx.rl.settings import BudgetSettings, EnvironmentSettings, EvaluationSettings, ExplorationSettings
from dlx.rl.tabular import CertaintyEquivalenceAgent, QLearningAgent, ValueIterationAgent

__all__ = ["Agent", "BudgetSettings", "CertaintyEquivalenceAgent", "DQNAgent", "DoubleDQNAgent",
           "EnvironmentSettings", "EvaluationSettings", "ExplorationSettings", "QLearningAgent", "RLConfig",
           "ValueIterationAgent", "create_agent", "evaluate", "load_rl_config", "make_env", "model_error", "play",
           "prepare", "restore_agent", "run_config", "tabular_model", "value_iteration", "LoadedAgent",
           "load_agent_model", "save_agent_model"]
