"""A run or sweep folder read into one flat record: what ``dlx runs`` lists, filters and sorts.

The layout it knows (``dlx/runs/rundir.py``, ``dlx/sweep/layout.py``)::

    <results>/<name>/<stamp>/                        a run       (kind: supervised, generative, rl, ...)
    <results>/sweeps/<name>/<stamp>/                 a sweep     (kind: sweep)
    <results>/sweeps/<name>/<stamp>/trials/<id>/     its trials  (parent: the sweep's path)

A record is plain JSON: ``path`` (relative to the results folder), ``name``, ``kind``, ``stamp``,
``status``, ``epochs``, ``parent``, ``metrics`` (name -> number) and ``config`` (dotted key ->
scalar). A folder whose summary cannot be read still gives a record, with status ``unreadable``::

    record = read_record(Path("results"), Path("results/xor/20250101-120000-3fa9c2"))
    record["metrics"]["train_accuracy"], record["config"]["optimiser.lr"]
"""
from __future__ import annotations

import csv
import json
import math
import os
from pathlib import Path

import yaml

from dlx.runs.rundir import RUN_DIR_PATTERN

SWEEPS = "sweeps"
SKIPPED_METRICS = {"epoch", "epoch_seconds", "samples_per_second"}
KINDS = {"reinforcement_learning": "rl"}
Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # the C loader when libyaml is there; safe either way


def signature(folder: Path | str) -> str:
    """``mtime_ns:size`` of a sweep's state.json, else of summary.json ('' if neither): what changes when a
    folder's record does, cheap to read for thousands of folders."""
    for name in ("state.json", "summary.json"):
        try:
            info = os.stat(os.path.join(folder, name))
        except OSError:
            continue
        return f"{info.st_mtime_ns}:{info.st_size}"
    return ""


def list_folders(root: Path, trials: bool = True) -> list[tuple[str, str, str]]:
    """Every (folder, path relative to ``root``, role) under ``root``: role ``run``, ``sweep`` or ``trial``;
    hidden folders are skipped. Strings, not Paths: this runs over thousands of folders per command."""
    found: list[tuple[str, str, str]] = []
    for name in _subfolders(str(root)):
        sweep = name == SWEEPS
        for parent in (_subfolders(f"{root}/{name}") if sweep else [""]):
            middle = f"{name}/{parent}" if sweep else name
            for stamp in _subfolders(f"{root}/{middle}"):
                if not RUN_DIR_PATTERN.match(stamp):
                    continue
                relative = f"{middle}/{stamp}"
                found.append((f"{root}/{relative}", relative, "sweep" if sweep else "run"))
                if sweep and trials:
                    found += [(f"{root}/{relative}/trials/{trial}", f"{relative}/trials/{trial}", "trial")
                              for trial in _subfolders(f"{root}/{relative}/trials")]
    return found


def _subfolders(folder: str) -> list[str]:
    """The names of the folders in ``folder`` (none if it is missing), hidden ones left out, sorted."""
    try:
        with os.scandir(folder) as entries:
            return sorted(e.name for e in entries if not e.name.startswith(".") and e.is_dir())
    except OSError:
        return []


def read_record(root: Path, folder: Path, role: str = "run") -> dict:
    """The flat record of ``folder`` (a run, a sweep or a trial), never raising for a damaged folder."""
    relative = folder.relative_to(root).as_posix()
    parts = relative.split("/")
    record = {"path": relative, "name": parts[-2] if role != "trial" else parts[-4], "stamp": "",
              "kind": "sweep" if role == "sweep" else "", "status": "", "epochs": None,
              "parent": "/".join(parts[:-2]) if role == "trial" else "", "metrics": {}, "config": {},
              "signature": signature(folder), "problem": ""}
    if role != "trial":
        record["stamp"] = parts[-1][:15]
    else:
        record["stamp"] = parts[-3][:15]
        record["name"] = f"{parts[-4]}/{parts[-1]}"
    try:
        (_read_sweep if role == "sweep" else _read_run)(folder, record)
    except (OSError, ValueError, TypeError, AttributeError, yaml.YAMLError) as error:  # a damaged folder
        record["status"] = "unreadable"
        detail = " ".join(str(error).split())[:80]
        record["problem"] = f"{record['path']}: {detail or type(error).__name__}"
    return record


