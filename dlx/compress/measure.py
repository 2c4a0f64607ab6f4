"""The table of a compressed run: the original against the compressed model, measured in the same process.

Both models are opened from their run folders (``load_run``), as ``dlx evaluate`` opens them,
and evaluated on the original run's test split. Inference time per sample: the two models
predict the whole test split in turn, A B A B ..., ``repeats`` times each, and the median of
each model's times is divided by the number of samples, so a machine that slows down during
the measurement slows both alike. ``bytes_on_disk`` is the model file (a compressed run's archive
is deflated); ``bytes_of_arrays`` the arrays it holds, without the archive and its JSON record.
"""
from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from dlx.inference.loaded import load_run
from dlx.nn.quantised import _Quantised
from dlx.runs.checkpoint import RECORD_KEY, read_arrays

ROWS = ("parameters", "nonzero_parameters", "bytes_on_disk", "bytes_of_arrays", "seconds_per_sample")


def parameter_counts(network) -> tuple[int, int]:
    """(parameters, non-zero parameters); an integer layer's weight codes count as parameters."""
    arrays = [p.data for p in network.parameters()]
    arrays += [m._buffers["weight_codes"] for m in network.modules() if isinstance(m, _Quantised)]
    return sum(int(a.size) for a in arrays), sum(int(np.count_nonzero(a)) for a in arrays)


def stored_bytes(path: Path) -> int:
    """The bytes of the arrays a model file stores (sparse ones as stored), without the archive or its record."""
    return sum(int(a.nbytes) for name, a in read_arrays(path).items() if name != RECORD_KEY)


def timed_per_sample(models: list, X: np.ndarray, repeats: int = 7) -> list[float]:
    """Median seconds per sample of each model predicting ``X``, the models alternating."""
    times = [[] for _ in models]
    for _ in range(repeats):
        for i, model in enumerate(models):
            start = time.perf_counter()
            model.outputs(X)
            times[i].append(time.perf_counter() - start)
    return [float(np.median(t)) / max(len(X), 1) for t in times]


def comparison(original_dir: Path, compressed_dir: Path, test) -> dict:
    """{"original": {...}, "compressed": {...}}: ``ROWS`` and the test metrics (``test_*``) of each."""
    runs = [load_run(original_dir), load_run(compressed_dir)]
    table = {}
    seconds = timed_per_sample(runs, test.X) if len(test) else [float("nan")] * 2
    for name, run, per_sample in zip(("original", "compressed"), runs, seconds):
        total, nonzero = parameter_counts(run.network)
        metrics = run.task.evaluate(run.model, test, run.loss, run.n_outputs) if len(test) else {}
        table[name] = {"parameters": total, "nonzero_parameters": nonzero,
                       "bytes_on_disk": (run.run_dir / "model.npz").stat().st_size,
                       "bytes_of_arrays": stored_bytes(run.run_dir / "model.npz"), "seconds_per_sample": per_sample,
                       **{f"test_{k}": v for k, v in metrics.items() if k != "confusion_matrix"}}
    return table


def table_markdown(table: dict) -> str:
    """The comparison as a Markdown table, with the ratio compressed / original."""
    lines = ["| | original | compressed | compressed / original |", "|---|---:|---:|---:|"]
    for key in table["original"]:
        a, b = table["original"][key], table["compressed"].get(key, float("nan"))
        ratio = b / a if isinstance(a, (int, float)) and a else float("nan")
        lines.append(f"| {key} | {fmt(a)} | {fmt(b)} | {ratio:.3g} |")
    return "\n".join(lines) + "\n"


def fmt(value) -> str:
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    return f"{value:.4g}"


def plot_layer_sparsity(per_layer: dict, path: Path) -> Path:
    """A bar per pruned weight: the fraction of its entries removed."""
    from dlx.runs.plots import new_figure, save_png
    figure = new_figure(max(4.0, 0.7 * len(per_layer) + 2), 3.2)
    axes = figure.add_subplot()
    names = list(per_layer)
    axes.bar(range(len(names)), [100 * per_layer[n] for n in names], color="tab:blue")
    axes.set_xticks(range(len(names)), names, rotation=30, ha="right", fontsize=8)
    axes.set_ylabel("weights removed (%)")
    axes.set_ylim(0, 100)
    axes.set_title("sparsity per layer")
    return save_png(figure, path)
