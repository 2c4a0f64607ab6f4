"""One self-contained HTML page over explanation folders (pictures embedded as base64).

Example::

    build_report(children_of(run_dir, "explain"), path / "explanations.html")
"""
from __future__ import annotations

import base64
import html
import json
import re
from pathlib import Path

from dlx.errors import DlxError
from dlx.runs.children import children_of, open_child
from dlx.runs.files import atomic_write_text

FIELDS = {  # what a reader needs each figure of explanation.json called, in the order shown
    "index": "instance (row of the split)", "class_name": "explained class", "layer": "layer", "unit": "unit",
    "score": "surrogate fit (weighted R^2 on the perturbed samples)",
    "local_prediction": "surrogate's output at the instance", "intercept": "surrogate's intercept",
    "completeness_error": "completeness error (sum of attributions - (f(x) - f(baseline)))",
    "success": "attack succeeded", "success_rate": "success rate", "reached": "target reached",
    "distance": "distance moved", "agreement": "agreement with the model",
    "influence_vs_deletion_correlation": "correlation of influence with leave-one-out deletion",
    "final_activation": "activation reached",
    "precision": "precision of the rule", "precision_lower_bound": "its lower confidence bound",
    "coverage": "coverage (share of rows the rule applies to)", "holds": "rule reaches the threshold",
    "base_value": "expected output over the background", "f_x": "output at the instance",
    "baseline_score": "score before shuffling",
}
STYLE = """body{font-family:sans-serif;max-width:1100px;margin:2em auto;color:#222}
section{border-top:1px solid #ccc;padding:1em 0}img{max-width:100%;margin:4px}
table{border-collapse:collapse}td{padding:2px 10px;border-bottom:1px solid #eee;vertical-align:top}
.failed{color:#b00020;font-weight:bold}.passed{color:#1b7f3b}pre{background:#f6f6f6;padding:6px}
figure{display:inline-block;margin:4px}figcaption{font-size:0.85em;color:#555}.run{background:#f6f8fa;padding:1em}"""


def _number(value) -> str:
    return f"{value:.4g}" if isinstance(value, float) else html.escape(str(value))


def _rows(summary: dict) -> list[str]:
    rows = [f"<tr><td>{label}</td><td>{_number(summary[k])}</td></tr>" for k, label in FIELDS.items()
            if k in summary]
    weights = summary.get("weights")
    if isinstance(weights, dict) and weights and all(isinstance(v, (int, float)) for v in weights.values()):
        top = ", ".join(f"{html.escape(str(k))}: {v:+.3g}" for k, v in list(weights.items())[:8])
        rows.append(f"<tr><td>top weights</td><td>{top}</td></tr>")
    return rows


def _checks(summary: dict) -> list[str]:
    lines = []
    deletion = summary.get("deletion")
    if isinstance(deletion, dict) and "area" in deletion:
        verdict = "falls faster than a random order" if deletion["falls_faster"] else "does NOT fall faster than random"
        lines.append(f"<p>Deletion curve area {deletion['area']:.3f} vs random {deletion['random_area']:.3f}: "
                     f"{verdict}.</p>")
    check = summary.get("randomisation")
    if isinstance(check, dict) and check.get("passed") is not None:
        css = "passed" if check["passed"] else "failed"
        lines.append(f"<p class='{css}'>Model randomisation: rank correlation {check['rank_correlation']:.3f} "
                     f"(limit {check['limit']}); {html.escape(check['message'])}</p>")
    if "rules" in summary:
        lines.append("<pre>" + html.escape("\n".join(summary["rules"])) + "</pre>")
    return lines


def _description(method: str) -> str:
    """The method's one-line doc and family from the registry ('' when it is not registered here)."""
    from dlx.explain.base import explainers
    if method not in explainers:
        return ""
    fn = explainers.get(method)
    return f"{explainers.describe(method)} ({fn.family})"


