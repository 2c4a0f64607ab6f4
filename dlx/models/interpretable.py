"""Interpretable models, fitted in one step: logistic regression (Newton) and a decision tree (CART).

Both follow ``LinearRegression`` in ``dlx.models.linear``: ``closed_form`` is True,
so the training loop calls ``fit_closed_form(X, targets)`` once instead of taking
gradient steps, and ``forward`` gives outputs like any network (logits for
classification), so losses, metrics and explanations work unchanged.

Logistic regression minimises the mean cross-entropy plus alpha ||W||^2 (bias not
penalised) by Newton's method. With A = [X, 1], P_nk = softmax(A theta)_nk and one-hot T:

    gradient = A^T (P - T) / N + 2 alpha theta_W
    Hessian  = (1/N) sum_n (diag(p_n) - p_n p_n^T) (x) a_n a_n^T + 2 alpha I_W

(K = 1: the sigmoid, with weights p (1 - p)). theta <- theta - H^-1 gradient until the step is tiny.

The tree is CART (Breiman et al. 1984): each node takes the split x_j <= t (t halfway
between neighbouring values) with the largest decrease of Gini impurity
(classification) or variance (regression), down to ``max_depth``. It is stored as a
complete binary tree of 2^(max_depth+1) - 1 slots, so its arrays have fixed shapes
and are saved and loaded as buffers with the model's state.
"""
from __future__ import annotations

import numpy as np

from dlx.errors import ConfigError
from dlx.models.linear import OneDenseLayer
from dlx.nn import Dense, Module
from dlx.ops.activation import softmax_array
from dlx.registry import models
from dlx.tensor import Tensor

MAX_TREE_DEPTH = 12


def class_labels(Y: np.ndarray, output_size: int) -> np.ndarray:
    """Integer labels (N,) from labels, a (N, 1) 0/1 column or one-hot rows."""
    Y = np.asarray(Y)
    if Y.ndim == 2 and Y.shape[1] > 1:
        return Y.argmax(axis=1)
    return np.rint(Y.reshape(-1)).astype(np.int64)


class LogisticRegression(OneDenseLayer):
    """Logistic (K = 1) or softmax (K > 1) regression fitted by Newton's method.

    Args:
        output_size (int): 1 for a binary logit, else the number of classes K.
        alpha (float, default 1e-4): weight of the L2 penalty alpha ||W||^2.
        max_iterations (int, default 50): Newton steps at most.

    Shape:
        input (N, D), output (N, K) logits.
    """

    closed_form = True

    def __init__(self, output_size: int, alpha: float = 1e-4, max_iterations: int = 50):
        super().__init__()
        if alpha < 0:
            raise ConfigError(f"logistic regression: alpha must be >= 0, got {alpha}")
        self.output_size, self.alpha, self.max_iterations = int(output_size), float(alpha), int(max_iterations)
        self.layer = Dense(self.output_size, init="zeros")
        self.built = False

    def fit_closed_form(self, X: np.ndarray, Y: np.ndarray) -> None:
        """Newton's method in float64 from the current W and b (see the module doc); stores W and b."""
        A = np.hstack([np.asarray(X, np.float64).reshape(len(X), -1), np.ones((len(X), 1))])
        K, n, D1 = self.output_size, len(A), A.shape[1]
        T = class_labels(Y, K)
        T = T.reshape(-1, 1).astype(np.float64) if K == 1 else np.eye(K)[T]
        theta = np.vstack([self.layer.weight.data, self.layer.b.data[None]]).astype(np.float64)  # zeros or warm
        penalty = np.ones((D1, K))
        penalty[-1] = 0.0                                                   # the bias is not penalised
        for _ in range(self.max_iterations):
            P = 1.0 / (1.0 + np.exp(-A @ theta)) if K == 1 else softmax_array(A @ theta, axis=1)
            gradient = A.T @ (P - T) / n + 2 * self.alpha * penalty * theta   # (D+1, K)
            hessian = _hessian(A, P, K) / n + 2 * self.alpha * np.diag(penalty.reshape(-1))
            step = np.linalg.lstsq(hessian, gradient.reshape(-1), rcond=None)[0].reshape(D1, K)
            theta -= step
            if np.abs(step).max() < 1e-10:
                break
        self.layer.weight.data = theta[:-1].astype(self.layer.weight.dtype)
        self.layer.b.data = theta[-1].astype(self.layer.b.dtype)

    def get_config(self) -> dict:
        return {"name": "logistic_regression", "output_size": self.output_size, "alpha": self.alpha,
                "max_iterations": self.max_iterations}


