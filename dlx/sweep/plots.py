"""A sweep's pictures: curves of all trials by group, the metric against the learning rate, one bar per
optimiser, and optimiser paths on a contour plot. Each returns the file it wrote, or None if it does not apply.

Example::

    plot_loss_curves(records, sweep_dir / "plots" / "loss_curves.png")
    plot_metric_vs_lr(records, "val_loss", sweep_dir / "plots" / "metric_vs_lr.png")
"""
from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from dlx.runs.plots import new_figure, save_png
from dlx.sweep.groups import mean_and_std, metric_value

MAX_LEGEND = 16
FINISHED = ("finished", "early_stopped")  # trials whose last value is the end of their training


def _colours(labels: list[str]) -> dict[str, tuple]:
    from matplotlib import colormaps
    cmap = colormaps["tab10" if len(labels) <= 10 else "tab20"]
    return {label: cmap(i % cmap.N) for i, label in enumerate(labels)}


def _curve_key(records: list[dict]) -> str:
    has_val = any(isinstance(row.get("val_loss"), float) for r in records for row in r.get("history") or [])
    return "val_loss" if has_val else "train_loss"


def plot_loss_curves(records: list[dict], path: Path) -> Path | None:
    """Every trial's loss by epoch, coloured by group; pruned trials dashed, ends of stopped trials marked."""
    if not any(r.get("history") for r in records):
        return None
    key = _curve_key(records)
    labels = list(dict.fromkeys(r["group"] for r in records))
    colours = _colours(labels)
    figure = new_figure(7.5, 4.5)
    axes = figure.add_subplot()
    shown = set()
    for record in records:
        history = record.get("history") or []
        points = [(row["epoch"], row[key]) for row in history
                  if isinstance(row.get(key), (int, float)) and math.isfinite(row[key])]
        if record["status"] == "diverged" and not points:  # no finite value at all: marked at the top
            label = f"{record['group']} (diverged)" if record["group"] not in shown else None
            shown.add(record["group"])
            axes.plot(history[-1].get("epoch", 1) if history else 1, 0.97, "v", color="red", markersize=8,
                      transform=axes.get_xaxis_transform(), label=label)
        if not points:
            continue
        xs, ys = zip(*points)
        label = record["group"] if record["group"] not in shown and len(shown) < MAX_LEGEND else None
        shown.add(record["group"])
        style = "--" if record["status"] == "pruned" else "-"
        axes.plot(xs, ys, style, color=colours[record["group"]], alpha=0.8, linewidth=1.2, label=label)
        if record["status"] in ("pruned", "diverged"):
            marker, colour = ("x", colours[record["group"]]) if record["status"] == "pruned" else ("v", "red")
            axes.plot(xs[-1], ys[-1], marker, color=colour, markersize=8)
    values = [row[key] for r in records for row in r.get("history") or [] if isinstance(row.get(key), float)
              and math.isfinite(row[key]) and row[key] > 0]
    if values and max(values) / min(values) > 100:
        axes.set_yscale("log")
    objective = any("x" in (r.get("history") or [{}])[0] for r in records if r.get("history"))
    axes.set_xlabel("step" if objective else "epoch")
    axes.set_ylabel(key)
    statuses = {r["status"] for r in records}
    keys = [text for status, text in (("pruned", "dashed, x: pruned"), ("diverged", "red v: diverged"))
            if status in statuses]
    axes.set_title(f"{key} of every trial" + (f" ({'; '.join(keys)})" if keys else ""))
    if axes.get_legend_handles_labels()[0]:       # trials without a history (an agent's summary) draw no line
        axes.legend(fontsize=7, loc="best")
    return save_png(figure, path)


def _lr_path(records: list[dict]) -> str | None:
    paths = list(records[0]["params"]) if records else []
    return next((p for p in paths if p.split(".")[-1] == "lr"), None)


