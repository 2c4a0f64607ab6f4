"""Run directories: ``results/<run-name>/<YYYYmmdd-HHMMSS>-<6 hex>/``.

A run directory is created with ``mkdir(exist_ok=False)`` and never reused: two
runs started in the same second get different random suffixes. The suffix comes
from ``secrets``, not from the experiment's seed, so seeding an experiment never
makes two runs collide or influences names.

Example::

    run_dir = create_run_dir("results", "mnist-mlp")
    # results/mnist-mlp/20250101-120000-3fa9c2/  (with plots/ inside)
    latest_run("results", "mnist-mlp") == run_dir
"""
from __future__ import annotations

import errno
import os
import re
import secrets
from datetime import datetime
from pathlib import Path

from dlx.errors import DlxError

RUN_DIR_PATTERN = re.compile(r"^(\d{8}-\d{6})-([0-9a-f]{6})$")
TIMESTAMP_FORMAT = "%Y%m%d-%H%M%S"
MAX_NAME_ATTEMPTS = 1000


def validate_run_name(run_name: str) -> str:
    """Return ``run_name`` if it can name one folder, else raise ``DlxError``.

    Example::

        validate_run_name("mnist-mlp")   # 'mnist-mlp'
        validate_run_name("a/b")         # DlxError
    """
    bad_characters = {"/", "\\", "\0"} | ({os.sep, os.altsep} - {None})
    if (
        not isinstance(run_name, str)
        or run_name.strip() in ("", ".", "..")
        or any(character in run_name for character in bad_characters)
    ):
        raise DlxError(
            f"invalid run name {run_name!r}: use a non-empty folder name without '/' or '\\', "
            "not '.' or '..' (for example 'mnist-mlp')"
        )
    return run_name


def _results_error(root: Path, error: OSError) -> DlxError:
    """The one-line error for a results folder that cannot be created or written."""
    if isinstance(error, FileExistsError) or error.errno == errno.EEXIST:
        reason = f"'{error.filename}' is a file, not a folder" if error.filename else "a file is in the way"
    elif isinstance(error, NotADirectoryError) or error.errno == errno.ENOTDIR:
        reason = "part of the path is a file, not a folder"
    else:
        reason = error.strerror or type(error).__name__
    return DlxError(
        f"cannot write results folder '{root}': {reason}; choose another with --results or output.results_dir"
    )


def _ensure_folder(folder: Path, root: Path) -> None:
    """Create ``folder`` (and parents) or raise the results-folder ``DlxError``."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise _results_error(root, error) from None
    if not os.access(folder, os.W_OK | os.X_OK):
        raise _results_error(root, PermissionError(errno.EACCES, "Permission denied"))


def create_run_dir(results_root: Path | str, run_name: str, now: datetime | None = None) -> Path:
    """Create and return a fresh ``results_root/run_name/<YYYYmmdd-HHMMSS>-<6 hex>/`` with ``plots/``.

    Args:
        results_root: the results folder (created if missing).
        run_name: one folder name, e.g. the experiment's name.
        now: the timestamp to use (default: the current local time).

    Raises:
        DlxError: the run name is invalid, or the results folder cannot be written.

    Example::

        run_dir = create_run_dir("results", "xor", now=datetime(2025, 1, 1, 12, 0, 0))
        run_dir.name  # '20250101-120000-<6 random hex>'
    """
    validate_run_name(run_name)
    root = Path(results_root)
    parent = root / run_name
    _ensure_folder(parent, root)
    stamp = (now or datetime.now()).strftime(TIMESTAMP_FORMAT)
    for _ in range(MAX_NAME_ATTEMPTS):
        run_dir = parent / f"{stamp}-{secrets.token_hex(3)}"
        try:
            run_dir.mkdir(exist_ok=False)
        except FileExistsError:
            continue  # taken by another run: never reuse, draw another suffix
        except OSError as error:
            raise _results_error(root, error) from None
        (run_dir / "plots").mkdir()
        return run_dir
    raise DlxError(f"cannot create a new run folder in '{parent}': all names tried were taken; remove old runs")


def _runs_in(parent: Path) -> list[Path]:
    """The run folders directly inside ``parent`` (no error if it is missing)."""
    if not parent.is_dir():
        return []
    return [path for path in parent.iterdir() if path.is_dir() and RUN_DIR_PATTERN.match(path.name)]


def _newest_first_key(run_dir: Path) -> tuple[str, int]:
    """Sort key: the timestamp in the name, then the folder's modification time."""
    try:
        modified = run_dir.stat().st_mtime_ns
    except OSError:
        modified = 0
    return run_dir.name[:15], modified


def find_runs(results_root: Path | str, run_name: str | None = None) -> list[Path]:
    """All run folders of ``run_name`` (or of every run name), newest first.

    Folders that do not look like ``<YYYYmmdd-HHMMSS>-<6 hex>`` are ignored, so
    ``results/sweeps/`` is not mistaken for a run name.

    Example::

        find_runs("results", "xor")   # [results/xor/20250102-..., results/xor/20250101-...]
    """
    root = Path(results_root)
    if run_name is not None:
        validate_run_name(run_name)
        runs = _runs_in(root / run_name)
    else:
        names = sorted(root.iterdir()) if root.is_dir() else []
        runs = [run for name in names if name.is_dir() for run in _runs_in(name)]
    return sorted(runs, key=_newest_first_key, reverse=True)


def latest_run(results_root: Path | str, run_name: str | None = None) -> Path:
    """The newest run folder of ``run_name`` (or of any run name).

    Raises:
        DlxError: there is no run yet.

    Example::

        latest_run("results", "xor")  # results/xor/20250102-093000-1c2d3e
    """
    runs = find_runs(results_root, run_name)
    if not runs:
        what = f"runs of '{run_name}'" if run_name is not None else "runs"
        raise DlxError(f"no {what} in '{results_root}'; train one first with 'dlx train <config>' or pass --results")
    return runs[0]
