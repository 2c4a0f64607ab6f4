"""Global feature effects for tabular models: partial dependence, ICE and accumulated local effects.

* ICE (Goldstein et al. 2015): for each background row, the model's score as feature j
  runs over a grid and the other features stay as they are.
* Partial dependence (Friedman 2001): the mean of the ICE curves,
  PD_j(z) = (1/n) sum_i f(z, x_i,-j). For f = x . w + b it is a line of slope w_j.
* ALE (Apley & Zhu 2020): with quantile edges z_0 < ... < z_K of feature j, the local
  effect of bin k is the mean of f(z_k, x_-j) - f(z_(k-1), x_-j) over the rows whose
  x_j falls in the bin; the effects are summed up to each edge and centred (their
  count-weighted mean is zero). For an additive f = sum_j g_j(x_j) the differences are
  exactly g_j(z_k) - g_j(z_(k-1)), so ALE recovers g_j up to a constant.

Example::

    result = partial_dependence(target, features=["mean radius"], rng=np.random.default_rng(0))
    result.arrays["pd_0"], result.arrays["ice_0"]
"""
from __future__ import annotations

import numpy as np

from dlx.errors import DlxError
from dlx.explain.base import MODEL_KINDS, Explanation, explainer
from dlx.explain.pictures import line_plot
from dlx.explain.target import ExplainTarget

MAX_FEATURES = 30


def feature_indices(target: ExplainTarget, features) -> list[int]:
    """Indices of the named (or numbered) features; all of them (up to 30) when None."""
    names = target.names()
    if features is None:
        return list(range(min(len(names), MAX_FEATURES)))
    indices = []
    for feature in ([features] if isinstance(features, (str, int)) else features):
        if isinstance(feature, (int, np.integer)) and 0 <= feature < len(names):
            indices.append(int(feature))
        elif feature in names:
            indices.append(names.index(feature))
        else:
            raise DlxError(f"feature '{feature}' does not exist; choose one of: {', '.join(names)}")
    return indices


def default_effect_class(target: ExplainTarget, class_index) -> int:
    """The class whose score is shown: given, else class 1 for binary models, else 0."""
    if class_index is not None:
        return target.check_class(class_index)
    return 1 if target.kind == "binary" else 0


def ice_curves(target, background: np.ndarray, feature: int, grid: np.ndarray, class_index: int) -> np.ndarray:
    """(n rows, grid points) the class score with feature j set to each grid value."""
    batch = np.repeat(background[:, None, :], len(grid), axis=1)             # (n, G, d)
    batch[:, :, feature] = grid[None, :]
    scores = target.score_array(batch.reshape(-1, background.shape[1]))[:, class_index]
    return scores.reshape(len(background), len(grid))


def ale_curve(target, data: np.ndarray, feature: int, class_index: int, bins: int = 20):
    """(edges (K+1,), centred ALE at the edges (K+1,)) of one feature."""
    values = data[:, feature]
    edges = np.unique(np.quantile(values, np.linspace(0, 1, bins + 1)))
    if len(edges) < 2:
        return edges, np.zeros_like(edges)
    which = np.clip(np.searchsorted(edges, values, side="left"), 1, len(edges) - 1)   # bin k: (z_k-1, z_k]
    low, high = data.copy(), data.copy()
    low[:, feature], high[:, feature] = edges[which - 1], edges[which]
    scores = target.score_array(np.concatenate([low, high]))[:, class_index]
    differences = scores[len(data):] - scores[:len(data)]
    counts = np.bincount(which, minlength=len(edges))[1:]
    effects = np.bincount(which, weights=differences, minlength=len(edges))[1:] / np.maximum(counts, 1)
    accumulated = np.concatenate([[0.0], np.cumsum(effects)])
    centre = (counts * (accumulated[:-1] + accumulated[1:]) / 2).sum() / counts.sum()
    return edges, accumulated - centre


@explainer("pdp", "global, model-agnostic", models=MODEL_KINDS, data=("tabular",), writer=None)
def partial_dependence(target: ExplainTarget, features=None, class_index: int | None = None, grid_points: int = 20,
                       background: int = 100, rng: np.random.Generator | None = None) -> Explanation:
    """Partial dependence and ICE curves: the score as one feature varies, the others kept per row."""
    rng = rng if rng is not None else np.random.default_rng(0)
    class_index = default_effect_class(target, class_index)
    rows = target.train_X[rng.choice(len(target.train_X), min(background, len(target.train_X)), replace=False)]
    summary, arrays = {"class": class_index, "class_name": target.class_name(class_index), "features": {}}, {}
    for j in feature_indices(target, features):
        grid = np.linspace(*np.percentile(target.train_X[:, j], [5, 95]), grid_points)
        ice = ice_curves(target, rows.astype(np.float64), j, grid, class_index)
        arrays.update({f"grid_{j}": grid, f"ice_{j}": ice, f"pd_{j}": ice.mean(axis=0)})
        summary["features"][target.names()[j]] = {"index": j, "grid": grid, "partial_dependence": ice.mean(axis=0)}
    return Explanation("pdp", summary, arrays)


@explainer("ale", "global, model-agnostic", models=MODEL_KINDS, data=("tabular",), writer=None)
def accumulated_local_effects(target: ExplainTarget, features=None, class_index: int | None = None,
                              bins: int = 20, rng: np.random.Generator | None = None) -> Explanation:
    """Accumulated local effects: feature effects that stay honest when features are correlated."""
    class_index = default_effect_class(target, class_index)
    summary, arrays = {"class": class_index, "class_name": target.class_name(class_index), "features": {}}, {}
    for j in feature_indices(target, features):
        edges, ale = ale_curve(target, target.train_X.astype(np.float64), j, class_index, bins)
        arrays.update({f"edges_{j}": edges, f"ale_{j}": ale})
        summary["features"][target.names()[j]] = {"index": j, "edges": edges, "ale": ale}
    return Explanation("ale", summary, arrays)


def write_effects(result: Explanation, folder):
    """One PNG per feature: PD with its ICE curves, or the ALE curve."""
    paths = []
    for name, entry in result.summary["features"].items():
        j = entry["index"]
        safe = f"{result.method}_{j}.png"
        if result.method == "pdp":
            grid = result.arrays[f"grid_{j}"]
            thin = [(grid, curve) for curve in result.arrays[f"ice_{j}"]]
            series = {"partial dependence": (grid, result.arrays[f"pd_{j}"])}
            paths.append(line_plot(series, folder / safe, f"PD and ICE: {name}", name, "score", thin))
        else:
            series = {"ALE": (result.arrays[f"edges_{j}"], result.arrays[f"ale_{j}"])}
            paths.append(line_plot(series, folder / safe, f"ALE: {name}", name, "centred effect on the score"))
    return paths


partial_dependence.writer = accumulated_local_effects.writer = write_effects
