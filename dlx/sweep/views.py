"""Sweep views: parallel coordinates of the trials, and the importance of each parameter.

Importance is fANOVA's (Hutter, Hoos and Leyton-Brown, "An Efficient Approach for Assessing
Hyperparameter Importance", ICML 2014): each parameter's importance is the variance of its
*marginal* (the metric averaged over every combination of the other parameters) as a fraction of
the variance of the metric over the whole grid. On a full grid the cells' means over the seeds
are that function; where cells are missing (random search, a failed cell) a random forest fitted
to the trials predicts it, as fANOVA does. The main effects add up to at most 1; the rest
is what the parameters do only together (interactions). Why this over the alternatives: a sweep
is a grid (or random draws) over a few parameters with several seeds, so marginals over the
grid are well defined and cheap; the fractions have one meaning (share of the variance) that a
reader can check, unlike permutation importance, whose scale is the model's error; and the forest
averages the seeds' noise instead of explaining it. Categorical values (optimiser names) are
coded, numbers spanning two decades or more are taken in log10, as a learning rate is swept.

Example::

    importances = parameter_importance(records)          # {'optimiser.lr': 0.81, 'optimiser.name': 0.12}
    main_effects(lambda X: 3 * X[:, 0] + X[:, 1], [[0, 1, 2], [0, 1, 2]])   # [0.9, 0.1] exactly
"""
from __future__ import annotations

import itertools
import math
from pathlib import Path

import numpy as np

from dlx.runs.plots import new_figure, save_png

MAX_GRID = 4096
MIN_TRIALS = 4


def trial_matrix(records: list[dict]) -> tuple[list[str], list[list], np.ndarray, np.ndarray]:
    """(parameter names, each one's values in order, X coded (trials, parameters), y) of the trials
    with a finite metric; a parameter with one value is left out."""
    kept = [r for r in records if isinstance(r.get("metric"), (int, float)) and math.isfinite(r["metric"])
            and isinstance(r.get("params"), dict)]
    names = [n for n in dict.fromkeys(k for r in kept for k in r["params"])
             if len({repr(r["params"].get(n)) for r in kept}) > 1]
    values, columns = [], []
    for name in names:
        raw = [r["params"].get(name) for r in kept]
        distinct = sorted(set(map(repr, raw)))
        numeric = all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in raw)
        if numeric:
            numbers = np.array(raw, dtype=float)
            log = bool(numbers.min() > 0 and numbers.max() / numbers.min() >= 100)
            columns.append(np.log10(numbers) if log else numbers)
            values.append(sorted(set(columns[-1].tolist())))
        else:
            columns.append(np.array([distinct.index(repr(v)) for v in raw], dtype=float))
            values.append(list(range(len(distinct))))
    X = np.stack(columns, axis=1) if columns else np.zeros((len(kept), 0))
    return names, values, X, np.array([r["metric"] for r in kept], dtype=float)


def main_effects(predict, values: list[list], max_grid: int = MAX_GRID, seed: int = 0) -> list[float]:
    """Each parameter's share of the variance of ``predict`` over the grid of ``values`` (fANOVA main effects).

    Args:
        predict: (n, d) array -> (n,) predictions.
        values: the values of each of the d parameters (the grid is their product; above
            ``max_grid`` points, that many rows drawn from it).
    """
    sizes = [len(v) for v in values]
    total_points = math.prod(sizes)
    if total_points <= max_grid:
        codes = np.array(list(itertools.product(*[range(s) for s in sizes])))
    else:
        rng = np.random.default_rng(seed)
        codes = np.stack([rng.integers(0, s, max_grid) for s in sizes], axis=1)
    grid = np.stack([np.asarray(v, dtype=float)[codes[:, j]] for j, v in enumerate(values)], axis=1)
    prediction = np.asarray(predict(grid), dtype=float)
    total = prediction.var()
    if total <= 0:
        return [0.0] * len(values)
    shares = []
    for j, size in enumerate(sizes):
        marginal = np.array([prediction[codes[:, j] == k].mean() for k in range(size) if (codes[:, j] == k).any()])
        shares.append(float(marginal.var() / total))
    return shares


