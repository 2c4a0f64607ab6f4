"""Influential instances on a small model: deletion diagnostics and influence functions.

The small model is fitted on the training data: a logistic regression of "is it the
explained class" (classification) or least squares (regression), with a little L2
penalty alpha. With A = [X, 1], theta its parameters and the residuals r_i
(p_i - y_i, or 2 (a_i theta - y_i)),

    grad L(z_i) = r_i a_i,      H = A^T diag(h) A / n + 2 alpha P      (h = p (1 - p), or 2)

Deletion diagnostics refit without instance i and report f_-i(x) - f(x) at the
explained instance (f: the logit, or the output). Influence functions (Koh & Liang
2017) approximate it without refitting: theta_-i - theta ~= H^-1 grad L(z_i) / n,
so f_-i(x) - f(x) ~= a_x^T H^-1 grad L(z_i) / n.
"""
from __future__ import annotations

import numpy as np

from dlx.errors import DlxError
from dlx.explain.base import MODEL_KINDS, Explanation, explainer
from dlx.explain.pictures import bar_chart
from dlx.explain.target import ExplainTarget
from dlx.models.interpretable import LogisticRegression
from dlx.models.linear import normal_equation

MAX_REFITS = 300


def fit_small_model(X: np.ndarray, y: np.ndarray, regression: bool, alpha: float,
                    start: np.ndarray | None = None) -> np.ndarray:
    """theta = [w; b] (D + 1,) of least squares or of a binary logistic regression (Newton from ``start``)."""
    if regression:
        return normal_equation(X, y, alpha)[:, 0]
    model = LogisticRegression(1, alpha=alpha)
    model.build((X.shape[1],), np.random.default_rng(0))
    start = np.zeros(X.shape[1] + 1) if start is None else start
    model.layer.weight.data = start[:-1].reshape(-1, 1).astype(np.float64)
    model.layer.b.data = start[-1:].astype(np.float64)
    model.fit_closed_form(X, y.reshape(-1, 1))
    return np.concatenate([model.layer.weight.data[:, 0], model.layer.b.data]).astype(np.float64)


def influence_estimates(A: np.ndarray, y: np.ndarray, theta: np.ndarray, a_x: np.ndarray, regression: bool,
                        alpha: float) -> np.ndarray:
    """(n,) a_x^T H^-1 grad L(z_i) / n for every training instance (see the module doc)."""
    z = A @ theta
    if regression:
        residual, curvature = 2 * (z - y), np.full(len(A), 2.0)
    else:
        p = 1.0 / (1.0 + np.exp(-z))
        residual, curvature = p - y, p * (1 - p)
    penalty = np.full(A.shape[1], 2 * alpha)
    penalty[-1] = 0.0
    hessian = (A * curvature[:, None]).T @ A / len(A) + np.diag(penalty)
    direction = np.linalg.solve(hessian, a_x)                            # H^-1 a_x (H is symmetric)
    return residual * (A @ direction) / len(A)


def _small_problem(target: ExplainTarget, class_index: int):
    if target.train_y is None:
        raise DlxError("influential instances need the training targets (train_y) of the run")
    X = target.train_X.reshape(len(target.train_X), -1).astype(np.float64)
    mean, spread = X.mean(0), np.where(X.std(0) > 0, X.std(0), 1.0)
    regression = target.kind == "regression"
    y = np.asarray(target.train_y, np.float64).reshape(len(X), -1)[:, 0] if regression else \
        (np.asarray(target.train_y).reshape(-1) == class_index).astype(np.float64)
    return (X - mean) / spread, y, regression, (mean, spread)


def write_influence(result: Explanation, folder):
    s = result.summary
    key = "deletion" if s["deletion"] is not None else "influence"
    bars = {f"#{i}": v for i, v in s[key].items()}
    return [bar_chart(bars, folder / "influence.png", f"most influential training instances ({key})")]


@explainer("influence", "local, example-based", models=MODEL_KINDS, data=("tabular", "image"),
           writer=write_influence)
def influential_instances(target: ExplainTarget, x, class_index: int | None = None, alpha: float = 0.01,
                          top: int = 10, refit: bool = True, index: int = 0,
                          rng: np.random.Generator | None = None) -> Explanation:
    """Influential instances: deletion diagnostics (refits) and influence functions on a small model."""
    rng = rng if rng is not None else np.random.default_rng(0)
    x = np.asarray(x, np.float64)
    class_index = target.default_class(x.reshape(target.input_shape)) if class_index is None else class_index
    Z, y, regression, (mean, spread) = _small_problem(target, class_index)
    A = np.hstack([Z, np.ones((len(Z), 1))])
    a_x = np.append((x.reshape(-1) - mean) / spread, 1.0)
    theta = fit_small_model(Z, y, regression, alpha)
    estimates = influence_estimates(A, y, theta, a_x, regression, alpha)
    summary = {"index": index, "class": class_index, "small_model": "least squares" if regression else
               "logistic regression (explained class against the rest)", "alpha": alpha,
               "influence": _top(estimates, top), "deletion": None}
    arrays = {"influence": estimates}
    if refit:
        rows = rng.choice(len(Z), min(MAX_REFITS, len(Z)), replace=False)
        changes = np.full(len(Z), np.nan)
        for i in rows:
            keep = np.arange(len(Z)) != i
            changes[i] = a_x @ fit_small_model(Z[keep], y[keep], regression, alpha, theta) - a_x @ theta
        summary["deletion"] = _top(np.nan_to_num(changes), top)
        summary["refitted"] = len(rows)
        valid = ~np.isnan(changes)
        summary["influence_vs_deletion_correlation"] = float(np.corrcoef(changes[valid], estimates[valid])[0, 1])
        arrays["deletion"] = changes
    return Explanation("influence", summary, arrays)


def _top(values: np.ndarray, count: int) -> dict[int, float]:
    order = np.argsort(-np.abs(values), kind="stable")[:count]
    return {int(i): float(values[i]) for i in order}
