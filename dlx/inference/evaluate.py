"""Evaluate a finished run again on its own data splits."""
from __future__ import annotations

from pathlib import Path

from dlx.config import load_config
from dlx.errors import DlxError
from dlx.inference.loaded import load_run
from dlx.train.experiment import load_splits, seeded_generators


def evaluate_run(run_dir: Path | str, split: str = "test", read_config=load_config) -> dict[str, dict]:
    """Metrics of the run's saved model on ``split`` (or all splits), rebuilt with the run's seed.
    ``read_config(path)``: how the run's config.yaml is read (``dlx evaluate``: the front door).

    The loaded model takes raw inputs (its scaler is its first layer), so the splits are not scaled here.
    """
    run_dir = Path(run_dir)
    if not (run_dir / "config.yaml").is_file():
        raise DlxError(f"'{run_dir}' has no config.yaml; give the folder of a dlx run")
    run = load_run(run_dir)
    loaded = read_config(run_dir / "config.yaml")
    splits = load_splits(loaded, seeded_generators(loaded.config.training.seed)["data"])
    chosen = ["train", "validation", "test"] if split == "all" else [split]
    results = {}
    for name in chosen:
        if len(splits[name]) == 0:
            raise DlxError(f"the run's {name} split is empty (dataset.{name} fraction is 0); choose another split")
        results[name] = run.task.evaluate(run.model, splits[name], run.loss, run.n_outputs)
    return results
