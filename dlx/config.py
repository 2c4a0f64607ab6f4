"""Experiment configs: YAML (``yaml.safe_load`` only) into typed pydantic models.

A config declares the data set, the model, the loss, the optimiser, the
regularisation, the training and where results go. Unknown keys and wrong
types are errors that name the key path, the YAML line and the allowed values.
Component names and their keyword arguments (layers, optimisers, data set
options) are checked against the registries one layer up, in
``dlx.train.experiment``, before any work.
"""
from __future__ import annotations

import copy
from pathlib import Path
from typing import Any, Literal, Union

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from dlx.errors import ConfigError
from dlx.registry import closest


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_default=True)


ComponentSpec = Union[str, dict[str, Any]]  # "adam" or {"name": "adam", ...}


class DatasetConfig(Strict):
    """Which data set, its loader options, how to split and scale it."""

    name: str = Field(description="registered data set name (dlx list datasets)")
    options: dict[str, Any] = Field(default_factory=dict, description="keyword arguments of the loader")
    validation: float = Field(0.15, ge=0, lt=1, description="fraction held out for validation")
    test: float = Field(0.15, ge=0, lt=1, description="fraction held out for the final test")
    stratify: bool = Field(True, description="keep class proportions in every split")
    scaling: Literal["none", "standardize", "minmax"] = Field("none", description="feature scaling fitted on train")
    augment: list[ComponentSpec] = Field(default_factory=list, description="training-time augmentations")

    @model_validator(mode="after")
    def _fractions_leave_training_data(self):
        if self.validation + self.test >= 1:
            raise ValueError(f"validation ({self.validation}) + test ({self.test}) must be below 1")
        return self


LayerSpec = Union[str, dict[str, Union[dict[str, Any], None]]]


class ModelConfig(Strict):
    """Either a list of layers (``- dense: {units: 64}``, ``- relu``) or a registered model name."""

    layers: list[LayerSpec] | None = Field(None, description="layers in order; input sizes are inferred")
    name: str | None = Field(None, description="a registered model (dlx list models) instead of layers")
    options: dict[str, Any] = Field(default_factory=dict, description="keyword arguments of the named model")

    @model_validator(mode="after")
    def _layers_or_name(self):
        if (self.layers is None) == (self.name is None):
            raise ValueError("give either 'layers' (a list) or 'name' (a registered model), not both or neither")
        if self.layers is not None and not self.layers:
            raise ValueError("'layers' is empty; list at least one layer")
        return self


class OptimiserConfig(BaseModel):
    """The optimiser by name; further keys are its hyperparameters (checked against it)."""

    model_config = ConfigDict(extra="allow", validate_default=True)
    name: str = Field("sgd", description="registered optimiser (dlx list optimisers)")
    lr: float = Field(0.01, gt=0, description="learning rate (alpha, eta)")
    schedule: ComponentSpec | None = Field(None, description="learning-rate schedule, e.g. {name: cosine}")
    weight_decay: float = Field(0.0, ge=0, description="coupled L2 weight decay added to the gradient")
    clip_norm: float | None = Field(None, gt=0, description="clip gradients to this global L2 norm")
    clip_value: float | None = Field(None, gt=0, description="clip each gradient element to [-v, v]")

    def hyperparameters(self) -> dict[str, Any]:
        """Keyword arguments of the optimiser's constructor (everything but name and schedule)."""
        values = self.model_dump(exclude={"name", "schedule"})
        return {k: v for k, v in values.items() if v is not None}


class EarlyStoppingConfig(Strict):
    patience: int = Field(10, ge=1, description="epochs without improvement before stopping")
    monitor: str = Field("val_loss", description="metric to watch, e.g. val_loss or val_accuracy")
    min_delta: float = Field(0.0, ge=0, description="smallest change that counts as improvement")
    restore_best: bool = Field(True, description="end with the weights of the best epoch")


