"""The results index: ``<results>/index.sqlite``, a cache of every folder's record (``dlx/runs/catalog.py``).

The folders are the truth. ``sync`` lists them (one ``stat`` each), rereads only those whose
summary changed since they were indexed, drops the records of folders that are gone, and
returns every record. A missing index is built, a corrupt one rebuilt, an unwritable results
folder indexed in memory: the index is never the reason a command fails. Run sessions and the
sweep driver call ``note_folder`` when they end, so the index is current before anyone asks::

    records, warnings = sync(Path("results"))         # [{'path': 'xor/2025...', 'status': 'finished', ...}]
    sync(Path("results"), rebuild=True)               # dlx runs --reindex: from the folders alone
    note_folder(Path("results/xor/20250101-120000-3fa9c2"))   # a session's last word; never raises
"""
from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from dlx.runs.catalog import SWEEPS, list_folders, read_record, signature
from dlx.runs.rundir import RUN_DIR_PATTERN

INDEX_NAME = "index.sqlite"
SCHEMA_VERSION = 2  # a change to the records (catalog.py) changes it: the index is rebuilt
SCHEMA = ("CREATE TABLE IF NOT EXISTS runs (path TEXT PRIMARY KEY, signature TEXT NOT NULL, kind TEXT, "
          "status TEXT, record TEXT NOT NULL)")


def open_index(root: Path) -> tuple[sqlite3.Connection, str]:
    """A connection to ``root``'s index and a warning ('' if none): a corrupt or foreign file is
    replaced; where the results folder cannot be written, an index in memory."""
    path = Path(root) / INDEX_NAME
    try:
        return _connect(path), ""
    except sqlite3.DatabaseError:
        pass
    try:
        path.unlink(missing_ok=True)
        return _connect(path), f"the results index '{path}' was unreadable; rebuilt it from the folders"
    except (OSError, sqlite3.Error):
        return _connect(":memory:"), ""


def _connect(path) -> sqlite3.Connection:
    connection = sqlite3.connect(str(path), timeout=10)
    try:
        version = connection.execute("PRAGMA user_version").fetchone()[0]
        if version != SCHEMA_VERSION:
            connection.execute("DROP TABLE IF EXISTS runs")
            connection.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        connection.execute(SCHEMA)
        connection.commit()
    except sqlite3.Error:
        connection.close()
        raise
    return connection


def sync(root: Path, rebuild: bool = False) -> tuple[list[dict], list[str]]:
    """Every record under ``root`` (runs, sweeps, trials), the index brought up to date, and the
    warning lines: folders gone since they were indexed, summaries that cannot be read."""
    root = Path(root)
    if not root.is_dir():
        return [], []
    connection, warning = open_index(root)
    warnings = [warning] if warning else []
    try:
        records, gone = _update(connection, root, rebuild)
    except sqlite3.Error:  # locked for too long, disk full: read the folders without the cache
        connection.close()
        connection = _connect(":memory:")
        records, gone = _update(connection, root, True)
    finally:
        connection.close()
    if gone:
        shown = ", ".join(gone[:3]) + (f" and {len(gone) - 3} more" if len(gone) > 3 else "")
        warnings.append(f"{len(gone)} indexed run folder{'s' if len(gone) > 1 else ''} no longer "
                        f"exist{'s' if len(gone) == 1 else ''} ({shown}): deleted by hand? dropped from the index")
    unreadable = [r for r in records if r["status"] == "unreadable"]
    if unreadable:
        shown = "; ".join(r["problem"] for r in unreadable[:3]) + (" ..." if len(unreadable) > 3 else "")
        warnings.append(f"{len(unreadable)} run folder{'s' if len(unreadable) > 1 else ''} cannot be read "
                        f"({shown}); listed with status 'unreadable': restore the file or delete the folder")
    return records, warnings


def _update(connection: sqlite3.Connection, root: Path, rebuild: bool) -> tuple[list[dict], list[str]]:
    if rebuild:
        connection.execute("DELETE FROM runs")
    known = {path: (stored, record) for path, stored, record in
             connection.execute("SELECT path, signature, record FROM runs")}
    records, fresh = [], []
    for folder, path, role in list_folders(root):
        stored, text = known.pop(path, ("", None))
        if text is None or stored == "-" or stored != signature(folder):
            record = read_record(root, Path(folder), role)
            fresh.append(record)
        else:
            record = json.loads(text)
        records.append(record)
    connection.executemany("INSERT OR REPLACE INTO runs VALUES (?, ?, ?, ?, ?)", [_row(r) for r in fresh])
    connection.executemany("DELETE FROM runs WHERE path = ?", [(path,) for path in known])
    connection.commit()
    gone = sorted(path for path in known if "/trials/" not in path or path.split("/trials/")[0] not in known)
    return records, gone


def _row(record: dict) -> tuple:
    return (record["path"], record["signature"] or "-", record["kind"], record["status"],
            json.dumps(record, allow_nan=True, default=str))


def locate(folder: Path) -> tuple[Path, str] | None:
    """(results folder, role) of a run, sweep or trial folder; None for any other place."""
    folder = Path(folder).resolve()
    if folder.parent.name == "trials" and RUN_DIR_PATTERN.match(folder.parent.parent.name) \
            and folder.parents[3].name == SWEEPS:
        return folder.parents[4], "trial"
    if not RUN_DIR_PATTERN.match(folder.name):
        return None
    if folder.parents[1].name == SWEEPS:
        return folder.parents[2], "sweep"
    return folder.parents[1], "run"


def note_folder(folder: Path, with_trials: bool = False) -> None:
    """Bring ``folder``'s record in its results index up to date (a sweep's trials too if
    ``with_trials``); silent: an index that cannot be written is rebuilt by the next ``sync``."""
    try:
        place = locate(folder)
        if place is None:
            return
        root, role = place
        folders = [(Path(folder).resolve(), role)]
        if with_trials:
            folders += [(trial, "trial") for trial in sorted((folders[0][0] / "trials").glob("*")) if trial.is_dir()]
        connection, _ = open_index(root)
        try:
            connection.executemany("INSERT OR REPLACE INTO runs VALUES (?, ?, ?, ?, ?)",
                                   [_row(read_record(root, f, r)) for f, r in folders])
            connection.commit()
        finally:
            connection.close()
    except Exception:  # noqa: BLE001 - the index is a cache; a run never fails for it
        return
