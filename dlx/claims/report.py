"""One HTML page over all claims: a summary table on top, then each claim in the notes' words with its
setup, pictures, numbers (with intervals for statistical claims) and verdict.

A claim's verdict combines its ``expect`` entries: **failed** if one failed, **held** if all held,
**not shown** otherwise; a claim without a finished sweep is **not run**, one waiting for a part
of dlx **pending**. Pictures are embedded (base64), so the page is one self-contained file::

    write_claims_report(load_catalog(), "results/claims")    # results/claims/report.html
"""
from __future__ import annotations

import base64
import html
import json
from pathlib import Path

from dlx.claims.catalog import Claim
from dlx.claims.runner import latest_sweep, sweep_status
from dlx.runs.files import atomic_write_text
from dlx.sweep.report import verdict_numbers

STYLE = """body{font-family:sans-serif;max-width:1150px;margin:2em auto;color:#222}
table{border-collapse:collapse}td,th{padding:3px 9px;border-bottom:1px solid #ddd;text-align:left;vertical-align:top}
section{border-top:1px solid #bbb;padding:1em 0}img{max-width:48%;margin:4px}
pre{background:#f6f6f6;padding:6px;white-space:pre-wrap;overflow-wrap:anywhere}
.held{color:#070;font-weight:bold}.failed{color:#b00;font-weight:bold}.not-shown{color:#a60;font-weight:bold}
.pending,.not-run{color:#777;font-weight:bold}"""


def claim_verdict(outcomes: list[str]) -> str:
    if not outcomes:
        return "not run"
    if "failed" in outcomes:
        return "failed"
    return "held" if all(o == "held" for o in outcomes) else "not shown"


def claim_state(claim: Claim, results_root: Path) -> dict:
    """The claim's sweep folder (the latest finished one), its verdicts and its overall verdict."""
    from dlx.sweep.spec import load_sweep
    if not claim.runnable:
        return {"verdict": "pending", "sweep_dir": None, "verdicts": []}
    sweep_dir = latest_sweep(results_root, load_sweep(claim.path).spec.name)
    if sweep_status(sweep_dir) != "finished":
        return {"verdict": "not run", "sweep_dir": sweep_dir, "verdicts": []}
    verdicts = json.loads((sweep_dir / "state.json").read_text()).get("verdicts", [])
    return {"verdict": claim_verdict([v["verdict"] for v in verdicts]), "sweep_dir": sweep_dir, "verdicts": verdicts}


def _css(verdict: str) -> str:
    return verdict.replace(" ", "-")


def _section(claim: Claim, state: dict) -> str:
    e = html.escape
    verdict = state["verdict"]
    parts = [f"<section id='{e(claim.name)}'><h2>{e(claim.name)}: <span class='{_css(verdict)}'>{e(verdict)}</span>"
             f"</h2><p><b>{e(claim.statement)}</b><br><small>{e(claim.section)}</small></p>"]
    if not claim.runnable:
        return "".join(parts) + f"<p>Pending: {e(claim.pending)}</p></section>"
    sweep_dir = state["sweep_dir"]
    parts.append(f"<h3>Setup</h3><pre>{e(claim.path.read_text(encoding='utf-8'))}</pre>")
    if sweep_dir is None or verdict == "not run":
        return "".join(parts) + "<p>Not run yet: dlx claims run " + e(claim.name) + "</p></section>"
    rows = "".join(f"<tr><td>{e(v['name'])}</td><td>{e(v['claim'])}</td><td class='{_css(v['verdict'])}'>"
                   f"{e(v['verdict'])}</td><td>{e(verdict_numbers(v.get('numbers', {}), v.get('statistics')))}</td></tr>" for v in state["verdicts"])
    parts.append(f"<h3>Verdicts</h3><table><tr><th>check</th><th>expression</th><th>verdict</th><th>numbers</th>"
                 f"</tr>{rows}</table><p><small>sweep folder: {e(str(sweep_dir))}</small></p>")
    for picture in sorted((sweep_dir / "plots").glob("*.png")):
        data = base64.b64encode(picture.read_bytes()).decode("ascii")
        parts.append(f"<img alt='{e(picture.name)}' src='data:image/png;base64,{data}'>")
    return "".join(parts) + "</section>"


def write_claims_report(claims: list[Claim], results_root: str | Path, path: str | Path | None = None) -> Path:
    """``<results_root>/report.html`` (or ``path``): the summary table, then a section per claim."""
    results_root = Path(results_root)
    states = [(claim, claim_state(claim, results_root)) for claim in claims]
    counts = {}
    for _, state in states:
        counts[state["verdict"]] = counts.get(state["verdict"], 0) + 1
    e = html.escape
    rows = "".join(f"<tr><td><a href='#{e(c.name)}'>{e(c.name)}</a></td><td>{e(c.section)}</td><td>{e(c.statement)}"
                   f"</td><td class='{_css(s['verdict'])}'>{e(s['verdict'])}</td></tr>" for c, s in states)
    tally = ", ".join(f"{n} {v}" for v, n in sorted(counts.items()))
    page = (f"<!doctype html><html><head><meta charset='utf-8'><title>The lecture's claims, verified</title>"
            f"<style>{STYLE}</style></head><body><h1>The lecture's claims, verified</h1><p>{len(claims)} claims: "
            f"{e(tally)}.</p><table id='claims'><tr><th>claim</th><th>section</th><th>statement</th><th>verdict</th>"
            f"</tr>{rows}</table>{''.join(_section(c, s) for c, s in states)}</body></html>\n")
    return atomic_write_text(Path(path) if path else results_root / "report.html", page)
