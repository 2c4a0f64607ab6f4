"""Run the claims: each runnable claim's sweep on the pool (or Ray), resumable, then one report.

Sweeps land in ``<results>/sweeps/<sweep name>/<stamp>/`` (``results/claims`` by default), so a
claim is an ordinary sweep folder with its trials, summary, plots and verdicts. With
``resume`` a claim whose latest sweep finished is not run again and one that was interrupted
goes on from its missing trials::

    results = run_claims(pick(load_catalog(), ["lr-too-large-diverges"]), "results/claims", workers=2)
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from dlx.claims.catalog import Claim

DEFAULT_RESULTS = Path("results") / "claims"


@dataclass
class ClaimRun:
    """What running one claim did: its sweep folder, the sweep's exit code, seconds, or why it did not run."""

    claim: Claim
    sweep_dir: Path | None = None
    exit_code: int | None = None
    seconds: float = 0.0
    skipped: str = ""


def latest_sweep(results_root: Path, sweep_name: str) -> Path | None:
    """The newest sweep folder of ``sweep_name`` under ``results_root`` (folders are named by stamp)."""
    root = Path(results_root) / "sweeps" / sweep_name
    folders = sorted(p for p in root.iterdir() if (p / "sweep.yaml").is_file()) if root.is_dir() else []
    return folders[-1] if folders else None


def sweep_status(sweep_dir: Path | None) -> str | None:
    from dlx.sweep.layout import read_state
    if sweep_dir is None or not (sweep_dir / "state.json").is_file():
        return None
    return read_state(sweep_dir).get("status")


def run_claim(claim: Claim, results_root: Path, workers: int | None, backend: str, resume: bool,
              display=None) -> ClaimRun:
    from dlx.sweep.driver import run_sweep
    from dlx.sweep.spec import load_sweep
    if not claim.runnable:
        return ClaimRun(claim, skipped=f"pending: {claim.pending}")
    loaded = load_sweep(claim.path)
    previous = latest_sweep(results_root, loaded.spec.name) if resume else None
    if previous is not None and sweep_status(previous) == "finished":
        return ClaimRun(claim, previous, skipped="finished before (--resume)")
    start = time.perf_counter()
    outcome = run_sweep(loaded, backend=backend, workers=workers, results_root=str(results_root),
                        resume_dir=previous, display=display)
    return ClaimRun(claim, outcome.sweep_dir, outcome.exit_code, time.perf_counter() - start)


def run_claims(claims: list[Claim], results_root: str | Path = DEFAULT_RESULTS, workers: int | None = None,
               backend: str = "local", resume: bool = False, display=None, on_claim=None) -> list[ClaimRun]:
    """Run every claim in turn (each sweep's trials in parallel); ``on_claim(run)`` after each."""
    from dlx.sweep.driver import validate
    from dlx.sweep.spec import load_sweep
    for claim in claims:       # every file and its claims (groups, metrics, seeds) checked before any trial
        if claim.runnable:
            validate(load_sweep(claim.path))
    runs = []
    for claim in claims:
        run = run_claim(claim, Path(results_root), workers, backend, resume, display)
        runs.append(run)
        if on_claim is not None:
            on_claim(run)
    return runs
