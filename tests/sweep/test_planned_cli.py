"""``dlx cv`` and ``dlx curve`` on the sweep's process pool (``--workers``) and resumed (``--resume``), in fresh
processes: the pool gives the numbers of the serial run, and a resumed folder runs only its missing trials."""
from __future__ import annotations

import json

import pytest

from tests.cli.cli_process import ROOT, dlx, output_of

CONFIG = ROOT / "configs" / "breast_cancer_mlp.yaml"
QUICK = ("--set", "training.epochs=2", "--set", "output.plots=false")  # numbers and folders, not pictures


def folder_of(results):
    return next((results / "sweeps").iterdir()).iterdir().__next__()


def interrupt_trial(folder, index: int) -> float:
    """Make trial ``index`` look unfinished (no summary.json, as after Ctrl-C); the mtime of trial 0's log."""
    (folder / "trials" / str(index) / "summary.json").unlink()
    return (folder / "trials" / "0" / "run.log").stat().st_mtime_ns


COMMANDS = {
    "cv": (("cv", CONFIG, "-k", "3", *QUICK), "cv.json", "metrics"),
    "learning": (("curve", "learning", CONFIG, "--fractions", "0.3,1", *QUICK), "curve.json", "points"),
    "capacity": (("curve", "capacity", CONFIG, "--param", "model.layers.0.dense.units", "--values", "4,16", *QUICK),
                 "capacity.json", "points"),
}


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_on_the_pool_the_numbers_are_the_serial_ones_and_resume_runs_only_the_missing(tmp_path, name):
    args, result_file, key = COMMANDS[name]
    serial = dlx(*args, "--results", tmp_path / "serial", cwd=tmp_path, timeout=300)
    assert serial.returncode == 0, output_of(serial)
    pooled = dlx(*args, "--workers", "2", "--results", tmp_path / "pool", cwd=tmp_path, timeout=300)
    assert pooled.returncode == 0, output_of(pooled)
    expected = json.loads((folder_of(tmp_path / "serial") / result_file).read_text())[key]
    folder = folder_of(tmp_path / "pool")
    assert json.loads((folder / result_file).read_text())[key] == expected
    untouched = interrupt_trial(folder, 1)
    resumed = dlx(name if name == "cv" else "curve", *([] if name == "cv" else [name]), "--resume", folder,
                  "--workers", "2", cwd=tmp_path, timeout=300)
    assert resumed.returncode == 0, output_of(resumed)
    assert (folder / "trials" / "0" / "run.log").stat().st_mtime_ns == untouched  # not run again
    assert (folder / "trials" / "1" / "summary.json").is_file()
    assert json.loads((folder / result_file).read_text())[key] == expected
