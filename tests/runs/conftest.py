"""Runs trained once per test session (per xdist worker) by other processes, for the dlx runs / compare / site
tests; a test that changes the folder works on a copy."""
import shutil
from pathlib import Path

import pytest

from tests.cli.cli_process import XOR, train


@pytest.fixture(scope="session")
def two_runs(tmp_path_factory) -> tuple[Path, list[Path]]:
    """Two trained xor runs (lr 0.05 and 0.2, with their plots) in a results folder, written by other processes."""
    folder = tmp_path_factory.mktemp("runs-cli")
    runs = [train(folder, XOR, "--set", f"optimiser.lr={lr}", "--set", "output.plots=true") for lr in (0.05, 0.2)]
    return folder, runs


def copy_results(two_runs, tmp_path) -> tuple[Path, list[Path]]:
    """A copy of the results folder for a test that changes it; the runs' folders in the copy."""
    folder, runs = two_runs
    results = shutil.copytree(folder / "results", tmp_path / "results")
    return results, [results / run.relative_to(folder / "results") for run in runs]