class RegularisationConfig(Strict):
    l1: float = Field(0.0, ge=0, description="L1 penalty l1 * sum|w| on all weights (not biases); "
                                             "a layer's own l1 overrides it")
    l2: float = Field(0.0, ge=0, description="L2 penalty l2 * sum w^2 on all weights (not biases); "
                                             "a layer's own l2 overrides it")
    input_noise: float = Field(0.0, ge=0, description="std of Gaussian noise added to inputs in training")
    weight_noise: float = Field(0.0, ge=0, description="std of Gaussian noise added to weights for each step")
    early_stopping: EarlyStoppingConfig | None = Field(None, description="stop when validation stalls")


class TrainingConfig(Strict):
    epochs: int = Field(10, ge=1, description="passes over the training set")
    batch_size: Union[int, Literal["full"]] = Field(32, description="samples per step; 'full' or 1 (stochastic)")
    seed: int = Field(0, description="one seed for data, initialisation and shuffling")
    metrics: list[str] | None = Field(None, description="metrics to report (default: all of the task's)")
    shuffle: bool = Field(True, description="shuffle the training set every epoch")
    divergence_factor: float = Field(1e3, gt=1, description="stop if the loss exceeds this times its start")
    checkpoint: bool = Field(True, description="save best and last checkpoints")
    checkpoint_seconds: float = Field(30.0, ge=0, description="write checkpoints at most this often (and at the "
                                                               "end, on Ctrl-C, on divergence); 0: every epoch")
    train_metrics: bool = Field(True, description="evaluate the training set each epoch (eval mode)")

    @field_validator("batch_size", mode="before")
    @classmethod
    def _positive_batch(cls, value):
        if value == "full" or (isinstance(value, int) and not isinstance(value, bool) and value >= 1):
            return value
        raise ValueError("must be a positive integer (1 means stochastic) or 'full' (full batch)")


class OutputConfig(Strict):
    run_name: str | None = Field(None, description="folder name under results_dir (default: config file name)")
    results_dir: str = Field("results", description="where run folders are created")
    plots: bool = Field(True, description="draw PNG plots at the end of a run")


class ExperimentConfig(Strict):
    """A whole experiment."""

    description: str = Field("", description="what this experiment shows")
    dataset: DatasetConfig
    model: ModelConfig
    loss: ComponentSpec | None = Field(None, description="loss name; default from the lecture's table")
    optimiser: OptimiserConfig = Field(default_factory=OptimiserConfig)
    regularisation: RegularisationConfig = Field(default_factory=RegularisationConfig)
    training: TrainingConfig = Field(default_factory=TrainingConfig)
    output: OutputConfig = Field(default_factory=OutputConfig)


# ---- loading ------------------------------------------------------------------------------
class LoadedConfig:
    """A validated config with where it came from, so later checks can point at a line."""

    def __init__(self, config: ExperimentConfig, raw: dict, source: str, lines: dict[tuple, int]):
        self.config, self.raw, self.source, self.lines = config, raw, source, lines

    def where(self, path: tuple) -> str:
        """``file:line: a.b.c`` for a key path (the nearest line known)."""
        for end in range(len(path), 0, -1):
            if tuple(path[:end]) in self.lines:
                return f"{self.source}:{self.lines[tuple(path[:end])]}: {dotted(path)}"
        return f"{self.source}: {dotted(path)}"

    def error(self, path: tuple, message: str) -> ConfigError:
        return ConfigError(f"{self.where(path)}: {message}")

    def with_overrides(self, overrides: list[str]) -> "LoadedConfig":
        """A validated copy with ``a.b.c=value`` overrides applied (the YAML lines kept for messages)."""
        raw = copy.deepcopy(self.raw)
        for override in overrides:
            apply_override(raw, override)
        try:
            config = ExperimentConfig.model_validate(raw)
        except ValidationError as error:
            message = describe_validation_error(error, raw, self.source, self.lines)
            raise ConfigError(f"--set {' '.join(overrides)}: {message}") from None
        return LoadedConfig(config, raw, self.source, self.lines)


def dotted(path) -> str:
    return ".".join(str(p) for p in path) or "(top level)"


