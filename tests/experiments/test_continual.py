"""The continual kind end to end in a fresh process: two digit tasks in sequence; the progressive network's
task-1 test accuracy after task 2 is exactly its accuracy after task 1."""
import json
from pathlib import Path

from tests.cli.cli_process import ROOT, dlx, output_of


def test_progressive_run_keeps_task_one(tmp_path):
    result = dlx("train", ROOT / "configs" / "progressive_digits.yaml", "--results", tmp_path / "results",
                 "--set", "training.epochs=1", "--set", "model.hidden=[8]", cwd=tmp_path)
    assert result.returncode == 0, output_of(result)
    run = Path(result.stdout.strip().splitlines()[-1].removeprefix("run folder: "))
    summary = json.loads((run / "summary.json").read_text())
    test = summary["test"]
    assert summary["status"] == "finished" and summary["epochs_completed"] == 2
    assert test["test_task1_accuracy"] == test["test_task1_accuracy_after"] and test["test_task1_forgetting"] == 0
    assert 0 <= test["test_task2_accuracy"] <= 1
