"""``compress_run``: a trained run in, a new run out, a child of the original like every run a command
derives from another (``<run>/children/compress-<method>/<stamp>-<hex>/``, ``dlx.runs.children``).

The new run is made through the run session like any other and holds what ``dlx evaluate``
and ``dlx predict`` need: the original's ``config.yaml`` and ``splits.npz`` (the same data and
splits) and the compressed ``model.npz``/``model.json``. Its ``summary.json`` records
``derived_from`` (the original run), the method and its options, the method's own record and
the table original against compressed (``measure.comparison``), also written as
``compression.md``; its ``metrics.jsonl`` has a row per round or step of the method.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from dlx.compress import distil, lottery, prune, quantise
from dlx.compress.measure import comparison, plot_layer_sparsity, table_markdown
from dlx.compress.prune import Compressed
from dlx.compress.source import Source, open_source
from dlx.errors import DlxError
from dlx.models.builder import describe_model
from dlx.runs import atomic_write_json, atomic_write_text, load_checkpoint, save_checkpoint
from dlx.runs.children import CHILDREN, parent_record
from dlx.runs.session import RunSession
from dlx.runs.sparse import sparse_arrays
from dlx.train.state import prefixed

# name -> (check(options, source) -> options with defaults, raising DlxError; compress(source, options, log))
METHODS = {"prune": (prune.checked_options, prune.prune), "quantise": (quantise.checked_options, quantise.quantise),
           "distil": (distil.checked_options, distil.distil), "lottery": (lottery.checked_options, lottery.lottery)}


@dataclass
class CompressResult:
    run_dir: Path
    summary: dict
    table: dict


def compress_run(run_dir, method: str, options: dict | None = None, folder=None, log=None) -> CompressResult:
    """Compress the finished supervised run ``run_dir`` by ``method`` (a key of ``METHODS``) into a new run
    (``folder``: exactly there; default ``<run_dir>/children/compress-<method>/<stamp>-<hex>``)."""
    if method not in METHODS:
        raise DlxError(f"unknown compression method '{method}'; use one of {', '.join(METHODS)}")
    source = open_source(run_dir)
    check, method_function = METHODS[method]
    options = check(dict(options or {}), source)  # a bad option leaves no folder
    with RunSession.create(Path(run_dir) / CHILDREN, f"compress-{method}", source.config_text, folder,
                           kind="supervised") as session:
        session.derived_from = parent_record(Path(run_dir))
        if source.indices is not None:
            session.save_splits(source.indices)
        say = log or (lambda line: None)

        def both(line: str) -> None:
            session.log(line)
            say(line)
        both(f"compressing {source.run_dir} by {method} {options}")
        compressed = method_function(source, options, both)
        for row in compressed.rows:
            session.record(row)
        write_model(session.run_dir, source, compressed)
        table = comparison(source.run_dir, session.run_dir, source.splits["test"])
        atomic_write_text(session.run_dir / "compression.md", table_markdown(table))
        if compressed.record.get("per_layer"):
            plot_layer_sparsity(compressed.record["per_layer"], session.run_dir / "plots" / "layer_sparsity.png")
        if method == "lottery":
            lottery.plot_rounds(compressed.rows, session.run_dir / "plots" / "lottery.png")
        summary = session.finish("finished", {
            "method": method, "options": options,
            "task": source.run.meta["task"], "seed": source.loaded.config.training.seed,
            "compression": compressed.record, "table": table,
            "test": {k: v for k, v in table["compressed"].items() if k.startswith("test_")},
            "original_test": {k: v for k, v in table["original"].items() if k.startswith("test_")},
            "final": compressed.rows[-1] if compressed.rows else None})
    return CompressResult(session.run_dir, summary, table)


def write_model(run_dir: Path, source: Source, compressed: Compressed) -> None:
    """``model.npz`` (pruned weights stored sparse; the archive deflated) and ``model.json`` of the network."""
    run = source.run
    description = describe_model(compressed.network, run.input_shape, run.n_outputs)
    meta = {**run.meta, "description": description, "derived_from": str(source.run_dir)}
    arrays = prefixed("model", compressed.network.state_dict())
    if compressed.sparse:
        arrays = sparse_arrays(arrays)
    if compressed.scaler is not None:
        arrays.update(prefixed("scaler", compressed.scaler.state_dict()))
    else:
        original, _ = load_checkpoint(source.run_dir / "model.npz")
        arrays.update({k: v for k, v in original.items() if k.startswith("scaler/")})  # the same scaler
    save_checkpoint(run_dir / "model.npz", arrays, meta, deflate=True)
    atomic_write_json(run_dir / "model.json", {**description, **{k: v for k, v in meta.items()
                                                                 if k != "description"}})
