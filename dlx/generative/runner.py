"""``dlx train`` for a generative config (``task: generative``): read it as every config is read, then run it.

    summary = train_generative("configs/vae_digits.yaml", ["training.epochs=5"], results_dir="results")
"""
from __future__ import annotations

import re
from pathlib import Path

from dlx.config import apply_override, parse_mapping, read_config_text
from dlx.config.loading import default_run_name, refuse_non_finite
from dlx.errors import ConfigError
from dlx.generative.experiment import check_sections, run_generative


def load_generative_config(path: str | Path, settings: list[str] = ()) -> dict:
    """The config mapping (safe YAML, UTF-8, no bombs) with ``--set`` overrides applied."""
    source = str(path)
    raw, lines = parse_mapping(read_config_text(path), source)
    for setting in settings:
        apply_override(raw, setting, schema=dict)  # free-form here: check_sections checks sections and keys
    refuse_non_finite(raw, source, lines)
    check_sections(raw)
    return raw


def train_generative(path: str | Path, settings: list[str] = (), results_dir: str | None = None,
                     on_row=None) -> dict:
    """Train the generative config at ``path`` in a new run folder; returns its summary."""
    config = load_generative_config(path, settings)
    output = config.get("output") or {}
    root = results_dir or output.get("results_dir", "results")
    try:
        return run_generative(config, None, on_row=on_row, results_dir=root,
                              run_name=output.get("run_name") or default_run_name(path))
    except ConfigError as error:  # the model and data checks know the key, not the file: name it
        message = str(error)
        raise (error if message.startswith(str(path)) else ConfigError(located(path, message))) from None


def located(path: str | Path, message: str) -> str:
    """``message`` behind ``file:line:``, the line of the key path it starts with (``model.latent_dim ...``)."""
    key = re.match(r"[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+", message)
    _, lines = parse_mapping(read_config_text(path), str(path))
    parts = tuple(key.group(0).split(".")) if key else ()
    line = next((lines[parts[:end]] for end in range(len(parts), 0, -1) if parts[:end] in lines), None)
    return f"{path}:{line}: {message}" if line else f"{path}: {message}"
