"""MetricsLog: one JSON line per epoch and a CSV table of all rows."""
from __future__ import annotations

import csv
import json
import math

import numpy as np
import pytest

from dlx.errors import DlxError
from dlx.runs.metrics_log import MetricsLog


def read_csv(path):
    with open(path, newline="") as file:
        return list(csv.reader(file))


def test_append_writes_jsonl_and_csv(tmp_path):
    log = MetricsLog(tmp_path)
    log.append({"train_loss": np.float32(0.5), "epoch": 1, "val_loss": 0.75})
    log.append({"epoch": 2, "train_loss": 0.25, "val_loss": None, "val_accuracy": np.float64(0.9), "lr": 0.01})
    lines = (tmp_path / "metrics.jsonl").read_text().splitlines()
    assert [json.loads(line) for line in lines] == [
        {"train_loss": 0.5, "epoch": 1, "val_loss": 0.75},
        {"epoch": 2, "train_loss": 0.25, "val_loss": None, "val_accuracy": 0.9, "lr": 0.01},
    ]
    assert read_csv(tmp_path / "metrics.csv") == [
        ["epoch", "train_loss", "val_loss", "val_accuracy", "lr"],
        ["1", "0.5", "0.75", "", ""],
        ["2", "0.25", "", "0.9", "0.01"],
    ]
    assert log.rows == MetricsLog.read(tmp_path)
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_rows_are_copies(tmp_path):
    log = MetricsLog(tmp_path)
    log.append({"epoch": 1})
    log.rows[0]["epoch"] = 99
    assert log.rows == [{"epoch": 1}]


def test_floats_keep_full_precision_and_non_finite(tmp_path):
    log = MetricsLog(tmp_path)
    log.append({"epoch": 1, "train_loss": 0.1 + 0.2, "val_loss": float("nan"), "grad": float("inf")})
    assert read_csv(tmp_path / "metrics.csv")[1] == ["1", repr(0.1 + 0.2), "nan", "inf"]
    row = MetricsLog.read(tmp_path)[0]
    assert row["train_loss"] == 0.1 + 0.2 and math.isnan(row["val_loss"]) and row["grad"] == math.inf


def test_nested_values_are_refused(tmp_path):
    log = MetricsLog(tmp_path)
    with pytest.raises(TypeError, match="confusion"):
        log.append({"epoch": 1, "confusion": [[1, 0], [0, 1]]})
    with pytest.raises(TypeError):
        log.append({"epoch": 1, "weights": np.ones(3)})
    assert log.rows == []


def test_read_missing_file_is_empty(tmp_path):
    assert MetricsLog.read(tmp_path) == []


def test_read_ignores_partial_last_line(tmp_path):
    log = MetricsLog(tmp_path)
    log.append({"epoch": 1, "train_loss": 1.0})
    with open(tmp_path / "metrics.jsonl", "a") as file:
        file.write('{"epoch": 2, "train_lo')  # the process was killed here
    assert MetricsLog.read(tmp_path) == [{"epoch": 1, "train_loss": 1.0}]


def test_read_keeps_a_whole_last_line_without_newline(tmp_path):
    (tmp_path / "metrics.jsonl").write_text('{"epoch": 1}\n{"epoch": 2}')
    assert MetricsLog.read(tmp_path) == [{"epoch": 1}, {"epoch": 2}]


def test_reopening_drops_partial_line_before_appending(tmp_path):
    MetricsLog(tmp_path).append({"epoch": 1, "train_loss": 1.0})
    with open(tmp_path / "metrics.jsonl", "a") as file:
        file.write('{"epoch": 2, "tr')
    log = MetricsLog(tmp_path)
    log.append({"epoch": 2, "train_loss": 0.5})
    assert MetricsLog.read(tmp_path) == [{"epoch": 1, "train_loss": 1.0}, {"epoch": 2, "train_loss": 0.5}]
    assert log.rows == MetricsLog.read(tmp_path)
    assert len(read_csv(tmp_path / "metrics.csv")) == 3


def test_corrupt_middle_line_names_the_file(tmp_path):
    (tmp_path / "metrics.jsonl").write_text('{"epoch": 1}\nbroken\n{"epoch": 3}\n')
    with pytest.raises(DlxError, match=r"line 2 of '.*metrics.jsonl' is not JSON"):
        MetricsLog.read(tmp_path)


def test_csv_lines_are_appended_and_rewritten_when_a_column_appears(tmp_path):
    from dlx.runs.metrics_log import csv_text
    log = MetricsLog(tmp_path)
    rows = [{"epoch": 1, "train_loss": 0.5}, {"epoch": 2, "train_loss": 0.4},
            {"epoch": 3, "train_loss": 0.3, "val_loss": 0.6}, {"epoch": 4, "val_loss": 0.5, "train_loss": 0.2}]
    for number, row in enumerate(rows, start=1):
        log.append(row)
        assert (tmp_path / "metrics.csv").read_text() == csv_text(rows[:number])
    reopened = MetricsLog(tmp_path)  # a resumed run: the first append rewrites the table from all rows
    (tmp_path / "metrics.csv").write_text("epoch,train_loss\n1,0.5\n2,0.")  # left half-written by a kill
    reopened.append({"epoch": 5, "train_loss": 0.1, "val_loss": 0.4})
    assert (tmp_path / "metrics.csv").read_text() == csv_text(rows + [{"epoch": 5, "train_loss": 0.1, "val_loss": 0.4}])