def plot_metric_vs_lr(records: list[dict], metric: str, path: Path) -> Path | None:
    """The final metric against the learning rate (log axis), one line per other setting.

    Lines join only trials that trained to the end (finished or early-stopped): a pruned trial's
    value is from an earlier epoch, so it is drawn alone (grey o, not joined); diverged: red x at the
    top. A legend entry appears only for what is drawn."""
    lr_path = _lr_path(records)
    if lr_path is None:
        return None
    others = [p for p in records[0]["params"] if p != lr_path]
    series: dict[str, dict[float, list]] = {}
    for r in records:
        name = " ".join(f"{p.split('.')[-1]}={r['params'][p]}" for p in others) or metric
        series.setdefault(name, {}).setdefault(float(r["params"][lr_path]), []).append(r)
    figure = new_figure(7.0, 4.5)
    axes = figure.add_subplot()
    finite = [metric_value(r, metric) for r in records if r["status"] != "diverged"]
    finite = [v for v in finite if math.isfinite(v)]
    top = max(finite) if finite else 1.0
    for name, by_lr in series.items():
        lrs = [lr for lr in sorted(by_lr) if any(r["status"] in FINISHED for r in by_lr[lr])]
        stats = [mean_and_std([metric_value(r, metric) for r in by_lr[lr] if r["status"] in FINISHED]) for lr in lrs]
        axes.errorbar(lrs, [m for m, _ in stats], yerr=[0 if math.isnan(s) else s for _, s in stats],
                      marker="o", capsize=3, label=name)
    _mark_unfinished(axes, records, lr_path, metric, top)
    axes.set_xscale("log")
    axes.set_xlabel(lr_path)
    axes.set_ylabel(f"{metric} (last epoch; mean ± std over seeds)")
    axes.set_title(f"{metric} against the learning rate")
    axes.legend(fontsize=7)
    return save_png(figure, path)


def _mark_unfinished(axes, records: list[dict], lr_path: str, metric: str, top: float) -> None:
    """Pruned trials as lone grey circles at their last value; diverged ones as red x at ``top``."""
    pruned = [(float(r["params"][lr_path]), metric_value(r, metric)) for r in records if r["status"] == "pruned"]
    pruned = [(lr, v) for lr, v in pruned if math.isfinite(v)]
    if pruned:
        axes.plot(*zip(*pruned), "o", color="grey", fillstyle="none", linestyle="none",
                  label="pruned (value at its last epoch)")
    diverged = sorted({float(r["params"][lr_path]) for r in records if r["status"] == "diverged"})
    if diverged:
        axes.plot(diverged, [top] * len(diverged), "x", color="red", markersize=10, linestyle="none",
                  label="diverged")


def plot_optimiser_bars(table: list[dict], metric: str, goal: str, path: Path) -> Path | None:
    """One bar per optimiser: its best group's mean metric, error bar one std over seeds."""
    if not table or "optimiser.name" not in table[0]:
        return None
    best: dict[str, dict] = {}
    for row in table:  # the table is sorted best first
        if not math.isnan(row[f"{metric}_mean"]):
            best.setdefault(str(row["optimiser.name"]), row)
    if not best:
        return None
    names = list(best)
    means = [best[n][f"{metric}_mean"] for n in names]
    stds = [np.nan_to_num(best[n][f"{metric}_std"]) for n in names]
    figure = new_figure(max(4.0, 0.9 * len(names) + 2), 4.0)
    axes = figure.add_subplot()
    axes.bar(names, means, yerr=stds, capsize=4, color=list(_colours(names).values()))
    axes.set_ylabel(f"{metric} ({goal} wins; ± std over seeds)")
    axes.set_title(f"best {metric} per optimiser")
    return save_png(figure, path)


def plot_trajectories(records: list[dict], objective: dict, metric: str, path: Path) -> Path | None:
    """Each optimiser's path at its best setting, drawn on the contour plot of the objective."""
    from dlx.sweep.objective import FunctionSpec, value_and_gradient
    spec = FunctionSpec.model_validate(objective)
    best: dict[str, dict] = {}
    for r in sorted(records, key=lambda r: np.nan_to_num(metric_value(r, metric), nan=np.inf)):
        name = str(r["params"].get("optimiser.name", r["group"]))
        if r.get("history") and r["status"] != "diverged":
            best.setdefault(name, r)
    if not best:
        return None
    (x0, y0) = spec.start
    xs = np.linspace(-abs(x0) * 1.2 - 0.5, abs(x0) * 1.2 + 0.5, 200)
    ys = np.linspace(-abs(y0) * 1.5 - 0.5, abs(y0) * 1.5 + 0.5, 200)
    grid = np.array([[value_and_gradient(spec, np.array([x, y]))[0] for x in xs] for y in ys])
    figure = new_figure(8.0, 5.0)
    axes = figure.add_subplot()
    axes.contour(xs, ys, np.log10(grid + 1e-6), levels=20, cmap="Greys", linewidths=0.6)
    colours = _colours(list(best))
    for name, r in best.items():
        path_x = [x0] + [row["x"] for row in r["history"]]
        path_y = [y0] + [row["y"] for row in r["history"]]
        value = metric_value(r, metric)
        axes.plot(path_x, path_y, ".-", color=colours[name], markersize=2, linewidth=1,
                  label=f"{r['group']} ({metric} {value:.4g})")
    axes.plot([x0], [y0], "ko")
    axes.set_xlim(xs[0], xs[-1])
    axes.set_ylim(ys[0], ys[-1])
    axes.set_title(f"{spec.name}: each optimiser at its best setting")
    axes.legend(fontsize=7, loc="lower right")
    return save_png(figure, path)
