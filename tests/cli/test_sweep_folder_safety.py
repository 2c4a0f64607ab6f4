"""A sweep folder (and a run folder) must survive what users do to it (issue 29): a trials.jsonl
cut mid-line, lines that are not trial records, and a second ``--resume`` while the first runs.

The real ``dlx`` runs in fresh processes, on folders another process wrote.
"""
import json
import shutil
import signal
import subprocess
from pathlib import Path

import pytest

from tests.cli.cli_process import (SLOW_DIGITS, XOR, assert_one_error_line, dlx, output_of, start,
                                   wait_for_rows, write)


@pytest.fixture(scope="module")
def one_finished_sweep(tmp_path_factory) -> Path:
    """A finished two-trial sweep made once by the real ``dlx sweep`` for the tests that damage copies of it."""
    folder = tmp_path_factory.mktemp("finished-sweep")
    write(folder, XOR.replace("epochs: 3", "epochs: 1"), "base.yaml")
    sweep = write(folder, "name: two\nbase: base.yaml\nparameters:\n  optimiser.lr: [0.1, 0.01]\n"
                          "metric: train_loss\ngoal: min\nplots: false\n", "sweep.yaml")
    result = dlx("sweep", sweep, "--results", folder / "results", "--backend", "serial", cwd=folder)
    assert result.returncode == 0, output_of(result)
    return folder


@pytest.fixture
def finished_sweep(one_finished_sweep, tmp_path) -> Path:
    """This test's own copy of the finished sweep (with its base config, in the same layout), as a user
    copying the folder would have it; the sweep folder in it."""
    shutil.copytree(one_finished_sweep, tmp_path, dirs_exist_ok=True)
    return next((tmp_path / "results" / "sweeps" / "two").iterdir())


def records(sweep_dir: Path) -> list[dict]:
    return [json.loads(line) for line in (sweep_dir / "trials.jsonl").read_text().splitlines()]


def test_resume_repairs_a_trials_file_cut_mid_line(tmp_path, finished_sweep):
    sweep_dir = finished_sweep
    first, second = (sweep_dir / "trials.jsonl").read_text().splitlines()
    (sweep_dir / "trials.jsonl").write_text(first + "\n" + second[: len(second) // 2])  # killed mid-write
    result = dlx("sweep", "--resume", sweep_dir, "--backend", "serial", cwd=tmp_path)  # the file, not the pool
    assert result.returncode == 0, output_of(result)
    kept = records(sweep_dir)  # every line is JSON again
    assert sorted(r["id"] for r in kept) == sorted({json.loads(first)["id"], json.loads(second)["id"]})
    assert all(r["status"] == "finished" for r in kept)


@pytest.mark.parametrize("line", ["[1, 2]", '"text"', '{"status": "finished"}', '{"id": "x"}'])
def test_a_line_that_is_not_a_trial_record_is_one_line(tmp_path, finished_sweep, line):
    sweep_dir = finished_sweep
    with open(sweep_dir / "trials.jsonl", "a") as handle:
        handle.write(line + "\n")
    result = dlx("sweep", "--resume", sweep_dir, cwd=tmp_path)
    assert_one_error_line(result, "record 3 of", "trials.jsonl", "not a trial record")


def stop(process: subprocess.Popen) -> None:
    process.send_signal(signal.SIGTERM)
    process.communicate(timeout=240)


@pytest.mark.slow
def test_a_second_resume_of_a_running_sweep_is_refused(tmp_path):
    write(tmp_path, SLOW_DIGITS, "base.yaml")
    sweep = write(tmp_path, "name: long\nbase: base.yaml\nparameters:\n  optimiser.lr: [0.001, 0.002]\n"
                            "metric: val_loss\ngoal: min\n", "sweep.yaml")
    first = start(tmp_path, "sweep", sweep, "--results", tmp_path / "results", "--workers", "1")
    try:
        wait_for_rows(first, tmp_path / "results")
        sweep_dir = next((tmp_path / "results" / "sweeps" / "long").iterdir())
        in_progress = sorted(p.name for p in (sweep_dir / "trials").iterdir())
        second = dlx("sweep", "--resume", sweep_dir, cwd=tmp_path)
        assert_one_error_line(second, "sweep folder", "in use by another dlx process", f"pid {first.pid}")
        assert sorted(p.name for p in (sweep_dir / "trials").iterdir()) == in_progress  # nothing deleted
    finally:
        stop(first)
    assert json.loads((sweep_dir / "state.json").read_text())["status"] == "interrupted"


@pytest.mark.slow
def test_resuming_a_run_that_is_still_training_is_refused(tmp_path):
    first = start(tmp_path, "train", write(tmp_path, SLOW_DIGITS), "--results", tmp_path / "results")
    try:
        wait_for_rows(first, tmp_path / "results")
        run_dir = next((tmp_path / "results" / "exp").iterdir())
        second = dlx("train", "--resume", run_dir, cwd=tmp_path)
        assert_one_error_line(second, "run folder", "in use by another dlx process", f"pid {first.pid}")
    finally:
        stop(first)
    assert json.loads((run_dir / "summary.json").read_text())["status"] == "interrupted"