def _hessian(A: np.ndarray, P: np.ndarray, K: int) -> np.ndarray:
    """sum_n (diag(p_n) - p_n p_n^T) (x) a_n a_n^T, indexed like theta.reshape(-1) ((D+1) K square)."""
    if K == 1:
        return (A * (P * (1 - P))).T @ A
    D1 = A.shape[1]
    blocks = np.einsum("nk,nl,ni,nj->ikjl", P, P, A, A) * -1.0                 # -p_k p_l a_i a_j
    blocks += np.einsum("nk,kl,ni,nj->ikjl", P, np.eye(K), A, A)               # + diag(p) a_i a_j
    return blocks.reshape(D1 * K, D1 * K)


@models.register("logistic_regression")
def logistic_regression(output_size: int, alpha: float = 1e-4, max_iterations: int = 50) -> LogisticRegression:
    """Logistic / softmax regression fitted by Newton's method; explained by its weights."""
    return LogisticRegression(output_size, alpha=alpha, max_iterations=max_iterations)


# ---- the decision tree ---------------------------------------------------------------------
def gini(counts: np.ndarray) -> np.ndarray:
    """1 - sum_k p_k^2 of class counts (..., K)."""
    total = np.maximum(counts.sum(axis=-1, keepdims=True), 1e-300)
    return 1.0 - ((counts / total) ** 2).sum(axis=-1)


def variance(stats: np.ndarray) -> np.ndarray:
    """Variance from rows [count, sum y, sum y^2] (..., 3)."""
    count = np.maximum(stats[..., 0], 1e-300)
    return stats[..., 2] / count - (stats[..., 1] / count) ** 2


def best_split(X: np.ndarray, Y: np.ndarray, min_leaf: int, regression: bool) -> tuple[int, float, float]:
    """(feature, threshold, weighted child impurity) of the best CART split; feature -1 if none.

    Y holds one-hot rows (N, K) for classification or [1, y, y^2] (N, 3) for regression."""
    n, best = len(X), (-1, 0.0, np.inf)
    measure = variance if regression else gini
    sizes = np.arange(1, n)
    for j in range(X.shape[1]):
        order = np.argsort(X[:, j], kind="stable")
        values = X[order, j]
        left = np.cumsum(Y[order], axis=0)[:-1]                       # statistics of the first i+1 rows
        right = Y.sum(axis=0) - left
        valid = (values[1:] > values[:-1]) & (sizes >= min_leaf) & (n - sizes >= min_leaf)
        if not valid.any():
            continue
        score = np.where(valid, (sizes * measure(left) + (n - sizes) * measure(right)) / n, np.inf)
        i = int(score.argmin())
        if score[i] < best[2] - 1e-12:
            best = (j, float((values[i] + values[i + 1]) / 2), float(score[i]))
    return best


