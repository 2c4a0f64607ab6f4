"""LIME's local surrogate: proximity kernel, weighted ridge, weighted R^2, feature selection.

This follows the reference implementation (Ribeiro et al. 2016, ``lime_base.py``):

    kernel(d) = sqrt(exp(-d^2 / width^2))                          (proximity weight of a sample)
    ridge:     min_{b, beta} sum_i pi_i (y_i - b - z_i . beta)^2 + alpha ||beta||^2,   alpha = 1

With the weighted means z_bar = sum pi z / sum pi and y_bar, the intercept is not
penalised and the solution is

    beta = (Zc^T P Zc + alpha I)^(-1) Zc^T P yc,   Zc = Z - z_bar, yc = y - y_bar, P = diag(pi)
    b    = y_bar - z_bar . beta

The score is the weighted R^2 = 1 - sum pi (y - y_hat)^2 / sum pi (y - y_bar)^2 on the samples.
Feature selection picks which columns the final surrogate uses:
``forward_selection`` adds greedily the column that raises the weighted R^2 most,
``highest_weights`` keeps the largest |beta_j z_0j| of a ridge fit on all columns,
``none`` keeps all, ``auto`` is forward selection up to 6 features, else highest weights.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from dlx.errors import DlxError

SELECTIONS = ("auto", "forward_selection", "highest_weights", "none")
RIDGE_ALPHA = 1.0


def exponential_kernel(distances: np.ndarray, width: float) -> np.ndarray:
    """sqrt(exp(-d^2 / width^2)), LIME's default proximity weights."""
    return np.sqrt(np.exp(-(np.asarray(distances, dtype=np.float64) ** 2) / width ** 2))


@dataclass
class RidgeFit:
    coef: np.ndarray        # (F,)
    intercept: float

    def predict(self, Z: np.ndarray) -> np.ndarray:
        return Z @ self.coef + self.intercept


def weighted_ridge(Z: np.ndarray, y: np.ndarray, weights: np.ndarray, alpha: float = RIDGE_ALPHA) -> RidgeFit:
    """Ridge regression with sample weights and an unpenalised intercept (see the module doc)."""
    Z, y, w = (np.asarray(a, dtype=np.float64) for a in (Z, y, weights))
    total = w.sum()
    if total <= 0:
        raise DlxError("every perturbed sample has zero proximity weight; widen the kernel (kernel_width)")
    z_bar, y_bar = w @ Z / total, w @ y / total
    Zc, yc = Z - z_bar, y - y_bar
    gram = Zc.T @ (Zc * w[:, None]) + alpha * np.eye(Z.shape[1])
    coef = np.linalg.solve(gram, Zc.T @ (w * yc)) if Z.shape[1] else np.zeros(0)
    return RidgeFit(coef, float(y_bar - z_bar @ coef))


def weighted_r2(y: np.ndarray, prediction: np.ndarray, weights: np.ndarray) -> float:
    """1 - sum w (y - y_hat)^2 / sum w (y - y_bar)^2 (1.0 when y is constant and fitted exactly)."""
    y_bar = weights @ y / weights.sum()
    residual = weights @ (y - prediction) ** 2
    spread = weights @ (y - y_bar) ** 2
    if spread <= 0:
        return 1.0 if residual <= 1e-12 else 0.0
    return float(1.0 - residual / spread)


def forward_selection(Z, y, weights, count: int) -> list[int]:
    """Greedily add the column whose ridge fit has the highest weighted R^2."""
    chosen: list[int] = []
    for _ in range(min(count, Z.shape[1])):
        best, best_score = None, -np.inf
        for j in range(Z.shape[1]):
            if j in chosen:
                continue
            columns = chosen + [j]
            fit = weighted_ridge(Z[:, columns], y, weights)
            score = weighted_r2(y, fit.predict(Z[:, columns]), weights)
            if score > best_score:
                best, best_score = j, score
        chosen.append(best)
    return chosen


def highest_weights(Z, y, weights, count: int) -> list[int]:
    """The columns with the largest |beta_j * z_0j| of a ridge fit on all columns (z_0: the instance)."""
    fit = weighted_ridge(Z, y, weights)
    contribution = np.abs(fit.coef * Z[0])
    return [int(j) for j in np.argsort(-contribution, kind="stable")[:count]]


def select_features(Z, y, weights, count: int, method: str = "auto") -> list[int]:
    """The columns the final surrogate uses (``method`` one of SELECTIONS)."""
    count = min(int(count), Z.shape[1])
    if method == "none":
        return list(range(Z.shape[1]))
    if method == "auto":
        method = "forward_selection" if count <= 6 else "highest_weights"
    if method == "forward_selection":
        return forward_selection(Z, y, weights, count)
    if method == "highest_weights":
        return highest_weights(Z, y, weights, count)
    raise DlxError(f"feature selection '{method}' is unknown; use one of {', '.join(SELECTIONS)}")


@dataclass
class Surrogate:
    features: list[int]     # the selected columns
    coef: np.ndarray        # (len(features),)
    intercept: float
    score: float            # weighted R^2 on the samples
    local_prediction: float  # the surrogate at the instance (row 0)


def fit_surrogate(Z: np.ndarray, y: np.ndarray, weights: np.ndarray, count: int,
                  selection: str = "auto") -> Surrogate:
    """Select features, fit the weighted ridge on them, and score it; row 0 of Z is the instance."""
    features = select_features(Z, y, weights, count, selection)
    fit = weighted_ridge(Z[:, features], y, weights)
    prediction = fit.predict(Z[:, features])
    return Surrogate(features, fit.coef, fit.intercept, weighted_r2(y, prediction, weights), float(prediction[0]))
