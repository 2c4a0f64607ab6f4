"""Per-epoch metrics: ``metrics.jsonl`` (append-only) and ``metrics.csv`` (a table).

Each ``append`` writes one JSON line in a single write, flushed and fsynced, so
a killed process loses at most the line being written; ``MetricsLog.read``
ignores such a partial last line. ``metrics.csv`` is a view of the same rows: its
columns are the union of the rows' keys in first-seen order, with ``epoch`` first;
a missing value is an empty cell. While a row brings no new column its line is
appended (rewriting the table every epoch made a long run's logging quadratic);
a new column, the first append of a log reopened for a resumed run, and
``replace`` rewrite it atomically from all rows.

Example::

    log = MetricsLog(run_dir)
    log.append({"epoch": 1, "train_loss": 0.69, "val_loss": 0.70, "val_accuracy": 0.5})
    MetricsLog.read(run_dir)  # [{'epoch': 1, 'train_loss': 0.69, ...}]
"""
from __future__ import annotations

import csv
import io
import json
import math
import os
from pathlib import Path
from typing import Any, Mapping

import numpy as np

from dlx.errors import DlxError
from dlx.runs.files import atomic_write_text

JSONL_NAME = "metrics.jsonl"
CSV_NAME = "metrics.csv"
FIRST_COLUMNS = ("epoch",)


def _scalar(key: str, value: Any) -> float | int | str | bool | None:
    """A metrics value as a plain Python scalar; nested values are refused."""
    if isinstance(value, np.ndarray) and value.ndim == 0:
        value = value.item()
    if isinstance(value, np.generic):
        value = value.item()
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    raise TypeError(
        f"metrics value '{key}' is a {type(value).__name__}; metrics rows hold numbers, strings or None "
        "(put matrices in summary.json)"
    )


def _csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and not math.isfinite(value):
        return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")
    return repr(value) if isinstance(value, float) else str(value)


def csv_columns(rows: list[dict[str, Any]]) -> list[str]:
    """The union of the rows' keys in first-seen order, ``epoch`` first."""
    columns: dict[str, None] = {name: None for name in FIRST_COLUMNS if any(name in row for row in rows)}
    for row in rows:
        columns.update(dict.fromkeys(row))
    return list(columns)


def csv_text(rows: list[dict[str, Any]], columns: list[str] | None = None, header: bool = True) -> str:
    """The CSV table of ``rows`` (``columns``: default ``csv_columns(rows)``; ``header=False``: rows only)."""
    columns = csv_columns(rows) if columns is None else columns
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    if header:
        writer.writerow(columns)
    for row in rows:
        writer.writerow([_csv_cell(row.get(name)) for name in columns])
    return buffer.getvalue()


def parse_jsonl_lines(text: str, path: Path) -> tuple[list[dict[str, Any]], str]:
    """Rows of ``text`` and the text cleaned of a partial last line.

    A last piece without a newline is the write of a killed process: it is
    kept if it is a whole JSON object and dropped otherwise.
    """
    rows: list[dict[str, Any]] = []
    complete = text.rfind("\n") + 1
    for number, line in enumerate(text[:complete].splitlines(), start=1):
        if not line.strip():
            continue
        try:
            rows.append(json.loads(line))
        except json.JSONDecodeError as error:
            raise DlxError(f"line {number} of '{path}' is not JSON ({error.msg}); fix or delete that line") from None
    tail = text[complete:]
    clean = text[:complete]
    try:
        last = json.loads(tail) if tail.strip() else None
    except json.JSONDecodeError:
        last = None
    if isinstance(last, dict):
        rows.append(last)
        clean += tail + "\n"
    return rows, clean


class MetricsLog:
    """Writes one metrics row per epoch to ``metrics.jsonl`` and ``metrics.csv`` in ``run_dir``.

    Rows already in ``metrics.jsonl`` (from a resumed run) are kept; a partial
    last line left by a killed process is dropped before the next append.

    Args:
        run_dir: the run folder; it must exist.

    Example::

        log = MetricsLog(run_dir)
        log.append({"epoch": 1, "train_loss": np.float32(0.5), "val_loss": None})
        log.rows  # [{'epoch': 1, 'train_loss': 0.5, 'val_loss': None}]
    """

    def __init__(self, run_dir: Path | str) -> None:
        self.run_dir = Path(run_dir)
        self.jsonl_path = self.run_dir / JSONL_NAME
        self.csv_path = self.run_dir / CSV_NAME
        self._rows: list[dict[str, Any]] = []
        self._csv_columns: list[str] | None = None  # the header metrics.csv has now; None: rewrite it
        if self.jsonl_path.exists():
            text = self.jsonl_path.read_text(encoding="utf-8")
            self._rows, clean = parse_jsonl_lines(text, self.jsonl_path)
            if clean != text:
                atomic_write_text(self.jsonl_path, clean)

    @property
    def rows(self) -> list[dict[str, Any]]:
        """Copies of all rows appended so far, oldest first."""
        return [dict(row) for row in self._rows]

    def append(self, row: Mapping[str, Any]) -> None:
        """Append one row: a JSON line to ``metrics.jsonl``, then its line to ``metrics.csv``.

        Args:
            row: column -> number, string or None (NumPy scalars are converted).
        """
        clean = {str(key): _scalar(str(key), value) for key, value in row.items()}
        line = (json.dumps(clean, ensure_ascii=False) + "\n").encode("utf-8")
        fd = os.open(self.jsonl_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o666)
        try:
            written = 0
            while written < len(line):
                written += os.write(fd, line[written:])
            os.fsync(fd)
        finally:
            os.close(fd)
        self._rows.append(clean)
        self._write_csv(clean)

    def _write_csv(self, new_row: dict[str, Any]) -> None:
        if self._csv_columns is not None and set(new_row) <= set(self._csv_columns) and self.csv_path.exists():
            with open(self.csv_path, "a", encoding="utf-8", newline="") as handle:
                handle.write(csv_text([new_row], self._csv_columns, header=False))
            return
        columns = csv_columns(self._rows)
        atomic_write_text(self.csv_path, csv_text(self._rows, columns))
        self._csv_columns = columns

    def replace(self, rows: list[Mapping[str, Any]]) -> None:
        """Rewrite both files with exactly ``rows`` (a resumed run whose log ran ahead of its checkpoint)."""
        self._rows = [{str(k): _scalar(str(k), v) for k, v in row.items()} for row in rows]
        atomic_write_text(self.jsonl_path, "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in self._rows))
        self._csv_columns = csv_columns(self._rows)
        atomic_write_text(self.csv_path, csv_text(self._rows, self._csv_columns))

    @staticmethod
    def read(run_dir: Path | str) -> list[dict[str, Any]]:
        """All complete rows of ``run_dir/metrics.jsonl``; a partial last line is ignored.

        Returns an empty list when the file does not exist.

        Example::

            rows = MetricsLog.read("results/xor/20250101-120000-3fa9c2")
            [row["val_loss"] for row in rows]
        """
        path = Path(run_dir) / JSONL_NAME
        if not path.exists():
            return []
        rows, _ = parse_jsonl_lines(path.read_text(encoding="utf-8"), path)
        return rows