class DecisionTree(Module):
    """A CART decision tree (Gini or variance), fitted in one step; explained by its rules.

    Args:
        output_size (int): classes K (1: a binary logit), or targets for regression (1).
        max_depth (int, default 3): depth of the tree, 1..12.
        min_samples_leaf (int, default 1): fewest training samples in a leaf.
        task (str, default "classification"): or "regression".

    Shape:
        input (N, D), output (N, K): log class proportions (K = 1: the log odds), or the leaf mean.
    """

    closed_form = True

    def __init__(self, output_size: int, max_depth: int = 3, min_samples_leaf: int = 1, task: str = "classification"):
        super().__init__()
        if not 1 <= int(max_depth) <= MAX_TREE_DEPTH:
            raise ConfigError(f"decision tree: max_depth must be 1..{MAX_TREE_DEPTH}, got {max_depth}")
        if task not in ("classification", "regression"):
            raise ConfigError(f"decision tree: task must be 'classification' or 'regression', got '{task}'")
        self.output_size, self.max_depth = int(output_size), int(max_depth)
        self.min_samples_leaf, self.task = int(min_samples_leaf), task
        slots, width = 2 ** (self.max_depth + 1) - 1, 1 if task == "regression" else max(self.output_size, 2)
        self.register_buffer("feature", np.full(slots, -2, dtype=np.int64))      # -1 leaf, -2 unused slot
        self.register_buffer("threshold", np.zeros(slots))
        self.register_buffer("value", np.zeros((slots, width)))                 # class proportions or mean
        self.register_buffer("samples", np.zeros(slots, dtype=np.int64))

    @property
    def regression(self) -> bool:
        return self.task == "regression"

    def output_shape(self, input_shape):
        return (self.output_size,)

    def fit_closed_form(self, X: np.ndarray, Y: np.ndarray) -> None:
        """Grow the tree greedily from the root (see the module doc)."""
        X = np.asarray(X, np.float64).reshape(len(X), -1)
        if self.regression:
            y = np.asarray(Y, np.float64).reshape(len(X), -1)[:, 0]
            stats = np.stack([np.ones_like(y), y, y * y], axis=1)
        else:
            stats = np.eye(self._buffers["value"].shape[1])[class_labels(Y, self.output_size)]
        b = self._buffers
        b["feature"][:] = -2
        stack = [(0, np.arange(len(X)), 0)]
        while stack:
            node, rows, depth = stack.pop()
            total = stats[rows].sum(axis=0)
            b["value"][node] = total[1:2] / total[0] if self.regression else total / total.sum()
            b["samples"][node], b["feature"][node] = len(rows), -1
            if depth == self.max_depth or len(rows) < 2 * self.min_samples_leaf:
                continue
            feature, threshold, score = best_split(X[rows], stats[rows], self.min_samples_leaf, self.regression)
            here = float(variance(total) if self.regression else gini(total))
            if feature < 0 or score >= here - 1e-12:
                continue
            b["feature"][node], b["threshold"][node] = feature, threshold
            goes_left = X[rows, feature] <= threshold
            stack += [(2 * node + 1, rows[goes_left], depth + 1), (2 * node + 2, rows[~goes_left], depth + 1)]

    def leaves(self, X: np.ndarray) -> np.ndarray:
        """(N,) the slot of the leaf each row ends in."""
        X = np.asarray(X).reshape(len(X), -1)
        node = np.zeros(len(X), dtype=np.int64)
        feature, threshold = self._buffers["feature"], self._buffers["threshold"]
        for _ in range(self.max_depth):
            f = feature[node]
            inner = f >= 0
            right = X[np.arange(len(X)), np.maximum(f, 0)] > threshold[node]
            node = np.where(inner, 2 * node + 1 + right, node)
        return node

    def forward(self, x):
        data = x.data if isinstance(x, Tensor) else np.asarray(x)
        value = self._buffers["value"][self.leaves(data)]                       # (N, width)
        if self.regression:
            return Tensor(value)
        p = np.clip(value, 1e-7, 1.0)
        return Tensor(np.log(p[:, 1:2] / p[:, :1]) if self.output_size == 1 else np.log(p))

    def rules(self, feature_names=None, class_names=None, thresholds=None) -> list[str]:
        """One line per leaf: 'if a <= 1 and b > 2: class c (n samples, p=0.93)'.

        ``thresholds`` (one per slot) replaces the stored ones, e.g. in the units before scaling."""
        b, lines = self._buffers, []
        thresholds = b["threshold"] if thresholds is None else thresholds
        name = lambda j: feature_names[j] if feature_names else f"x{j}"  # noqa: E731
        stack = [(0, [])]
        while stack:
            node, conditions = stack.pop()
            f = b["feature"][node]
            if f >= 0:
                t = thresholds[node]
                stack += [(2 * node + 2, conditions + [f"{name(f)} > {t:.4g}"]),
                          (2 * node + 1, conditions + [f"{name(f)} <= {t:.4g}"])]
                continue
            lines.append(f"if {' and '.join(conditions) or 'always'}: {self._leaf_text(node, class_names)}")
        return lines

    def _leaf_text(self, node, class_names) -> str:
        value, count = self._buffers["value"][node], self._buffers["samples"][node]
        if self.regression:
            return f"{value[0]:.4g} ({count} samples)"
        k = int(value.argmax())
        label = class_names[k] if class_names else str(k)
        return f"class {label} ({count} samples, p={value[k]:.2f})"

    def get_config(self) -> dict:
        return {"name": "decision_tree", "output_size": self.output_size, "max_depth": self.max_depth,
                "min_samples_leaf": self.min_samples_leaf, "task": self.task}


@models.register("decision_tree")
def decision_tree(output_size: int, max_depth: int = 3, min_samples_leaf: int = 1,
                  task: str = "classification") -> DecisionTree:
    """A CART decision tree (Gini / variance) fitted in one step; explained by its rules."""
    return DecisionTree(output_size, max_depth=max_depth, min_samples_leaf=min_samples_leaf, task=task)
