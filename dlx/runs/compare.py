"""Runs side by side: their curves overlaid, a metrics table with the differences, the config diff;
sweeps side by side: each one's best group and the spread of its trials.

Runs and sweeps are read from their folders alone (summary.json, metrics.jsonl, config.yaml;
state.json, summary.csv, trials.jsonl, sweep.yaml)::

    runs = [load_compared(Path(p)) for p in folders]
    table = metric_rows(runs)        # [(metric, [value per run], [value - first run's, ...]), ...]
    diff = config_rows(runs)         # [(key, [value per run]), ...] only keys that differ
    write_compare_page(runs, Path("compare.html"))   # one self-contained page (images embedded)
"""
from __future__ import annotations

import base64
import html
import json
import math
from dataclasses import dataclass, field
from pathlib import Path

from dlx.errors import DlxError
from dlx.runs.catalog import first_csv_row, headline_metrics, read_config
from dlx.runs.files import atomic_write_text
from dlx.runs.listing import HEADLINE, cell, differing_config
from dlx.runs.metrics_log import MetricsLog
from dlx.runs.plots import _finite_points, new_figure, save_png

CURVE_KEYS = ("train_loss", "val_loss", "val_accuracy", "train_accuracy", "val_r2", "eval_mean_return")
MAX_PANELS = 3


@dataclass
class Compared:
    """One run or sweep folder, read for comparing: its label, metrics, flat config and history."""
    folder: Path
    label: str
    is_sweep: bool
    status: str
    metrics: dict
    config: dict
    history: list = field(default_factory=list)  # a run: metrics rows; a sweep: the trials' metric values


