"""``dlx verify RUN|SWEEP``: rerun a run (or every trial of a sweep) from its record and compare the numbers.

A run's ``summary.json`` records the config it started with (``recorded_config``, ``config_sha256``) and its
provenance (code, data, packages, BLAS, platform). Verifying a run:

1. compares the folder's ``config.yaml`` with the record; an edit is reported key by key
   ("optimiser.lr: 0.1 -> 0.2") and nothing is rerun;
2. trains the recorded config again in a temporary folder (the same seed);
3. compares every number of the two summaries' ``final`` and ``test`` metrics: **exactly** when
   the rerun's provenance matches the record's (same packages, BLAS and platform: dlx is
   deterministic there), else within ``TOLERANCE`` relative, and says which it used.

A sweep is verified trial by trial: its ``sweep.yaml`` runs again into a temporary folder and each
trial's metrics are compared with the recorded trial of the same id.
"""
from __future__ import annotations

import math
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from dlx.errors import DlxError

TOLERANCE = 1e-6          # relative, across machines or package versions
COMPARED = ("final", "test")


@dataclass
class Verification:
    """What verifying found: ``reproduced`` or not, the tolerance used, and the lines that say so."""

    reproduced: bool
    tolerance: float
    compared: int = 0
    lines: list[str] = field(default_factory=list)


def config_changes(recorded, current, path: str = "") -> list[str]:
    """``key: old -> new`` for every dotted key whose value differs between two config mappings."""
    if isinstance(recorded, dict) and isinstance(current, dict):
        changes = []
        for key in sorted(set(recorded) | set(current), key=str):
            where = f"{path}.{key}" if path else str(key)
            if key not in current:
                changes.append(f"{where}: {recorded[key]!r} -> (removed)")
            elif key not in recorded:
                changes.append(f"{where}: (added) -> {current[key]!r}")
            else:
                changes += config_changes(recorded[key], current[key], where)
        return changes
    return [] if recorded == current else [f"{path}: {recorded!r} -> {current!r}"]


def numbers_of(summary: dict) -> dict[str, float]:
    """The numeric metrics of a summary's ``final`` and ``test`` parts, as ``part.name`` (timings such as
    ``epoch_seconds`` and ``samples_per_second`` measure the machine's load, not the run, and are left out)."""
    out = {}
    for part in COMPARED:
        for name, value in (summary.get(part) or {}).items():
            if "second" in name or "time" in name:
                continue
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                out[f"{part}.{name}"] = float(value)
    return out


def same_machine(a: dict, b: dict) -> bool:
    """Whether two provenance records have the same packages, BLAS and platform."""
    keys = ("versions", "blas", "platform")
    return all((a or {}).get(k) == (b or {}).get(k) for k in keys)


def compare_numbers(recorded: dict, rerun: dict, tolerance: float, label: str = "") -> list[str]:
    """The differences beyond ``tolerance`` (0: exact) between two ``numbers_of`` mappings."""
    lines = []
    for key in sorted(set(recorded) | set(rerun)):
        a, b = recorded.get(key), rerun.get(key)
        if a is None or b is None:
            lines.append(f"{label}{key}: {a} recorded, {b} rerun")
        elif not (a == b or (math.isnan(a) and math.isnan(b))
                  or (tolerance and abs(a - b) <= tolerance * max(abs(a), abs(b)))):
            lines.append(f"{label}{key}: {a!r} recorded, {b!r} rerun")
    return lines


def verify_run(run_dir: str | Path) -> Verification:
    from dlx.config.safe_yaml import load_yaml
    from dlx.experiments import kind_named, load_experiment
    from dlx.runs.summary import read_summary
    run_dir = Path(run_dir)
    if not (run_dir / "summary.json").is_file():
        raise DlxError(f"'{run_dir}' is not a run folder (no summary.json); give a folder dlx train wrote, or a "
                       f"sweep folder")
    summary = read_summary(run_dir)
    if summary.get("status") not in ("finished", "early_stopped"):
        raise DlxError(f"run '{run_dir}' is {summary.get('status')}; only a finished run can be verified")
    if "recorded_config" not in summary:
        raise DlxError(f"run '{run_dir}' has no recorded config (it was made before dlx kept one); train it again "
                       f"and verify the new run")
    current = load_yaml((run_dir / "config.yaml").read_text(encoding="utf-8"))
    changes = config_changes(summary["recorded_config"], current)
    if changes:
        return Verification(False, 0.0, 0, ["config.yaml was edited after the run: " + "; ".join(changes)])
    loaded = load_experiment(run_dir / "config.yaml")
    with tempfile.TemporaryDirectory(prefix="dlx-verify-") as scratch:
        rerun = kind_named(loaded.kind).train(loaded, results_dir=scratch).summary
    tolerance = 0.0 if same_machine(summary.get("provenance"), rerun.get("provenance")) else TOLERANCE
    recorded_numbers, rerun_numbers = numbers_of(summary), numbers_of(rerun)
    lines = compare_numbers(recorded_numbers, rerun_numbers, tolerance)
    return Verification(not lines, tolerance, len(recorded_numbers), lines)


def verify_sweep(sweep_dir: str | Path, workers: int | None = None) -> Verification:
    from dlx.sweep.driver import open_resumed, run_sweep
    from dlx.sweep.layout import read_records
    sweep_dir = Path(sweep_dir)
    recorded = {r["id"]: r for r in read_records(sweep_dir)}
    if not recorded:
        raise DlxError(f"sweep '{sweep_dir}' has no trial results to verify; run or resume it first")
    loaded = open_resumed(sweep_dir)
    scratch = Path(tempfile.mkdtemp(prefix="dlx-verify-"))
    try:
        outcome = run_sweep(loaded, workers=workers, results_root=str(scratch))
        again = {r["id"]: r for r in outcome.records}
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    lines, compared, exact = [], 0, True
    for trial_id, record in sorted(recorded.items()):
        new = again.get(trial_id)
        if new is None:
            lines.append(f"trial {trial_id}: not rerun")
            continue
        old_summary, new_summary = record.get("summary") or {}, new.get("summary") or {}
        tolerance = 0.0 if same_machine(old_summary.get("provenance"), new_summary.get("provenance")) else TOLERANCE
        exact = exact and tolerance == 0.0
        numbers = numbers_of(old_summary)
        compared += len(numbers)
        lines += compare_numbers(numbers, numbers_of(new_summary), tolerance, f"trial {trial_id}: ")
    return Verification(not lines, 0.0 if exact else TOLERANCE, compared, lines)


def verify(path: str | Path, workers: int | None = None) -> Verification:
    """A sweep folder (it has sweep.yaml and trials.jsonl) or a run folder."""
    path = Path(path)
    if not path.is_dir():
        raise DlxError(f"'{path}' not found; give a run folder or a sweep folder under results/")
    if (path / "sweep.yaml").is_file():
        return verify_sweep(path, workers)
    return verify_run(path)


def describe(result: Verification) -> str:
    if not result.reproduced:
        return "NOT reproduced: " + "; ".join(result.lines[:10]) + (" ..." if len(result.lines) > 10 else "")
    how = "identical" if result.tolerance == 0.0 else f"equal within {result.tolerance:g} relative " \
                                                     f"(another machine or package versions)"
    return f"reproduced: {result.compared} metrics {how}"
