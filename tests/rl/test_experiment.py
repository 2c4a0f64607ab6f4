"""experiments/cartpole_dqn.py runs end to end on a tiny budget."""
from experiments.cartpole_dqn import report, run_seed


def test_cartpole_experiment_runs_a_short_budget(capsys):
    run = run_seed("cartpole_double_dqn", seed=0, steps=300)
    assert run["agent"] == "double_dqn" and run["steps"] == 300 and run["final"]["episodes"] == 100
    report([run])
    assert "double_dqn" in capsys.readouterr().out
