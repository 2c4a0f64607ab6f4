"""The lecture's first chapters as checks: one weight, the streetlights, XOR, and their configs.

Thresholds come from the book (Grokking Deep Learning ch. 4-6) or from closed forms:
the error ratio (1 - alpha input^2)^2 of one-weight descent, the least-squares bound of
linear models, and the book's printed errors.
"""
from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from dlx.config import load_config
from dlx.tensor import Tensor, no_grad
from dlx.train.runner import start_run
from experiments import one_weight as ow
from experiments import streetlights as sl

CONFIGS = Path(__file__).resolve().parents[2] / "configs"


# ---- one weight -----------------------------------------------------------------------------
def test_hot_cold_reaches_the_goal_within_one_step():
    hc = ow.HOT_COLD
    trajectory = ow.hot_cold_learning(**hc)
    best_weight = hc["goal"] / hc["input"]
    steps_needed = math.ceil(abs(best_weight - hc["weight"]) / hc["step_amount"] - 1e-9)
    assert steps_needed <= hc["iterations"]
    # it can only get within one step of the best weight, then wobbles around it
    for weight, error in trajectory[steps_needed:]:
        assert abs(weight - best_weight) <= hc["step_amount"] * (1 + 1e-6)
        assert error <= (hc["input"] * hc["step_amount"]) ** 2 * (1 + 1e-6)
    assert min(e for _, e in trajectory) <= (hc["input"] * hc["step_amount"] / 2) ** 2
    errors = [e for _, e in trajectory[:steps_needed]]
    assert all(b < a for a, b in zip(errors, errors[1:]))


def test_gradient_descent_follows_the_closed_form_to_the_goal():
    gd = ow.GRADIENT_DESCENT
    errors = [e for _, e in ow.gradient_descent(**gd)]
    ratio = ow.error_ratio(gd["input"], gd["alpha"])          # 0.5625
    expected = [errors[0] * ratio ** k for k in range(len(errors))]
    np.testing.assert_allclose(errors, expected, rtol=1e-9)
    assert errors[-1] < 1e-5 and abs(gd["input"] * ow.gradient_descent(**gd)[-1][0] - gd["goal"]) < 2e-3


def test_divergence_with_alpha_1_and_convergence_with_alpha_0_1():
    dv = ow.DIVERGENCE
    growing = [e for _, e in ow.gradient_descent(alpha=ow.DIVERGING_ALPHA, **dv)]
    shrinking = [e for _, e in ow.gradient_descent(alpha=ow.CONVERGING_ALPHA, **dv)]
    np.testing.assert_allclose(growing[:4], [0.04, 0.36, 3.24, 29.16], rtol=1e-9)   # the book's trace
    np.testing.assert_allclose(shrinking[:3], [0.04, 0.0144, 0.005184], rtol=1e-9)
    assert all(b > a for a, b in zip(growing, growing[1:]))
    assert all(b < a for a, b in zip(shrinking, shrinking[1:]))
    assert ow.error_ratio(dv["input"], ow.DIVERGING_ALPHA) == pytest.approx(9.0)
    assert ow.error_ratio(dv["input"], ow.CONVERGING_ALPHA) == pytest.approx(0.36)


@pytest.mark.parametrize("alpha", [ow.DIVERGING_ALPHA, ow.CONVERGING_ALPHA])
def test_tensor_and_sgd_give_the_hand_written_trajectory(alpha):
    hand = ow.gradient_descent(alpha=alpha, **ow.DIVERGENCE)
    tape = ow.gradient_descent_autograd(alpha=alpha, **ow.DIVERGENCE)
    assert len(tape) == len(hand) == ow.DIVERGENCE["iterations"] + 1
    for (w_hand, e_hand), (w_tape, e_tape) in zip(hand, tape):
        assert abs(w_hand - w_tape) <= 1e-12 * max(1.0, abs(w_hand))
        assert abs(e_hand - e_tape) <= 1e-12 * max(1.0, e_hand)


def test_stopping_an_input_of_zero_changes_nothing():
    assert ow.weight_delta(0.0, 0.7) == 0.0
    weights = [w for w, _ in ow.gradient_descent(input=0.0, goal=0.8, weight=0.5, alpha=1.0, iterations=5)]
    assert weights == [0.5] * 6


def test_negative_reversal_a_negative_input_moves_the_weight_the_other_way():
    assert ow.weight_delta(-0.5, -0.3) == -ow.weight_delta(0.5, -0.3)
    for input, direction in [(0.5, +1), (-0.5, -1)]:   # prediction 0 is too low for goal 0.8
        (w0, e0), (w1, e1) = ow.gradient_descent(input=input, goal=0.8, weight=0.0, alpha=0.5, iterations=1)
        assert np.sign(w1 - w0) == direction
        assert e1 < e0                                    # either way towards the goal


