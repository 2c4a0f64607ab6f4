"""The typed config schema (pydantic): one model per section, unknown keys forbidden."""
from __future__ import annotations

from typing import Annotated, Any, Literal, Union

from pydantic import AllowInfNan, BaseModel, ConfigDict, Field, Strict as StrictType, field_validator, model_validator

from dlx.config.sizes import parse_bytes
from dlx.errors import ConfigError
from dlx.registry import closest

# Numbers are numbers: YAML's ``yes``/``true`` is not 1, ``.inf`` and ``.nan`` are refused.
Int = Annotated[int, StrictType()]
Float = Annotated[float, StrictType(), AllowInfNan(False)]  # an int is accepted, a bool is not
Bool = Annotated[bool, StrictType()]

# What early stopping can watch: a split prefix and the loss or a metric (dlx.tasks.metrics, checked by a test).
MONITOR_SPLITS = ("train", "val")
MONITOR_METRICS = ("loss", "accuracy", "precision", "recall", "f1", "mse", "mae", "r2", "exact_match", "token_accuracy",
                   "bit_errors", "bit_errors_20", "bit_errors_30")
MONITOR_NAMES = tuple(f"{split}_{metric}" for split in MONITOR_SPLITS for metric in MONITOR_METRICS)


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_default=True)


ComponentSpec = Union[str, dict[str, Any]]  # "adam" or {"name": "adam", ...}


class DatasetConfig(Strict):
    """Which data set, its loader options, how to split and scale it."""

    name: str = Field(description="registered data set name (dlx list datasets)")
    options: dict[str, Any] = Field(default_factory=dict, description="keyword arguments of the loader")
    validation: Float = Field(0.15, ge=0, lt=1, description="fraction held out for validation")
    test: Float = Field(0.15, ge=0, lt=1, description="fraction held out for the final test")
    stratify: Bool = Field(True, description="keep class proportions in every split")
    scaling: Literal["none", "standardize", "minmax"] = Field("none", description="feature scaling fitted on train")
    augment: list[ComponentSpec] = Field(default_factory=list, description="training-time augmentations")

    @model_validator(mode="after")
    def _fractions_leave_training_data(self):
        if self.validation + self.test >= 1:
            raise ValueError(f"validation ({self.validation}) + test ({self.test}) must be below 1")
        return self


LayerSpec = Union[str, dict[str, Any]]  # - relu, - dense: {units: 8}, or a graph item (dlx.models.graph)


class ModelConfig(Strict):
    """A list of layers (``- dense: {units: 64}``, ``- relu``), a graph of nodes, or a registered model name.

    Layers may also be graph items (``residual``, ``branches``, ``repeat``, ``use``) and
    ``blocks`` named chains used with ``- use: NAME``; see dlx/models/graph.py.
    """

    layers: list[LayerSpec] | None = Field(None, description="layers in order; input sizes are inferred; every "
                                           "layer also accepts l1, l2 (its own penalties) and "
                                           "frozen: true (no gradient, no update); items may be residual, "
                                           "branches, repeat or use (a block)")
    name: str | None = Field(None, description="a registered model (dlx list models) instead of layers")
    options: dict[str, Any] = Field(default_factory=dict, description="keyword arguments of the named model")
    blocks: dict[str, list[LayerSpec]] | None = Field(None, description="named chains of layers, used with "
                                                      "'- use: NAME'; every use shares one set of weights")
    inputs: list[str] | None = Field(None, description="names of a graph's inputs (default: one, named input)")
    nodes: dict[str, dict[str, Any]] | None = Field(None, description="a graph instead of layers: named nodes in "
                                                    "order, each {from, merge, axis, layers}")
    outputs: list[str] | None = Field(None, description="the nodes a graph returns (default: the last node)")

    @model_validator(mode="after")
    def _layers_or_name(self):
        if sum(x is not None for x in (self.layers, self.name, self.nodes)) != 1:
            raise ValueError("give either 'layers' (a list), 'nodes' (a graph) or 'name' (a registered model), not "
                             "two of them or none")
        if self.layers is not None and not self.layers:
            raise ValueError("'layers' is empty; list at least one layer")
        if (self.inputs is not None or self.outputs is not None) and self.nodes is None:
            raise ValueError("'inputs' and 'outputs' name a graph's values; give them with 'nodes'")
        if self.blocks is not None and self.name is not None:
            raise ValueError("'blocks' are used by 'layers' or 'nodes' ('- use: NAME'), not by a named model")
        return self


class OptimiserConfig(BaseModel):
    """The optimiser by name; further keys are its hyperparameters (checked against it)."""

    model_config = ConfigDict(extra="allow", validate_default=True)
    name: str = Field("sgd", description="registered optimiser (dlx list optimisers)")
    lr: Float | None = Field(None, gt=0, description="learning rate (alpha, eta); default: the optimiser's own "
                                                     "(sgd 0.01, adam 0.001, adadelta 1.0; dlx config show)")
    schedule: ComponentSpec | None = Field(None, description="learning-rate schedule, e.g. {name: cosine}")
    weight_decay: Float = Field(0.0, ge=0, description="coupled L2 weight decay added to the gradient")
    clip_norm: Float | None = Field(None, gt=0, description="clip gradients to this global L2 norm")
    clip_value: Float | None = Field(None, gt=0, description="clip each gradient element to [-v, v]")

    def hyperparameters(self) -> dict[str, Any]:
        """Keyword arguments of the optimiser's constructor (everything but name and schedule)."""
        values = self.model_dump(exclude={"name", "schedule"})
        return {k: v for k, v in values.items() if v is not None}


