"""Reading a config: ``yaml.safe_load`` (nothing in a file can run code), overrides, validation."""
from __future__ import annotations

import copy
import math
from pathlib import Path

import yaml
from pydantic import ValidationError

from dlx.config.messages import describe_validation_error
from dlx.config.overrides import apply_override, dotted
from dlx.config.safe_yaml import load_checked_yaml
from dlx.config.schema import ExperimentConfig
from dlx.errors import ConfigError


class LoadedConfig:
    """A validated config with where it came from, so later checks can point at a line; ``kind`` names
    its experiment kind (``dlx.experiments``; this module reads supervised configs)."""

    kind = "supervised"

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
            refuse_non_finite(raw, self.source, self.lines)
            config = ExperimentConfig.model_validate(raw)
        except ValidationError as error:
            message = describe_validation_error(error, raw, self.source, self.lines)
            raise ConfigError(f"--set {' '.join(overrides)}: {message}") from None
        except ConfigError as error:
            raise ConfigError(f"--set {' '.join(overrides)}: {error}") from None
        return LoadedConfig(config, raw, self.source, self.lines)


def load_config(path: str | Path, overrides: list[str] = ()) -> LoadedConfig:
    """Read, override and validate a YAML config; raises ConfigError with file, line and key path."""
    text = read_config_text(path)
    return parse_config(text, str(path), overrides, default_run_name=default_run_name(path))


def default_run_name(path: str | Path) -> str:
    """The one naming rule for results folders when a config (or sweep) names none: the file's name
    without ``.yaml``, ``_`` written as ``-`` (``configs/frozenlake_vi.yaml`` -> ``frozenlake-vi``).

    ``output.run_name`` (a sweep file's ``name``) overrides it; every command that writes results
    uses this rule, so ``dlx train``, ``dlx sweep --param`` and ``dlx cv`` of one file share a name."""
    return Path(path).stem.replace("_", "-")


def read_config_text(path: str | Path) -> str:
    """The UTF-8 text of a config file; a missing file, a folder or binary bytes are one ConfigError line."""
    path = Path(path)
    if not path.is_file():
        what = "is a folder, not a file" if path.is_dir() else "not found"
        raise ConfigError(f"config file '{path}' {what}; give the path of a YAML file (see configs/)")
    return decode_text(path.read_bytes(), str(path), "a YAML config")


def read_yaml(text: str, source: str) -> tuple[object, dict[tuple, int]]:
    """``yaml.safe_load`` of ``text`` and the line of every key path; refuses alias bombs, recursion,
    deep nesting and duplicate keys (``safe_yaml``) before building anything large; ConfigError with the line."""
    try:
        data, node = load_checked_yaml(text, source)  # its structure checked before anything is composed
        return data, _line_map(node)
    except yaml.YAMLError as error:
        raise ConfigError(_yaml_problem(error, source)) from None


def parse_mapping(text: str, source: str) -> tuple[dict, dict[tuple, int]]:
    """The YAML mapping of ``text`` (``read_yaml``) and its lines; anything but a mapping is a ConfigError."""
    raw, lines = read_yaml(text, source)
    if not isinstance(raw, dict):
        raise ConfigError(f"{source}: a config must be a mapping of sections (dataset, model, ...), "
                          f"got {type(raw).__name__}")
    return copy.deepcopy(raw), lines


def parse_config(text: str, source: str = "<config>", overrides: list[str] = (),
                 default_run_name: str = "experiment") -> LoadedConfig:
    raw, lines = parse_mapping(text, source)
    for override in overrides:
        apply_override(raw, override)
    refuse_non_finite(raw, source, lines)
    raw.setdefault("output", {})
    if isinstance(raw["output"], dict):
        raw["output"].setdefault("run_name", default_run_name)
    try:
        config = ExperimentConfig.model_validate(raw)
    except ValidationError as error:
        raise ConfigError(describe_validation_error(error, raw, source, lines)) from None
    return LoadedConfig(config, raw, source, lines)


def decode_text(data: bytes, source: str, what: str) -> str:
    """``data`` as UTF-8 text (a BOM allowed), or a ConfigError naming the line of the first bad byte."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[:error.start].count(b"\n") + 1
        raise ConfigError(f"{source}:{line}: byte 0x{data[error.start]:02x} is not UTF-8 text; "
                          f"{what} must be a UTF-8 text file (binary or another encoding?)") from None


def refuse_non_finite(raw, source: str, lines: dict, path: tuple = ()) -> None:
    """A ConfigError at the first ``.inf`` or ``.nan`` anywhere in the config (sections, options, layers)."""
    if isinstance(raw, float) and not math.isfinite(raw):
        line = next((f":{lines[path[:end]]}" for end in range(len(path), 0, -1) if path[:end] in lines), "")
        raise ConfigError(f"{source}{line}: {dotted(path)}: {raw} is not a finite number; give a finite value")
    children = raw.items() if isinstance(raw, dict) else enumerate(raw) if isinstance(raw, list) else ()
    for key, value in children:
        refuse_non_finite(value, source, lines, path + (key,))


def _yaml_problem(error: yaml.YAMLError, source: str) -> str:
    """One line: where the broken construct starts, and what the parser found."""
    problem = getattr(error, "problem", None) or str(error).splitlines()[0]
    mark, context = getattr(error, "problem_mark", None), getattr(error, "context_mark", None)
    if context is not None and getattr(error, "context", None) and mark is not None and context.line != mark.line:
        problem = f"{error.context} starting here: {problem} on line {mark.line + 1}"
        mark = context
    line = f":{mark.line + 1}" if mark is not None else ""
    if isinstance(error, yaml.reader.ReaderError):
        return f"{source}: not a text file ({problem}); a config is a UTF-8 YAML text file"
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
