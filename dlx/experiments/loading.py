"""The one front door for configs: ``load_experiment(path, overrides)`` for every kind and command.

    loaded = load_experiment("configs/vae_digits.yaml", ["training.epochs=2"])
    loaded.kind, loaded.config.model.latent_dim, loaded.where(("model", "latent_dim"))

Every config is read as ``dlx.config`` reads one (UTF-8, ``yaml.safe_load``, no alias bombs,
the line of every key), its kind named (``registry.kind_of``), the ``--set`` overrides applied
against that kind's schema, validated by the union of all schemas and checked against the
registries (``kind.check``): all before any folder exists. An error that an override caused
names the override first: ``--set optimiser.lrr=0.1: configs/x.yaml:18: optimiser.lrr: ...``.
"""
from __future__ import annotations

from pathlib import Path

from pydantic import ValidationError

from dlx.config import LoadedConfig, apply_override, describe_validation_error, parse_mapping, read_config_text
from dlx.config.loading import default_run_name, refuse_non_finite
from dlx.errors import ConfigError
from dlx.experiments.registry import ExperimentKind, config_adapter, kind_named, kind_of


def load_experiment(path: str | Path, overrides: list[str] = (), check: bool = True) -> LoadedConfig:
    """Read, override, validate and check the config at ``path``; ``loaded.kind`` names its kind.

    Args:
        path: a YAML config (or a run's ``config.yaml``).
        overrides (default ()): ``a.b.c=value`` strings, as ``--set`` gives them.
        check (default True): also resolve component names against the registries (``kind.check``).
    """
    raw, lines = parse_mapping(read_config_text(path), str(path))
    return experiment_from_mapping(raw, str(path), lines, overrides, default_run_name(path), check)


def experiment_from_mapping(raw: dict, source: str, lines: dict | None = None, overrides: list[str] = (),
                            default_run_name: str | None = None, check: bool = True, blame: bool = True
                            ) -> LoadedConfig:
    """``load_experiment`` of a mapping already read (a sweep's base config, a trial); ``blame``: lead
    an error that an override caused with ``--set OVERRIDE`` (a sweep names its own line instead)."""
    lines = lines or {}
    kind = kind_from_mapping(raw, source, lines)
    for override in overrides:
        apply_override(raw, override, schema=kind.schema, source=source, lines=lines)
    try:
        refuse_non_finite(raw, source, lines)
        if default_run_name is not None and "output" in kind.schema.model_fields:
            raw.setdefault("output", {})
            if isinstance(raw["output"], dict):
                raw["output"].setdefault("run_name", default_run_name)
        loaded = LoadedConfig(validate(kind, raw, source, lines), raw, source, lines)
        loaded.kind = kind.name
        if check:
            kind.check(loaded)
    except ConfigError as error:
        raise (blame_overrides(error, overrides) if blame else error) from None
    return loaded


def kind_from_mapping(raw: dict, source: str, lines: dict) -> ExperimentKind:
    """The registered kind a config says or is inferred to be; ConfigError at the ``kind`` line."""
    try:
        return kind_named(kind_of(raw))
    except ConfigError as error:
        line = f":{lines[('kind',)]}" if ("kind",) in lines else ""
        raise ConfigError(f"{source}{line}: kind: {error}") from None


def validate(kind: ExperimentKind, raw: dict, source: str, lines: dict):
    """The config model of ``raw`` through the union of every kind's schema; one-line ConfigError.

    The union's discriminator (``kind_of``) picks ``kind`` for ``raw``, so the kind's own schema gives
    the same model without importing every other kind's schema (the union is used only when an
    override changed the kind)."""
    try:
        if kind_of(raw) == kind.name:
            return kind.schema.model_validate(raw)
        return config_adapter().validate_python(raw)
    except ValidationError:
        try:  # the same data against the kind's own schema: locations without the union's tag
            kind.schema.model_validate(raw)
        except ValidationError as error:
            raise ConfigError(describe_validation_error(error, raw, source, lines, kind.schema)) from None
        raise


def blame_overrides(error: ConfigError, overrides: list[str]) -> ConfigError:
    """``error`` led by the ``--set`` overrides whose key it names (unchanged if it names none)."""
    message = str(error)
    if message.startswith("--set "):
        return error
    culprits = [o for o in overrides if o.partition("=")[0].strip() and o.partition("=")[0].strip() in message]
    return ConfigError(f"--set {' '.join(culprits)}: {message}") if culprits else error
