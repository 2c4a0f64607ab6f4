"""``dlx import-weights RUN FILE.safetensors``: weights under PyTorch's names loaded into a run's model.

The names and layouts are those ``dlx export --format safetensors`` writes (the equivalent
PyTorch module's ``state_dict``). Rather than a second, inverse set of conversion rules, the
import traces the export's: every element of the model's parameters and buffers is set to its
own index (plus 2, in float64), the model is converted as for an export, and each element of
each PyTorch tensor then holds the index of the dlx element it came from (values below 2: a
constant of the conversion, such as an LSTM's second bias, with no dlx element behind it).

A tensor of the file is loaded when the model has its name and shape; the others are reported,
as are the model's tensors that the file did not give (they keep the run's values). The result
is a child run of RUN (``children/import-weights/<stamp>-<hex>/``) with its own ``model.npz``;
the run itself is never rewritten.
"""
from __future__ import annotations

import copy
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from dlx.errors import CheckpointError
from dlx.export.onnx_graph import ExportError
from dlx.export.torch_module import torch_equivalent
from dlx.inference.loaded import load_run
from dlx.runs import atomic_write_bytes, load_checkpoint, save_checkpoint
from dlx.runs.children import open_child

SAFETENSORS_INSTALL = "reading safetensors needs the safetensors package; install with pip install -e '.[onnx]'"
FIRST_INDEX = 2  # trace values below it are constants (0, 1, sines) with no dlx element behind them


@dataclass
class Imported:
    """What ``import_weights`` did: the child run, and name -> reason for what did not match."""

    folder: Path | None
    loaded: list[str]
    unmatched: dict[str, str] = field(default_factory=dict)   # file tensors not loaded
    kept: list[str] = field(default_factory=list)             # model tensors the file did not give


def _state_items(model):
    """(name, owner, key) of every parameter and buffer of ``model``, in state_dict order."""
    items = [(name, p, None) for name, p in model.named_parameters()]
    modules = dict(model.named_modules())
    for name, _ in model.named_buffers():
        module_name, _, key = name.rpartition(".")
        items.append((name, modules[module_name], key))
    return items


def traced_sources(model, input_shape) -> tuple[dict[str, np.ndarray], int]:
    """{torch name: array of flat dlx element indices (-1: none)} and the number of dlx elements."""
    model = copy.deepcopy(model)  # a copy of its own: its arrays are overwritten by indices
    start = FIRST_INDEX
    for name, owner, key in _state_items(model):
        value = owner.data if key is None else owner._buffers[key]
        trace = np.arange(start, start + np.size(value), dtype=np.float64).reshape(np.shape(value))
        start += np.size(value)
        if key is None:
            owner.data = trace
        else:
            owner._buffers[key] = trace
    _, tensors = torch_equivalent(model, input_shape)
    sources = {}
    for name, values in tensors.items():
        values = np.asarray(values, dtype=np.float64)
        exact = (values >= FIRST_INDEX) & (values == np.round(values))
        sources[name] = np.where(exact, values - FIRST_INDEX, -1).astype(np.int64)
    return sources, start - FIRST_INDEX


def read_safetensors(path: Path) -> dict[str, np.ndarray]:
    try:
        from safetensors.numpy import load_file
    except ImportError:
        raise ExportError(SAFETENSORS_INSTALL) from None
    if not Path(path).is_file():
        raise CheckpointError(f"'{path}' not found; give a .safetensors file (dlx export --format safetensors "
                              f"writes one)")
    try:
        return load_file(str(path))
    except Exception as error:  # safetensors' own SafetensorError and friends: a damaged or foreign file
        raise CheckpointError(f"'{path}' is not a readable safetensors file ({' '.join(str(error).split())})") \
            from None


def matched(file_tensors: dict, sources: dict) -> tuple[list[str], dict[str, str]]:
    loaded, unmatched = [], {}
    for name, value in file_tensors.items():
        if name not in sources:
            unmatched[name] = "no tensor of this name in the model"
        elif tuple(value.shape) != sources[name].shape:
            unmatched[name] = f"shape {tuple(value.shape)} in the file, {sources[name].shape} in the model"
        elif not np.issubdtype(value.dtype, np.floating) and (sources[name] >= 0).any():
            unmatched[name] = f"holds {value.dtype} values, not floating-point weights"
        else:
            loaded.append(name)
    return loaded, unmatched


def import_weights(run_dir: Path | str, file: Path | str) -> Imported:
    """Load the tensors of ``file`` that fit the model of ``run_dir`` into a child run; CheckpointError if none fit."""
    run = load_run(run_dir)
    result = load_torch_tensors(run.model, run.input_shape, read_safetensors(Path(file)))
    if not result.loaded:
        raise CheckpointError(f"no tensor of '{file}' matches the model of '{run_dir}' by name and shape; export "
                              f"this run with dlx export --format safetensors to see the names it expects")
    result.folder = _write_child(run, file, result.loaded, result.unmatched)
    return result


def load_torch_tensors(model, input_shape, file_tensors: dict) -> Imported:
    """Copy the tensors (PyTorch names) that fit into ``model`` in place; what did and did not match."""
    sources, size = traced_sources(model, input_shape)
    loaded, unmatched = matched(file_tensors, sources)
    loaded = [name for name in loaded if (sources[name] >= 0).any()]
    items = _state_items(model)
    flat = np.concatenate([np.ravel(owner.data if key is None else owner._buffers[key]).astype(np.float64)
                           for _, owner, key in items])
    given = np.zeros(size, bool)
    for name in loaded:
        where = sources[name] >= 0
        flat[sources[name][where]] = file_tensors[name][where]
        given[sources[name][where]] = True
    state, start, kept = {}, 0, []
    for name, owner, key in items:
        shape = np.shape(owner.data if key is None else owner._buffers[key])
        count = int(np.prod(shape))
        state[name] = flat[start:start + count].reshape(shape)
        if not given[start:start + count].any():
            kept.append(name)
        start += count
    model.load_state_dict(state)
    return Imported(None, loaded, unmatched, kept)


def _write_child(run, file, loaded, unmatched) -> Path:
    arrays, meta = load_checkpoint(run.run_dir / "model.npz")
    for prefix, module in (("model", run.network), ("scaler", run.scaler)):
        arrays.update({f"{prefix}/{name}": value for name, value in module.state_dict().items()})
    with open_child(run.run_dir, "import-weights", {"file": str(Path(file).resolve())}) as child:
        save_checkpoint(child.run_dir / "model.npz", arrays, meta)
        for name in ("model.json", "splits.npz"):
            if (run.run_dir / name).is_file():
                atomic_write_bytes(child.run_dir / name, (run.run_dir / name).read_bytes())
        child.finish("finished", {"headline": {"tensors_loaded": len(loaded), "tensors_not_matched":
                                               len(unmatched)}, "task": run.meta.get("task"),
                                  "not_matched": unmatched})
    return child.run_dir


__all__ = ["Imported", "import_weights", "load_torch_tensors"]