def test_scaling_the_update_grows_with_the_input():
    delta = -0.3
    for k in (2.0, 4.0, 10.0):
        assert ow.weight_delta(k * 0.5, delta) == pytest.approx(k * ow.weight_delta(0.5, delta))
    small = ow.gradient_descent(input=0.5, goal=0.8 * 0.5, weight=0.0, alpha=0.1, iterations=1)  # delta -0.4
    large = ow.gradient_descent(input=2.0, goal=0.8 * 0.5, weight=0.0, alpha=0.1, iterations=1)  # delta -0.4
    assert large[1][0] - large[0][0] == pytest.approx(4 * (small[1][0] - small[0][0]))


# ---- streetlights ------------------------------------------------------------------------------
def book_one_layer_errors(X, y, weights, alpha, epochs):
    """The book's loop, verbatim in NumPy: the reference for dlx's per-sample SGD."""
    weights, errors = np.array(weights, dtype=np.float64), []
    for _ in range(epochs):
        total = 0.0
        for row, goal in zip(X, y[:, 0]):
            prediction = row.dot(weights)
            total += (goal - prediction) ** 2
            weights = weights - alpha * (row * (prediction - goal))
        errors.append(total)
    return errors


def test_one_layer_learns_the_original_streetlights_like_the_book():
    X, y = sl.load("original")
    model = sl.one_layer()
    errors = sl.train_per_sample(model, X, y, sl.ONE_LAYER_ALPHA, 40)
    np.testing.assert_allclose(errors, book_one_layer_errors(X, y, sl.BOOK_WEIGHTS, 0.1, 40), rtol=1e-9)
    assert errors[-1] < 0.01
    assert sl.sum_squared_error(model, X, y) < 0.01


@pytest.fixture(scope="module")
def hidden_runs():
    X, y = sl.load("hidden")
    runs = {}
    for name, model, alpha in [("one layer", sl.one_layer(), sl.ONE_LAYER_ALPHA),
                               ("linear hidden", sl.hidden_layer("linear"), sl.HIDDEN_ALPHA),
                               ("relu hidden", sl.hidden_layer("relu"), sl.HIDDEN_ALPHA)]:
        errors = sl.train_per_sample(model, X, y, alpha, sl.EPOCHS)
        runs[name] = (model, errors, sl.sum_squared_error(model, X, y))
    return X, y, runs


def test_no_linear_model_learns_the_hidden_streetlights(hidden_runs):
    X, y, runs = hidden_runs
    bound = sl.linear_bound(X, y)
    assert bound == pytest.approx(1.0)       # predict 0.5 on every row: 4 * 0.5^2
    for name in ("one layer", "linear hidden"):
        model, _, final = runs[name]
        assert final >= bound - 1e-9, name
        assert final > 100 * 0.01, name      # far from what the ReLU network reaches


def test_a_linear_hidden_layer_collapses_to_one_layer(hidden_runs):
    X, _, runs = hidden_runs
    model = runs["linear hidden"][0]
    product = sl.collapse(model)
    assert product.layers[0].weight.shape == (3, 1)
    with no_grad():
        np.testing.assert_allclose(model(Tensor(X)).data, product(Tensor(X)).data, rtol=0, atol=1e-12)
    with pytest.raises(ValueError, match="linear"):
        sl.collapse(runs["relu hidden"][0])


def test_a_relu_hidden_layer_learns_it_with_the_books_errors(hidden_runs):
    _, _, runs = hidden_runs
    _, errors, final = runs["relu hidden"]
    printed = [0.634231159844, 0.358384076763, 0.0830183113303, 0.0064670549571,
               0.000329266900075, 1.50556226651e-05]   # the book's "Error:" every 10 iterations
    np.testing.assert_allclose(errors[9::10], printed, rtol=1e-9)
    assert errors[-1] < 0.01 and final < 0.01


@pytest.mark.parametrize("seed", range(5))
def test_a_2_8_1_network_learns_xor(seed):
    loss, accuracy = sl.learn_xor(seed)
    assert accuracy == 1.0
    assert loss < math.log(2) / 10            # far below ln 2, the best of a linear model


# ---- the configs through dlx train ----------------------------------------------------------------
def test_xor_config_trains_to_full_accuracy(tmp_path):
    result = start_run(load_config(CONFIGS / "xor.yaml"), results_dir=str(tmp_path))
    assert result.status == "finished"
    assert result.summary["final"]["train_accuracy"] == 1.0
    assert result.summary["warnings"] == []


def test_streetlights_config_reaches_the_books_error(tmp_path):
    result = start_run(load_config(CONFIGS / "streetlights.yaml"), results_dir=str(tmp_path))
    assert result.status == "finished"
    # train_loss is the MEAN squared error over the 6 rows; the book's bound 0.01 is on the SUM
    assert result.summary["final"]["train_loss"] < 0.01 / 6
    assert result.summary["final"]["train_accuracy"] == 1.0
    assert any("mse" in warning for warning in result.summary["warnings"])   # the pairing table's note
