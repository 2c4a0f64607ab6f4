"""``search: tpe | cmaes | random``: a sweep whose draws come from an Optuna sampler, each after the results
of the earlier ones (the ``optuna`` extra, imported only here).

Optuna chooses the values; everything else is dlx's own: each draw is a group of ordinary trials
(one per seed) that run on the sweep's backend (process pool, Ray or serial), leave their records
in ``trials.jsonl`` and end in the same table, plots, report and verdicts as any sweep. The search
asks for as many draws as trials run at once, runs them, and tells the sampler each group's
metric (the mean over its seeds; a diverged or failed group is a failed Optuna trial)::

    outcome = run_search(load_sweep("experiments/sweeps/search_digits_tpe.yaml"), workers=2)

Resuming (``dlx sweep --resume SWEEP_DIR``) needs no Optuna storage: the study is rebuilt from
``trials.jsonl`` (every finished group told again, a group with missing seeds completed first),
then the search goes on until ``samples`` draws exist. A grid's list is a categorical choice of
the search. The sampler is seeded with ``sample_seed``.
"""
from __future__ import annotations

import json
import math
import os

from dlx.errors import ConfigError
from dlx.runs.lock import FolderLock
from dlx.sweep import layout
from dlx.sweep.sampling import PlannedTrial, _check_paths, _checked_id, group_label, place
from dlx.sweep.spec import Distribution, LoadedSweep
from dlx.sweep.trials import Trial

INSTALL = "search: {name} needs the optuna package; install with pip install -e '.[optuna]'"
NOT_RESULTS = ("interrupted",)


def import_optuna(name: str):
    try:
        import optuna
    except ImportError:
        raise ConfigError(INSTALL.format(name=name)) from None
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    if name == "cmaes":
        try:
            import cmaes  # noqa: F401  (optuna's CmaEsSampler runs on it)
        except ImportError:
            raise ConfigError("search: cmaes needs the cmaes package; install with pip install -e '.[optuna]'") \
                from None
    return optuna


def optuna_distributions(optuna, parameters: dict) -> dict:
    """Each sweep parameter as an Optuna distribution; a grid's list becomes a categorical choice."""
    found = {}
    for path, value in parameters.items():
        if isinstance(value, list) or value.distribution == "choice":
            found[path] = optuna.distributions.CategoricalDistribution(value if isinstance(value, list)
                                                                       else value.values)
        elif value.distribution == "int":
            found[path] = optuna.distributions.IntDistribution(math.ceil(value.low), math.floor(value.high))
        else:
            found[path] = optuna.distributions.FloatDistribution(value.low, value.high,
                                                                 log=value.distribution == "log_uniform")
    return found


def new_study(optuna, spec, seed_offset: int = 0):
    samplers = {"tpe": optuna.samplers.TPESampler, "cmaes": optuna.samplers.CmaEsSampler,
                "random": optuna.samplers.RandomSampler}
    direction = "minimize" if spec.goal == "min" else "maximize"
    return optuna.create_study(direction=direction, sampler=samplers[spec.search](seed=spec.sample_seed + seed_offset))


def group_trials(loaded: LoadedSweep, params: dict) -> list[PlannedTrial]:
    """The trials (one per seed) of one draw, checked like a planned sweep's."""
    spec = loaded.spec
    overrides = tuple(spec.set) + tuple(f"{path}={json.dumps(value)}" for path, value in params.items())
    items = []
    for seed in spec.seed_list():
        trial = Trial(loaded.base, overrides, seed, source=loaded.base_source)
        items.append(PlannedTrial(trial, _checked_id(loaded, trial, params), group_label(params), params, seed))
    return items


def group_value(records: dict, items: list[PlannedTrial]) -> float:
    """The mean metric of a draw's seeds; NaN when one diverged, failed or has no metric."""
    values = [records[p.id].get("metric") for p in items if p.id in records]
    if len(values) < len(items) or any(not isinstance(v, (int, float)) or not math.isfinite(v) for v in values):
        return math.nan
    return float(sum(values) / len(values))


def replayed_groups(loaded: LoadedSweep, records: list[dict]) -> list[dict]:
    """The parameter values of every draw ``trials.jsonl`` holds, in the order they were first run."""
    seen, groups = set(), []
    for record in records:
        key = json.dumps(record["params"], sort_keys=True)
        if key not in seen:
            seen.add(key)
            groups.append({path: record["params"][path] for path in loaded.spec.parameters})
    return groups


