"""Permutation feature importance (Breiman 2001; Fisher et al. 2019): what the model's score loses
when one feature's column is shuffled, breaking its link to the target.

For each feature j and each of ``repeats`` shuffles, the rows' values of j are permuted and
the score is measured again: importance_j = score(X, y) − score(X with j shuffled, y),
reported as the mean and standard deviation over the shuffles. The score is accuracy for
classifiers and R² for regression (scikit-learn's ``permutation_importance`` with the
estimator's default ``score``). The data are the run's explained split with its labels when
the target carries them (``target.extra["split_X"/"split_y"]``, as ``dlx explain`` does), else the
training data: held-out data say what the model relies on to generalise::

    result = permutation_importance(target, repeats=10, rng=np.random.default_rng(0))
    result.summary["weights"]       # {feature: mean drop of the score}, largest first
"""
from __future__ import annotations

import numpy as np

from dlx.errors import ConfigError, DlxError
from dlx.explain.base import MODEL_KINDS, Explanation, explainer, top_weights
from dlx.explain.pictures import bar_chart
from dlx.explain.target import ExplainTarget


def model_score(target: ExplainTarget, X: np.ndarray, y: np.ndarray) -> float:
    """Accuracy (classification) or R² (regression, averaged over outputs) of the model on (X, y)."""
    predicted = target.predict(X)
    if target.kind != "regression":
        return float(np.mean(predicted == np.asarray(y).reshape(-1)))
    y = np.asarray(y, np.float64).reshape(predicted.shape)
    residual = ((y - predicted) ** 2).sum(axis=0)
    total = ((y - y.mean(axis=0)) ** 2).sum(axis=0)
    return float(np.mean(1.0 - residual / np.where(total > 0, total, 1.0)))


def evaluation_data(target: ExplainTarget) -> tuple[np.ndarray, np.ndarray, str]:
    if "split_X" in target.extra and target.extra.get("split_y") is not None:
        return target.extra["split_X"], target.extra["split_y"], target.extra.get("split", "split")
    if target.train_y is None:
        raise DlxError("permutation importance needs the labels of the data; this target has none")
    return target.train_X, target.train_y, "train"


@explainer("permutation_importance", "global, model-agnostic", models=MODEL_KINDS, data=("tabular",),
           writer=lambda result, folder: write_permutation(result, folder))
def permutation_importance(target: ExplainTarget, repeats: int = 5, rng: np.random.Generator | None = None
                           ) -> Explanation:
    """Permutation importance: the drop of accuracy (R² for regression) when a feature's column is shuffled."""
    if isinstance(repeats, bool) or not isinstance(repeats, int) or not 1 <= repeats <= 1000:
        raise ConfigError(f"permutation_importance: repeats must be a whole number from 1 to 1000 (shuffles per "
                          f"feature), got {repeats!r}; e.g. -o repeats=10")
    rng = rng if rng is not None else np.random.default_rng(0)
    X, y, split = evaluation_data(target)
    X = np.asarray(X, np.float64)
    flat = X.reshape(len(X), -1)
    baseline = model_score(target, X, y)
    drops = np.zeros((flat.shape[1], repeats))
    for j in range(flat.shape[1]):
        for r in range(repeats):
            shuffled = flat.copy()
            shuffled[:, j] = flat[rng.permutation(len(flat)), j]
            drops[j, r] = baseline - model_score(target, shuffled.reshape(X.shape), y)
    names = target.names()
    summary = {"data": split, "rows": int(len(X)), "repeats": repeats,
               "score": "r2" if target.kind == "regression" else "accuracy", "baseline_score": baseline,
               "weights": top_weights(dict(zip(names, map(float, drops.mean(axis=1))))),
               "std": {name: float(s) for name, s in zip(names, drops.std(axis=1))}}
    return Explanation("permutation_importance", summary, {"drops": drops})


def write_permutation(result: Explanation, folder):
    s = result.summary
    return [bar_chart(s["weights"], folder / "importance.png",
                      f"permutation importance on the {s['data']} data ({s['repeats']} shuffles)",
                      meaning=f"mean drop of the {s['score']} when the feature is shuffled")]
