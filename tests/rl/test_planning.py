"""Value iteration and certainty equivalence against the published optima of Gymnasium's toy texts.

References (TOPICS.md [L]): FrozenLake-v1 4x4 slippery, best success within 100 steps 0.744;
Taxi optimal mean return about 7.9; CliffWalking optimal return -13 (13 steps of -1).
"""
import numpy as np
import pytest

from dlx.rl import BudgetSettings, EnvironmentSettings, evaluate, make_env, tabular_model, value_iteration
from dlx.rl.evaluate import evaluate_loop
from dlx.rl.planning import TransitionCounts, bellman_q, model_error
from dlx.registry import agents


def planned_policy(env_id, **options):
    env = make_env(EnvironmentSettings(id=env_id, options=options))
    result = value_iteration(tabular_model(env), gamma=0.99)
    return env, result


def test_value_iteration_frozenlake_succeeds_074_of_10000_episodes():
    env, result = planned_policy("FrozenLake-v1", map_name="4x4", is_slippery=True)
    scores = evaluate(lambda s: result.policy[s], env, 10_000, np.random.default_rng(0))
    assert scores["episodes"] == 10_000
    assert abs(scores["success_rate"] - 0.744) <= 0.02


def test_value_iteration_taxi_mean_return_79():
    env, result = planned_policy("Taxi-v4")
    scores = evaluate(lambda s: result.policy[s], env, 10_000, np.random.default_rng(0))
    assert abs(scores["mean_return"] - 7.9) <= 0.2
    assert scores["success_rate"] == 1.0


def test_value_iteration_cliffwalking_returns_minus_13():
    env, result = planned_policy("CliffWalking-v1")
    scores = evaluate(lambda s: result.policy[s], env, 100, np.random.default_rng(0))
    assert scores["mean_return"] == -13.0 and scores["std_return"] == 0.0


def test_value_iteration_reaches_the_bellman_fixed_point():
    env, result = planned_policy("FrozenLake-v1", map_name="4x4", is_slippery=True)
    q = bellman_q(tabular_model(env), result.values, 0.99)
    np.testing.assert_allclose(q.max(axis=1), result.values, atol=1e-9)
    assert result.deltas[-1] < 1e-10 and result.iterations == len(result.deltas)


def test_table_sampling_matches_the_environment_loop():
    """The fast evaluation samples env.unwrapped.P as env.step does: same success rate within noise."""
    env, result = planned_policy("FrozenLake-v1", map_name="4x4", is_slippery=True)
    fast = evaluate(lambda s: result.policy[s], env, 10_000, np.random.default_rng(1))["success_rate"]
    loop = evaluate_loop(lambda s: result.policy[s], env, 500, np.random.default_rng(2), 100)["success_rate"]
    sigma = np.sqrt(0.744 * 0.256 * (1 / 500 + 1 / 10_000))
    assert abs(fast - loop) < 4 * sigma


@pytest.mark.slow
def test_certainty_equivalence_reaches_070(slippery_lake):
    agent = agents.create("certainty_equivalence").setup(slippery_lake, np.random.default_rng(0))
    agent.train(BudgetSettings(steps=100_000))
    scores = evaluate(agent.act_batch, slippery_lake, 10_000, np.random.default_rng(0))
    assert scores["success_rate"] >= 0.70
    error = agent.summary()["model_error"]
    assert error["transition_tv_mean"] < 0.05 and 0 <= error["untried_share"] < 1


def test_certainty_equivalence_model_error_shrinks_with_data(slippery_lake):
    errors = []
    for steps in (2_000, 20_000):
        agent = agents.create("certainty_equivalence").setup(slippery_lake, np.random.default_rng(0))
        agent.train(BudgetSettings(steps=steps))
        errors.append(agent.summary()["model_error"]["transition_tv_mean"])
    assert errors[1] < errors[0]


def test_the_true_model_has_no_error(slippery_lake):
    truth = tabular_model(slippery_lake)
    visits = np.ones_like(truth.transition)
    error = model_error(truth, truth, visits)
    assert error["transition_tv_max"] == 0 and error["reward_abs_max"] == 0 and error["untried_share"] == 0


def test_transition_counts_estimate_frequencies():
    counts = TransitionCounts(2, 1)
    for next_state in (0, 1, 1, 1):
        counts.add(0, 0, float(next_state), next_state, terminated=False)
    model = counts.estimate()
    np.testing.assert_allclose(model.transition[0, 0], [0.25, 0.75])
    np.testing.assert_allclose(model.transition[1, 0], [0.0, 1.0])  # never tried: stays in place
    assert model.reward[0, 0, 1] == 1.0


@pytest.mark.parametrize("env_id", ["FrozenLake-v1", "Taxi-v4", "CliffWalking-v1"])
def test_tabular_model_rows_are_distributions(env_id):
    model = tabular_model(make_env(EnvironmentSettings(id=env_id)))
    np.testing.assert_allclose(model.transition.sum(axis=2), 1.0)
    assert model.start.sum() == pytest.approx(1.0)
