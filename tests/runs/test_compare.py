"""dlx compare's pieces: the metrics table with differences, the config diff, and sweeps compared with sweeps."""
import json
from pathlib import Path

import pytest

from dlx.errors import DlxError
from dlx.runs.compare import config_rows, load_compared, metric_rows, write_compare_page


def make_sweep(root: Path, stamp: str, losses: list[float]) -> Path:
    """A sweep folder as the driver leaves it: state.json, sweep.yaml, summary.csv (best group first), trials.jsonl."""
    folder = root / "sweeps" / "lr" / stamp
    folder.mkdir(parents=True)
    (folder / "state.json").write_text(json.dumps({"status": "finished", "trials": len(losses)}))
    (folder / "sweep.yaml").write_text(f"name: lr\nmetric: val_loss\nparameters: {{optimiser.lr: [{len(losses)}]}}\n")
    best = min(losses)
    (folder / "summary.csv").write_text(f"group,trials,val_loss_mean,val_loss_std\nlr=0.1,1,{best},nan\n")
    (folder / "trials.jsonl").write_text("".join(json.dumps({"id": str(i), "status": "finished", "metric": loss}) + "\n"
                                                 for i, loss in enumerate(losses)))
    return folder


def test_metrics_are_tabled_with_their_differences_from_the_first():
    from dlx.runs.compare import Compared
    runs = [Compared(Path("a"), "a", False, "finished", {"val_loss": 0.5, "val_accuracy": 0.9}, {"optimiser.lr": 0.1,
                                                                                                 "seed": 1}),
            Compared(Path("b"), "b", False, "finished", {"val_loss": 0.25}, {"optimiser.lr": 0.2, "seed": 2})]
    assert metric_rows(runs) == [("val_accuracy", [0.9, None], [0.0, None]), ("val_loss", [0.5, 0.25], [0.0, -0.25])]
    assert config_rows(runs) == [("optimiser.lr", [0.1, 0.2])]  # the seed is not a difference worth a row


def test_sweeps_are_compared_by_their_best_group_and_their_trials(tmp_path):
    sweeps = [load_compared(make_sweep(tmp_path, "20261201-101500-aaaaaa", [0.3, 0.2, 0.9])),
              load_compared(make_sweep(tmp_path, "20261202-101500-bbbbbb", [0.1, 0.4]))]
    assert [s.is_sweep for s in sweeps] == [True, True] and sweeps[1].history == [0.1, 0.4]
    rows = {name: (values, differences) for name, values, differences in metric_rows(sweeps)}
    assert rows["val_loss_mean"] == ([0.2, 0.1], [0.0, pytest.approx(-0.1)]) and rows["trials"][0] == [3, 2]
    assert "val_loss_std" not in rows  # NaN: nothing to compare
    page = write_compare_page(sweeps, tmp_path / "compare.html")
    assert "Comparison of 2 sweeps" in page.read_text() and "data:image/png;base64," in page.read_text()


def test_a_folder_that_is_no_run_is_one_line(tmp_path):
    with pytest.raises(DlxError, match="is not a run folder"):
        load_compared(tmp_path)
    (tmp_path / "summary.json").write_text("[1, 2")
    with pytest.raises(DlxError, match="not valid JSON"):
        load_compared(tmp_path)
