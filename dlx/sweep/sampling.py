"""From a sweep file to its trials: grids crossed, distributions drawn, seeds repeated; all checked up front.

A *group* is one assignment of parameter values; its trials differ only in the seed.
Grid parameters are crossed; the sampled ones are drawn ``samples`` times (from
``sample_seed``) and each draw is crossed with the grid::

    plan = plan_sweep(load_sweep("experiments/sweeps/lr_digits.yaml"), "results/sweeps/lr/x")
    [(p.group, p.seed, p.trial.id) for p in plan]
"""
from __future__ import annotations

import itertools
import json
import math
import re
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from dlx.errors import ConfigError
from dlx.sweep.objective import ObjectiveTrial, check_objective
from dlx.sweep.spec import Distribution, LoadedSweep
from dlx.sweep.trials import Trial

MAX_TRIALS = 1000  # more needs ``dlx sweep ... --yes``: planning alone checks the config of every trial


@dataclass(frozen=True)
class PlannedTrial:
    """A trial with its place in the sweep: group label, parameter values and seed."""

    trial: Trial | ObjectiveTrial
    id: str
    group: str
    params: dict
    seed: int


def draw(distribution: Distribution, rng: np.random.Generator):
    """One value from a sampled parameter."""
    d = distribution
    if d.distribution == "choice":
        return d.values[int(rng.integers(len(d.values)))]
    if d.distribution == "int":
        return int(rng.integers(math.ceil(d.low), math.floor(d.high) + 1))
    if d.distribution == "log_uniform":
        return float(np.exp(rng.uniform(np.log(d.low), np.log(d.high))))
    return float(rng.uniform(d.low, d.high))


def count_trials(spec) -> tuple[int, str]:
    """The number of trials from the sweep's sizes alone (nothing planned or checked), and how it is made
    up, e.g. ``(1000000, "grid 100 x 100 x 100, 1 seed")``."""
    grid = [len(values) for values in spec.parameters.values() if isinstance(values, list)]
    if spec.search:  # a grid's lists are choices of the search: ``samples`` draws in all
        grid = []
    draws = spec.samples if spec.search or any(isinstance(d, Distribution) for d in spec.parameters.values()) else 1
    seeds = spec.seeds if isinstance(spec.seeds, int) else len(spec.seeds)
    parts = [f"grid {' x '.join(map(str, grid))}"] * bool(grid) + [f"{draws} samples"] * (draws > 1)
    return math.prod(grid) * draws * seeds, ", ".join(parts + [f"{seeds} seed{'s' * (seeds != 1)}"])


def parameter_sets(loaded: LoadedSweep) -> list[dict]:
    """Every group's parameter values, in order: the grid's product, crossed with the draws."""
    spec = loaded.spec
    grid = {path: values for path, values in spec.parameters.items() if isinstance(values, list)}
    sampled = {path: d for path, d in spec.parameters.items() if isinstance(d, Distribution)}
    rng = np.random.default_rng(spec.sample_seed)
    draws = [{path: draw(d, rng) for path, d in sampled.items()} for _ in range(spec.samples if sampled else 1)]
    sets = []
    for combination in itertools.product(*grid.values()):
        for sample in draws:
            values = dict(zip(grid, combination)) | sample
            sets.append({path: values[path] for path in spec.parameters})  # the file's order
    return sets


def short_names(paths) -> dict[str, str]:
    """``optimiser.lr`` -> ``lr`` where the last part is unique among the paths, else the whole path."""
    lasts = [p.split(".")[-1] for p in paths]
    return {p: (last if lasts.count(last) == 1 else p) for p, last in zip(paths, lasts)}


def group_label(params: dict) -> str:
    names = short_names(list(params))
    return " ".join(f"{names[p]}={format_value(v)}" for p, v in params.items())


def format_value(value) -> str:
    return f"{value:.4g}" if isinstance(value, float) else str(value)


def plan_sweep(loaded: LoadedSweep) -> list[PlannedTrial]:
    """Every trial of the sweep, each checked (schema and components); ConfigError names the sweep line.

    The trials have no folder yet: ``place`` puts them into a sweep folder.
    """
    spec, base = loaded.spec, loaded.base
    trial_class = ObjectiveTrial if "objective" in base else Trial
    _check_paths(loaded, trial_class)
    plan, seen = [], {}
    for params in parameter_sets(loaded):
        overrides = tuple(spec.set) + tuple(f"{path}={json.dumps(value)}" for path, value in params.items())
        for seed in spec.seed_list():
            trial = trial_class(base, overrides, seed, source=loaded.base_source)
            trial_id = _checked_id(loaded, trial, params)
            if trial_id in seen:
                raise loaded.error(("parameters",), f"groups {seen[trial_id]} and {group_label(params)} give the "
                                                    f"same config; remove the repeated value")
            seen[trial_id] = group_label(params)
            plan.append(PlannedTrial(trial, trial_id, group_label(params), params, seed))
    return plan


def place(plan: list[PlannedTrial], sweep_dir: str | Path) -> list[PlannedTrial]:
    """The trials with their folders, ``<sweep_dir>/trials/<values>_seed=<seed>_<id>`` (``trial_folder_name``)."""
    return [replace(p, trial=replace(p.trial, folder=str(Path(sweep_dir) / "trials" / trial_folder_name(p))))
            for p in plan]


def trial_folder_name(item: PlannedTrial) -> str:
    """``lr=0.001_seed=0_3f2a9c01b7e4``: the group's values and the seed a person reads, then the id that
    keeps the name unique; characters a file name should not hold become ``-``, long values are cut."""
    readable = re.sub(r"[^A-Za-z0-9._=+-]+", "-", group_label(item.params).replace(" ", "_"))[:80]
    return f"{readable}_seed={item.seed}_{item.id}" if readable else f"seed={item.seed}_{item.id}"


def _check_paths(loaded: LoadedSweep, trial_class) -> None:
    """Each parameter alone on the base config, so an unknown key points at its own line."""
    try:
        check_trial(trial_class(loaded.base, tuple(loaded.spec.set), source=loaded.base_source))
    except ConfigError as error:
        raise loaded.error(("set",) if loaded.spec.set else ("base",), str(error)) from None
    for path, values in loaded.spec.parameters.items():
        for value in (values if isinstance(values, list) else _extremes(values)):
            try:
                check_trial(trial_class(loaded.base, (*loaded.spec.set, f"{path}={json.dumps(value)}"),
                                        source=loaded.base_source))
            except ConfigError as error:
                raise loaded.error(("parameters", path), f"value {format_value(value)}: {error}") from None


def _extremes(distribution: Distribution) -> list:
    """The values of a choice, or the bounds of a range (what the checks try)."""
    d = distribution
    if d.distribution == "choice":
        return d.values
    return [int(math.ceil(d.low)), int(math.floor(d.high))] if d.distribution == "int" else [d.low, d.high]


def check_trial(trial) -> str:
    """The trial's id after its config passed the schema and the registries (ConfigError if not)."""
    if isinstance(trial, ObjectiveTrial):
        check_objective(trial.loaded())
    else:
        trial.loaded(check=True)  # the schema and the registries of the trial's kind
    return trial.id


def _checked_id(loaded: LoadedSweep, trial, params: dict) -> str:
    try:
        return check_trial(trial)
    except ConfigError as error:
        raise loaded.error(("parameters",), f"group {group_label(params)}: {error}") from None
