"""``dlx explain RUN_DIR``: explain a trained run (LIME, gradients, feature visualisation, ...) and gather a report."""
from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from dlx.cli.common import console, fmt, user_errors, warning_lines


def explain(
    run_dir: Path = typer.Argument(..., help="A run folder written by dlx train."),
    method: Optional[str] = typer.Option(None, "--method", "-m", help="An explainer (dlx list explainers)."),
    index: Optional[int] = typer.Option(None, "--index", "-i", help="The row of the split to explain."),
    split: str = typer.Option("test", "--split", help="train, validation or test."),
    layer: Optional[int] = typer.Option(None, "--layer", help="featvis: the layer index (-1: the output)."),
    unit: Optional[int] = typer.Option(None, "--unit", help="featvis: the unit (channel or output) of the layer."),
    seed: int = typer.Option(0, "--seed", help="Seeds sampling and noise; the same seed, the same explanation."),
    option: Optional[list[str]] = typer.Option(None, "--option", "-o",
                                               help="A method option (its keyword arguments): -o n_samples=500."),
    report: bool = typer.Option(False, "--report", help="Gather RUN_DIR's explanations into one page (a child run)."),
):
    """Explain RUN_DIR with --method (a child run, RUN_DIR/children/explain-<method>-<row>/<stamp>/), or gather
    every explanation into one page with --report (RUN_DIR/children/report/<stamp>/explanations.html)."""
    with user_errors(), warning_lines():
        from dlx.errors import DlxError
        if method is None and not report:
            raise DlxError("give --method (see dlx list explainers) or --report")
        if method is not None:
            folder = _explain(run_dir, method, index, split, layer, unit, seed, option or [])
            console().print(f"wrote {folder}")
        if report:
            from dlx.explain.report import report_for_run
            console().print(f"wrote {report_for_run(run_dir)}")


def _explain(run_dir, method, index, split, layer, unit, seed, option) -> Path:
    import json

    from dlx.components import load_components
    load_components()
    from dlx.explain import explain_to_folder
    from dlx.explain.options import parse_options
    from dlx.explain.runs import target_for_run
    from dlx.registry import explainers
    explainers.get(method)  # an unknown method fails before any work, listing the known ones
    options = {key: value for key, value in (("layer", layer), ("unit", unit)) if value is not None}
    options.update(parse_options(option))
    target, X = target_for_run(run_dir, split)
    folder = explain_to_folder(target, method, run_dir, X=X, index=index, seed=seed, split=split, **options)
    summary = json.loads((folder / "explanation.json").read_text())
    shown = [f"{label} {fmt(summary[key])}" for key, label in SUMMARY_LABELS.items()
             if isinstance(summary.get(key), (int, float, str))]
    if shown:
        console().print("; ".join(shown))
    return folder


SUMMARY_LABELS = {  # the headline figures of explanation.json, as a reader needs them named
    "class": "explained class",
    "score": "surrogate fit (weighted R^2 on the perturbed samples)",
    "local_prediction": "surrogate's output at the row",
    "success": "attack succeeded",
    "rank_correlation": "rank correlation with a randomised model",
}
