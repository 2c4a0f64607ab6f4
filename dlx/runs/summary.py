"""``summary.json``: the outcome of a run, with the versions that produced it.

Example::

    write_summary(run_dir, {"best_epoch": 7, "test": {"accuracy": 0.97},
                            "versions": package_versions()})
    read_summary(run_dir)["best_epoch"]  # 7
"""
from __future__ import annotations

import json
import platform
from importlib import metadata
from pathlib import Path
from typing import Any, Mapping

import numpy as np

from dlx.errors import DlxError
from dlx.runs.files import atomic_write_json

SUMMARY_NAME = "summary.json"
# The fields every run's summary.json has, whatever its kind (``RunSession.finish`` writes them):
# kind (supervised, generative, rl; a child run: its command), status, headline (name -> number),
# artifacts (the files the run wrote, relative to its folder) and provenance (``dlx.runs.provenance``).
SUMMARY_FIELDS = ("kind", "status", "headline", "artifacts", "provenance")
NOT_ARTIFACTS = {SUMMARY_NAME, ".lock"}  # the record itself and the lock; child runs are runs of their own

# key in the result -> distribution name for importlib.metadata
OPTIONAL_PACKAGES = {
    "pyyaml": "PyYAML",
    "pydantic": "pydantic",
    "matplotlib": "matplotlib",
    "scikit-learn": "scikit-learn",
    "typer": "typer",
    "rich": "rich",
}


def _dlx_version() -> str:
    try:
        from dlx import __version__

        return __version__
    except ImportError:  # pragma: no cover - dlx is always importable here
        return metadata.version("dlx")


def package_versions() -> dict[str, str]:
    """Versions of Python, NumPy, dlx and the optional packages that are installed.

    Packages that are not installed are left out. Nothing is imported except
    dlx itself; versions come from ``importlib.metadata``.

    Example::

        package_versions()
        # {'python': '3.11.9', 'numpy': '2.1.0', 'dlx': '0.1.0', 'pyyaml': '6.0.2', ...}
    """
    versions = {"python": platform.python_version(), "numpy": np.__version__, "dlx": _dlx_version()}
    for key, distribution in OPTIONAL_PACKAGES.items():
        try:
            versions[key] = metadata.version(distribution)
        except metadata.PackageNotFoundError:
            continue
    return versions


def list_artifacts(run_dir: Path | str) -> list[str]:
    """The files in ``run_dir`` (relative, sorted), leaving out summary.json, the lock and ``children/``."""
    run_dir = Path(run_dir)
    return sorted(str(path.relative_to(run_dir)) for path in run_dir.rglob("*")
                  if path.is_file() and path.name not in NOT_ARTIFACTS and not path.name.endswith(".tmp")
                  and path.relative_to(run_dir).parts[0] != "children")


def write_summary(run_dir: Path | str, summary: Mapping[str, Any]) -> Path:
    """Write ``summary`` to ``run_dir/summary.json`` atomically; NumPy values are converted.

    Args:
        run_dir: the run folder.
        summary: JSON-serialisable dict (nested dicts and lists, e.g. a confusion matrix, are fine).

    Returns:
        The path of ``summary.json``.

    Example::

        write_summary(run_dir, {"final": {"val_loss": np.float32(0.1)}})
    """
    return atomic_write_json(Path(run_dir) / SUMMARY_NAME, dict(summary))


def read_summary(run_dir: Path | str) -> dict[str, Any]:
    """Read ``run_dir/summary.json``.

    Raises:
        DlxError: the file is missing or not a JSON object.

    Example::

        read_summary("results/xor/20250101-120000-3fa9c2")["versions"]["numpy"]
    """
    path = Path(run_dir) / SUMMARY_NAME
    try:
        summary = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DlxError(
            f"'{path}' does not exist; the run did not finish, or give the folder of a finished run"
        ) from None
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise DlxError(f"'{path}' is not valid JSON ({error}); rerun the experiment to write it again") from None
    if not isinstance(summary, dict):
        raise DlxError(f"'{path}' does not hold a JSON object; rerun the experiment to write it again")
    return summary
