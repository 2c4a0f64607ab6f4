"""Trials: a picklable description of one training, and the one function that runs it.

A ``Trial`` holds only plain data (the raw config mapping, overrides, a seed, split
indices, the folder), so it travels to a worker of a process pool or a Ray task
unchanged; ``run_trial`` runs it in whichever process receives it and returns a
``TrialResult`` of plain data. Cross-validation folds, curve points and sweep
trials are all trials::

    trial = Trial(config=yaml.safe_load(text), overrides=("optimiser.lr=0.1",), seed=3,
                  folder="results/sweeps/lr/20260101-120000-abcdef/trials/1a2b3c4d5e6f")
    result = run_trial(trial)          # a complete run folder in trial.folder
    result.status, result.summary["final"]["val_loss"], result.history[-1]

``on_epoch(row)`` is called after every epoch with the metrics row; returning
True stops the trial there (status ``pruned``), which is how a sweep's pruner
(ASHA) stops poor trials.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from typing import Callable

from dlx.config import LoadedConfig
from dlx.experiments import experiment_from_mapping, kind_named, kind_of

STATUSES = ("finished", "early_stopped", "pruned", "diverged", "interrupted", "failed")


@dataclass(frozen=True)
class Trial:
    """One training, as plain data.

    Args:
        config: the raw config mapping (as ``yaml.safe_load`` gives it), before overrides.
        overrides (default ()): ``"a.b.c=value"`` strings, applied in order (as ``--set``).
        seed (default None): replaces ``training.seed`` when given.
        folder (default ""): the run folder to create (must not exist yet); "" makes a new
            ``<results_dir>/<run_name>/<stamp>`` folder as ``dlx train`` does.
        splits (default None): indices into the loaded data set for ``train``,
            ``validation`` and ``test`` (a missing key is an empty split); None splits
            as the config says.
        source (default "<trial>"): where the config came from, for error messages.
        kind (default ""): the experiment kind (``dlx.experiments``); "" names it from the config.
    """

    config: dict
    overrides: tuple[str, ...] = ()
    seed: int | None = None
    folder: str = ""
    splits: dict[str, list[int]] | None = None
    source: str = "<trial>"
    kind: str = ""

    def __post_init__(self):
        if not self.kind:
            object.__setattr__(self, "kind", kind_of(self.config))

    def loaded(self, check: bool = False) -> LoadedConfig:
        """The validated config with the overrides and the seed applied (ConfigError if invalid);
        ``check``: also against the registries."""
        seed = [f"{kind_named(self.kind).seed_key}={self.seed}"] if self.seed is not None else []
        raw = json.loads(json.dumps(self.config))  # a copy of plain data
        if kind_of(raw) != self.kind:
            raw["kind"] = self.kind
        return experiment_from_mapping(raw, self.source, {}, [*self.overrides, *seed], "experiment", check,
                                       blame=False)

    @property
    def id(self) -> str:
        """12 hex digits of a hash of the resolved config (seed included) and the splits."""
        resolved = self.loaded().config.model_dump(mode="json")
        resolved.get("output", {}).pop("results_dir", None)  # where results go does not change the trial
        key = json.dumps({"config": resolved, "splits": self.splits}, sort_keys=True)
        return hashlib.sha256(key.encode()).hexdigest()[:12]


@dataclass
class TrialResult:
    """What a trial gives back to the driver, as plain data.

    ``status`` is one of ``STATUSES``; ``message`` says why a trial did not finish;
    ``summary`` is the run's summary.json content and ``history`` its metrics rows.
    """

    id: str
    status: str
    message: str = ""
    run_dir: str = ""
    summary: dict = field(default_factory=dict)
    history: list[dict] = field(default_factory=list)

    def record(self) -> dict:
        """A JSON-able row for ``trials.jsonl``."""
        return asdict(self)


def run_trial(trial: Trial, on_epoch: Callable[[dict], bool | None] | None = None, reporter=None) -> TrialResult:
    """Run ``trial`` to its end in this process; an exception in training is a ``failed`` result.

    A config that does not validate raises ``ConfigError`` (a sweep checks every trial's
    config before it starts any); Ctrl-C (KeyboardInterrupt) ends the trial as ``interrupted``.
    """
    trial_id = trial.id
    try:
        result = kind_named(trial.kind).run_trial(trial.loaded(), trial.folder or None, trial.splits, reporter,
                                                  on_epoch)
    except Exception as error:  # noqa: BLE001  (a sweep records the cause and lets the others finish)
        return TrialResult(trial_id, "failed", f"{type(error).__name__}: {error}", trial.folder)
    return TrialResult(trial_id, result.status, result.message, str(result.run_dir), result.summary,
                       list(result.history))
