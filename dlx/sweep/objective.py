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
from dlx.train.learner import Batch, Learner
from dlx.train.trainer import fit


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


class ObjectiveLearner(Learner):
    """The optimiser's path: an epoch of the trainer is one step on the function (its gradient, then the
    trainer steps the optimiser); the row holds f - f* after the step. The run ends at the target
    (``finished``) or when f - f* exceeds ``divergence`` times its start or turns NaN (``diverged``)."""

    def __init__(self, config: ObjectiveConfig):
        import dlx.optim  # noqa: F401  (registers the optimisers)
        from dlx.nn import Parameter
        from dlx.registry import optimisers
        self.config, self.spec = config, config.objective
        self.point = Parameter(np.array(config.objective.start, dtype=np.float64))
        self.optimiser = optimisers.create(config.optimiser.name, params=[self.point],
                                           **config.optimiser.hyperparameters())
        self.start_value, self.reached = None, False

    def planned_epochs(self) -> int:
        return self.config.run.steps

    def configure_optimisers(self) -> list:
        return [self.optimiser]

    def train_batches(self, epoch: int) -> list[Batch]:
        return [Batch(index=[epoch])]  # nothing to draw: the function is the data

    def training_step(self, batch: Batch) -> dict:
        value, gradient = value_and_gradient(self.spec, self.point.data)
        self.start_value = value if self.start_value is None else self.start_value
        self.point.grad = gradient
        return {"loss": value}

    def validation_step(self, epoch: int, outputs: list[dict], seconds: float) -> dict:
        after, _ = value_and_gradient(self.spec, self.point.data)
        self.after = after
        return {"epoch": epoch, "lr": self.optimiser.lr, "train_loss": float(after),
                "x": float(self.point.data[0]), "y": float(self.point.data[1])}

    def should_stop(self, row: dict) -> tuple[str, str] | None:
        after, run = self.after, self.config.run
        if not np.isfinite(after) or after > run.divergence * max(self.start_value, 1e-12):
            return "diverged", f"f - f* = {after:.3g} at step {row['epoch']} (lr {self.optimiser.lr:g}); lower the lr"
        if after < run.target:
            self.reached = True
            return "finished", ""
        return None


def minimise(config: ObjectiveConfig, on_step=None) -> tuple[str, str, list[dict]]:
    """Run the optimiser (the trainer with an ``ObjectiveLearner``); (status, message, rows).
    ``on_step(row)`` returning True stops (pruned)."""
    learner = ObjectiveLearner(config)
    state = fit(learner, on_step)
    if state.status == "finished" and not learner.reached:
        return "finished", f"not within {config.run.target:g} of the minimum after {config.run.steps} steps", \
            state.history
    return state.status, state.message, state.history


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
