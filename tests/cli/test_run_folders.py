"""Every command leaves complete run folders made by the run session, as a user runs it (fresh processes)."""
import json
import subprocess
import sys
from pathlib import Path

from tests.cli import forked
from tests.conftest import BREAST_CANCER_SMALL

RUN_FILES = ("config.yaml", "summary.json", "metrics.jsonl", "metrics.csv", "run.log", "model.npz", "model.json")


def dlx(*args, cwd=None, code=None):
    """Run the real ``dlx`` app in a new process (``code`` replaces the entry point, to inject a fault)."""
    if code is None:
        return forked.run(args, cwd=cwd, timeout=300)
    return subprocess.run([sys.executable, "-c", code, *map(str, args)], capture_output=True, text=True, cwd=cwd,
                          timeout=300)


def assert_complete_run(folder: Path, status=("finished", "early_stopped")):
    missing = [name for name in RUN_FILES if not (folder / name).is_file()]
    assert not missing, f"{folder} lacks {missing}"
    summary = json.loads((folder / "summary.json").read_text())
    assert summary["status"] in status
    rows = (folder / "metrics.jsonl").read_text().splitlines()
    assert len(rows) == summary["epochs_completed"] > 0
    assert "finished" in (folder / "run.log").read_text() or "early_stopped" in (folder / "run.log").read_text()


def config_file(tmp_path) -> Path:
    path = tmp_path / "bc.yaml"
    path.write_text(BREAST_CANCER_SMALL.replace("epochs: 3", "epochs: 2"))
    return path


def test_train_cv_and_curves_leave_complete_run_folders(tmp_path):
    config, results = config_file(tmp_path), tmp_path / "results"
    assert dlx("train", config, "--results", results).returncode == 0
    assert dlx("cv", config, "-k", "3", "--results", results).returncode == 0
    assert dlx("curve", "learning", config, "--fractions", "0.5,1", "--results", results).returncode == 0
    (run,) = list((results / "bc").iterdir())
    assert_complete_run(run)
    (cv_dir,) = list((results / "sweeps" / "bc-cv").iterdir())
    for fold in range(3):
        assert_complete_run(cv_dir / "trials" / str(fold))
    (curve_dir,) = list((results / "sweeps" / "bc-learning-curve").iterdir())
    trials = sorted((curve_dir / "trials").iterdir())
    assert len(trials) == 2
    for trial in trials:
        assert_complete_run(trial)


FAULT = """
import sys
from dlx.train.loop import Trainer
original = Trainer.train_epoch
def train_epoch(self, epoch):
    if epoch == 2:
        raise ValueError("injected fault")
    return original(self, epoch)
Trainer.train_epoch = train_epoch
sys.argv[0] = "dlx"
from dlx.cli.app import main
main()
"""


def test_an_exception_inside_an_epoch_leaves_a_failed_summary_and_one_line(tmp_path):
    config, results = config_file(tmp_path), tmp_path / "results"
    done = dlx("train", config, "--results", results, code=FAULT)
    assert done.returncode == 1
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "ValueError: injected fault" in lines[0] and "Traceback" not in done.stderr
    (folder,) = list((results / "bc").iterdir())
    summary = json.loads((folder / "summary.json").read_text())
    assert summary["status"] == "failed" and summary["error"] == "ValueError: injected fault"
    assert summary["epochs_completed"] == 1
    assert "Traceback" in (folder / "run.log").read_text()  # the details are in the log, not on the screen
