"""DQN and double DQN of dlx layers: targets, target-network updates, fitting, determinism, resume."""
import numpy as np
import pytest

from dlx.registry import agents
from dlx.rl import BudgetSettings, EnvironmentSettings, evaluate, make_env

CARTPOLE = EnvironmentSettings(id="CartPole-v1")
SMALL = dict(hidden=[16], batch_size=16, buffer_size=500, learning_starts=50, target_every=50,
             exploration={"schedule": "linear", "start": 1.0, "end": 0.1, "steps": 300})


def dqn(env, name="dqn", seed=0, **settings):
    return agents.create(name, **{**SMALL, **settings}).setup(env, np.random.default_rng(seed))


def set_linear(network, weight):
    """A network with no hidden layer: Q = x W (bias zero)."""
    network.layers[0].weight.data[...] = weight
    network.layers[0].b.data[...] = 0.0


def test_double_dqn_evaluates_the_online_choice_with_the_target_network():
    env = make_env(CARTPOLE)
    batch = {"next_observation": np.array([[1.0, 0, 0, 0]], dtype=np.float32),
             "reward": np.array([1.0], dtype=np.float32), "terminated": np.array([0.0], dtype=np.float32)}
    targets = {}
    for name in ("dqn", "double_dqn"):
        agent = dqn(env, name, hidden=[], gamma=0.5)
        set_linear(agent.online, np.array([[1.0, 3.0]] + [[0.0, 0.0]] * 3))  # online prefers action 1
        set_linear(agent.target, np.array([[10.0, 2.0]] + [[0.0, 0.0]] * 3))  # target prefers action 0
        targets[name] = agent.td_targets(batch)[0]
    assert targets["dqn"] == pytest.approx(1 + 0.5 * 10.0)  # max of the target network
    assert targets["double_dqn"] == pytest.approx(1 + 0.5 * 2.0)  # target's value of the online choice


def test_terminal_transitions_do_not_bootstrap():
    agent = dqn(make_env(CARTPOLE))
    batch = {"next_observation": np.ones((2, 4), dtype=np.float32), "reward": np.array([1.0, 1.0], np.float32),
             "terminated": np.array([1.0, 0.0], np.float32)}
    targets = agent.td_targets(batch)
    assert targets[0] == 1.0 and targets[1] != 1.0


def fill_terminal(agent, rng, n=64):
    """Transitions that end the episode: the TD target is the reward, a regression problem."""
    for _ in range(n):
        agent.buffer.add(rng.standard_normal(4), int(rng.integers(2)), float(rng.standard_normal()),
                         rng.standard_normal(4), True)


@pytest.mark.parametrize("loss", ["mse", "huber"])
def test_dqn_overfits_a_small_replay_buffer(loss, rng):
    agent = dqn(make_env(CARTPOLE), hidden=[64], lr=0.01, loss=loss, batch_size=64, clip_norm=None)
    fill_terminal(agent, rng, 16)
    first = agent.update()
    for _ in range(600):
        last = agent.update()
    assert last < 0.01 * first


def test_hard_and_soft_target_updates():
    env = make_env(CARTPOLE)
    soft = dqn(env, target_update="soft", tau=0.1, learning_starts=0)
    fill_terminal(soft, np.random.default_rng(0))
    before = [p.data.copy() for p in soft.target.parameters()]
    soft.update()
    for old, target, online in zip(before, soft.target.parameters(), soft.online.parameters()):
        np.testing.assert_allclose(target.data, 0.9 * old + 0.1 * online.data, rtol=1e-5, atol=1e-7)
    hard = dqn(env, target_every=10, learning_starts=0)
    fill_terminal(hard, np.random.default_rng(0))
    hard.update()
    assert not all(np.array_equal(t.data, o.data) for t, o in zip(hard.target.parameters(), hard.online.parameters()))
    hard.steps = 10
    hard.step_bookkeeping()
    assert all(np.array_equal(t.data, o.data) for t, o in zip(hard.target.parameters(), hard.online.parameters()))


def test_dqn_learns_the_deterministic_lake(deterministic_lake):
    """One-hot states: the greedy policy reaches the goal (success 1.0) after a short training."""
    agent = dqn(deterministic_lake, hidden=[32], lr=0.005, target_every=100, learning_starts=100,
                batch_size=32, exploration={"schedule": "linear", "start": 1.0, "end": 0.1, "steps": 1500})
    agent.train(BudgetSettings(steps=3_000))
    assert evaluate(agent.act_batch, deterministic_lake, 10, np.random.default_rng(0))["success_rate"] == 1.0


@pytest.mark.parametrize("name", ["dqn", "double_dqn"])
def test_the_same_seed_gives_the_same_curve(name):
    curves = [dqn(make_env(CARTPOLE), name, seed=s).train(BudgetSettings(steps=400)) for s in (7, 7, 8)]
    assert curves[0] == curves[1]
    assert [r["return"] for r in curves[0]] != [r["return"] for r in curves[2]]


def test_resume_from_state_dict_continues_the_same_curve():
    whole = dqn(make_env(CARTPOLE), seed=2).train(BudgetSettings(episodes=30))
    stopped = dqn(make_env(CARTPOLE), seed=2)
    part = stopped.train(BudgetSettings(episodes=30), on_episode=lambda row: row["episode"] == 12)
    arrays, meta = stopped.state_dict()
    resumed = dqn(make_env(CARTPOLE), seed=123)
    resumed.load_state_dict(arrays, meta)
    assert part + resumed.train(BudgetSettings(episodes=30)) == whole


def test_periodic_evaluation_keeps_the_best_network():
    agent = dqn(make_env(CARTPOLE), eval_every=200, eval_episodes=5)
    rows = agent.train(BudgetSettings(steps=600))
    evaluations = [r["eval_return"] for r in rows if "eval_return" in r]
    assert len(evaluations) == 3 and agent.summary()["best_eval_return"] == max(evaluations)


def test_state_dict_round_trips_through_a_dlx_checkpoint(tmp_path):
    from dlx.runs.checkpoint import load_checkpoint, save_checkpoint
    agent = dqn(make_env(CARTPOLE), seed=4)
    agent.train(BudgetSettings(steps=120))
    save_checkpoint(tmp_path / "agent.npz", *agent.state_dict())
    arrays, meta = load_checkpoint(tmp_path / "agent.npz")
    restored = dqn(make_env(CARTPOLE), seed=0)
    restored.load_state_dict(arrays, meta)
    observations = np.random.default_rng(0).standard_normal((5, 4))
    np.testing.assert_array_equal(restored.q_values(observations), agent.q_values(observations))
    assert restored.steps == agent.steps and len(restored.buffer) == len(agent.buffer)