def _read_json(path: Path) -> dict:
    try:
        value = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise ValueError(f"{path.name} is not valid JSON: {error.msg}") from None
    except FileNotFoundError:
        raise ValueError(f"{path.name} is missing") from None
    if not isinstance(value, dict):
        raise ValueError(f"{path.name} holds no JSON object")
    return value


def _read_run(folder: Path, record: dict) -> None:
    summary = _read_json(folder / "summary.json")
    record["status"] = str(summary.get("status", ""))
    epochs = summary.get("epochs_completed")
    record["epochs"] = epochs if isinstance(epochs, int) and not isinstance(epochs, bool) else None
    record["metrics"] = headline_metrics(summary)
    record["config"] = read_config(folder / "config.yaml")
    record["kind"] = _kind(summary, record["config"])


def _kind(summary: dict, config: dict) -> str:
    """The experiment kind: the config's ``kind``, else what the summary's task says."""
    if config.get("kind"):
        return str(config["kind"])
    task = str(summary.get("task") or "")
    if task in ("generative", "reinforcement_learning"):
        return KINDS.get(task, task)
    if "environment" in config or any(key.startswith("environment.") for key in config):
        return "rl"
    return "supervised"


def _read_sweep(folder: Path, record: dict) -> None:
    """A sweep: status from state.json, its parameters and metric from sweep.yaml, its best group's
    numbers from summary.csv (``<metric>_mean`` listed as ``<metric>``)."""
    state = _read_json(folder / "state.json") if (folder / "state.json").is_file() else \
        _read_json(folder / "summary.json")
    record["status"] = str(state.get("status", ""))
    spec = read_config(folder / "sweep.yaml") if (folder / "sweep.yaml").is_file() else {}
    record["config"] = {key: value for key, value in spec.items()
                        if key.startswith(("parameters.", "kind")) or key in ("metric", "goal", "seeds", "k")}
    if isinstance(state.get("trials"), int):
        record["config"]["trials"] = state["trials"]
    best = first_csv_row(folder / "summary.csv")
    record["metrics"] = {key.removesuffix("_mean"): value for key, value in best.items()
                         if key.endswith("_mean") and key != "epochs_mean" and isinstance(value, float)
                         and math.isfinite(value)}
    if best.get("group"):
        record["config"]["best_group"] = best["group"]


def first_csv_row(path: Path) -> dict:
    if not path.is_file():
        return {}
    with path.open(encoding="utf-8", newline="") as handle:
        row = next(csv.DictReader(handle), None) or {}
    return {key: _number(value) for key, value in row.items() if key}


def _number(text):
    try:
        return float(text)
    except (TypeError, ValueError):
        return text


def headline_metrics(summary: dict) -> dict:
    """The numbers of a summary's ``final`` row, its ``test`` metrics as ``test_*``, and top-level numbers
    of the kind's own (an agent's ``eval_mean_return``)."""
    metrics = {}
    for key, value in summary.items():
        if _is_number(value) and key not in ("seed", "epochs_completed", "epochs_planned", "best_epoch"):
            metrics[key] = value
    final, test = summary.get("final"), summary.get("test")
    for key, value in final.items() if isinstance(final, dict) else ():
        if _is_number(value) and key not in SKIPPED_METRICS:
            metrics[key] = value
    for key, value in test.items() if isinstance(test, dict) else ():
        if _is_number(value):
            metrics[key if key.startswith("test_") else f"test_{key}"] = value
    return metrics


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def read_config(path: Path) -> dict:
    """``path`` (YAML, read safely) flattened to dotted keys; lists become JSON text; {} when missing."""
    if not path.is_file():
        return {}
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=Loader)  # noqa: S506 - a safe loader
    except yaml.YAMLError:
        raise ValueError(f"{path.name} is not valid YAML") from None
    return flatten(data) if isinstance(data, dict) else {}


def flatten(data: dict, prefix: str = "") -> dict:
    """``{"a": {"b": 1}, "c": [1, 2]}`` -> ``{"a.b": 1, "c": "[1, 2]"}``."""
    flat = {}
    for key, value in data.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(flatten(value, f"{name}."))
        elif isinstance(value, (list, tuple)):
            flat[name] = json.dumps(value, default=str)
        elif value is None or isinstance(value, (bool, int, float, str)):
            flat[name] = value
        else:
            flat[name] = str(value)
    return flat
