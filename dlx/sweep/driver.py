"""The sweep driver: validate everything, run the trials somewhere, collect, write every file, judge.

Example::

    from dlx.sweep.spec import load_sweep
    from dlx.sweep.driver import run_sweep
    outcome = run_sweep(load_sweep("experiments/sweeps/lr_digits.yaml"), workers=2)
    outcome.sweep_dir, outcome.table[0]["group"], [v.held for v in outcome.verdicts], outcome.exit_code

Exit codes (``outcome.exit_code``, also the exit status of ``dlx sweep``): 0 every trial
ran and no claim failed (a statistical claim the seeds do not decide is "not shown", not a
failure); 2 some trials failed (raised; their causes are in trials.jsonl, summary.csv and the
report); 3 no trial failed but a claim of ``expect`` failed;
130 interrupted (rerun with ``--resume SWEEP_DIR``). A diverged trial is a result, not a
failure: learning-rate sweeps are meant to find where training diverges.
"""
from __future__ import annotations

import os
import shutil
from collections import Counter
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from dlx.errors import ConfigError, DlxError
from dlx.experiments import KINDS, kind_named, kind_of
from dlx.runs.index import note_folder
from dlx.runs.lock import FolderLock
from dlx.sweep import layout
from dlx.sweep.asha import Asha, Coordinator
from dlx.sweep.expect import Verdict, evaluate_claim
from dlx.sweep.groups import RECORD_METRICS, GroupLookup, check_claims, group_table, metric_value
from dlx.sweep.sampling import PlannedTrial, count_trials, place, plan_sweep
from dlx.sweep.spec import LoadedSweep, parse_sweep

OBJECTIVE_METRICS = {"train_loss", "steps_to_target", "x", "y"}
ROW_METRICS = {"lr", "epoch_seconds", "samples_per_second", "penalty"}  # in every metrics row
TABLE_METRICS = ("val_loss", "val_accuracy", "train_loss")


@dataclass
class SweepOutcome:
    sweep_dir: Path
    status: str
    records: list[dict]
    table: list[dict]
    verdicts: list[Verdict] = field(default_factory=list)
    ran: int = 0  # trials run by this call (a resumed sweep: only the missing ones)

    @property
    def counts(self) -> Counter:
        return Counter(r["status"] for r in self.records)

    @property
    def exit_code(self) -> int:
        if self.status == "interrupted":
            return 130
        if self.counts.get("failed"):
            return 2
        return 3 if any(v.failed for v in self.verdicts) else 0


def known_metrics(loaded: LoadedSweep | None = None) -> set[str]:
    """The metrics a sweep can rank by: those of its base config's kind (every kind's without one)."""
    kinds = [kind_named(kind_of(loaded.base))] if loaded is not None and "objective" not in loaded.base else \
        list(KINDS.values())
    return {m for kind in kinds for m in kind.metrics()} | OBJECTIVE_METRICS | ROW_METRICS | set(RECORD_METRICS)


def validate(loaded: LoadedSweep, max_trials: int | None = None) -> list[PlannedTrial]:
    """Every trial planned and checked, every claim's groups and metrics found; ConfigError otherwise.

    More than ``max_trials`` trials (None: no limit) is refused before any is planned."""
    count, made_of = count_trials(loaded.spec)
    if max_trials is not None and count > max_trials:
        raise loaded.error(("parameters",), f"the sweep has {count:,} trials ({made_of}), more than {max_trials:,}; "
                                            f"use fewer values or seeds, or add --yes to run them all")
    metrics = known_metrics(loaded)
    if loaded.spec.metric not in metrics:
        raise loaded.error(("metric",), f"unknown metric '{loaded.spec.metric}'; known: {', '.join(sorted(metrics))}")
    plan = plan_sweep(loaded)
    seeds: dict[str, set] = {}
    for p in plan:
        seeds.setdefault(p.group, set()).add(p.seed)
    check_claims(loaded.spec.expect, {p.group: p.params for p in plan}, metrics, loaded.error,
                 min((len(s) for s in seeds.values()), default=0))
    return plan


def open_resumed(sweep_dir: str | Path) -> LoadedSweep:
    """The sweep of an existing sweep folder, from its ``sweep.yaml``."""
    path = Path(sweep_dir) / "sweep.yaml"
    if not path.is_file():
        raise DlxError(f"'{sweep_dir}' is not a dlx sweep folder (no sweep.yaml); give a folder under "
                       f"results/sweeps/<name>/")
    return parse_sweep(path.read_text(encoding="utf-8"), str(path), folder=path.parent)