class Search:
    """One study over one sweep folder: replay what it holds, then ask, run and tell until ``samples`` draws."""

    def __init__(self, loaded: LoadedSweep, sweep_dir, execute, batch: int):
        self.loaded, self.sweep_dir, self.execute, self.batch = loaded, sweep_dir, execute, max(1, batch)
        self.optuna = import_optuna(loaded.spec.search)
        self.distributions = optuna_distributions(self.optuna, loaded.spec.parameters)
        self.study = new_study(self.optuna, loaded.spec)
        self.plan: list[PlannedTrial] = []
        self.todo: set[str] = set()

    def records(self) -> dict:
        return {r["id"]: r for r in layout.read_records(self.sweep_dir) if r["status"] not in NOT_RESULTS}

    def run_items(self, items: list[PlannedTrial]) -> None:
        done = self.records()
        missing = [p for p in place(items, self.sweep_dir) if p.id not in done]
        self.plan.extend(place(items, self.sweep_dir))
        if missing:
            self.todo.update(p.id for p in missing)
            self.execute(missing)

    def tell(self, trial_or_params, items: list[PlannedTrial]) -> None:
        value = group_value(self.records(), items)
        state = self.optuna.trial.TrialState
        if isinstance(trial_or_params, dict):  # a replayed draw
            self.study.add_trial(self.optuna.trial.create_trial(
                params=trial_or_params, distributions=self.distributions,
                value=None if math.isnan(value) else value, state=state.FAIL if math.isnan(value) else state.COMPLETE))
        elif math.isnan(value):
            self.study.tell(trial_or_params, state=state.FAIL)
        else:
            self.study.tell(trial_or_params, value)

    def replay(self, replay: list) -> None:
        """Tell the study the recorded draws: asked again in the same batches, a seeded sampler asks for the
        same values (the resumed search goes on as the uninterrupted one would); if it does not (another
        number of workers), a study with another seed is told them as given, so it does not repeat them."""
        for start in range(0, len(replay), self.batch):
            chunk = replay[start:start + self.batch]
            asked = [self.study.ask(self.distributions) for _ in chunk]
            if [trial.params for trial in asked] != [params for params, _ in chunk]:
                self.study = new_study(self.optuna, self.loaded.spec, seed_offset=len(replay))
                for params, items in replay:
                    self.tell(params, items)
                return
            for trial, (_, items) in zip(asked, chunk):
                self.tell(trial, items)

    def run(self) -> None:
        groups = replayed_groups(self.loaded, list(self.records().values()))
        replay = [(params, group_trials(self.loaded, params)) for params in groups[:self.loaded.spec.samples]]
        self.run_items([p for _, items in replay for p in items])  # a draw interrupted before all its seeds ran
        self.replay(replay)
        while len(self.study.trials) < self.loaded.spec.samples:
            count = min(self.batch, self.loaded.spec.samples - len(self.study.trials))
            asked = [self.study.ask(self.distributions) for _ in range(count)]
            draws = [(trial, group_trials(self.loaded, {path: trial.params[path] for path in self.distributions}))
                     for trial in asked]
            self.run_items([p for _, items in draws for p in items])
            interrupted = any(r["status"] in NOT_RESULTS for r in layout.read_records(self.sweep_dir)
                              if r["id"] in {p.id for _, items in draws for p in items})
            if interrupted:
                raise KeyboardInterrupt
            for trial, items in draws:
                self.tell(trial, items)


def run_search(loaded: LoadedSweep, backend: str, workers, address, results_root, resume_dir, display):
    """The sweep of a ``search:`` file, as ``run_sweep`` runs a planned one; a SweepOutcome."""
    from dlx.sweep.driver import (NoDisplay, _execute, backend_connection, check_backend, finish_sweep,
                                  known_metrics, prepare_sweep)
    check_backend(backend)
    import_optuna(loaded.spec.search)
    if "objective" in loaded.base:
        raise loaded.error(("search",), "a search runs training configs; an objective sweep has no search yet")
    if any(isinstance(v, Distribution) for v in loaded.spec.parameters.values()) is False:
        raise loaded.error(("parameters",), "a search needs at least one sampled parameter, e.g. "
                                            "optimiser.lr: {distribution: log_uniform, low: 1.0e-4, high: 0.1}")
    if loaded.spec.metric not in known_metrics(loaded):
        raise loaded.error(("metric",), f"unknown metric '{loaded.spec.metric}'")
    _check_paths(loaded, Trial)
    display = display or NoDisplay()
    batch = 1 if backend == "serial" else (workers or os.cpu_count() or 1)
    with backend_connection(backend, workers, address):
        sweep_dir, _ = prepare_sweep(loaded, results_root, resume_dir, plan=[])
        lock = FolderLock.acquire(sweep_dir, "sweep folder")
        try:
            layout.repair_records(sweep_dir)

            def execute(items):
                display.start(items, items, [])
                try:
                    _execute(loaded, items, backend, workers, address, sweep_dir, display)
                finally:
                    display.stop()

            search = Search(loaded, sweep_dir, execute, batch)
            status = "interrupted"
            layout.write_state(sweep_dir, {"status": "running", "trials": loaded.spec.samples * len(
                loaded.spec.seed_list()), "search": loaded.spec.search})
            try:
                search.run()
                status = "finished"
            except KeyboardInterrupt:
                pass
            return finish_sweep(loaded, search.plan, sweep_dir, status, search.todo)
        finally:
            lock.release()


__all__ = ["run_search"]
