"""One model format for every kind of run: ``model.json`` + ``model.npz``, opened by a loader per format.

``model.json`` says its ``format``; the kind that wrote it registers the loader that opens it::

    @model_formats.register("dlx-agent")
    def load_agent_model(run_dir: Path, description: dict): ...

    model = load_model("results/frozenlake-q/<run>")   # the trained agent, VAE, GAN or network

The formats: ``dlx-model`` (supervised networks, here), ``dlx-generative`` (``dlx.generative``) and
``dlx-agent`` (``dlx.rl``). A folder written before its kind saved ``model.json`` names the file it
has instead (``legacy``: an RL run's ``checkpoints/agent.npz``) and that format's loader opens it.
A format's module must be imported for its loader to exist: ``dlx.components.load_components``.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

from dlx.errors import CheckpointError
from dlx.registry import Registry
from dlx.runs.run_kind import read_json_record

model_formats = Registry("model format")
LEGACY: dict[str, str] = {}  # a file older runs have instead of model.json -> the format that reads it


def register_format(name: str, legacy: str | None = None) -> Callable:
    """Register ``loader(run_dir, description) -> model`` for ``model.json`` files of format ``name``;
    ``legacy``: the file (relative to the run folder) that older runs of this format hold instead."""
    def decorate(loader):
        if legacy is not None:
            LEGACY[legacy] = name
        return model_formats.register(name)(loader)
    return decorate


def model_format(run_dir: Path | str) -> tuple[str, dict]:
    """``(format, description)`` of the model in ``run_dir``; CheckpointError when it holds none."""
    run_dir = Path(run_dir)
    if (run_dir / "model.json").is_file():
        description = read_json_record(run_dir / "model.json")
        return str(description.get("format", "")), description
    for file, name in LEGACY.items():
        if (run_dir / file).is_file():
            return name, {"format": name, "legacy": file}
    raise CheckpointError(f"'{run_dir}' holds no model (no model.json); give the folder of a finished dlx run")


def load_model(run_dir: Path | str) -> Any:
    """The trained model of ``run_dir``, opened by the loader of its format."""
    name, description = model_format(run_dir)
    if name not in model_formats:
        raise CheckpointError(f"'{run_dir}/model.json' has format '{name}', which no loaded module reads; known "
                              f"formats: {', '.join(model_formats.names()) or 'none'} (call "
                              f"dlx.components.load_components() first)")
    return model_formats.get(name)(Path(run_dir), description)


@register_format("dlx-model")
def load_supervised_model(run_dir: Path, description: dict):
    """A supervised run: its network behind its scaler (``dlx.inference.load_run``)."""
    from dlx.inference.loaded import load_run
    return load_run(run_dir)
