"""The Gymnasium adapter: make a registered environment, seed it, check what an agent needs.

dlx has no environments of its own: ``make_env`` calls ``gymnasium.make`` with the
config's id and options. Every failure a user can cause (an unknown id, an option the
environment does not take, an agent that cannot act in the action space) is a
one-line ``ConfigError``.

Example::

    >>> env = make_env(EnvironmentSettings(id="FrozenLake-v1", options={"is_slippery": True}))
    >>> env.reset(seed=seed_from(np.random.default_rng(0)))
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from dlx.errors import ConfigError
from dlx.registry import unknown_name_message
from dlx.rl.settings import EnvironmentSettings

DEFAULT_MAX_STEPS = 1000  # for environments registered without a time limit (CliffWalking)


def registered_ids() -> list[str]:
    import gymnasium

    return sorted(gymnasium.registry)


def make_env(settings: EnvironmentSettings, render_mode: str | None = None, warn=False):
    """``gymnasium.make(settings.id, **settings.options)`` with one-line errors.

    Args:
        settings (EnvironmentSettings): id, options, optional max_episode_steps.
        render_mode (str, default None): e.g. "ansi" for text rendering.
        warn (bool, default False): keep Gymnasium's environment checker.

    Returns:
        gymnasium.Env: with the given, else the registered, else a 1000-step time limit.
    """
    import gymnasium

    if settings.id not in gymnasium.registry:
        raise ConfigError("environment: " + unknown_name_message("Gymnasium environment", settings.id,
                                                                 registered_ids()))
    kwargs = dict(settings.options)
    registered_limit = gymnasium.spec(settings.id).max_episode_steps
    kwargs["max_episode_steps"] = settings.max_episode_steps or registered_limit or DEFAULT_MAX_STEPS
    if render_mode is not None:
        kwargs["render_mode"] = render_mode
    try:
        return gymnasium.make(settings.id, disable_env_checker=not warn, **kwargs)
    except gymnasium.error.DependencyNotInstalled as error:
        raise ConfigError(f"environment: {settings.id} needs a package that is not installed ({error}); "
                          f"install it, or choose another environment") from None
    except TypeError as error:
        raise ConfigError(f"environment: {settings.id} does not take the options {sorted(settings.options)} "
                          f"({error}); see the environment's documentation for its keyword arguments") from None
    except (KeyError, ValueError) as error:
        raise ConfigError(f"environment: {settings.id} rejects the option values {settings.options} "
                          f"({type(error).__name__}: {error}); see the environment's documentation") from None


def max_steps(env) -> int:
    """The episode's time limit (``make_env`` gives every environment one)."""
    limit = env.spec.max_episode_steps if env.spec is not None else None
    return int(limit) if limit else DEFAULT_MAX_STEPS


def seed_from(rng: np.random.Generator) -> int:
    """An integer seed for Gymnasium drawn from ``rng`` (the one source of randomness)."""
    return int(rng.integers(0, 2**31 - 1))


def describe_space(space) -> str:
    """Discrete(16), Box(4,) float32 - short enough for a one-line message."""
    if is_discrete(space):
        return repr(space)
    return f"{type(space).__name__}{tuple(space.shape)} {getattr(space, 'dtype', '')}".strip()


def is_discrete(space) -> bool:
    from gymnasium.spaces import Discrete

    return isinstance(space, Discrete)


def require_discrete_actions(env, agent: str) -> int:
    """The number of actions; a ConfigError if the action space is not Discrete."""
    if not is_discrete(env.action_space):
        raise ConfigError(f"agent '{agent}' chooses among discrete actions, but {env.spec.id} has the action "
                          f"space {describe_space(env.action_space)}; choose an environment with Discrete actions")
    return int(env.action_space.n)


def require_discrete_states(env, agent: str) -> int:
    """The number of states; a ConfigError for continuous observations (tabular agents need a table)."""
    if not is_discrete(env.observation_space):
        raise ConfigError(f"agent '{agent}' keeps a table over discrete states, but {env.spec.id} observes "
                          f"{describe_space(env.observation_space)}; use a tabular environment (FrozenLake-v1, Taxi-v4, "
                          f"CliffWalking-v1) or the 'dqn' agent")
    return int(env.observation_space.n)


def require_vector_states(env, agent: str) -> int:
    """The observation size of a Box space; a ConfigError otherwise."""
    from gymnasium.spaces import Box

    space = env.observation_space
    if isinstance(space, Box) and len(space.shape) == 1:
        return int(space.shape[0])
    if is_discrete(space):
        return int(space.n)  # one-hot encoded
    raise ConfigError(f"agent '{agent}' takes flat observation vectors, but {env.spec.id} observes {describe_space(space)}; "
                      f"choose an environment with a 1-D Box or Discrete observation space")


@dataclass
class TabularModel:
    """An MDP as arrays, from Gymnasium's table ``env.unwrapped.P[s][a] = [(p, s', r, done), ...]``.

    Shape:
        transition (S, A, S): P(s' | s, a); reward (S, A, S): expected r of s -> s';
        terminal (S, A, S): 1 where the step s -a-> s' ends the episode; start (S,).
    """

    transition: np.ndarray
    reward: np.ndarray
    terminal: np.ndarray
    start: np.ndarray

    @property
    def expected_reward(self) -> np.ndarray:
        """R(s, a) = sum_s' P(s'|s,a) r(s,a,s'), shape (S, A)."""
        return np.einsum("ijk,ijk->ij", self.transition, self.reward)


def tabular_model(env) -> TabularModel:
    """The known model of a toy-text environment (FrozenLake, Taxi, CliffWalking)."""
    unwrapped = env.unwrapped
    if not hasattr(unwrapped, "P"):
        raise ConfigError(f"{env.spec.id} publishes no transition table env.unwrapped.P; value iteration needs "
                          f"one (FrozenLake-v1, Taxi-v4, CliffWalking-v1), or use 'certainty_equivalence'")
    n_states, n_actions = int(env.observation_space.n), int(env.action_space.n)
    transition = np.zeros((n_states, n_actions, n_states))
    reward_sum = np.zeros_like(transition)
    terminal = np.zeros_like(transition)
    for s in range(n_states):
        for a in range(n_actions):
            for p, s_next, r, done in unwrapped.P[s][a]:
                transition[s, a, s_next] += p
                reward_sum[s, a, s_next] += p * r
                terminal[s, a, s_next] = max(terminal[s, a, s_next], float(done))
    reward = np.divide(reward_sum, transition, out=np.zeros_like(transition), where=transition > 0)
    start = np.asarray(unwrapped.initial_state_distrib, dtype=np.float64)
    return TabularModel(transition, reward, terminal, start / start.sum())
