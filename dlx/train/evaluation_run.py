"""Evaluate a finished run again on its own data splits."""
from __future__ import annotations

from pathlib import Path

from dlx.config import load_config
from dlx.errors import DlxError
from dlx.train.evaluate import evaluate
from dlx.train.experiment import expected_outputs, load_splits, scale_splits, seeded_generators
from dlx.train.saved import load_trained


def evaluate_run(run_dir: Path | str, split: str = "test") -> dict[str, dict]:
    """Metrics of the run's saved model on ``split`` (or all splits), rebuilt with the run's seed."""
    run_dir = Path(run_dir)
    if not (run_dir / "config.yaml").is_file():
        raise DlxError(f"'{run_dir}' has no config.yaml; give the folder of a dlx run")
    trained = load_trained(run_dir)
    loaded = load_config(run_dir / "config.yaml")
    splits = load_splits(loaded, seeded_generators(loaded.config.training.seed)["data"])
    splits = scale_splits(splits, trained.scaler)
    chosen = ["train", "validation", "test"] if split == "all" else [split]
    outputs = expected_outputs(splits["train"], trained.meta["loss"])
    results = {}
    for name in chosen:
        if len(splits[name]) == 0:
            raise DlxError(f"the run's {name} split is empty (dataset.{name} fraction is 0); choose another split")
        results[name] = evaluate(trained.model, splits[name], trained.loss, outputs)
    return results
