"""A SIGTERM (``kill``, ``timeout``, a job scheduler) ends every kind of run as Ctrl-C does (issue 29).

The real ``dlx`` runs in a fresh process; once it has written metrics rows it
gets SIGTERM. The run must be marked interrupted (never left "running"), keep its
checkpoint, and exit 130 without a traceback.
"""
import json
import os
import signal
import subprocess
from pathlib import Path

import pytest

from tests.cli.cli_process import ROOT, SLOW_DIGITS, start, wait_for_rows, write

pytestmark = [pytest.mark.slow, pytest.mark.skipif(os.name != "posix", reason="sends SIGTERM")]


def terminate_after_rows(tmp_path: Path, *args, rows: int = 1) -> tuple[subprocess.CompletedProcess, list[Path]]:
    """Start ``dlx ARGS``; SIGTERM once some ``metrics.jsonl`` under results/ has ``rows`` rows (the
    checkpoint of an epoch is taken just after its row, so wait for the next row to be sure of one);
    its output and the folders holding ``summary.json``."""
    process = start(tmp_path, *args, "--results", tmp_path / "results")
    wait_for_rows(process, tmp_path / "results", rows)
    process.send_signal(signal.SIGTERM)
    output = process.communicate(timeout=240)[0]
    result = subprocess.CompletedProcess(process.args, process.returncode, output, "")
    return result, [p.parent for p in (tmp_path / "results").rglob("summary.json")]


def assert_interrupted(result, run_dir: Path) -> dict:
    assert result.returncode == 130, result.stdout
    assert "Traceback" not in result.stdout, result.stdout
    summary = json.loads((run_dir / "summary.json").read_text())
    assert summary["status"] == "interrupted", summary
    return summary


def test_sigterm_during_supervised_training_is_an_interruption(tmp_path):
    result, (run_dir,) = terminate_after_rows(tmp_path, "train", write(tmp_path, SLOW_DIGITS), rows=2)
    summary = assert_interrupted(result, run_dir)
    assert summary["epochs_completed"] >= 1
    assert (run_dir / "checkpoints" / "last.npz").is_file()
    assert "dlx train --resume" in result.stdout


def test_sigterm_during_reinforcement_learning_saves_the_agent(tmp_path):
    result, (run_dir,) = terminate_after_rows(tmp_path, "train", ROOT / "configs" / "frozenlake_q.yaml",
                                              "--set", "budget.episodes=100000000", "--set", "output.plots=false")
    assert_interrupted(result, run_dir)
    assert list((run_dir / "checkpoints").glob("*.npz"))


def test_sigterm_during_generative_training_saves_the_model(tmp_path):
    result, (run_dir,) = terminate_after_rows(tmp_path, "train", ROOT / "configs" / "ae_digits.yaml",
                                              "--set", "training.epochs=100000", "--set", "output.plots=false")
    assert_interrupted(result, run_dir)
    assert (run_dir / "model.npz").is_file() and (run_dir / "model.json").is_file()


def test_sigterm_during_a_sweep_marks_it_interrupted(tmp_path):
    write(tmp_path, SLOW_DIGITS, "base.yaml")
    sweep = write(tmp_path, "name: long\nbase: base.yaml\nparameters:\n  optimiser.lr: [0.001, 0.002, 0.003]\n"
                            "metric: val_loss\ngoal: min\nplots: false\n", "sweep.yaml")
    result, _ = terminate_after_rows(tmp_path, "sweep", sweep, "--workers", "1")
    assert result.returncode == 130, result.stdout
    assert "Traceback" not in result.stdout, result.stdout
    sweep_dir = next((tmp_path / "results" / "sweeps" / "long").iterdir())
    assert json.loads((sweep_dir / "state.json").read_text())["status"] == "interrupted"
