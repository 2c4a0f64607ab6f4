"""Evaluation metrics in pure NumPy: classification, regression, multi-label.

The definitions follow ``sklearn.metrics`` (and the tests compare with it):
macro averages weigh every class equally, and a class that is never predicted
(or never present) contributes 0 where its ratio is undefined, as with
``zero_division=0``. R² is averaged uniformly over outputs; a constant target
gives R² = 1 for a perfect prediction and 0 otherwise.

Example::

    classification_metrics([0, 1, 2, 2], [0, 2, 2, 2], n_classes=3)
    # {'accuracy': 0.75, 'precision': 0.555..., 'recall': 0.666..., 'f1': 0.6, 'confusion_matrix': [...]}
    regression_metrics([1.0, 2.0, 3.0], [1.0, 2.5, 2.5])  # {'mse': 0.1666..., 'mae': 0.333..., 'r2': 0.75}
"""
from __future__ import annotations

from typing import Any

import numpy as np

from dlx.errors import DataError, ShapeError

METRICS_BY_TASK: dict[str, list[str]] = {
    "binary": ["accuracy", "precision", "recall", "f1"],
    "multiclass": ["accuracy", "precision", "recall", "f1"],
    "multilabel": ["accuracy", "f1"],
    "regression": ["mse", "mae", "r2"],
    "seq2seq": ["exact_match", "token_accuracy"],  # dlx/tasks/seq2seq.py
    "bit_copy": ["bit_errors", "bit_errors_20", "bit_errors_30"],  # dlx/tasks/bit_copy.py
}
HIGHER_IS_BETTER: frozenset[str] = frozenset({"accuracy", "precision", "recall", "f1", "r2", "exact_match",
                                              "token_accuracy"})


def is_higher_better(metric: str) -> bool:
    """Whether a larger value of ``metric`` is better (``val_accuracy``: yes, ``val_loss``: no).

    A ``train_``/``val_``/``test_`` prefix is ignored.

    Example::

        is_higher_better("val_f1")  # True
    """
    for prefix in ("train_", "val_", "test_"):
        if metric.startswith(prefix):
            metric = metric[len(prefix):]
            break
    return metric in HIGHER_IS_BETTER


