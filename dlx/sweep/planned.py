"""The trials of a planner (cross-validation folds, learning-curve points, capacity values), run in order or
on the sweep's process pool, and resumed from the folders an interrupted run left.

A planner builds every ``Trial`` first, each with its folder ``<sweep_dir>/trials/<index>``;
``run_planned`` runs those that have no result yet and gives every trial's ``TrialResult``
(None for one not run, because an earlier one was interrupted)::

    results = run_planned(trials, workers=2)          # the pool of ``dlx sweep``
    results = run_planned(trials, reporter=reporter)  # one after another, in this process
    results = run_planned(trials, workers=2, backend="ray")   # as Ray tasks (a local Ray, or at address=)

A trial whose folder holds a ``summary.json`` with a final status (finished, early stopped,
diverged, pruned) is done: its result is read back, so ``--resume`` runs only the rest; the
partial folder of an interrupted or failed one is removed and the trial runs again.
"""
from __future__ import annotations

import json
import shutil
from pathlib import Path

from dlx.errors import DlxError
from dlx.sweep.trials import Trial, TrialResult, run_trial

DONE = ("finished", "early_stopped", "diverged", "pruned")


def done_result(trial: Trial) -> TrialResult | None:
    """The result a trial's folder already holds, or None (the folder is removed if partial)."""
    folder = Path(trial.folder)
    summary_file = folder / "summary.json"
    if summary_file.is_file():
        summary = json.loads(summary_file.read_text(encoding="utf-8"))
        if summary.get("status") in DONE:
            return TrialResult(trial.id, summary["status"], summary.get("message", ""), str(folder), summary)
    if folder.is_dir():
        shutil.rmtree(folder)
    return None


def run_planned(trials: list[Trial], workers: int | None = None, reporter=None, backend: str = "local",
                address: str | None = None) -> list[TrialResult | None]:
    """Every trial's result in order; ``workers`` None with the local backend: in this process (``reporter``
    shows each trial's epochs), stopping after an interrupted trial; otherwise the pool of ``workers``
    processes of ``dlx sweep``, or with ``backend="ray"`` its Ray backend (at ``address``, or a local Ray)."""
    results: dict[int, TrialResult | None] = {i: done_result(trial) for i, trial in enumerate(trials)}
    todo = [i for i, result in results.items() if result is None]
    if workers is None and backend != "ray":
        for i in todo:
            results[i] = run_trial(trials[i], reporter=reporter)
            if results[i].status == "interrupted":
                break
        return [results[i] for i in range(len(trials))]
    from dlx.sweep import executors
    from dlx.sweep.sampling import PlannedTrial
    planned = [PlannedTrial(trials[i], str(i), str(i), {}, trials[i].seed or 0) for i in todo]
    def on_result(item, result):
        results[int(item.id)] = result

    try:
        if backend == "ray":
            from dlx.sweep.ray_backend import run_ray
            run_ray(planned, ("val_loss", None), workers, address, on_result, lambda progress: None)
        else:
            executors.run_pool(planned, ("val_loss", None), workers, on_result, lambda progress: None)
    except KeyboardInterrupt:
        pass  # the trials without a result are reported as not run; --resume runs them
    return [results[i] for i in range(len(trials))]


def results_in_order(trials: list[Trial], workers: int | None = None, reporter=None, what: str = "trial",
                     backend: str = "local", address: str | None = None):
    """``(index, result)`` of ``run_planned``'s trials in order, up to the first that did not run and
    through the first interrupted one; a failed trial is a DlxError naming ``what`` and its folder."""
    for index, result in enumerate(run_planned(trials, workers, reporter, backend, address)):
        if result is None:
            return
        if result.status == "failed":
            raise DlxError(f"{what} {index} failed: {result.message}; its folder is {result.run_dir}")
        yield index, result
        if result.status == "interrupted":
            return
