"""``dlx explain RUN_DIR``: explain a trained run (LIME, gradients, feature visualisation, ...) and gather a report."""
from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from dlx.cli.common import console, fmt, user_errors


def explain(
    run_dir: Path = typer.Argument(..., help="A run folder written by dlx train."),
    method: Optional[str] = typer.Option(None, "--method", "-m", help="An explainer (dlx list explainers)."),
    index: Optional[int] = typer.Option(None, "--index", "-i", help="The row of the split to explain."),
    split: str = typer.Option("test", "--split", help="train, validation or test."),
    layer: Optional[int] = typer.Option(None, "--layer", help="featvis: the layer index (-1: the output)."),
    unit: Optional[int] = typer.Option(None, "--unit", help="featvis: the unit (channel or output) of the layer."),
    seed: int = typer.Option(0, "--seed", help="Seeds sampling and noise; the same seed, the same explanation."),
    option: Optional[list[str]] = typer.Option(None, "--option", "-o", help="A method option: -o num_samples=500."),
    report: bool = typer.Option(False, "--report", help="Gather RUN_DIR/explanations/ into explanations.html."),
):
    """Explain RUN_DIR with --method (into RUN_DIR/explanations/), or gather every explanation with --report."""
    with user_errors():
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

    import dlx.explain  # noqa: F401  (registers the explainers)
    from dlx.config.safe_yaml import load_yaml
    from dlx.errors import DlxError
    from dlx.explain import explain_to_folder
    from dlx.explain.runs import target_for_run
    from dlx.registry import explainers
    explainers.get(method)  # an unknown method fails before any work, listing the known ones
    options = {key: value for key, value in (("layer", layer), ("unit", unit)) if value is not None}
    for text in option:
        key, sep, value = text.partition("=")
        if not sep or not key.strip():
            raise DlxError(f"--option {text}: write NAME=VALUE, e.g. --option num_samples=500")
        options[key.strip()] = load_yaml(value)
    target, X = target_for_run(run_dir, split)
    folder = explain_to_folder(target, method, run_dir, X=X, index=index, seed=seed, split=split, **options)
    summary = json.loads((folder / "explanation.json").read_text())
    shown = {k: summary[k] for k in ("class", "score", "local_prediction", "success", "rank_correlation")
             if isinstance(summary.get(k), (int, float, str))}
    if shown:
        console().print("  ".join(f"{k} {fmt(v)}" for k, v in shown.items()))
    return folder
