"""Sweep views: fANOVA main effects against closed forms, the forest's importance, the two pictures."""
import numpy as np
import pytest

from dlx.sweep.views import draw_views, main_effects, parameter_importance, trial_matrix


def test_main_effects_of_an_additive_function_are_its_variance_shares():
    # f = 3a + b on a, b in {0, 1, 2}: Var(3a) = 9 * 2/3 = 6, Var(b) = 2/3, total 20/3 -> 0.9 and 0.1
    shares = main_effects(lambda X: 3 * X[:, 0] + X[:, 1], [[0, 1, 2], [0, 1, 2]])
    assert shares == pytest.approx([0.9, 0.1])


def test_a_pure_interaction_has_no_main_effect():
    # f = a * b on {-1, 1}^2: each marginal mean is 0, the variance is all interaction
    assert main_effects(lambda X: X[:, 0] * X[:, 1], [[-1, 1], [-1, 1]]) == pytest.approx([0.0, 0.0])
    assert main_effects(lambda X: 0 * X[:, 0], [[0, 1]]) == [0.0]


def records_of(function, seeds=2):
    rng = np.random.default_rng(0)
    return [{"params": {"optimiser.lr": lr, "optimiser.name": name}, "metric": function(lr, name) + rng.normal(0, 1e-3)}
            for lr in (1e-4, 1e-3, 1e-2, 1e-1) for name in ("adam", "sgd") for _ in range(seeds)]


def test_on_a_full_grid_the_cell_means_give_the_closed_form():
    # metric = log10(lr) + 2 [sgd]: Var over lr of log10 = 1.25, over the name 1.0 -> 1.25/2.25 and 1/2.25
    importance = parameter_importance(records_of(lambda lr, name: np.log10(lr) + 2 * (name == "sgd")))
    assert importance["optimiser.lr"] == pytest.approx(1.25 / 2.25, abs=1e-3)
    assert importance["optimiser.name"] == pytest.approx(1 / 2.25, abs=1e-3)


def test_with_cells_missing_the_forest_finds_the_parameter_that_matters():
    records = records_of(lambda lr, name: -np.log10(lr))[:-2]  # (0.1, sgd) never ran: not a full grid
    importance = parameter_importance(records)
    assert importance["optimiser.lr"] > 0.9 and importance["optimiser.name"] < 0.05


def test_the_trial_matrix_takes_log_learning_rates_and_codes_names():
    names, values, X, y = trial_matrix(records_of(lambda lr, name: 0.0) + [{"params": {"optimiser.lr": 1.0,
                                                                             "optimiser.name": "sgd"},
                                                                            "metric": float("nan")}])
    assert names == ["optimiser.lr", "optimiser.name"] and values == [[-4.0, -3.0, -2.0, -1.0], [0, 1]]
    assert X.shape == (16, 2) and len(y) == 16  # the NaN trial (diverged) is left out


def test_both_pictures_are_drawn_and_too_few_trials_give_none(tmp_path):
    records = records_of(lambda lr, name: lr + (name == "sgd"))
    drawn = draw_views(records, "val_loss", tmp_path)
    assert [p.name for p in drawn] == ["parallel_coordinates.png", "importance.png"]
    assert all(p.stat().st_size > 5000 for p in drawn)
    assert draw_views(records[:1], "val_loss", tmp_path / "none") == []
    one_parameter = [{"params": {"optimiser.lr": r["params"]["optimiser.lr"]}, "metric": r["metric"]} for r in records]
    assert draw_views(one_parameter, "val_loss", tmp_path / "none") == []  # metric_vs_lr.png shows it
