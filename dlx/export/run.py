"""``dlx export RUN --format onnx|safetensors``: a trained run's model in a format the ecosystem reads.

The model (the run's scaler first, then the network) is converted in memory first, so a layer
that cannot be exported stops the command before anything is written. The files go to a child
run of the run (``RUN/children/export-<format>/<stamp>-<hex>/``, ``dlx.runs.children``):

* onnx: ``model.onnx`` (input "input" (N, *input shape), output "output"), checked by ``onnx.checker``;
* safetensors: ``model.safetensors`` under the tensor names of the equivalent PyTorch module, and
  ``model_torch.py``, the snippet that builds that module and loads them (also printed).
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from dlx.export.onnx_graph import ExportError, onnx_model
from dlx.export.torch_module import torch_equivalent
from dlx.inference.loaded import LoadedRun, load_run
from dlx.nn import Embedding, Sequential
from dlx.runs import atomic_write_bytes
from dlx.runs.children import open_child

FORMATS = ("onnx", "safetensors")
SAFETENSORS_INSTALL = "safetensors export needs the safetensors package; install with pip install -e '.[onnx]'"


@dataclass
class Exported:
    """What ``export_run`` wrote: the child run folder, its files and (safetensors) the PyTorch snippet."""

    folder: Path
    files: list[Path]
    snippet: str = ""


def first_layer(module):
    while isinstance(module, Sequential) and module.layers:
        module = module.layers[0]
    return module


def takes_token_ids(run: LoadedRun) -> bool:
    """True when the network starts with an embedding: the graph's input is int64 token ids."""
    return isinstance(first_layer(run.network), Embedding)


def export_run(run_dir: Path | str, fmt: str) -> Exported:
    """Convert the model of ``run_dir`` to ``fmt`` and write it into a new child run; ExportError if it cannot."""
    if fmt not in FORMATS:
        raise ExportError(f"unknown format '{fmt}'; use one of {', '.join(FORMATS)}")
    run = load_run(run_dir)
    if fmt == "onnx":
        proto = onnx_model(run.model, run.input_shape, takes_token_ids(run), name=Path(run.run_dir).parent.name)
        files = {"model.onnx": proto.SerializeToString()}
        snippet = ""
    else:
        try:
            from safetensors.numpy import save
        except ImportError:
            raise ExportError(SAFETENSORS_INSTALL) from None
        snippet, tensors = torch_equivalent(run.model, run.input_shape)
        files = {"model.safetensors": save(tensors, metadata={"format": "pt", "producer": "dlx"}),
                 "model_torch.py": snippet.encode()}
    with open_child(run.run_dir, "export", {"format": fmt}, tag=fmt) as child:
        written = [atomic_write_bytes(child.run_dir / name, data) for name, data in files.items()]
        child.finish("finished", {"headline": {}, "format": fmt, "files": [p.name for p in written]})
    return Exported(child.run_dir, written, snippet)


__all__ = ["ExportError", "Exported", "FORMATS", "export_run", "takes_token_ids"]
