"""Sweep files: the schema (pydantic, unknown keys forbidden) and loading with line-numbered errors.

A sweep file names a base config, the parameters to vary by dotted key path, the
seeds, the metric and its goal, and the claims to check afterwards::

    name: lr-sweep
    base: configs/digits_mlp.yaml        # a path (relative to this file, else the working folder) or a mapping
    set: [training.epochs=5]             # fixed overrides for every trial
    parameters:
      optimiser.lr: [1.0e-4, 1.0e-3, 1.0e-2, 1.0e-1]          # a grid
      optimiser.name: {distribution: choice, values: [sgd, adam]}   # or sampled
    samples: 4                           # draws of the sampled parameters
    seeds: 3                             # 0, 1, 2 (or a list)
    metric: val_loss
    goal: min
    prune: {name: asha, grace_epochs: 2, reduction: 3}
    expect:
      adam_wins: adam.val_loss < sgd.val_loss

Example::

    spec = load_sweep("experiments/sweeps/lr_digits.yaml", ["seeds=1"])
    spec.spec.parameters, spec.where(("parameters", "optimiser.lr"))
"""
from __future__ import annotations

import copy
from pathlib import Path
from typing import Any, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from dlx.config.loading import LoadedConfig, default_run_name, read_config_text, read_yaml
from dlx.config.messages import describe_validation_error
from dlx.config.overrides import apply_override
from dlx.config.safe_yaml import load_yaml
from dlx.config.schema import Bool
from dlx.errors import ConfigError


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_default=True)


class Distribution(Strict):
    """A sampled parameter: ``uniform``/``log_uniform``/``int`` in [low, high], or ``choice`` of values."""

    distribution: Literal["uniform", "log_uniform", "int", "choice"] = Field(
        description="how to draw values: uniform, log_uniform, int (inclusive bounds) or choice")
    low: float | None = Field(None, description="lower bound (uniform, log_uniform, int)")
    high: float | None = Field(None, description="upper bound (uniform, log_uniform, int)")
    values: list[Any] | None = Field(None, description="the values to choose from (choice)")

    @model_validator(mode="after")
    def _bounds_or_values(self):
        if self.distribution == "choice":
            if not self.values:
                raise ValueError("choice needs a non-empty 'values' list")
            return self
        if self.low is None or self.high is None or not self.low < self.high:
            raise ValueError(f"{self.distribution} needs numbers low < high")
        if self.distribution == "log_uniform" and self.low <= 0:
            raise ValueError("log_uniform needs low > 0")
        return self


class PruneSpec(Strict):
    """Asynchronous successive halving (ASHA): at epochs grace*reduction^k, stop the worse trials."""

    name: Literal["asha"] = Field("asha", description="the pruner (asha)")
    grace_epochs: int = Field(1, ge=1, description="the first rung: epochs every trial gets")
    reduction: int = Field(3, ge=2, description="keep the best 1/reduction at each rung (eta)")


Parameter = Union[list[Any], Distribution]


class ClaimInfo(Strict):
    """What a sweep checks when it is a claim of the lecture notes (``experiments/claims/``)."""

    statement: str = Field(description="the claim in English, as the notes make it")
    section: str = Field(description="where the notes make it, in ../shared/TOPICS.md's terms, e.g. [O] Optimisation")