class EarlyStoppingConfig(Strict):
    patience: Int = Field(10, ge=1, description="epochs without improvement before stopping")
    monitor: str = Field("val_loss", description="metric to watch, e.g. val_loss or val_accuracy")
    min_delta: Float = Field(0.0, ge=0, description="smallest change that counts as improvement")
    restore_best: Bool = Field(True, description="end with the weights of the best epoch")

    @field_validator("monitor")
    @classmethod
    def _known_monitor(cls, value: str) -> str:
        if value in MONITOR_NAMES:
            return value
        guess = closest(value, MONITOR_NAMES)
        hint = f"did you mean '{guess}'? " if guess else ""
        raise ValueError(f"unknown metric to monitor; {hint}known: {', '.join(MONITOR_NAMES)}")


class RegularisationConfig(Strict):
    l1: Float = Field(0.0, ge=0, description="L1 penalty l1 * sum|w| on all weights (not biases); "
                                             "a layer's own l1 overrides it")
    l2: Float = Field(0.0, ge=0, description="L2 penalty l2 * sum w^2 on all weights (not biases); "
                                             "a layer's own l2 overrides it")
    input_noise: Float = Field(0.0, ge=0, description="std of Gaussian noise added to inputs in training")
    weight_noise: Float = Field(0.0, ge=0, description="std of Gaussian noise added to weights for each step")
    early_stopping: EarlyStoppingConfig | None = Field(None, description="stop when validation stalls")
    kl_weighting: Literal["uniform", "blundell"] = Field(
        "uniform", description="weight of a bayes_dense model's KL in mini-batch i of M: uniform 1/M, or "
                               "blundell 2^(M-i)/(2^M-1) (Blundell et al. 2015)")


class TrainingConfig(Strict):
    epochs: Int = Field(10, ge=1, description="passes over the training set")
    batch_size: Union[int, Literal["full"]] = Field(32, description="samples per step; 'full' or 1 (stochastic)")
    seed: Int = Field(0, ge=0, description="one seed for data, initialisation and shuffling (0 or more)")
    metrics: list[str] | None = Field(None, description="metrics to report (default: all of the task's)")
    shuffle: Bool = Field(True, description="shuffle the training set every epoch")
    divergence_factor: Float = Field(1e3, gt=1, description="stop if the loss exceeds this times its start")
    checkpoint: Bool = Field(True, description="save best and last checkpoints")
    checkpoint_seconds: Float = Field(30.0, ge=0, description="write checkpoints at most this often (and at the "
                                                               "end, on Ctrl-C, on divergence); 0: every epoch")
    train_metrics: Bool = Field(True, description="evaluate the training set each epoch (eval mode)")
    memory_limit: Union[Float, str, None] = Field(None, description="refuse models whose parameters and "
                                                  "activations need more, e.g. 16GiB (default: $DLX_MEMORY_LIMIT "
                                                  "or 4GiB)")
    threads: Union[Int, None] = Field(None, ge=1, description="BLAS and dlx threads for this run (default: "
                                      "$DLX_NUM_THREADS, else chosen by dlx.threads: 1 for small matrix "
                                      "products, the idle cores for large ones)")

    @field_validator("memory_limit")
    @classmethod
    def _a_size(cls, value):
        if value is not None:
            try:
                parse_bytes(value)
            except ConfigError as error:
                raise ValueError(str(error)) from None
        return value

    @field_validator("batch_size", mode="before")
    @classmethod
    def _positive_batch(cls, value):
        if value == "full" or (type(value) is int and value >= 1):
            return value
        raise ValueError("must be a positive integer (1 means stochastic) or 'full' (full batch)")


class RunOutput(Strict):
    """Where a run's folder goes and whether it draws its plots: the ``output`` section every kind shares."""

    run_name: str | None = Field(None, description="folder name under results_dir (default: config file name)")
    results_dir: str = Field("results", description="where run folders are created")
    plots: Bool = Field(True, description="draw PNG plots at the end of a run")


class OutputConfig(RunOutput):
    """The ``output`` section of a model trained on data (supervised, generative): ``RunOutput`` and its trackers."""

    tensorboard: Bool = Field(False, description="also write TensorBoard event files to RUN/tensorboard/ "
                                                 "(the trackers extra)")
    mlflow: Bool = Field(False, description="also log the run to the MLflow file store <results_dir>/mlruns "
                                            "(the trackers extra)")
    predictive_samples: Int = Field(50, ge=2, description="passes for the predictive mean and spread of a model "
                                    "with bayes_dense or mc_dropout layers (its test metrics, plot and dlx predict)")
    spread_range: list[Float] | None = Field(None, min_length=2, max_length=2, description="[low, high] in raw x: "
                                             "for such a model on a 1-D regression, the predictive plot's range; "
                                             "spread_at_ends is the spread at its two ends (default: the training "
                                             "range widened by its width on each side)")


class ExperimentConfig(Strict):
    """A whole experiment."""

    kind: Literal["supervised"] | None = Field(None, exclude=True, description="the experiment kind")
    description: str = Field("", description="what this experiment shows")
    dataset: DatasetConfig
    model: ModelConfig
    loss: ComponentSpec | None = Field(None, description="loss name; default from the lecture's table")
    optimiser: OptimiserConfig = Field(default_factory=OptimiserConfig)
    regularisation: RegularisationConfig = Field(default_factory=RegularisationConfig)
    training: TrainingConfig = Field(default_factory=TrainingConfig)
    output: OutputConfig = Field(default_factory=OutputConfig)


def json_schema() -> dict:
    """The JSON Schema of a config file, for editors' YAML support."""
    schema = ExperimentConfig.model_json_schema()
    schema["$schema"] = "http://json-schema.org/draft-07/schema#"
    schema["title"] = "dlx experiment config"
    return schema
