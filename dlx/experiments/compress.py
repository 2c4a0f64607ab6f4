"""The compress kind: a supervised run compressed into a new run, as a config, so that a sweep varies the
sparsity or the bit width and repeats it over seeds.

    kind: compress
    base: ../../configs/digits_mlp.yaml   # trained first, with this config's seed (or from_run: RUN)
    method: prune
    sparsity: 0.9
    epochs: 20

A trial trains ``base`` in its folder (a supervised run like any other, its ``training.seed`` the
trial's seed), then compresses it into a child run ``<folder>/children/compress-<method>/<stamp>``
(``dlx.compress``). The trial reports the compressed run's test metrics (``test_accuracy`` ...),
the original's as ``original_test_*``, and the method's references: the student trained alone
(``alone_test_*``, distil) and the randomly re-initialised ticket (``random_test_*``, lottery) and ``disk_ratio``, how many times smaller its model file is.
"""
from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from dlx.config.schema import OutputConfig
from dlx.errors import ConfigError, DlxError
from dlx.experiments.registry import ExperimentKind, register_kind

OPTIONS = ("sparsity", "criterion", "rounds", "epochs", "bits", "activation_bits", "qat_epochs", "student", "temperature", "alpha",
           "rate", "rewind_epoch", "scope", "transfer")


class CompressConfig(BaseModel):
    """A compression of a trained (or to be trained) supervised run."""

    model_config = ConfigDict(extra="forbid")
    kind: Literal["compress"] = "compress"
    description: str = ""
    base: str | None = Field(None, description="a supervised config trained first (relative to this file)")
    set: list[str] = Field(default_factory=list, description="overrides of the base config (as --set)")
    from_run: str | None = Field(None, description="or: a finished supervised run folder to compress")
    seed: int = Field(0, description="the base run's training.seed")
    method: Literal["prune", "quantise", "distil", "lottery"]
    sparsity: float | None = None
    criterion: Literal["layer", "global", "neuron"] | None = None
    rounds: int | None = None
    epochs: int | None = None
    bits: int | None = None
    activation_bits: int | None = None
    qat_epochs: int | None = None
    student: str | None = Field(None, description="distil: a config whose model is the student")
    temperature: float | None = None
    alpha: float | None = None
    rate: float | None = None
    rewind_epoch: int | None = None
    scope: Literal["layer", "global"] | None = None
    transfer: float | None = Field(None, description="distil: share of the training split the students learn from")
    output: OutputConfig = Field(default_factory=OutputConfig)


def beside(loaded, path: str) -> Path:
    """``path`` as given when it exists, else relative to the config file's folder."""
    given = Path(path)
    near = Path(loaded.source).parent / given
    return given if given.exists() or given.is_absolute() or not near.exists() else near


def options_of(loaded) -> dict:
    c = loaded.config
    options = {k: getattr(c, k) for k in OPTIONS if getattr(c, k) is not None}
    if "student" in options:
        options["student"] = str(beside(loaded, options["student"]))
    return options


def base_config(loaded):
    """The base run's config, with ``set`` and the seed applied (ConfigError if it does not validate)."""
    from dlx.config import load_config
    c = loaded.config
    return load_config(beside(loaded, c.base), [*c.set, f"training.seed={c.seed}"])


def check(loaded) -> None:
    """One of base and from_run; the base config valid; the method's options valid: before any folder."""
    from dlx.compress.run import METHODS
    c = loaded.config
    if (c.base is None) == (c.from_run is None):
        raise ConfigError(f"{loaded.source}: give one of base (a config to train first) and from_run (a run folder)")
    if c.base is not None:
        base_config(loaded)
    try:
        METHODS[c.method][0](options_of(loaded))
    except DlxError as error:
        raise ConfigError(f"{loaded.source}: {error}") from None


def run_trial(loaded, folder=None, splits=None, reporter=None, on_epoch=None):
    """Train the base run in ``folder`` (or take from_run) and compress it into a child run."""
    return start(loaded, folder, None, reporter)


def start(loaded, folder=None, results_dir=None, reporter=None):
    """``run_trial``; without ``folder`` the base run goes under ``results_dir`` (default: the base's own)."""
    from dlx.compress import compress_run
    from dlx.train.runner import RunResult, run_in_folder
    c = loaded.config
    if c.from_run is not None:
        original = Path(c.from_run)
    else:
        original = run_in_folder(base_config(loaded), folder, reporter=reporter, results_dir=results_dir).run_dir
    result = compress_run(original, c.method, options_of(loaded))
    summary = dict(result.summary)
    summary["test"] = {**summary["test"], **references(summary)}
    return RunResult(result.run_dir, summary["status"], summary, summary.get("message", ""),
                     [dict(r) for r in summary.get("rounds", [])])


def references(summary: dict) -> dict:
    """The numbers a claim compares the compressed model with, named ``original_test_*``, ``alone_test_*``,
    ``random_test_*``; and the validation metrics a sweep chooses settings by: ``val_*`` (the student, the
    last ticket), ``alone_val_*``, ``random_val_*``."""
    out = {f"original_{k}": v for k, v in summary.get("original_test", {}).items()}
    table = summary.get("table", {})
    if table:  # how many times smaller the model file is
        out["disk_ratio"] = table["original"]["bytes_on_disk"] / max(table["compressed"]["bytes_on_disk"], 1)
    record = summary.get("compression", {})
    out.update({f"alone_{k}": v for k, v in record.get("student_alone", {}).items()})
    out.update({f"alone_{k}": v for k, v in record.get("student_alone_val", {}).items()})
    last = (record.get("rounds") or [{}])[-1]
    out.update({k: v for k, v in last.items() if k.startswith(("random_test_", "random_val_"))})
    out.update({k[len("ticket_"):]: v for k, v in last.items() if k.startswith("ticket_val_")})
    return out


def metrics() -> tuple[str, ...]:
    names = ("loss", "accuracy", "precision", "recall", "f1", "r2", "mse", "mae")
    test = tuple(f"{prefix}test_{m}" for prefix in ("", "original_", "alone_", "random_") for m in names)
    return ("disk_ratio",) + test + tuple(f"{prefix}val_{m}" for prefix in ("", "alone_", "random_") for m in names)


def headline(summary: dict) -> tuple[str, dict]:
    return "compressed against original", {k: v for k, v in summary["test"].items()
                                           if k.endswith("accuracy") or k.endswith("r2")}


COMPRESS = register_kind(ExperimentKind(
    name="compress", schema=CompressConfig, description="a trained supervised run compressed into a new run",
    train=lambda loaded, results_dir=None, reporter=None: start(loaded, None, results_dir, reporter),
    run_trial=run_trial, check=check, seed_key="seed", planned_epochs=lambda config: 1, metrics=metrics,
    default_metric=lambda config: ("test_accuracy", "max"), headline=headline))