class SweepSpec(Strict):
    """A whole sweep."""

    name: str = Field(description="folder name under results/sweeps/")
    description: str = Field("", description="what this sweep shows")
    base: Union[str, dict[str, Any]] = Field(description="the base config: a file path or an inline mapping")
    set: list[str] = Field(default_factory=list, description="overrides applied to every trial, e.g. training.epochs=5")
    parameters: dict[str, Parameter] = Field(description="dotted key path: a grid (list) or a distribution")
    samples: int = Field(1, ge=1, description="draws of the sampled parameters (crossed with the grid)")
    sample_seed: int = Field(0, description="seed of the parameter draws")
    search: Literal["tpe", "cmaes", "random"] | None = Field(
        None, description="draw the sampled parameters with Optuna's sampler (tpe, cmaes or random; the optuna "
                          "extra), each draw after the results of the earlier ones; samples: the number of draws; "
                          "none: every draw up front, crossed with the grid")
    seeds: Union[int, list[int]] = Field(1, description="training seeds: a count (0..n-1) or a list")
    metric: str = Field("val_loss", description="the metric that ranks groups, from the last epoch")
    goal: Literal["min", "max"] = Field("min", description="whether a smaller or a larger metric wins")
    prune: PruneSpec | None = Field(None, description="stop poor trials early (asha)")
    expect: dict[str, str] = Field(default_factory=dict, description="named claims, e.g. adam.val_loss < sgd.val_loss")
    claim: ClaimInfo | None = Field(None, description="the lecture's claim this sweep checks (dlx claims)")
    plots: Bool = Field(True, description="draw the report's pictures (plots/*.png; about half a second); false: "
                                          "its tables and verdicts alone (each trial's own plots follow its "
                                          "output.plots)")

    @field_validator("parameters", mode="before")
    @classmethod
    def _distributions(cls, parameters):
        """A mapping is a distribution: its own errors, not the union's 'should be a valid list'."""
        if not isinstance(parameters, dict):
            return parameters
        checked = {}
        for path, value in parameters.items():
            if isinstance(value, dict):
                try:
                    value = Distribution.model_validate(value)
                except ValidationError as error:
                    first = error.errors()[0]
                    where = ".".join(map(str, first["loc"]))
                    got = f" (got {first['input']!r})" if not isinstance(first["input"], dict) else ""
                    raise ValueError(f"'{path}': {where + ': ' if where else ''}"
                                     f"{first['msg'].removeprefix('Value error, ')}{got}") from None
            elif not isinstance(value, list):
                raise ValueError(f"'{path}': give a list of values (a grid) or a mapping with 'distribution'")
            checked[path] = value
        return checked

    @field_validator("parameters")
    @classmethod
    def _grids_not_empty(cls, parameters):
        if not parameters:
            raise ValueError("name at least one parameter, e.g. optimiser.lr: [0.001, 0.01]")
        for path, value in parameters.items():
            if isinstance(value, list) and not value:
                raise ValueError(f"the grid of '{path}' is empty; list at least one value")
            if isinstance(value, list):
                parameters[path] = [number_like(v) for v in value]
            elif value.values:
                value.values = [number_like(v) for v in value.values]
        return parameters

    @field_validator("seeds")
    @classmethod
    def _seed_list(cls, seeds):
        if isinstance(seeds, int) and seeds < 1:
            raise ValueError("give a number of seeds >= 1 or a list of seeds")
        if isinstance(seeds, list) and (not seeds or len(set(seeds)) != len(seeds)):
            raise ValueError("give a non-empty list of distinct seeds")
        return seeds

    def seed_list(self) -> list[int]:
        return list(range(self.seeds)) if isinstance(self.seeds, int) else list(self.seeds)


def number_like(value):
    """``"1e-4"`` (which YAML 1.1 reads as a string) as the float 1e-4; anything else unchanged."""
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return value
    return value


class LoadedSweep(LoadedConfig):
    """A validated sweep file with its base config resolved; ``where``/``error`` point at its lines."""

    def __init__(self, spec: SweepSpec, raw: dict, base: dict, source: str, lines: dict, base_source: str):
        super().__init__(spec, raw, source, lines)
        self.spec, self.base, self.base_source = spec, base, base_source

    def resolved(self) -> dict:
        """The sweep file as run: the base config inlined (for ``sweep.yaml``)."""
        return {**self.spec.model_dump(mode="json", exclude_none=True), "base": self.base}


def load_sweep(path: str | Path, overrides: list[str] = ()) -> LoadedSweep:
    """Read and validate a sweep file; ``overrides`` (``key=value``) change its top-level keys."""
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"sweep file '{path}' not found; give the path of a YAML sweep file "
                          f"(see experiments/sweeps/)")
    return parse_sweep(read_config_text(path), str(path), overrides, path.parent)