def missing_trials(plan: list[PlannedTrial], sweep_dir: Path) -> list[PlannedTrial]:
    """Trials without a result (never run, or interrupted); their partial folders are removed."""
    done = {r["id"] for r in layout.read_records(sweep_dir) if r["status"] != "interrupted"}
    missing = [p for p in plan if p.id not in done]
    for item in missing:
        folder = Path(item.trial.folder)
        if folder.is_dir() and folder.parent == sweep_dir / "trials":
            shutil.rmtree(folder)
    return missing


def record_of(item: PlannedTrial, result, sweep_dir: Path, metric: str) -> dict:
    """The ``trials.jsonl`` line of a finished trial."""
    summary = result.summary or {}
    kept = {k: summary.get(k) for k in ("final", "best", "test", "epochs_completed", "epochs_planned")}
    run_dir = os.path.relpath(result.run_dir, sweep_dir) if result.run_dir else ""
    record = {"id": item.id, "group": item.group, "params": item.params, "seed": item.seed,
              "status": result.status, "message": result.message, "run_dir": run_dir, "summary": kept,
              "history": result.history}
    record["metric"] = metric_value(record, metric)
    return record


def run_sweep(loaded: LoadedSweep, backend: str = "local", workers: int | None = None, address: str | None = None,
              results_root: str | None = None, resume_dir: str | Path | None = None, display=None,
              max_trials: int | None = None) -> SweepOutcome:
    """Validate, run the missing trials, and write trials.jsonl, summary.csv, plots and reports.

    ``max_trials``: refuse a sweep of more trials before planning them (None: no limit). A sweep with
    ``search:`` draws its values from Optuna as it goes (``dlx.sweep.search``)."""
    if loaded.spec.search:
        from dlx.sweep.search import run_search
        return run_search(loaded, backend, workers, address, results_root, resume_dir, display)
    check_backend(backend)
    plan = validate(loaded, max_trials)
    with backend_connection(backend, workers, address):  # Ray is reached before the sweep folder is made
        sweep_dir, plan = prepare_sweep(loaded, results_root, resume_dir, plan)
        return execute_sweep(loaded, plan, sweep_dir, backend, workers, address, display)


def check_backend(backend: str) -> None:
    if backend not in ("local", "ray", "serial"):
        raise ConfigError(f"unknown backend '{backend}'; use local, ray or serial")
    if backend == "ray":
        from dlx.sweep.ray_backend import check_ray_installed
        check_ray_installed()


def backend_connection(backend: str, workers: int | None, address: str | None):
    """Ray started or joined for the block (``--backend ray``); nothing for the other backends."""
    if backend != "ray":
        return nullcontext()
    from dlx.sweep.ray_backend import ray_connection
    return ray_connection(workers, address)


def prepare_sweep(loaded: LoadedSweep, results_root: str | None = None, resume_dir: str | Path | None = None,
                  plan: list[PlannedTrial] | None = None) -> tuple[Path, list[PlannedTrial]]:
    """Check everything (unless ``plan`` is the checked plan), then create the sweep folder (or reopen
    ``resume_dir``); the trials placed in it."""
    plan = validate(loaded) if plan is None else plan
    if resume_dir is not None:
        sweep_dir = Path(resume_dir)
    else:
        root = results_root or loaded.base.get("output", {}).get("results_dir", "results")
        sweep_dir = layout.create_sweep_dir(root, loaded.spec.name)
        layout.write_sweep_file(sweep_dir, loaded.resolved())
    return sweep_dir, place(plan, sweep_dir)


def execute_sweep(loaded: LoadedSweep, plan: list[PlannedTrial], sweep_dir: Path, backend: str = "local",
                  workers: int | None = None, address: str | None = None, display=None) -> SweepOutcome:
    """Run the trials of ``plan`` that have no result in ``sweep_dir`` yet; then write every file.

    ``backend``: ``local`` (a process pool of ``workers``, default the cores), ``serial`` (one
    trial after another in this process, for debugging) or ``ray`` (at ``address``, or a local
    Ray started for the sweep).
    """
    check_backend(backend)
    lock = FolderLock.acquire(sweep_dir, "sweep folder")  # a second --resume would delete trials in progress
    try:
        layout.repair_records(sweep_dir)
        return _run_missing(loaded, plan, sweep_dir, backend, workers, address, display)
    finally:
        lock.release()


