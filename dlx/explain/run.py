"""The entry point the command line calls: run one method on one target and write its folder.

Example::

    folder = explain_to_folder(target, "lime", run_dir, X=X_test, index=3, seed=0)
    report_for_run(run_dir)     # RUN_DIR/children/report/<stamp>/explanations.html
"""
from __future__ import annotations

import inspect
import json
from pathlib import Path

import numpy as np

from dlx.errors import DlxError
from dlx.explain.base import Explanation, check_applies, write_explanation
from dlx.explain.options import check_options
from dlx.explain.target import ExplainTarget, check_index
from dlx.registry import explainers
from dlx.runs.children import open_child, remove_child
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
    """Run the method and write it as a child run of ``run_dir``
    (``RUN_DIR/children/explain-<method>-<tag>/<stamp>/``, ``dlx.runs.children``); returns its folder.

    The child holds the method's pictures, ``explanation.json``, ``arrays.npz`` and the run files
    (config.yaml with the options, run.log, summary.json). Threads as ``dlx.threads`` decides:
    ``$DLX_NUM_THREADS``, else one (its products are a loaded model's, batch by batch); the setting
    is recorded in the explanation's summary. A write that fails (a full disk) leaves no child."""
    with use_threads(choose_threads()) as threads:
        result = run_method(target, method, X, index, seed, split, **options)
    result.summary["threads"] = threads.record()
    settings = {"method": method, "index": index, "split": split, "seed": seed, "options": options}
    child = open_child(run_dir, "explain", json.loads(json.dumps(settings, default=str)),
                       tag=f"{method}-{folder_tag(result)}")
    try:
        with child:
            write_explanation(result, child.run_dir)
            headline = {k: v for k, v in result.summary.items() if k in HEADLINE and isinstance(v, (int, float))}
            child.finish("finished", {"method": method, "headline": headline})
    except BaseException:  # a full disk half-way through the pictures: leave no half-written child
        remove_child(child.run_dir)
        raise
    return child.run_dir


HEADLINE = ("index", "class", "layer", "unit", "score", "local_prediction", "success", "success_rate",  # of a summary
            "rank_correlation", "completeness_error", "final_activation")