def parameter_importance(records: list[dict], seed: int = 0) -> dict[str, float]:
    """fANOVA main effects of the trials' metric; {} with fewer than 4 usable trials.

    A full grid (every combination tried) needs no model: the mean over the seeds of each cell is
    the function on the grid. Otherwise (random draws, failed cells) a random forest fitted to the
    trials predicts the grid."""
    names, values, X, y = trial_matrix(records)
    if len(y) < MIN_TRIALS or not names or np.ptp(y) == 0:
        return {}
    cells: dict[tuple, list[float]] = {}
    for row, value in zip(map(tuple, X.tolist()), y):
        cells.setdefault(row, []).append(float(value))
    if len(cells) == math.prod(len(v) for v in values) <= MAX_GRID:
        means = {cell: float(np.mean(seen)) for cell, seen in cells.items()}
        return dict(zip(names, main_effects(lambda grid: [means[tuple(row)] for row in grid.tolist()], values)))
    from sklearn.ensemble import RandomForestRegressor
    forest = RandomForestRegressor(n_estimators=50, random_state=seed).fit(X, y)
    return dict(zip(names, main_effects(forest.predict, values, seed=seed)))


def plot_importance(importances: dict[str, float], path: Path) -> Path | None:
    """Horizontal bars: each parameter's main effect, and what the interactions leave."""
    if not importances:
        return None
    names = list(importances)
    shares = [importances[n] for n in names]
    names.append("interactions")
    shares.append(max(0.0, 1 - sum(shares)))
    figure = new_figure(6, 0.5 * len(names) + 1.4)
    axes = figure.add_subplot()
    axes.barh(names[::-1], shares[::-1], color=["#999"] + ["#3b75af"] * (len(names) - 1))
    axes.set_xlim(0, 1)
    axes.set_xlabel("share of the metric's variance over the grid (fANOVA main effect)")
    axes.set_title("parameter importance")
    return save_png(figure, path)


def plot_parallel_coordinates(records: list[dict], metric: str, path: Path) -> Path | None:
    """One line per trial across an axis per parameter (scaled to [0, 1]) and the metric, coloured by it."""
    names, values, X, y = trial_matrix(records)
    if len(y) < 2 or not names:
        return None
    from matplotlib import colormaps
    columns = np.column_stack([X, y])
    low, high = columns.min(axis=0), columns.max(axis=0)
    scaled = (columns - low) / np.where(high > low, high - low, 1.0)
    figure = new_figure(1.8 * (len(names) + 1) + 1.5, 4.2)
    axes = figure.add_subplot()
    colour = colormaps["viridis"]
    for row, value in zip(scaled, scaled[:, -1]):
        axes.plot(range(len(row)), row, color=colour(value), alpha=0.7, linewidth=1.2)
    labels = [f"log10 {n}" if _is_log(records, n) else n for n in names] + [metric]
    axes.set_xticks(range(len(labels)), labels, rotation=10)
    for i in range(len(labels)):
        axes.axvline(i, color="#444", linewidth=0.8)
        categories = _categories(records, names[i]) if i < len(names) else None
        if categories:  # a name per coded value, at its height
            for code, text in enumerate(categories):
                axes.annotate(text, (i, code / max(1, len(categories) - 1)), xytext=(4, 0),
                              textcoords="offset points", fontsize=8, va="center")
            continue
        axes.annotate(f"{high[i]:.3g}", (i, 1.02), ha="center", fontsize=7, annotation_clip=False)
        axes.annotate(f"{low[i]:.3g}", (i, -0.07), ha="center", fontsize=7, annotation_clip=False)
    axes.set_yticks([])
    axes.set_title(f"parallel coordinates ({len(y)} trials; colour: {metric})")
    return save_png(figure, path)


def _categories(records: list[dict], name: str) -> list[str] | None:
    """The values of a parameter that is not numeric, in the order ``trial_matrix`` codes them; else None."""
    raw = [r["params"].get(name) for r in records if isinstance(r.get("params"), dict)
           and isinstance(r.get("metric"), (int, float)) and math.isfinite(r["metric"])]  # trial_matrix's trials
    if all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in raw):
        return None
    return [_unquoted(text) for text in sorted(set(map(repr, raw)))]


def _unquoted(text: str) -> str:
    """A repr of a str shown without its quotes."""
    return text[1:-1] if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"" else text


def _is_log(records: list[dict], name: str) -> bool:
    raw = [r["params"].get(name) for r in records if isinstance(r.get("params"), dict)]
    numbers = [v for v in raw if isinstance(v, (int, float)) and not isinstance(v, bool)]
    return bool(numbers) and len(numbers) == len(raw) and min(numbers) > 0 and max(numbers) / min(numbers) >= 100


def draw_views(records: list[dict], metric: str, folder: Path) -> list[Path]:
    """parallel_coordinates.png and importance.png in ``folder`` (those that apply), when the sweep varies
    two parameters or more: of one, the metric against it is the sweep's other plot, and its importance is 1."""
    if len(trial_matrix(records)[0]) < 2:
        return []
    drawn = [plot_parallel_coordinates(records, metric, folder / "parallel_coordinates.png"),
             plot_importance(parameter_importance(records), folder / "importance.png")]
    return [p for p in drawn if p is not None]