def _run_missing(loaded: LoadedSweep, plan: list[PlannedTrial], sweep_dir: Path, backend: str, workers, address,
                 display) -> SweepOutcome:
    todo = missing_trials(plan, sweep_dir)
    if loaded.spec.prune:  # ASHA compares a trial with those before it: a grid's order would bias it
        order = np.random.default_rng(loaded.spec.sample_seed).permutation(len(todo))
        todo = [todo[i] for i in order]
    display = display or NoDisplay()
    display.start(plan, todo, layout.read_records(sweep_dir))
    status = "interrupted"
    layout.write_state(sweep_dir, {"status": "running", "trials": len(plan), "to_run": len(todo)})
    try:
        _execute(loaded, todo, backend, workers, address, sweep_dir, display)
        status = "finished"
    except KeyboardInterrupt:
        pass
    finally:
        display.stop()
    return finish_sweep(loaded, plan, sweep_dir, status, {p.id for p in todo})


def _execute(loaded, todo, backend, workers, address, sweep_dir, display) -> None:
    from dlx.sweep import executors
    spec = loaded.spec
    pruner = Asha(spec.goal, spec.prune.grace_epochs, spec.prune.reduction, max(map(planned_epochs, todo), default=0)
                  ) if spec.prune else None
    coordinator_args = (spec.metric, pruner)

    def on_result(item, result):
        record = record_of(item, result, sweep_dir, spec.metric)
        layout.append_record(sweep_dir, record)
        display.result(item, record)

    if backend == "ray":
        from dlx.sweep.ray_backend import run_ray
        run_ray(todo, coordinator_args, workers, address, on_result, display.tick)
    elif backend == "serial":
        executors.run_serial(todo, Coordinator(*coordinator_args), on_result, display.tick)
    else:
        executors.run_pool(todo, coordinator_args, workers or os.cpu_count() or 1, on_result, display.tick)


def planned_epochs(item: PlannedTrial) -> int:
    """The epochs a trial would run unpruned (an objective's steps); no rung lies at or after them."""
    config = item.trial.loaded()
    if hasattr(config, "run"):
        return config.run.steps
    return kind_named(config.kind).planned_epochs(config.config)


def finish_sweep(loaded: LoadedSweep, plan: list[PlannedTrial], sweep_dir: Path, status: str, todo: set[str]
                 ) -> SweepOutcome:
    """Summary table, verdicts, state, plots and reports from whatever results exist.

    ``todo``: the ids this call set out to run; ``outcome.ran`` counts those that left a result.
    """
    from dlx.sweep.report import write_reports
    spec = loaded.spec
    planned_ids = {p.id for p in plan}
    records = [r for r in layout.read_records(sweep_dir) if r["id"] in planned_ids]
    ran = sum(r["id"] in todo for r in records)
    table = group_table(records, spec.metric, spec.goal, table_metrics(loaded, records))
    layout.write_summary_csv(sweep_dir / "summary.csv", table)
    lookup = GroupLookup(records)
    verdicts = [evaluate_claim(name, text, lookup) for name, text in spec.expect.items()] \
        if status == "finished" else []
    counts = Counter(r["status"] for r in records)
    layout.write_state(sweep_dir, {"status": status, "trials": len(plan), "ran": ran, "counts": dict(counts),
                                   "verdicts": [v.record() for v in verdicts]})
    outcome = SweepOutcome(sweep_dir, status, records, table, verdicts, ran)
    write_reports(loaded, outcome)
    note_folder(sweep_dir, with_trials=True)  # the results index (dlx runs) knows the sweep and its trials
    return outcome


def table_metrics(loaded: LoadedSweep, records: list[dict]) -> tuple[str, ...]:
    """The columns of summary.csv besides the ranking metric: the losses, or those of the kind's own
    metrics that some trial reported (a VAE's ELBO terms, an agent's evaluation)."""
    if "objective" in loaded.base or kind_of(loaded.base) == "supervised":
        return TABLE_METRICS
    reported = [m for m in kind_named(kind_of(loaded.base)).metrics()
                if m != loaded.spec.metric and any(np.isfinite(metric_value(r, m)) for r in records)]
    return tuple(reported[:4])


class NoDisplay:
    """The display interface, doing nothing (library use)."""

    def start(self, plan, todo, done) -> None: ...
    def tick(self, progress) -> None: ...
    def result(self, item, record) -> None: ...
    def stop(self) -> None: ...
