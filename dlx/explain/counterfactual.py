"""Counterfactual explanations (Wachter, Mittelstadt & Russell 2017).

"Had x been x', the model would have said y'." Find x' close to x with the
desired prediction by minimising

    L(x', lambda) = lambda (f(x') - y')^2 + sum_j |x'_j - x_j| / MAD_j

where f is the score of the desired class (the output for regression) and MAD_j
the median absolute deviation of feature j in the training data (so distances are
in units that make features comparable and changes sparse). Gradient descent on x'
(the L1 term by its subgradient) runs for a fixed lambda; lambda doubles until
|f(x') - y'| <= tolerance.

Example::

    result = counterfactual(target, x, desired_class=1)
    result.summary["changes"]          # {"mean radius": -1.3, ...}
"""
from __future__ import annotations

import numpy as np

from dlx.errors import DlxError
from dlx.explain.attacks import write_attack
from dlx.explain.base import MODEL_KINDS, Explanation, explainer, top_weights
from dlx.explain.target import ExplainTarget
from dlx.tensor import Tensor


def median_absolute_deviation(train_X: np.ndarray) -> np.ndarray:
    """MAD_j = median |x_j - median x_j|, with 1 where it is 0 (constant or mostly constant features)."""
    flat = train_X.reshape(len(train_X), -1).astype(np.float64)
    mad = np.median(np.abs(flat - np.median(flat, axis=0)), axis=0)
    return np.where(mad > 0, mad, 1.0)


def descend(target, x, goal_class, goal, lam, mad, start, steps, lr):
    """Gradient descent on lambda (f(x') - y')^2 + ||(x' - x) / MAD||_1 from ``start``."""
    current = start.copy()
    for _ in range(steps):
        leaf = Tensor(current[None], requires_grad=True)
        value = target.class_output(leaf, goal_class, "score")
        ((value - goal) ** 2 * lam).sum().backward()
        distance_grad = np.sign(current - x) / mad.reshape(x.shape)
        current = current - lr * (leaf.grad[0] + distance_grad)
    return current


def _desired(target, x, desired_class, desired_value):
    if target.kind == "regression":
        if desired_value is None:
            raise DlxError("a regression counterfactual needs desired_value (the output you want)")
        return 0, float(desired_value)
    scores = target.score_array(x[None])[0]
    if desired_class is None:
        desired_class = int(np.argsort(scores)[-2])          # the runner-up class
    return target.check_class(desired_class), 1.0 if desired_value is None else float(desired_value)


@explainer("counterfactual", "local, gradient", models=MODEL_KINDS, data=("tabular", "image"), writer=write_attack)
def counterfactual(target: ExplainTarget, x, desired_class: int | None = None, desired_value: float | None = None,
                   tolerance: float = 0.45, lam: float = 0.1, rounds: int = 12, steps: int = 100, lr: float = 0.01,
                   index: int = 0, rng: np.random.Generator | None = None) -> Explanation:
    """Wachter counterfactual: the nearest input (MAD-weighted L1) with the desired prediction."""
    x = np.asarray(x, dtype=np.float64).reshape(target.input_shape)
    goal_class, goal = _desired(target, x, desired_class, desired_value)
    mad = median_absolute_deviation(target.train_X)
    current, reached = x.copy(), False
    for _ in range(rounds):
        scale = mad.reshape(x.shape)           # steps in MAD units: every feature moves at a comparable pace
        current = descend(target, x, goal_class, goal, lam, scale, current, steps, lr * scale)
        reached = abs(target.score_array(current[None])[0, goal_class] - goal) <= tolerance
        if reached:
            break
        lam *= 2.0
    if target.model is not None:
        target.model.zero_grad()
    scores = target.score_array(np.stack([x, current]))
    names = target.names()
    changes = {names[j]: float(d) for j, d in enumerate((current - x).reshape(-1)) if abs(d) > 1e-6 * mad[j]}
    summary = {"index": index, "desired_class": goal_class, "desired_value": goal, "reached": bool(reached),
               "lambda": lam, "original_class": int(scores[0].argmax()), "adversarial_class": int(scores[1].argmax()),
               "original_score": float(scores[0, goal_class]), "counterfactual_score": float(scores[1, goal_class]),
               "distance": float(np.sum(np.abs(current - x).reshape(-1) / mad)),
               "changes": top_weights(changes, 20), "feature_names": None if target.is_image else names}
    return Explanation("counterfactual", summary, {"instance": x, "adversarial": current})
