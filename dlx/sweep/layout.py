"""The sweep folder: its files, written only by the driver.

::

    results/sweeps/<name>/<YYYYmmdd-HHMMSS>-<6 hex>/
      sweep.yaml      the sweep as run (base config inlined)
      trials.jsonl    one record per finished trial (appended as results arrive)
      summary.csv     one row per group: mean and std over seeds, best first
      state.json      the sweep's status (running, finished, interrupted) and counts
      report.md  report.html  plots/*.png  trials/<values>_seed=<seed>_<id>/ (each a complete run)

Cross-validation and curves can reuse these functions for their own sweeps.

Example::

    sweep_dir = create_sweep_dir("results", "lr")
    append_record(sweep_dir, record); read_records(sweep_dir)
    write_summary_csv(sweep_dir / "summary.csv", group_table(records, "val_loss", "min"))
"""
from __future__ import annotations

import json
import os
from pathlib import Path

import yaml

from dlx.errors import DlxError
from dlx.runs import atomic_write_json, atomic_write_text, create_run_dir, to_jsonable
from dlx.runs.listing import cell
from dlx.runs.metrics_log import csv_text, parse_jsonl_lines

TRIALS_FILE = "trials.jsonl"


def create_sweep_dir(results_root: str | Path, name: str) -> Path:
    """A new ``<results_root>/sweeps/<name>/<stamp>-<hex>/`` with ``plots/`` (never reused)."""
    return create_run_dir(Path(results_root) / "sweeps", name)


def write_sweep_file(sweep_dir: Path, resolved: dict) -> None:
    atomic_write_text(sweep_dir / "sweep.yaml", yaml.safe_dump(to_jsonable(resolved), sort_keys=False))


def append_record(sweep_dir: Path, record: dict) -> None:
    """Append one trial's record to ``trials.jsonl`` (one line, written and synced at once)."""
    line = (json.dumps(to_jsonable(record), ensure_ascii=False) + "\n").encode("utf-8")
    fd = os.open(Path(sweep_dir) / TRIALS_FILE, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o666)
    try:
        os.write(fd, line)
        os.fsync(fd)
    finally:
        os.close(fd)


def read_records(sweep_dir: Path) -> list[dict]:
    """The records of ``trials.jsonl``, the last one per trial id; a partial last line (a driver killed
    while writing) is ignored; a line that is not JSON, or not a record with ``id`` and ``status``, is a
    DlxError naming it."""
    path = Path(sweep_dir) / TRIALS_FILE
    return _parse_records(path.read_text(encoding="utf-8"), path)[0] if path.is_file() else []


def repair_records(sweep_dir: Path) -> None:
    """Drop a partial last line of ``trials.jsonl`` before a resumed sweep appends to it (as
    ``metrics.jsonl`` is repaired), so a new record never lands on the end of a broken one."""
    path = Path(sweep_dir) / TRIALS_FILE
    text = path.read_text(encoding="utf-8") if path.is_file() else ""
    clean = _parse_records(text, path)[1]
    if clean != text:
        atomic_write_text(path, clean)


def _parse_records(text: str, path: Path) -> tuple[list[dict], str]:
    """The records of a ``trials.jsonl`` text (checked) and the text without a partial last line."""
    rows, clean = parse_jsonl_lines(text, path)
    records: dict[str, dict] = {}
    for number, record in enumerate(rows, start=1):
        if not isinstance(record, dict) or not isinstance(record.get("id"), str) or "status" not in record:
            raise DlxError(f"record {number} of '{path}' is not a trial record (a JSON object with 'id' and "
                           f"'status'); delete that line and resume the sweep to rerun its trial")
        records[record["id"]] = record
    return list(records.values()), clean


def write_state(sweep_dir: Path, state: dict) -> None:
    atomic_write_json(Path(sweep_dir) / "state.json", state)


def read_state(sweep_dir: Path) -> dict:
    path = Path(sweep_dir) / "state.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}


def write_summary_csv(path: Path, rows: list[dict]) -> None:
    """The group rows as CSV (columns in first-seen order, as metrics.csv)."""
    atomic_write_text(path, csv_text(rows))


def open_sweep_dir(results_root: str | Path, name: str, spec: dict, config_yaml: str) -> Path:
    """``create_sweep_dir`` with ``sweep.yaml`` (``spec``), the resolved ``config.yaml`` and ``trials/``:
    how cross-validation and the curves open their sweep folder."""
    sweep_dir = create_sweep_dir(results_root, name)
    write_sweep_file(sweep_dir, spec)
    atomic_write_text(sweep_dir / "config.yaml", config_yaml)
    (sweep_dir / "trials").mkdir()
    return sweep_dir


def write_trial_records(sweep_dir: Path, records: list[dict]) -> None:
    """``trials.jsonl`` with exactly ``records`` (a sweep run in one process rewrites it after each trial)."""
    atomic_write_text(Path(sweep_dir) / TRIALS_FILE, "".join(json.dumps(to_jsonable(r)) + "\n" for r in records))


def write_results(sweep_dir: Path, title: str, lines: list[str], rows: list[dict], images: list[Path]) -> None:
    """``summary.csv`` (``rows``) and ``report.md``: the title, ``lines``, the table and the plots."""
    write_summary_csv(Path(sweep_dir) / "summary.csv", rows)
    columns = list(dict.fromkeys(key for row in rows for key in row))
    table = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    table += ["| " + " | ".join(cell(row.get(c)) for c in columns) + " |" for row in rows]
    pictures = [f"![{p.stem}](plots/{p.name})" for p in images]
    atomic_write_text(Path(sweep_dir) / "report.md", "\n".join([f"# {title}", "", *lines, "", *table, "",
                                                                 *pictures]) + "\n")

