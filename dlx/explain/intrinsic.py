"""Interpretable models explained by their own structure: linear weights and tree rules.

* ``weights``: a linear or logistic regression is its weights; w_j is the change of
  the output (the logit) per unit of feature j, and w_j * std_j per standard deviation,
  which makes features of different scales comparable.
* ``tree_rules``: a decision tree is its rules, one per leaf, as text and as a picture.

Example::

    result = linear_weights(target)            # target.model: LinearRegression or LogisticRegression
    result.summary["weights"]["petal length (cm)"]
"""
from __future__ import annotations

import numpy as np

from dlx.errors import DlxError
from dlx.explain.base import MODEL_KINDS, Explanation, explainer, top_weights
from dlx.explain.pictures import bar_chart
from dlx.explain.target import ExplainTarget
from dlx.nn import InputScaler
from dlx.models.interpretable import DecisionTree, LogisticRegression
from dlx.models.linear import LinearRegression
from dlx.runs.files import atomic_write_text
from dlx.runs.plots import new_figure, save_png


def _model_of(target: ExplainTarget, kinds: tuple, method: str):
    model = target.model
    if not isinstance(model, kinds):
        names = ", ".join(k.__name__ for k in kinds)
        raise DlxError(f"'{method}' explains a {names} by its structure; this run's model is "
                       f"{type(model).__name__}: use lime, saliency or integrated_gradients instead")
    return model


def write_weights(result: Explanation, folder):
    s = result.summary
    return [bar_chart(per_class, folder / f"weights_{k}.png", f"weights per standard deviation, {name}")
            for k, (name, per_class) in enumerate(s["weights_per_std"].items())]


def raw_units(target: ExplainTarget, n_features: int) -> tuple[np.ndarray, np.ndarray]:
    """(shift, scale) of the affine scaler in front of the model, or (0, 1) when there is none."""
    if not isinstance(target.preprocess, InputScaler):
        return np.zeros(n_features), np.ones(n_features)
    buffers = target.preprocess._buffers
    shift, divisor = buffers.get("shift", np.zeros(1)), buffers.get("divisor", np.ones(1))
    return (np.broadcast_to(np.asarray(shift, np.float64).reshape(-1), (n_features,)),
            np.broadcast_to(np.asarray(divisor, np.float64).reshape(-1), (n_features,)))


@explainer("weights", "global, intrinsic", models=MODEL_KINDS, data=("tabular",), writer=write_weights)
def linear_weights(target: ExplainTarget, rng: np.random.Generator | None = None) -> Explanation:
    """Linear and logistic regression: the weight of every feature (per unit and per standard deviation)."""
    model = _model_of(target, (LinearRegression, LogisticRegression), "weights")
    weight, bias = model.layer.weight.data.astype(np.float64), model.layer.b.data.astype(np.float64)
    shift, scale = raw_units(target, weight.shape[0])
    weight, bias = weight / scale[:, None], bias - (shift / scale) @ weight   # y = ((x - s) / c) W + b in raw x
    spread = target.train_X.reshape(len(target.train_X), -1).std(axis=0)
    names = target.names()
    columns = {target.class_name(k if weight.shape[1] > 1 or target.kind != "binary" else 1): k
               for k in range(weight.shape[1])}
    summary = {"weights": {c: dict(zip(names, weight[:, k].tolist())) for c, k in columns.items()},
               "weights_per_std": {c: top_weights(dict(zip(names, (weight[:, k] * spread).tolist())))
                                   for c, k in columns.items()},
               "intercept": bias.tolist(), "units": "raw inputs"}
    return Explanation("weights", summary, {"weight": weight, "bias": bias})


def node_texts(model: DecisionTree, names, class_names, shift, scale) -> dict[int, str]:
    """Slot -> the text of its box: the split of an inner node (in raw units), the answer of a leaf."""
    feature = model._buffers["feature"]
    threshold = raw_thresholds(model, shift, scale)
    texts = {}
    for i in np.flatnonzero(feature != -2):
        texts[int(i)] = (f"{names[feature[i]]}\n<= {threshold[i]:.3g}" if feature[i] >= 0
                         else model._leaf_text(i, class_names).replace(" (", "\n("))
    return texts


def raw_thresholds(model: DecisionTree, shift, scale) -> np.ndarray:
    """The split thresholds in raw units: t * scale_j + shift_j for the scaled feature j."""
    feature, threshold = model._buffers["feature"], model._buffers["threshold"]
    used = np.maximum(feature, 0)
    return threshold * scale[used] + shift[used]


def draw_tree(texts: dict[int, str], path):
    """Boxes for the nodes joined by lines, the root on top (slot i has children 2i+1, 2i+2)."""
    depth = max(int(np.log2(i + 1)) for i in texts)
    figure = new_figure(max(6.0, 2.2 * 2 ** min(depth, 4)), 1.6 * (depth + 1))
    axes = figure.add_subplot()
    axes.set_axis_off()
    place = {}
    for i in texts:
        level = int(np.log2(i + 1))
        place[i] = ((i - (2 ** level - 1) + 0.5) / 2 ** level, 1.0 - (level + 0.5) / (depth + 1))
    for i, text in texts.items():
        leaf = 2 * i + 1 not in texts
        for child in () if leaf else (2 * i + 1, 2 * i + 2):
            axes.plot(*zip(place[i], place[child]), color="grey", linewidth=0.8, zorder=1)
        axes.text(*place[i], text, ha="center", va="center", fontsize=7, zorder=2,
                  bbox={"boxstyle": "round", "facecolor": "#f1faee" if leaf else "#a8dadc"})
    axes.set_xlim(0, 1)
    axes.set_ylim(0, 1)
    return save_png(figure, path)


def write_tree(result: Explanation, folder):
    atomic_write_text(folder / "rules.txt", "\n".join(result.summary["rules"]) + "\n")
    texts = {int(k): v for k, v in result.summary["nodes"].items()}
    return [draw_tree(texts, folder / "tree.png")]


@explainer("tree_rules", "global, intrinsic", models=MODEL_KINDS, data=("tabular",), writer=write_tree)
def tree_rules(target: ExplainTarget, rng: np.random.Generator | None = None) -> Explanation:
    """Decision tree: its rules, one line per leaf, and a picture of the tree."""
    model = _model_of(target, (DecisionTree,), "tree_rules")
    width = model._buffers["value"].shape[1]
    class_names = None if model.regression else [target.class_name(k) for k in range(width)]
    names = target.names()
    shift, scale = raw_units(target, target.n_features)
    summary = {"rules": model.rules(names, class_names, raw_thresholds(model, shift, scale)),
               "depth": model.max_depth, "leaves": int((model._buffers["feature"] == -1).sum()),
               "nodes": node_texts(model, names, class_names, shift, scale)}
    return Explanation("tree_rules", summary, {})