def parse_sweep(text: str, source: str = "<sweep>", overrides: list[str] = (), folder: Path | None = None
                ) -> LoadedSweep:
    raw, lines = read_yaml(text, source)
    if not isinstance(raw, dict):
        raise ConfigError(f"{source}: a sweep file must be a mapping (name, base, parameters, ...), "
                          f"got {type(raw).__name__}")
    if looks_like_a_config(raw):
        raise ConfigError(f"{source} is an experiment config, not a sweep file; say what to vary: dlx sweep "
                          f"{source} --param optimiser.lr --values 1e-4,1e-3,1e-2 (or give a sweep file, see "
                          f"experiments/sweeps/)")
    return sweep_from_mapping(raw, source, lines, overrides, folder)


def looks_like_a_config(raw: dict) -> bool:
    """A mapping with neither ``base`` nor ``parameters`` whose keys are not a sweep's: an experiment config."""
    return not {"base", "parameters"} & raw.keys() and bool(raw.keys() - SweepSpec.model_fields.keys())


def sweep_from_mapping(raw: dict, source: str, lines: dict | None = None, overrides: list[str] = (),
                       folder: Path | None = None) -> LoadedSweep:
    """Validate a sweep given as a mapping (the quick form of ``dlx sweep`` builds one)."""
    raw, lines = copy.deepcopy(raw), lines or {}
    for override in overrides:
        _override_top_level(raw, override)
    try:
        spec = SweepSpec.model_validate(raw)
    except ValidationError as error:
        raise ConfigError(describe_validation_error(error, raw, source, lines, SweepSpec)) from None
    loaded = LoadedSweep(spec, raw, {}, source, lines, source)
    loaded.base, loaded.base_source = _base_config(loaded, folder)
    if "metric" not in raw and "objective" not in loaded.base:
        _kind_default_metric(loaded)
    return loaded


def _kind_default_metric(loaded: LoadedSweep) -> None:
    """A sweep that names no metric ranks by its kind's (``val_loss``; an agent's ``eval_mean_return``)."""
    from dlx.experiments import experiment_from_mapping, kind_named
    try:
        base = experiment_from_mapping(copy.deepcopy(loaded.base), loaded.base_source, {}, loaded.spec.set,
                                       check=False)
    except ConfigError:
        return  # planning the trials reports it, at its line
    metric, goal = kind_named(base.kind).default_metric(base.config)
    loaded.spec.metric = metric
    if "goal" not in loaded.raw:
        loaded.spec.goal = goal


def _override_top_level(raw: dict, override: str) -> None:
    """``--set seeds=3`` changes the sweep; ``--set training.epochs=2`` (or ``base.training.epochs=2``)
    goes to every trial's config."""
    key = override.partition("=")[0].strip()
    if key.startswith("base."):
        raw.setdefault("set", []).append(override[len("base."):])
        return
    if key.split(".")[0] not in SweepSpec.model_fields:  # a key of the config: every trial gets it
        raw.setdefault("set", []).append(override)
        return
    if "." in key:
        apply_override(raw, override)
    else:
        raw[key] = _yaml_value(override)


def _yaml_value(override: str):
    return load_yaml(override.partition("=")[2])


def _base_config(loaded: LoadedSweep, folder: Path | None) -> tuple[dict, str]:
    base = loaded.spec.base
    if isinstance(base, dict):
        return copy.deepcopy(base), f"{loaded.source} (base)"
    candidates = [Path(base)] if Path(base).is_absolute() else \
        [p for p in ((folder / base) if folder else None, Path(base)) if p is not None]
    found = next((p for p in candidates if p.is_file()), None)
    if found is None:
        raise loaded.error(("base",), f"config file '{base}' not found; give a path relative to the sweep file "
                                      f"or the working folder, or an inline mapping")
    raw, _ = read_yaml(read_config_text(found), str(found))
    if not isinstance(raw, dict):
        raise loaded.error(("base",), f"'{found}' is not a config mapping")
    from dlx.experiments import KINDS, kind_of
    kind = KINDS.get(kind_of(raw))
    if kind is not None and "output" in kind.schema.model_fields:  # an objective has no output section
        raw.setdefault("output", {})
        if isinstance(raw["output"], dict):
            raw["output"].setdefault("run_name", default_run_name(found))
    return raw, str(found)
