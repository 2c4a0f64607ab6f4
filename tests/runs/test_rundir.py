"""Run folders: fresh every time, named by time and a random suffix."""
from __future__ import annotations

import os
import re
from datetime import datetime

import pytest

from dlx.errors import DlxError
from dlx.runs.rundir import create_run_dir, find_runs, latest_run, validate_run_name

NAME = re.compile(r"^\d{8}-\d{6}-[0-9a-f]{6}$")
RESULTS_LINE = re.compile(
    r"^cannot write results folder '.+': .+; choose another with --results or output\.results_dir$"
)


def test_creates_named_folder_with_plots(results_dir):
    run_dir = create_run_dir(results_dir, "xor", now=datetime(2025, 1, 2, 3, 4, 5))
    assert run_dir.parent == results_dir / "xor"
    assert NAME.match(run_dir.name) and run_dir.name.startswith("20250102-030405-")
    assert (run_dir / "plots").is_dir()


def test_same_second_gives_different_folders(results_dir):
    now = datetime(2025, 1, 1, 0, 0, 0)
    runs = {create_run_dir(results_dir, "xor", now=now) for _ in range(20)}
    assert len(runs) == 20


def test_collision_draws_another_suffix(results_dir, monkeypatch):
    suffixes = iter(["aaaaaa", "aaaaaa", "bbbbbb"])
    monkeypatch.setattr("dlx.runs.rundir.secrets.token_hex", lambda n: next(suffixes))
    now = datetime(2025, 1, 1)
    first = create_run_dir(results_dir, "xor", now=now)
    second = create_run_dir(results_dir, "xor", now=now)
    assert first.name.endswith("aaaaaa") and second.name.endswith("bbbbbb")


def test_names_do_not_depend_on_numpy_seed(results_dir):
    import numpy as np

    np.random.seed(0)
    first = create_run_dir(results_dir, "xor", now=datetime(2025, 1, 1))
    np.random.seed(0)
    second = create_run_dir(results_dir, "xor", now=datetime(2025, 1, 1))
    assert first != second


def test_creates_missing_root(tmp_path):
    run_dir = create_run_dir(tmp_path / "new" / "results", "xor")
    assert run_dir.is_dir()


@pytest.mark.parametrize("where", ["under_file", "is_file"])
def test_root_blocked_by_a_file_gives_one_line(tmp_path, where):
    blocker = tmp_path / "blocker"
    blocker.write_text("not a folder")
    root = blocker / "results" if where == "under_file" else blocker
    with pytest.raises(DlxError) as caught:
        create_run_dir(root, "xor")
    message = str(caught.value)
    assert RESULTS_LINE.match(message) and "\n" not in message
    assert str(root) in message


def test_run_name_that_is_a_file_gives_one_line(results_dir):
    (results_dir / "xor").write_text("")
    with pytest.raises(DlxError, match=RESULTS_LINE):
        create_run_dir(results_dir, "xor")


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root ignores folder permissions")
def test_read_only_root_gives_one_line(tmp_path):
    root = tmp_path / "results"
    root.mkdir()
    root.chmod(0o500)
    try:
        with pytest.raises(DlxError, match=RESULTS_LINE):
            create_run_dir(root, "xor")
    finally:
        root.chmod(0o700)


@pytest.mark.parametrize("bad", ["", ".", "..", "a/b", "a\\b", "  ", "x\0y"])
def test_invalid_run_names(results_dir, bad):
    with pytest.raises(DlxError, match="invalid run name .*non-empty folder name"):
        create_run_dir(results_dir, bad)
    assert list(results_dir.iterdir()) == []


def test_valid_run_names():
    for name in ["xor", "mnist-mlp", "cnn_v2.1", "Ünïcode"]:
        assert validate_run_name(name) == name


def test_find_runs_newest_first_and_latest(results_dir):
    old = create_run_dir(results_dir, "xor", now=datetime(2024, 5, 1))
    new = create_run_dir(results_dir, "xor", now=datetime(2025, 5, 1))
    other = create_run_dir(results_dir, "mlp", now=datetime(2024, 12, 1))
    (results_dir / "xor" / "notes").mkdir()            # not a run folder
    (results_dir / "sweeps" / "lr" / "20250101-000000-abcdef").mkdir(parents=True)
    assert find_runs(results_dir, "xor") == [new, old]
    assert find_runs(results_dir) == [new, other, old]
    assert latest_run(results_dir, "xor") == new
    assert latest_run(results_dir) == new
    assert find_runs(results_dir, "missing") == []
    assert find_runs(results_dir / "nowhere") == []


def test_latest_run_without_runs_says_what_to_do(results_dir):
    with pytest.raises(DlxError, match=r"^no runs of 'xor' in '.*'; train one first"):
        latest_run(results_dir, "xor")
