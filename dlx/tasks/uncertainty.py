"""The predictive mean and spread of a model with random layers (``bayes_dense``, ``mc_dropout``).

Each of ``samples`` passes draws new weights (Bayes by backprop) or new dropout masks (MC
dropout); the mean of the passes is the prediction and their standard deviation its spread.
For a regression on one input feature, ``spread_report`` measures the spread inside the
training range and at the ends of a wider range, and ``plot_predictive`` draws the training
points, the predictive mean and a band of +-2 standard deviations.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from dlx.nn.bayesian import is_stochastic, predictive_sampling
from dlx.tasks.base import predict_outputs

GRID_POINTS = 200
SPREAD_METRICS = ("spread_inside", "spread_at_ends", "spread_ratio")


def predictive(model, X: np.ndarray, samples: int, lengths: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(mean, std) over ``samples`` random passes of ``model`` on ``X``, each of the outputs' shape."""
    with predictive_sampling(model):
        passes = np.stack([predict_outputs(model, X, lengths=lengths) for _ in range(samples)]).astype(np.float64)
    return passes.mean(axis=0), passes.std(axis=0)


def affine_inverse(scaler, scaled: np.ndarray) -> np.ndarray:
    """Raw values of one scaled feature, for a scaler that is affine per feature (none, standardize, minmax)."""
    zero, one = scaler.transform(np.array([[0.0], [1.0]], dtype=np.float32)).astype(np.float64)[:, 0]
    return (np.asarray(scaled, dtype=np.float64) - zero) / (one - zero)


def applies(model, train) -> bool:
    """Whether a spread report fits: a model with random layers, a regression on one input feature."""
    return is_stochastic(model) and train.task == "regression" and tuple(train.input_shape) == (1,) and len(train) > 1


def spread_report(model, train, scaler, samples: int, spread_range=None) -> tuple[dict, dict]:
    """(metrics, curve) for a 1-D regression: ``spread_inside``, the mean predictive std on a grid over the
    training inputs' range; ``spread_at_ends``, the mean std at the two ends of ``spread_range`` (raw x;
    default: the training range widened by its width on each side); ``spread_ratio``, the second over the first.
    ``curve`` holds the grid, mean and std over ``spread_range`` and the raw training points, for the plot."""
    x_raw = affine_inverse(scaler, train.X[:, 0])
    low, high = float(x_raw.min()), float(x_raw.max())
    width = high - low
    start, stop = (low - width, high + width) if spread_range is None else (float(v) for v in spread_range)

    def spread(xs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        inputs = scaler.transform(xs.reshape(-1, 1).astype(np.float32))
        return predictive(model, inputs, samples)

    _, inside = spread(np.linspace(low, high, GRID_POINTS // 4))
    _, ends = spread(np.array([start, stop]))
    grid = np.linspace(start, stop, GRID_POINTS)
    mean, std = spread(grid)
    metrics = {"spread_inside": float(inside.mean()), "spread_at_ends": float(ends.mean())}
    metrics["spread_ratio"] = metrics["spread_at_ends"] / max(metrics["spread_inside"], 1e-12)
    curve = {"x": grid, "mean": mean[:, 0], "std": std[:, 0], "train_x": x_raw, "train_y": train.y[:, 0],
             "samples": samples}
    return metrics, curve


def plot_predictive(curve: dict, path: Path) -> Path:
    """``predictive.png``: training points, predictive mean and the +-2 std band."""
    from dlx.runs.plots import new_figure, save_png
    figure = new_figure(6.4, 4.0)
    axes = figure.add_subplot(1, 1, 1)
    x, mean, std = curve["x"], curve["mean"], curve["std"]
    axes.fill_between(x, mean - 2 * std, mean + 2 * std, color="tab:blue", alpha=0.25, label="mean +- 2 std")
    axes.plot(x, mean, color="tab:blue", label="predictive mean")
    axes.scatter(curve["train_x"], curve["train_y"], s=8, color="black", label="training points", zorder=3)
    axes.set_xlabel("x")
    axes.set_ylabel("y")
    axes.set_title(f"predictive mean and spread over {curve['samples']} passes")
    axes.legend(loc="best", fontsize="small")
    return save_png(figure, path)
