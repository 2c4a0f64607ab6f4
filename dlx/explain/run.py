"""The entry point the command line calls: run one method on one target and write its folder.

Example::

    folder = explain_to_folder(target, "lime", run_dir, X=X_test, index=3, seed=0)
    report_for_run(run_dir)               # RUN_DIR/explanations.html
"""
from __future__ import annotations

import inspect
import shutil
from pathlib import Path

import numpy as np

from dlx.errors import DlxError
from dlx.explain.base import Explanation, check_applies, new_explanation_folder, write_explanation
from dlx.explain.options import check_options
from dlx.explain.target import ExplainTarget, check_index
from dlx.registry import explainers
from dlx.threads import choose_threads, use_threads


def run_method(target: ExplainTarget, method: str, X: np.ndarray | None = None, index: int | None = None,
               seed: int = 0, split: str = "test", **options) -> Explanation:
    """Run ``method`` (a registered explainer) on row ``index`` of ``X`` (methods that explain one instance)
    or on the whole model (featvis, pdp, ale, mmd_critic, weights, tree_rules, adversarial_patch)."""
    fn = explainers.get(method)
    check_applies(method, target)
    check_options(method, target, options)
    kwargs = {"rng": np.random.default_rng(seed), **options}
    if "x" in inspect.signature(fn).parameters:
        if X is None or index is None:
            count = f"0..{len(X) - 1}" if X is not None else "a row of the split"
            raise DlxError(f"method '{method}' explains one instance; give --index N ({count})")
        kwargs.update(x=X[check_index(index, len(X), split)], index=int(index))
    return fn(target, **kwargs)


def folder_tag(result: Explanation) -> str:
    """'<index>' for instance methods, 'layer<L>-unit<U>' for featvis, 'model' otherwise."""
    s = result.summary
    if "layer" in s and "unit" in s:
        return f"layer{s['layer']}-unit{s['unit']}"
    return str(s["index"]) if "index" in s else "model"


def explain_to_folder(target: ExplainTarget, method: str, run_dir: Path | str, X: np.ndarray | None = None,
                      index: int | None = None, seed: int = 0, split: str = "test", **options) -> Path:
    """Run the method and write it into a fresh RUN_DIR/explanations/<method>-<tag>-<stamp>/; returns the folder.

    Threads as ``dlx.threads`` decides: ``$DLX_NUM_THREADS``, else one (its products are a loaded
    model's, batch by batch); the setting is recorded in the explanation's summary."""
    with use_threads(choose_threads()) as threads:
        result = run_method(target, method, X, index, seed, split, **options)
    result.summary["threads"] = threads.record()
    folder = new_explanation_folder(run_dir, method, folder_tag(result))
    try:
        return write_explanation(result, folder)
    except BaseException:  # a full disk half-way through the pictures: leave no half-written folder
        shutil.rmtree(folder, ignore_errors=True)
        raise
