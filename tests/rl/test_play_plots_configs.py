"""play(), the RL plots and the shipped RL configs."""
import io
from pathlib import Path

import numpy as np
import pytest

from dlx.errors import DlxError
from dlx.registry import agents
from dlx.rl import BudgetSettings, EnvironmentSettings, load_rl_config, make_env, play, run_config
from dlx.rl.plots import (CARTPOLE_Q_BOUND, discounted_bound, grid_layout, plot_mean_q, plot_rl_history,
                          plot_value_grid, smooth)

CONFIGS = Path(__file__).resolve().parents[2] / "configs"
RL_CONFIGS = ["frozenlake_vi", "frozenlake_q", "frozenlake_ce", "taxi_vi", "cliffwalking_vi", "cartpole_dqn",
              "cartpole_double_dqn"]
LAKE = EnvironmentSettings(id="FrozenLake-v1", options={"map_name": "4x4", "is_slippery": True})


def planned_lake():
    return agents.create("value_iteration").setup(make_env(LAKE), np.random.default_rng(0))


def test_play_reports_mean_std_and_success():
    agent = planned_lake()
    agent.train()
    result = play(agent, LAKE, 2_000, np.random.default_rng(0))
    assert result["episodes"] == 2_000 and result["environment"] == "FrozenLake-v1"
    assert {"mean_return", "std_return", "success_rate"} <= set(result)
    assert abs(result["success_rate"] - 0.744) < 0.04  # 4 sigma of 2000 episodes


def test_play_renders_text_environments():
    agent = planned_lake()
    agent.train()
    out = io.StringIO()
    result = play(agent, LAKE, 2, np.random.default_rng(0), render=True, out=out)
    frames = out.getvalue()
    assert result["episodes"] == 2 and "SFFF" in frames.replace("\x1b[41m", "").replace("\x1b[0m", "")


def test_render_of_a_graphic_environment_is_refused():
    agent = agents.create("dqn", hidden=[4]).setup(make_env(EnvironmentSettings(id="CartPole-v1")),
                                                   np.random.default_rng(0))
    with pytest.raises(DlxError, match="has no text rendering"):
        play(agent, EnvironmentSettings(id="CartPole-v1"), 1, np.random.default_rng(0), render=True)


def test_smooth_is_a_trailing_mean():
    np.testing.assert_allclose(smooth([1, 2, 3, 4], window=2), [1, 1.5, 2.5, 3.5])


def test_the_cartpole_bound_is_993():
    assert CARTPOLE_Q_BOUND == pytest.approx(99.34, abs=0.01) == discounted_bound(0.99, 500)


def test_plots_of_a_run(tmp_path):
    env = make_env(LAKE)
    agent = agents.create("q_learning").setup(env, np.random.default_rng(0))
    rows = agent.train(BudgetSettings(episodes=50))
    paths = plot_rl_history(rows, tmp_path)
    assert sorted(p.name for p in paths) == ["exploration.png", "lengths.png", "mean_q.png", "returns.png"]
    planned = planned_lake()
    planned.train()
    grid = plot_value_grid(planned.values, planned.policy, grid_layout(planned.env), tmp_path / "values.png")
    overlay = plot_mean_q({"dqn": ([1, 2, 3], [1, 2, 3]), "double dqn": ([1, 2, 3], [1, 1, 2])},
                          tmp_path / "q.png", CARTPOLE_Q_BOUND)
    assert all(p.stat().st_size > 1000 for p in paths + [grid, overlay])


def test_cliffwalking_has_a_grid_and_taxi_has_none():
    assert grid_layout(make_env(EnvironmentSettings(id="CliffWalking-v1"))).shape == (4, 12)
    assert grid_layout(make_env(EnvironmentSettings(id="Taxi-v4"))) is None


@pytest.mark.parametrize("name", RL_CONFIGS)
def test_rl_configs_validate_and_prepare(name):
    config = load_rl_config(CONFIGS / f"{name}.yaml")
    assert config.description
    overrides = {"budget": {"steps": 50}, "evaluation": {"episodes": 3}}
    result = run_config(load_rl_config(CONFIGS / f"{name}.yaml", overrides))
    assert result.summary["evaluation"]["episodes"] == 3


def test_a_restored_agent_plays_as_the_trained_one():
    from dlx.rl import restore_agent
    config = load_rl_config(CONFIGS / "frozenlake_q.yaml", {"budget": {"episodes": 300}})
    trained = run_config(config).agent
    restored = restore_agent(*trained.state_dict(), config.environment)
    np.testing.assert_array_equal(restored.policy, trained.policy)
    results = [play(a, config.environment, 500, np.random.default_rng(1)) for a in (trained, restored)]
    assert results[0] == results[1]
