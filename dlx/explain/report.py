"""One self-contained HTML page over explanation folders (pictures embedded as base64).

Example::

    build_report(children_of(run_dir, "explain"), path / "explanations.html")
"""
from __future__ import annotations

import base64
import html
import json
from pathlib import Path

from dlx.errors import DlxError
from dlx.runs.children import children_of, open_child
from dlx.runs.files import atomic_write_text

SHOWN_FIELDS = ("index", "class_name", "layer", "unit", "score", "local_prediction", "intercept",
                "completeness_error", "success", "success_rate", "reached", "distance", "agreement",
                "influence_vs_deletion_correlation", "final_activation")
STYLE = """body{font-family:sans-serif;max-width:1100px;margin:2em auto;color:#222}
section{border-top:1px solid #ccc;padding:1em 0}img{max-width:100%;margin:4px}
table{border-collapse:collapse}td{padding:2px 10px;border-bottom:1px solid #eee;vertical-align:top}
.failed{color:#b00020;font-weight:bold}.passed{color:#1b7f3b}pre{background:#f6f6f6;padding:6px}"""


def _number(value) -> str:
    return f"{value:.4g}" if isinstance(value, float) else html.escape(str(value))


def _rows(summary: dict) -> list[str]:
    rows = [f"<tr><td>{k}</td><td>{_number(summary[k])}</td></tr>" for k in SHOWN_FIELDS if k in summary]
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


def _section(folder: Path) -> str:
    summary = json.loads((folder / "explanation.json").read_text())
    parts = [f"<section><h2>{html.escape(summary.get('method', '?'))}: {html.escape(folder.name)}</h2>",
             "<table>" + "".join(_rows(summary)) + "</table>", *_checks(summary)]
    for name in summary.get("pictures", []):
        picture = folder / name
        if picture.is_file():
            data = base64.b64encode(picture.read_bytes()).decode("ascii")
            parts.append(f"<img alt='{html.escape(name)}' src='data:image/png;base64,{data}'>")
    return "\n".join(parts) + "</section>"


def build_report(folders, path: Path | str, title: str = "Explanations") -> Path:
    """Write one HTML page with a section per explanation folder (those without explanation.json are skipped)."""
    sections = [_section(Path(f)) for f in folders if (Path(f) / "explanation.json").is_file()]
    page = (f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
            f"<style>{STYLE}</style></head><body><h1>{html.escape(title)}</h1>"
            f"<p>{len(sections)} explanation(s).</p>{''.join(sections)}</body></html>\n")
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
        page = build_report(folders, child.run_dir / "explanations.html", f"Explanations of {run_dir.name}")
        child.finish("finished", {"headline": {"explanations": len(folders)}})
    return page