def load_compared(folder: Path) -> Compared:
    """A run or sweep folder read for ``dlx compare``; DlxError (one line) if it is neither."""
    folder = Path(folder)
    label = f"{folder.parent.name}/{folder.name[9:]}"  # name/HHMMSS-hex
    if (folder / "sweep.yaml").is_file():
        return _load_sweep(folder, label)
    summary_path = folder / "summary.json"
    try:
        summary = json.loads(summary_path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DlxError(f"'{folder}' is not a run folder (no summary.json); give folders from dlx runs") from None
    except ValueError as error:
        raise DlxError(f"'{summary_path}' is not valid JSON ({error}); restore it or leave the run out") from None
    if not isinstance(summary, dict):
        raise DlxError(f"'{summary_path}' does not hold a JSON object; restore it or leave the run out")
    return Compared(folder, label, False, str(summary.get("status", "")), headline_metrics(summary),
                    read_config(folder / "config.yaml"), MetricsLog.read(folder))


def _load_sweep(folder: Path, label: str) -> Compared:
    state_path = folder / "state.json"
    state = json.loads(state_path.read_text(encoding="utf-8")) if state_path.is_file() else {}
    best = first_csv_row(folder / "summary.csv")
    metrics = {key: value for key, value in best.items() if isinstance(value, float) and math.isfinite(value)
               and key.endswith(("_mean", "_std"))}
    metrics["trials"] = state.get("trials") if isinstance(state.get("trials"), int) else None
    values = []
    trials_path = folder / "trials.jsonl"
    if trials_path.is_file():
        for line in trials_path.read_text(encoding="utf-8").splitlines():
            try:
                value = json.loads(line).get("metric")
            except (ValueError, AttributeError):
                continue
            if isinstance(value, (int, float)) and math.isfinite(value):
                values.append(float(value))
    config = read_config(folder / "sweep.yaml")
    config["best_group"] = best.get("group", "")
    return Compared(folder, label, True, str(state.get("status", "")), metrics, config, values)


def metric_rows(runs: list[Compared]) -> list[tuple[str, list, list]]:
    """(metric, values, differences from the first run) for the metrics any run has, headline ones first."""
    names = list(dict.fromkeys(k for run in runs for k in run.metrics))
    names = [n for n in HEADLINE if n in names] + [n for n in names if n not in HEADLINE]
    rows = []
    for name in names:
        values = [run.metrics.get(name) for run in runs]
        first = values[0]
        differences = [v - first if isinstance(v, (int, float)) and isinstance(first, (int, float)) else None
                       for v in values]
        rows.append((name, values, differences))
    return rows


def config_rows(runs: list[Compared]) -> list[tuple[str, list]]:
    """(key, value per run) for each config key whose values differ."""
    return [(key, [run.config.get(key) for run in runs]) for key in differing_config([r.config for r in runs])]


def curve_keys(runs: list[Compared]) -> list[str]:
    present = {k for run in runs if not run.is_sweep for row in run.history for k in row}
    return [k for k in CURVE_KEYS if k in present][:MAX_PANELS]


def plot_compared(runs: list[Compared], path: Path) -> Path | None:
    """Runs: their curves overlaid, one panel per metric; sweeps: the trials' metric per sweep."""
    if all(run.is_sweep for run in runs):
        figure = new_figure(7, 4)
        axes = figure.add_subplot()
        for i, run in enumerate(runs):
            axes.scatter([i + 1] * len(run.history), run.history, alpha=0.6)
        axes.set_xticks(range(1, len(runs) + 1), [run.label for run in runs], rotation=15)
        axes.set_ylabel("trial metric")
        axes.set_title("trials of each sweep")
        return save_png(figure, path)
    keys = curve_keys(runs)
    if not keys:
        return None
    figure = new_figure(4.5 * len(keys), 3.8)
    for index, key in enumerate(keys):
        axes = figure.add_subplot(1, len(keys), index + 1)
        for run in runs:
            xs, ys = _finite_points(run.history, key)
            if xs:
                axes.plot(xs, ys, label=run.label, linewidth=1.3)
        axes.set_xlabel("epoch")
        axes.set_title(key)
    figure.axes[0].legend(fontsize=7)
    return save_png(figure, path)


STYLE = ("body{font-family:sans-serif;max-width:80em;margin:2em auto;padding:0 1em}table{border-collapse:collapse;"
         "margin:1em 0}td,th{border:1px solid #ccc;padding:3px 8px;font-size:90%}th{background:#eee}"
         "td.up{color:#070}td.down{color:#b00}img{max-width:100%}")


def html_page(runs: list[Compared], image: Path | None) -> str:
    """The comparison as one HTML page; ``image`` is embedded, so the page stands alone."""
    e = html.escape
    head = "".join(f"<th>{e(run.label)}</th>" for run in runs)
    out = ["<!DOCTYPE html><html><head><meta charset='utf-8'><title>dlx compare</title>",
           f"<style>{STYLE}</style></head><body><h1>Comparison of {len(runs)} "
           f"{'sweeps' if runs[0].is_sweep else 'runs'}</h1>",
           "<table id='runs'><tr><th>folder</th><th>status</th></tr>"]
    out += [f"<tr><td>{e(str(run.folder))}</td><td>{e(run.status)}</td></tr>" for run in runs]
    out.append("</table>")
    if image is not None:
        data = base64.b64encode(image.read_bytes()).decode("ascii")
        out.append(f"<h2>Curves</h2><img alt='curves' src='data:image/png;base64,{data}'>")
    out.append(f"<h2>Metrics (&Delta;: minus the first)</h2><table id='metrics'><tr><th>metric</th>{head}"
               + "".join(f"<th>&Delta; {e(run.label)}</th>" for run in runs[1:]) + "</tr>")
    for name, values, differences in metric_rows(runs):
        deltas = "".join(f"<td class='{_sign(d)}'>{e(_signed(d))}</td>" for d in differences[1:])
        out.append(f"<tr><td>{e(name)}</td>" + "".join(f"<td>{e(cell(v))}</td>" for v in values) + deltas + "</tr>")
    out.append(f"</table><h2>Config differences</h2><table id='config'><tr><th>key</th>{head}</tr>")
    for key, values in config_rows(runs):
        out.append(f"<tr><td>{e(key)}</td>" + "".join(f"<td>{e(cell(v))}</td>" for v in values) + "</tr>")
    return "\n".join(out) + "\n</table></body></html>\n"


def _sign(value) -> str:
    return "" if not isinstance(value, (int, float)) or value == 0 else ("up" if value > 0 else "down")


def _signed(value) -> str:
    return "" if value is None else f"{value:+.4g}"


def write_compare_page(runs: list[Compared], path: Path) -> Path:
    """``path`` (an HTML page) with the comparison; its plot is drawn beside it and embedded."""
    path.parent.mkdir(parents=True, exist_ok=True)
    image = plot_compared(runs, path.with_suffix(".png"))
    atomic_write_text(path, html_page(runs, image))
    return path
