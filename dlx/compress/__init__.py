"""Compression of a trained supervised run into a new run: pruning, quantisation, distillation, lottery tickets.

    from dlx.compress import compress_run
    result = compress_run("results/digits-mlp/20261127-011910-eae370", "prune", {"sparsity": 0.9})
    result.run_dir        # results/digits-mlp/.../children/compress-prune/<stamp>-<hex>: a run like any other
    result.table          # original against compressed: parameters, non-zeros, bytes, test metrics, time

Each method is a function ``(source, options, session) -> Compressed`` in its own module; ``run.py``
opens the run, makes the new run folder through the run session and writes the table.
"""
from dlx.compress.run import METHODS, compress_run

__all__ = ["METHODS", "compress_run"]
