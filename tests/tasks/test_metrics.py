"""Metrics agree with scikit-learn and with closed forms."""
from __future__ import annotations

import numpy as np
import pytest
from sklearn import metrics as sk

from dlx.errors import DataError, ShapeError
from dlx.tasks.metrics import (
    HIGHER_IS_BETTER,
    METRICS_BY_TASK,
    classification_metrics,
    confusion_matrix,
    is_higher_better,
    multilabel_metrics,
    regression_metrics,
    task_metrics,
)

SEEDS = [0, 1, 2, 3, 4]
TOL = 1e-12


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("n_classes", [2, 3, 7])
def test_classification_matches_sklearn(seed, n_classes):
    rng = np.random.default_rng(seed)
    y_true = rng.integers(0, n_classes, 200)
    y_pred = np.where(rng.random(200) < 0.6, y_true, rng.integers(0, n_classes, 200))
    labels = list(range(n_classes))
    result = classification_metrics(y_true, y_pred, n_classes)
    options = {"labels": labels, "average": "macro", "zero_division": 0}
    assert result["accuracy"] == pytest.approx(sk.accuracy_score(y_true, y_pred), abs=TOL)
    assert result["precision"] == pytest.approx(sk.precision_score(y_true, y_pred, **options), abs=TOL)
    assert result["recall"] == pytest.approx(sk.recall_score(y_true, y_pred, **options), abs=TOL)
    assert result["f1"] == pytest.approx(sk.f1_score(y_true, y_pred, **options), abs=TOL)
    assert result["confusion_matrix"] == sk.confusion_matrix(y_true, y_pred, labels=labels).tolist()


def test_never_predicted_and_absent_classes_count_as_zero():
    y_true = np.array([0, 0, 1, 1, 1])
    y_pred = np.array([0, 1, 1, 1, 1])  # class 2 absent from both, never predicted
    options = {"labels": [0, 1, 2], "average": "macro", "zero_division": 0}
    result = classification_metrics(y_true, y_pred, 3)
    assert result["precision"] == pytest.approx(sk.precision_score(y_true, y_pred, **options), abs=TOL)
    assert result["recall"] == pytest.approx(sk.recall_score(y_true, y_pred, **options), abs=TOL)
    assert result["f1"] == pytest.approx(sk.f1_score(y_true, y_pred, **options), abs=TOL)
    assert result["precision"] == pytest.approx((1.0 + 0.75 + 0.0) / 3, abs=TOL)


def test_confusion_matrix_closed_form():
    matrix = confusion_matrix([0, 1, 1, 2, 2, 2], [0, 0, 1, 2, 2, 1], n_classes=3)
    assert matrix.dtype == np.int64
    assert matrix.tolist() == [[1, 0, 0], [1, 1, 0], [0, 1, 2]]


def test_labels_as_float_and_column_vectors():
    result = classification_metrics(np.array([[0.0], [1.0]]), np.array([0, 1]), 2)
    assert result["accuracy"] == 1.0


def test_classification_input_errors():
    with pytest.raises(ShapeError, match="same, non-zero number"):
        confusion_matrix([0, 1], [0], 2)
    with pytest.raises(ShapeError):
        confusion_matrix([], [], 2)
    with pytest.raises(DataError, match="outside 0..1; check n_classes"):
        confusion_matrix([0, 2], [0, 1], 2)
    with pytest.raises(DataError, match="non-integer"):
        confusion_matrix([0.5, 1], [0, 1], 2)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("shape", [(50,), (50, 1), (50, 3)])
def test_regression_matches_sklearn(seed, shape):
    rng = np.random.default_rng(seed)
    y_true = rng.standard_normal(shape) * 3 + 1
    y_pred = y_true + rng.standard_normal(shape)
    result = regression_metrics(y_true, y_pred)
    assert result["mse"] == pytest.approx(sk.mean_squared_error(y_true, y_pred), abs=TOL)
    assert result["mae"] == pytest.approx(sk.mean_absolute_error(y_true, y_pred), abs=TOL)
    assert result["r2"] == pytest.approx(sk.r2_score(y_true, y_pred), abs=TOL)


def test_regression_closed_forms_and_constant_target():
    assert regression_metrics([1.0, 2.0, 3.0], [1.0, 2.5, 2.5]) == pytest.approx(
        {"mse": 1 / 6, "mae": 1 / 3, "r2": 0.75}, abs=TOL)
    y_true = np.array([[1.0, 2.0], [1.0, 4.0], [1.0, 6.0]])  # first output constant
    for y_pred in (y_true, y_true + 0.5):
        assert regression_metrics(y_true, y_pred)["r2"] == pytest.approx(sk.r2_score(y_true, y_pred), abs=TOL)
    assert regression_metrics(np.arange(4.0), np.arange(4.0)[:, None])["mse"] == 0.0


def test_regression_shape_errors():
    with pytest.raises(ShapeError, match="same shape"):
        regression_metrics(np.zeros((4, 2)), np.zeros((4, 3)))
    with pytest.raises(ShapeError):
        regression_metrics(np.zeros((2, 2, 2)), np.zeros((2, 2, 2)))


@pytest.mark.parametrize("seed", SEEDS)
def test_multilabel_matches_sklearn(seed):
    rng = np.random.default_rng(seed)
    y_true = (rng.random((80, 5)) < 0.3).astype(int)
    y_pred = np.where(rng.random((80, 5)) < 0.7, y_true, 1 - y_true)
    y_pred[:, 4] = 0  # a label never predicted
    result = multilabel_metrics(y_true, y_pred.astype(bool))
    assert result["accuracy"] == pytest.approx(np.mean(y_true == y_pred), abs=TOL)
    assert result["accuracy"] == pytest.approx(1 - sk.hamming_loss(y_true, y_pred), abs=TOL)
    assert result["f1"] == pytest.approx(sk.f1_score(y_true, y_pred, average="macro", zero_division=0), abs=TOL)


def test_multilabel_errors():
    with pytest.raises(ShapeError):
        multilabel_metrics(np.zeros((3, 2)), np.zeros((3, 3)))
    with pytest.raises(DataError, match="0 or 1"):
        multilabel_metrics(np.zeros((2, 2)), np.full((2, 2), 0.7))


def test_task_table_and_direction():
    assert set(METRICS_BY_TASK) == {"binary", "multiclass", "multilabel", "regression", "seq2seq", "bit_copy"}
    assert HIGHER_IS_BETTER == {"accuracy", "precision", "recall", "f1", "r2", "exact_match", "token_accuracy"}
    assert is_higher_better("val_accuracy") and is_higher_better("r2") and is_higher_better("val_exact_match")
    assert not is_higher_better("val_loss") and not is_higher_better("test_mse")


@pytest.mark.parametrize(
    ("task", "y_true", "y_pred", "n_classes"),
    [
        ("binary", [0, 1, 1], [0, 1, 0], None),
        ("multiclass", [0, 1, 2], [0, 2, 2], 3),
        ("multilabel", [[0, 1], [1, 1]], [[0, 1], [0, 1]], None),
        ("regression", [0.0, 1.0], [0.5, 1.0], None),
    ],
)
def test_task_metrics_report_the_declared_names(task, y_true, y_pred, n_classes):
    result = task_metrics(task, y_true, y_pred, n_classes)
    assert set(METRICS_BY_TASK[task]) <= set(result)
    assert all(isinstance(result[name], float) for name in METRICS_BY_TASK[task])


def test_task_metrics_unknown_task():
    with pytest.raises(ValueError, match="unknown task 'ranking'"):
        task_metrics("ranking", [0], [0])
