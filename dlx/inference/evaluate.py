"""Evaluate a finished run again on its own data splits."""
from __future__ import annotations

from pathlib import Path

from dlx.config import load_config
from dlx.errors import DlxError
from dlx.inference.loaded import load_run
from dlx.inference.splits import chosen_splits, run_splits


def evaluate_run(run_dir: Path | str, split: str = "test", read_config=load_config) -> dict[str, dict]:
    """Metrics of the run's saved model on ``split`` (or all its non-empty splits), on the samples the run
    saved in ``splits.npz`` (a run without it: the splits drawn again with the run's seed, and a DlxWarning).
    ``read_config(path)``: how the run's config.yaml is read (``dlx evaluate``: the front door).

    The loaded model takes raw inputs (its scaler is its first layer), so the splits are not scaled here.
    """
    run_dir = Path(run_dir)
    if not (run_dir / "config.yaml").is_file():
        raise DlxError(f"'{run_dir}' has no config.yaml; give the folder of a dlx run")
    run = load_run(run_dir)
    loaded = read_config(run_dir / "config.yaml")
    splits = run_splits(run_dir, loaded)
    return {name: run.task.evaluate(run.model, splits[name], run.loss, run.n_outputs)
            for name in chosen_splits(splits, loaded, split)}
