"""``dlx play``: the greedy policy of a trained agent, evaluated and optionally rendered as text.

Example::

    >>> result = play(agent, env_settings, episodes=100, rng=np.random.default_rng(0))
    >>> result["mean_return"], result.get("success_rate")
"""
from __future__ import annotations

import sys
from typing import TextIO

import numpy as np

from dlx.rl.env import make_env, max_steps
from dlx.rl.evaluate import evaluate, evaluate_loop
from dlx.rl.settings import EnvironmentSettings

TEXT_RENDERED = ("FrozenLake", "Taxi", "CliffWalking", "Blackjack")


def renders_text(env_id: str) -> bool:
    return env_id.split("/")[-1].startswith(TEXT_RENDERED)


def play(agent, environment: EnvironmentSettings, episodes: int, rng: np.random.Generator,
         render: bool = False, out: TextIO | None = None) -> dict:
    """Evaluate ``agent``'s greedy policy for ``episodes`` episodes.

    Args:
        agent: a trained agent (``act_batch``).
        environment (EnvironmentSettings): the environment it was trained on.
        episodes (int): number of episodes.
        rng (np.random.Generator): seeds the environment.
        render (bool, default False): print every step as text (toy-text environments);
            episodes then run one after another.
        out (TextIO, default sys.stdout): where rendered frames go.

    Returns:
        dict: episodes, mean_return, std_return, mean_length and, where the environment
        has one, success_rate; the content of play.json.
    """
    if render and not renders_text(environment.id):
        from dlx.errors import DlxError

        raise DlxError(f"--render draws text environments ({', '.join(TEXT_RENDERED)}); {environment.id} has no "
                       f"text rendering, play it without --render")
    if not render:
        return {"environment": environment.id,
                **evaluate(agent.act_batch, make_env(environment), episodes, rng)}
    out = out or sys.stdout
    env = make_env(environment, render_mode="ansi")

    def show(env):
        out.write(env.render() + "\n")

    result = evaluate_loop(agent.act_batch, env, episodes, rng, max_steps(env), on_step=show)
    return {"environment": environment.id, **result}