def _section(number: int, folder: Path) -> str:
    summary = json.loads((folder / "explanation.json").read_text())
    method = summary.get("method", "?")
    when = html.escape(str(summary.get("created", "")))
    parts = [f"<section><h2>{number}. {html.escape(method)}</h2>",
             f"<p>{html.escape(_description(method))}<br><small>{html.escape(folder.name)} {when}</small></p>",
             "<table>" + "".join(_rows(summary)) + "</table>"]
    checks = _checks(summary)
    if checks:
        parts += ["<h3>Quality checks</h3>", *checks]
    for name in summary.get("pictures", []):
        picture = folder / name
        if picture.is_file():
            data = base64.b64encode(picture.read_bytes()).decode("ascii")
            parts.append(f"<figure><img alt='{html.escape(name)}' src='data:image/png;base64,{data}'>"
                         f"<figcaption>{html.escape(name)}</figcaption></figure>")
    return "\n".join(parts) + "</section>"


def oldest_first(folders) -> list[Path]:
    """Explanation folders in the order they were made: the ``created`` time in explanation.json, else
    the stamp in the folder's name (``<method>-<tag>-YYYYmmdd-HHMMSS-<hex>``), else the folder's mtime."""
    def made(folder: Path) -> tuple:
        try:
            created = json.loads((folder / "explanation.json").read_text()).get("created")
        except (OSError, ValueError):
            created = None
        stamp = re.search(r"(\d{8}-\d{6})", folder.name)
        return (str(created or ""), stamp.group(1) if stamp else "", folder.stat().st_mtime, folder.name)
    return sorted((Path(f) for f in folders), key=made)


def _run_part(run_dir: Path | None) -> str:
    """The run the explanations are about: its description, status and headline test figures."""
    if run_dir is None or not (run_dir / "summary.json").is_file():
        return ""
    try:
        summary = json.loads((run_dir / "summary.json").read_text())
    except ValueError:
        return ""
    figures = summary.get("test") or summary.get("final") or {}
    shown = ", ".join(f"{html.escape(str(k))} {_number(v)}" for k, v in figures.items()
                      if isinstance(v, (int, float)) and not isinstance(v, bool))
    return (f"<div class='run'><h2>The run</h2><p>{html.escape(str(summary.get('description', run_dir.name)))}"
            f"</p><p>status: {html.escape(str(summary.get('status', '?')))}"
            + (f"; test figures: {shown}" if shown else "") + "</p></div>")


def build_report(folders, path: Path | str, title: str = "Explanations", run_dir: Path | str | None = None) -> Path:
    """Write one HTML page that tells the story: the run (when given), then a numbered section per
    explanation folder, oldest first, with its figures named, its quality checks in words and its
    pictures (folders without explanation.json are skipped)."""
    kept = [f for f in oldest_first(folders) if (f / "explanation.json").is_file()]
    sections = [_section(number, f) for number, f in enumerate(kept, start=1)]
    page = (f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
            f"<style>{STYLE}</style></head><body><h1>{html.escape(title)}</h1>"
            f"{_run_part(Path(run_dir) if run_dir is not None else None)}"
            f"<p>{len(sections)} explanation(s), oldest first.</p>{''.join(sections)}</body></html>\n")
    return atomic_write_text(Path(path), page)


def report_for_run(run_dir: Path | str) -> Path:
    """One page over every explanation of RUN_DIR (its ``explain`` child runs, oldest first), written as a
    child run of its own: ``RUN_DIR/children/report/<stamp>/explanations.html``. Returns the page."""
    run_dir = Path(run_dir)
    folders = children_of(run_dir, "explain")
    if not (run_dir / "summary.json").is_file() and not folders:
        raise DlxError(f"'{run_dir}' is not a dlx run folder (no summary.json); give a run folder under results/ "
                       f"(dlx train writes them), and explain it with --method before a --report")
    with open_child(run_dir, "report", {"explanations": [str(f.relative_to(run_dir)) for f in folders]}) as child:
        page = build_report(folders, child.run_dir / "explanations.html", f"Explanations of {run_dir.name}", run_dir)
        child.finish("finished", {"headline": {"explanations": len(folders)}})
    return page
