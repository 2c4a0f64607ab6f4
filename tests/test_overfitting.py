"""The lecture's claim: dropout and an L2 penalty reduce overfitting (configs/overfitting*.yaml)."""
from pathlib import Path

import pytest

from dlx.config import load_config
from dlx.train.runner import start_run

CONFIGS = Path(__file__).resolve().parents[1] / "configs"


def final_gaps(name: str, tmp_path) -> tuple[float, float]:
    """(validation loss - training loss, training accuracy - validation accuracy) after the last epoch."""
    loaded = load_config(CONFIGS / f"{name}.yaml", ["output.plots=false", "training.checkpoint=false"])
    final = start_run(loaded, results_dir=str(tmp_path)).summary["final"]
    return final["val_loss"] - final["train_loss"], final["train_accuracy"] - final["val_accuracy"]


@pytest.mark.slow
def test_dropout_and_l2_each_shrink_the_train_validation_gap(tmp_path):
    plain = final_gaps("overfitting", tmp_path)
    assert plain[0] > 0 and plain[1] > 0, "the unregularised network must overfit for the comparison to mean anything"
    for name in ("overfitting_dropout", "overfitting_l2"):
        loss_gap, accuracy_gap = final_gaps(name, tmp_path)
        assert loss_gap < plain[0], f"{name}: loss gap {loss_gap:.3f} not below {plain[0]:.3f}"
        assert accuracy_gap < plain[1], f"{name}: accuracy gap {accuracy_gap:.3f} not below {plain[1]:.3f}"