def load_config(path: str | Path, overrides: list[str] = ()) -> LoadedConfig:
    """Read, override and validate a YAML config; raises ConfigError with file, line and key path."""
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"config file '{path}' not found; give the path of a YAML file (see configs/)")
    text = path.read_text(encoding="utf-8")
    return parse_config(text, str(path), overrides, default_run_name=path.stem)


def parse_config(text: str, source: str = "<config>", overrides: list[str] = (),
                 default_run_name: str = "experiment") -> LoadedConfig:
    try:
        raw = yaml.safe_load(text)
        lines = _line_map(yaml.compose(text, Loader=yaml.SafeLoader))
    except yaml.YAMLError as error:
        raise ConfigError(_yaml_problem(error, source)) from None
    if not isinstance(raw, dict):
        raise ConfigError(f"{source}: a config must be a mapping of sections (dataset, model, ...), "
                          f"got {type(raw).__name__}")
    raw = copy.deepcopy(raw)
    for override in overrides:
        apply_override(raw, override)
    raw.setdefault("output", {})
    if isinstance(raw["output"], dict):
        raw["output"].setdefault("run_name", default_run_name)
    try:
        config = ExperimentConfig.model_validate(raw)
    except ValidationError as error:
        raise ConfigError(describe_validation_error(error, raw, source, lines)) from None
    return LoadedConfig(config, raw, source, lines)


def _yaml_problem(error: yaml.YAMLError, source: str) -> str:
    """One line: where the broken construct starts, and what the parser found."""
    problem = getattr(error, "problem", None) or str(error).splitlines()[0]
    mark, context = getattr(error, "problem_mark", None), getattr(error, "context_mark", None)
    if context is not None and getattr(error, "context", None) and mark is not None and context.line != mark.line:
        problem = f"{error.context} starting here: {problem} on line {mark.line + 1}"
        mark = context
    line = f":{mark.line + 1}" if mark is not None else ""
    return f"{source}{line}: malformed YAML ({problem}); check indentation, colons and brackets"


def _line_map(node, path=()) -> dict[tuple, int]:
    lines: dict[tuple, int] = {}
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key_path = path + (key_node.value,)
            lines[key_path] = key_node.start_mark.line + 1
            lines.update(_line_map(value_node, key_path))
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            lines[path + (i,)] = item.start_mark.line + 1
            lines.update(_line_map(item, path + (i,)))
    return lines


# ---- overrides ------------------------------------------------------------------------------
def apply_override(raw: dict, override: str) -> None:
    """Apply ``a.b.c=value`` (value parsed as YAML, so typed) to the raw config in place.

    Every path component but the last must exist; the last must be a key the
    schema knows (checked at validation), so a typo is an error, never a new key.
    """
    if "=" not in override:
        raise ConfigError(f"--set {override}: write PATH=VALUE, e.g. --set optimiser.lr=0.01")
    key, _, text = override.partition("=")
    parts = [p for p in key.strip().split(".")]
    if not all(parts):
        raise ConfigError(f"--set {override}: empty key in '{key}'; write e.g. training.epochs=5")
    try:
        value = yaml.safe_load(text) if text.strip() else None
    except yaml.YAMLError:
        value = text
    node: Any = raw
    for i, part in enumerate(parts[:-1]):
        node = _descend(node, part, parts[: i + 1], override)
    last = parts[-1]
    if isinstance(node, list):
        index = _index(node, last, override)
        node[index] = value
    elif isinstance(node, dict):
        _check_known_key(node, parts, override)
        node[last] = value
    else:
        raise ConfigError(f"--set {override}: '{dotted(parts[:-1])}' is a value, not a section")


def _descend(node, part, path, override):
    if isinstance(node, list):
        return node[_index(node, part, override)]
    if not isinstance(node, dict):
        raise ConfigError(f"--set {override}: '{dotted(path[:-1])}' is a value, not a section")
    if part not in node or node[part] is None:
        known = _schema_fields(path[:-1])
        if known is not None and part in known:
            node[part] = {}
        else:
            raise _unknown_path(override, path, list(node) + list(known or []))
    return node[part]


