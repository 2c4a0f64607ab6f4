"""Example-based explanations: prototypes and criticisms, nearest neighbours, influential instances.

* MMD-critic (Kim, Khanna & Koyejo 2016): prototypes are chosen greedily to make the
  maximum mean discrepancy between the data and the prototypes small,
      MMD^2 = mean k(x, x') - 2 mean k(x, z) + mean k(z, z'),   k(a, b) = exp(-gamma ||a - b||^2);
  criticisms are the points where the witness function
      w(x) = mean_i k(x, x_i) - mean_j k(x, z_j)
  is largest in magnitude: what the prototypes do not represent.
* k nearest neighbours: the training examples closest to the instance (standardised
  features), with their labels and the model's predictions for them.
Influential instances are in ``dlx.explain.influence``.
"""
from __future__ import annotations

import numpy as np

from dlx.explain.base import MODEL_KINDS, Explanation, explainer
from dlx.explain.pictures import image_row, line_plot
from dlx.explain.target import ExplainTarget

MAX_ROWS = 1000


def rbf_kernel(A: np.ndarray, B: np.ndarray, gamma: float) -> np.ndarray:
    squared = (A * A).sum(1)[:, None] + (B * B).sum(1)[None, :] - 2 * A @ B.T
    return np.exp(-gamma * np.maximum(squared, 0.0))


def select_prototypes(K: np.ndarray, count: int) -> tuple[list[int], list[float]]:
    """Greedy prototypes minimising MMD^2 (K: the kernel matrix of the data); (indices, MMD^2 after each)."""
    chosen: list[int] = []
    column_means = K.mean(axis=0)                                     # mean_i k(x_i, candidate)
    history = []
    for _ in range(count):
        best, best_value = None, np.inf
        for c in range(len(K)):
            if c in chosen:
                continue
            trial = chosen + [c]
            value = K.mean() - 2 * column_means[trial].mean() + K[np.ix_(trial, trial)].mean()
            if value < best_value:
                best, best_value = c, value
        chosen.append(best)
        history.append(float(best_value))
    return chosen, history


def select_criticisms(K: np.ndarray, prototypes: list[int], count: int) -> list[int]:
    """The points with the largest |witness|, excluding the prototypes."""
    witness = np.abs(K.mean(axis=0) - K[:, prototypes].mean(axis=1))
    witness[prototypes] = -np.inf
    return [int(i) for i in np.argsort(-witness, kind="stable")[:count]]


def write_mmd(result: Explanation, folder):
    a = result.arrays
    paths = [line_plot({"MMD^2": (np.arange(1, len(a["mmd"]) + 1), a["mmd"])}, folder / "mmd.png",
                       "MMD^2 of the prototypes", "number of prototypes", "MMD^2")]
    if a["prototypes"].ndim == 4:
        for name in ("prototypes", "criticisms"):
            paths.append(image_row(list(a[name]), [f"#{i}" for i in result.summary[name]], folder / f"{name}.png",
                                   name))
    return paths


@explainer("mmd_critic", "global, example-based", models=MODEL_KINDS, data=("tabular", "image"), writer=write_mmd)
def mmd_critic(target: ExplainTarget, n_prototypes: int = 6, n_criticisms: int = 6, gamma: float | None = None,
               rng: np.random.Generator | None = None) -> Explanation:
    """MMD-critic: prototypes that represent the training data and criticisms they miss."""
    rng = rng if rng is not None else np.random.default_rng(0)
    rows = np.sort(rng.choice(len(target.train_X), min(MAX_ROWS, len(target.train_X)), replace=False))
    X = target.train_X[rows].reshape(len(rows), -1).astype(np.float64)
    Z = (X - X.mean(0)) / np.where(X.std(0) > 0, X.std(0), 1.0)
    gamma = gamma or 1.0 / Z.shape[1]
    K = rbf_kernel(Z, Z, gamma)
    prototypes, history = select_prototypes(K, n_prototypes)
    criticisms = select_criticisms(K, prototypes, n_criticisms)
    summary = {"prototypes": rows[prototypes].tolist(), "criticisms": rows[criticisms].tolist(), "gamma": gamma,
               "mmd2": history}
    arrays = {"prototypes": target.train_X[rows[prototypes]], "criticisms": target.train_X[rows[criticisms]],
              "mmd": np.array(history)}
    return Explanation("mmd_critic", summary, arrays)


def write_neighbours(result: Explanation, folder):
    a, s = result.arrays, result.summary
    if a["instance"].ndim != 3:
        return []
    titles = ["instance"] + [f"#{i}: {label}" for i, label in zip(s["neighbours"], s["neighbour_labels"])]
    return [image_row([a["instance"], *a["neighbours"]], titles, folder / "neighbours.png", "nearest neighbours")]


@explainer("knn", "local, example-based", models=MODEL_KINDS, data=("tabular", "image"), writer=write_neighbours)
def nearest_neighbours(target: ExplainTarget, x, k: int = 5, index: int = 0,
                       rng: np.random.Generator | None = None) -> Explanation:
    """k nearest training examples (standardised features) with their labels and predictions."""
    X = target.train_X.reshape(len(target.train_X), -1).astype(np.float64)
    spread = np.where(X.std(0) > 0, X.std(0), 1.0)
    distances = np.linalg.norm((X - np.asarray(x, np.float64).reshape(-1)) / spread, axis=1)
    nearest = np.argsort(distances, kind="stable")[:k]
    predictions = target.predict(target.train_X[nearest])
    own = target.predict(np.asarray(x, np.float64).reshape(1, *target.input_shape))
    labels = target.train_y[nearest].tolist() if target.train_y is not None else None
    summary = {"index": index, "neighbours": nearest.tolist(), "distances": distances[nearest].tolist(),
               "neighbour_labels": labels, "neighbour_predictions": predictions.tolist(), "prediction": own[0].tolist()}
    if target.kind != "regression":
        summary["agreement"] = float(np.mean(predictions == own[0]))
    return Explanation("knn", summary, {"instance": np.asarray(x, np.float64).reshape(target.input_shape),
                                        "neighbours": target.train_X[nearest]})