def _safe_divide(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    """numerator / denominator with 0 where the denominator is 0."""
    numerator = np.asarray(numerator, dtype=np.float64)
    denominator = np.asarray(denominator, dtype=np.float64)
    return np.divide(numerator, denominator, out=np.zeros_like(numerator), where=denominator != 0)


def _class_labels(y_true: Any, y_pred: Any, n_classes: int) -> tuple[np.ndarray, np.ndarray]:
    """Both label vectors as int64 (N,), checked against ``n_classes``."""
    true = np.asarray(y_true).reshape(-1)
    pred = np.asarray(y_pred).reshape(-1)
    if true.shape != pred.shape or true.size == 0:
        raise ShapeError(f"y_true has {true.size} labels and y_pred {pred.size}; give the same, non-zero number")
    for name, labels in (("y_true", true), ("y_pred", pred)):
        if not np.all(np.equal(np.mod(labels, 1), 0)):
            raise DataError(f"{name} holds non-integer labels; give class indices (argmax of the scores)")
        if labels.min() < 0 or labels.max() >= n_classes:
            raise DataError(f"{name} has labels {labels.min()}..{labels.max()} outside 0..{n_classes - 1}; "
                            f"check n_classes ({n_classes})")
    return true.astype(np.int64), pred.astype(np.int64)


def confusion_matrix(y_true: Any, y_pred: Any, n_classes: int) -> np.ndarray:
    """Counts of (true class, predicted class): rows true, columns predicted.

    Shape: ``y_true``, ``y_pred``: (N,) class indices -> (n_classes, n_classes) int64.

    Example::

        confusion_matrix([0, 1, 1], [0, 0, 1], n_classes=2)  # [[1, 0], [1, 1]]
    """
    true, pred = _class_labels(y_true, y_pred, n_classes)
    counts = np.bincount(true * n_classes + pred, minlength=n_classes * n_classes)
    return counts.reshape(n_classes, n_classes).astype(np.int64)


def classification_metrics(y_true: Any, y_pred: Any, n_classes: int) -> dict[str, Any]:
    """Accuracy, macro precision, recall and F1, and the confusion matrix.

    Args:
        y_true: (N,) true class indices.
        y_pred: (N,) predicted class indices.
        n_classes: the number of classes; classes absent from both count in the macro average.

    Returns:
        ``accuracy``, ``precision``, ``recall``, ``f1`` as floats and
        ``confusion_matrix`` as a list of lists (rows true).

    Example::

        classification_metrics([0, 1, 1, 0], [0, 1, 0, 0], n_classes=2)["accuracy"]  # 0.75
    """
    matrix = confusion_matrix(y_true, y_pred, n_classes)
    true_positives = np.diag(matrix).astype(np.float64)
    predicted = matrix.sum(axis=0)
    actual = matrix.sum(axis=1)
    precision = _safe_divide(true_positives, predicted)
    recall = _safe_divide(true_positives, actual)
    f1 = _safe_divide(2 * true_positives, predicted + actual)
    return {
        "accuracy": float(true_positives.sum() / matrix.sum()),
        "precision": float(precision.mean()),
        "recall": float(recall.mean()),
        "f1": float(f1.mean()),
        "confusion_matrix": matrix.tolist(),
    }


def _as_columns(name: str, values: Any) -> np.ndarray:
    array = np.asarray(values, dtype=np.float64)
    if array.ndim == 1:
        array = array[:, None]
    if array.ndim != 2 or array.shape[0] == 0:
        raise ShapeError(f"{name} has shape {array.shape}; give (N,) or (N, K) with N > 0")
    return array


def regression_metrics(y_true: Any, y_pred: Any) -> dict[str, float]:
    """Mean squared error, mean absolute error and R² (uniform average over outputs).

    Shape: ``y_true``, ``y_pred``: (N,) or (N, K); (N,) and (N, 1) may be mixed.

    Example::

        regression_metrics([[1, 2], [3, 4]], [[1, 2], [3, 5]])  # mse 0.25, mae 0.25, r2 0.5
    """
    true, pred = _as_columns("y_true", y_true), _as_columns("y_pred", y_pred)
    if true.shape != pred.shape:
        raise ShapeError(f"y_true has shape {true.shape} and y_pred {pred.shape}; give predictions of the same shape")
    error = pred - true
    residual = np.sum(error**2, axis=0)
    total = np.sum((true - true.mean(axis=0)) ** 2, axis=0)
    constant_target = total == 0
    r2 = np.where(constant_target, np.where(residual == 0, 1.0, 0.0), 1.0 - _safe_divide(residual, total))
    return {
        "mse": float(np.mean(error**2)),
        "mae": float(np.mean(np.abs(error))),
        "r2": float(np.mean(r2)),
    }


def multilabel_metrics(y_true01: Any, y_pred01: Any) -> dict[str, float]:
    """Element-wise accuracy and macro F1 over labels for 0/1 indicator matrices.

    Shape: ``y_true01``, ``y_pred01``: (N, L) of 0 and 1 (booleans are fine).

    Example::

        multilabel_metrics([[1, 0], [1, 1]], [[1, 0], [0, 1]])  # accuracy 0.75, f1 0.8333...
    """
    true = np.asarray(y_true01)
    pred = np.asarray(y_pred01)
    if true.shape != pred.shape or true.ndim != 2 or true.size == 0:
        raise ShapeError(f"y_true01 has shape {true.shape} and y_pred01 {pred.shape}; give two equal (N, L) arrays")
    if not (np.isin(true, (0, 1)).all() and np.isin(pred, (0, 1)).all()):
        raise DataError("multi-label targets and predictions must be 0 or 1; threshold the probabilities first")
    true, pred = true.astype(bool), pred.astype(bool)
    true_positives = np.sum(true & pred, axis=0)
    f1 = _safe_divide(2 * true_positives, true.sum(axis=0) + pred.sum(axis=0))
    return {"accuracy": float(np.mean(true == pred)), "f1": float(f1.mean())}


def task_metrics(task: str, y_true: Any, y_pred: Any, n_classes: int | None = None) -> dict[str, Any]:
    """The metrics of ``METRICS_BY_TASK[task]`` (plus a confusion matrix for classification).

    Args:
        task: ``binary``, ``multiclass``, ``multilabel`` or ``regression``.
        y_true, y_pred: labels (classification), 0/1 matrices (multilabel) or values (regression).
        n_classes: number of classes for ``multiclass`` (``binary`` uses 2).

    Example::

        task_metrics("binary", [0, 1, 1], [0, 1, 0])["f1"]
    """
    if task in ("binary", "multiclass"):
        if task == "multiclass" and n_classes is None:
            raise ValueError("task_metrics('multiclass', ...) needs n_classes")
        return classification_metrics(y_true, y_pred, 2 if task == "binary" else int(n_classes))
    if task == "multilabel":
        return multilabel_metrics(y_true, y_pred)
    if task == "regression":
        return regression_metrics(y_true, y_pred)
    raise ValueError(f"unknown task '{task}'; use one of {sorted(METRICS_BY_TASK)}")
