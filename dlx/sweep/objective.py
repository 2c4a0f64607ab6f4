"""A data-free task: an optimiser of ``dlx.optim`` on a two-dimensional function.

The lecture's optimiser chapter draws each method's path on the contour plot of a
ravine, a valley much steeper across than along: plain gradient descent must keep
its step below 2/(steepest curvature) and then crawls along the valley floor;
momentum and the adaptive methods do not. A config names the function, the start,
the optimiser and a budget of steps::

    objective: {name: ravine, start: [-4.0, 1.0], scales: [1.0, 50.0]}   # f = (x^2 + 50 y^2) / 2
    optimiser: {name: momentum, lr: 0.02}
    run: {steps: 500, target: 1.0e-3}
    output: {run_name: ravine}

Each step is one row (``epoch`` is the step, ``train_loss`` is f - f*, ``x``, ``y``);
``steps_to_target`` is the first step with f - f* < target (None if never). A run
whose value exceeds ``divergence`` times its start, or becomes NaN, is ``diverged``.
``ObjectiveTrial`` has the interface of ``Trial``, so sweeps run it like any trial.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
import yaml
from pydantic import Field, ValidationError

from dlx.config import OptimiserConfig, OutputConfig
from dlx.config.messages import describe_validation_error
from dlx.config.overrides import apply_override
from dlx.errors import ConfigError, DlxError
from dlx.sweep.spec import Strict


class FunctionSpec(Strict):
    name: Literal["ravine", "rosenbrock"] = Field("ravine", description="ravine: (a x^2 + b y^2)/2; rosenbrock: "
                                                                         "(1-x)^2 + b (y-x^2)^2")
    start: list[float] = Field([-4.0, 1.0], min_length=2, max_length=2, description="the starting point (x, y)")
    scales: list[float] = Field([1.0, 50.0], min_length=2, max_length=2, description="(a, b) of the function")


class ObjectiveRun(Strict):
    steps: int = Field(500, ge=1, description="the most optimiser steps")
    target: float = Field(1e-3, gt=0, description="f - f* below this counts as reaching the minimum")
    divergence: float = Field(1e6, gt=1, description="diverged when f - f* exceeds this times its start")
    seed: int = Field(0, description="unused by the deterministic functions; kept so sweeps can repeat")


class ObjectiveConfig(Strict):
    description: str = ""
    objective: FunctionSpec = Field(default_factory=FunctionSpec)
    optimiser: OptimiserConfig = Field(default_factory=OptimiserConfig)
    run: ObjectiveRun = Field(default_factory=ObjectiveRun)
    output: OutputConfig = Field(default_factory=OutputConfig)


def value_and_gradient(spec: FunctionSpec, point: np.ndarray) -> tuple[float, np.ndarray]:
    """f(x, y) - f* and its gradient (both functions have f* = 0)."""
    (x, y), (a, b) = point, spec.scales
    if spec.name == "ravine":
        return 0.5 * (a * x * x + b * y * y), np.array([a * x, b * y])
    value = (1 - x) ** 2 + b * (y - x * x) ** 2
    return value, np.array([-2 * (1 - x) - 4 * b * x * (y - x * x), 2 * b * (y - x * x)])


def minimise(config: ObjectiveConfig, on_step=None) -> tuple[str, str, list[dict]]:
    """Run the optimiser; (status, message, rows). ``on_step(row)`` returning True stops (pruned)."""
    import dlx.optim  # noqa: F401  (registers the optimisers)
    from dlx.nn import Parameter
    from dlx.registry import optimisers
    point = Parameter(np.array(config.objective.start, dtype=np.float64))
    optimiser = optimisers.create(config.optimiser.name, params=[point], **config.optimiser.hyperparameters())
    rows, start_value = [], None
    with np.errstate(over="ignore", invalid="ignore"):
        for step in range(1, config.run.steps + 1):
            value, gradient = value_and_gradient(config.objective, point.data)
            start_value = value if start_value is None else start_value
            point.grad = gradient
            optimiser.step()
            after, _ = value_and_gradient(config.objective, point.data)
            rows.append({"epoch": step, "lr": optimiser.lr, "train_loss": float(after),
                         "x": float(point.data[0]), "y": float(point.data[1])})
            if not np.isfinite(after) or after > config.run.divergence * max(start_value, 1e-12):
                return "diverged", f"f - f* = {after:.3g} at step {step} (lr {optimiser.lr:g}); lower the lr", rows
            if after < config.run.target:
                return "finished", "", rows
            if on_step is not None and on_step(rows[-1]) is True:
                return "pruned", "", rows
    return "finished", f"not within {config.run.target:g} of the minimum after {config.run.steps} steps", rows


@dataclass(frozen=True)
class ObjectiveTrial:
    """A ``Trial`` for an objective config (same fields, ``loaded``, ``id``)."""

    config: dict
    overrides: tuple[str, ...] = ()
    seed: int | None = None
    folder: str = ""
    splits: dict | None = None
    source: str = "<objective>"

    def loaded(self) -> ObjectiveConfig:
        raw = json.loads(json.dumps(self.config))
        for override in (*self.overrides, *([f"run.seed={self.seed}"] if self.seed is not None else [])):
            apply_override(raw, override)
        try:
            return ObjectiveConfig.model_validate(raw)
        except ValidationError as error:
            raise ConfigError(describe_validation_error(error, raw, self.source, {}, ObjectiveConfig)) from None

    @property
    def id(self) -> str:
        resolved = self.loaded().model_dump(mode="json")
        resolved["output"].pop("results_dir", None)
        return hashlib.sha256(json.dumps(resolved, sort_keys=True).encode()).hexdigest()[:12]


def check_objective(config: ObjectiveConfig) -> None:
    """The optimiser exists and accepts its hyperparameters (ConfigError otherwise)."""
    import dlx.optim  # noqa: F401  (registers the optimisers)
    from dlx.nn import Parameter
    from dlx.registry import optimisers
    try:
        optimisers.create(config.optimiser.name, params=[Parameter(np.zeros(2))],
                          **config.optimiser.hyperparameters())
    except TypeError as error:
        raise ConfigError(f"optimiser {config.optimiser.name}: {error}") from None


def run_objective_trial(trial: ObjectiveTrial, on_epoch=None):
    """Run an objective trial in its folder through the run session: config.yaml, run.log, metrics.jsonl and
    summary.json (kind ``objective``, headline: the last f - f* and the steps to the target)."""
    from dlx.runs.session import RunSession
    from dlx.sweep.trials import TrialResult
    config, trial_id = trial.loaded(), trial.id
    folder = Path(trial.folder)
    try:
        session = RunSession.create(folder.parent, folder.name, yaml.safe_dump(config.model_dump(mode="json"),
                                    sort_keys=False), folder=folder, kind="objective")
        with session:
            status, message, rows = minimise(config, on_epoch)
            session.metrics.replace(rows)
            reached = next((r["epoch"] for r in rows if r["train_loss"] < config.run.target), None)
            final = {**rows[-1], "steps_to_target": reached} if rows else None
            headline = {"train_loss": final["train_loss"]} if final else {}
            summary = session.finish(status, {
                "seed": config.run.seed, "epochs_completed": len(rows), "epochs_planned": config.run.steps,
                "final": final, "best": final, "test": {},
                "headline": {**headline, **({"steps_to_target": reached} if reached is not None else {})}}, message)
    except (DlxError, OSError) as error:
        return TrialResult(trial_id, "failed", f"{type(error).__name__}: {error}", trial.folder)
    return TrialResult(trial_id, status, message, str(folder), summary, rows)
