"""Run folders, metric logs, summaries, checkpoints and plots.

Importing this package is fast: matplotlib is only imported when a plot is drawn.

Example::

    from dlx.runs import create_run_dir, MetricsLog, save_checkpoint, write_summary
    run_dir = create_run_dir("results", "xor")
    MetricsLog(run_dir).append({"epoch": 1, "train_loss": 0.7})
"""
from dlx.runs.checkpoint import load_checkpoint, save_checkpoint
from dlx.runs.files import (
    atomic_save_npz,
    atomic_write,
    atomic_write_bytes,
    atomic_write_json,
    atomic_write_text,
    to_jsonable,
)
from dlx.runs.metrics_log import MetricsLog
from dlx.runs.plots import plot_confusion_matrix, plot_curves, plot_history, plot_image_grid
from dlx.runs.rundir import create_run_dir, find_runs, latest_run, validate_run_name
from dlx.runs.summary import package_versions, read_summary, write_summary

__all__ = [
    "MetricsLog",
    "atomic_save_npz",
    "atomic_write",
    "atomic_write_bytes",
    "atomic_write_json",
    "atomic_write_text",
    "create_run_dir",
    "find_runs",
    "latest_run",
    "load_checkpoint",
    "package_versions",
    "plot_confusion_matrix",
    "plot_curves",
    "plot_history",
    "plot_image_grid",
    "read_summary",
    "save_checkpoint",
    "to_jsonable",
    "validate_run_name",
    "write_summary",
]