def _index(node: list, part: str, override: str) -> int:
    if not part.lstrip("-").isdigit() or not -len(node) <= int(part) < len(node):
        raise ConfigError(f"--set {override}: '{part}' is not an index of a list of {len(node)} items")
    return int(part)


def _check_known_key(node: dict, parts: list[str], override: str) -> None:
    known = _schema_fields(parts[:-1])
    if parts[-1] in node or known is None or parts[-1] in known:
        return
    if parts[0] == "optimiser":  # hyperparameters are checked against the optimiser later
        return
    raise _unknown_path(override, parts, list(node) + list(known))


def _unknown_path(override, path, candidates) -> ConfigError:
    guess = closest(path[-1], sorted(set(candidates)))
    hint = f"; did you mean '{guess}'?" if guess else ""
    return ConfigError(f"--set {override}: unknown key '{dotted(path)}'{hint}")


def _schema_fields(path) -> set[str] | None:
    """The field names of the schema section at ``path``, or None for free-form sections."""
    model: Any = ExperimentConfig
    for part in path:
        field = model.model_fields.get(part) if isinstance(model, type) and issubclass(model, BaseModel) else None
        if field is None:
            return None
        model = _model_of(field.annotation)
    if isinstance(model, type) and issubclass(model, BaseModel):
        return set(model.model_fields)
    return None


def _model_of(annotation):
    """The pydantic model inside ``X``, ``X | None``."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()):
        if isinstance(arg, type) and issubclass(arg, BaseModel):
            return arg
    return None


# ---- error messages -------------------------------------------------------------------------
def describe_validation_error(error: ValidationError, raw: dict, source: str, lines: dict) -> str:
    by_path: dict[tuple, list[dict]] = {}
    for item in error.errors():
        path = _data_path(item["loc"], raw, item["type"] in ("extra_forbidden", "missing"))
        by_path.setdefault(path, []).append(item)
    first = min(by_path, key=lambda p: _line_of(p, lines))
    items = by_path[first]
    line = _line_of(first, lines)
    where = f"{source}:{line}" if line < 10**9 else source
    message = _message(first, items, raw)
    more = len(by_path) - 1
    tail = f" (and {more} more problem{'s' if more > 1 else ''})" if more else ""
    return f"{where}: {dotted(first)}: {message}{tail}"


def _data_path(loc, raw, names_a_key: bool) -> tuple:
    """Drop the parts of a pydantic location that name union members rather than keys.

    A part that is not in the data is kept only when the error is about that key
    (unknown or missing); otherwise it names a type tried by a union (``str``).
    """
    path, node = [], raw
    for part in loc:
        if isinstance(node, dict) and part in node:
            node = node[part]
            path.append(part)
        elif isinstance(node, list) and isinstance(part, int) and part < len(node):
            node = node[part]
            path.append(part)
        elif names_a_key and isinstance(node, dict) and isinstance(part, str) and not any(c in part for c in "[]()"):
            path.append(part)  # a missing or unknown key
            node = None
    return tuple(path)


def _line_of(path, lines) -> int:
    for end in range(len(path), 0, -1):
        if tuple(path[:end]) in lines:
            return lines[tuple(path[:end])]
    return 10**9


def _message(path, items, raw) -> str:
    kinds = {item["type"] for item in items}
    if "extra_forbidden" in kinds:
        known = sorted(_schema_fields(path[:-1]) or [])
        guess = closest(str(path[-1]), known)
        hint = f"did you mean '{guess}'? " if guess else ""
        return f"unknown key; {hint}allowed keys: {', '.join(known)}"
    if "missing" in kinds:
        return "required key is missing"
    got = items[0].get("input")
    messages = []
    for item in items:
        text = item["msg"].removeprefix("Value error, ")
        if text not in messages:
            messages.append(text)
    if isinstance(got, (dict, list)):
        return "; or ".join(messages)
    return f"{'; or '.join(messages)} (got {got!r})"


def json_schema() -> dict:
    """The JSON Schema of a config file, for editors' YAML support."""
    schema = ExperimentConfig.model_json_schema()
    schema["$schema"] = "http://json-schema.org/draft-07/schema#"
    schema["title"] = "dlx experiment config"
    return schema
