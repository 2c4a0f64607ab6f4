"""A sweep's report: ``report.md`` and a self-contained ``report.html`` (images embedded).

Both hold the verdicts of the ``expect`` claims with their numbers, the table of
groups (mean ± std over seeds, best first), the trials that failed or diverged with
their causes, what pruning saved, and the plots.

Example::

    write_reports(loaded_sweep, outcome)    # plots/*.png, report.md, report.html in outcome.sweep_dir
"""
from __future__ import annotations

import base64
import html
import math
from pathlib import Path

from dlx.runs import atomic_write_text
from dlx.sweep import plots, views


def _fmt(value) -> str:
    if isinstance(value, float):
        return "" if math.isnan(value) else f"{value:.4g}"
    return "" if value is None else str(value)


def verdict_numbers(numbers: dict, st: dict | None = None) -> str:
    """The numbers a claim compared and, for a statistical claim (its ``statistics``), n, the mean
    difference with its interval, the effect size and p."""
    parts = [f"{k} = {_fmt(x)}" for k, x in numbers.items()]
    if st and "mean_difference" in st:
        low, high = st["interval"]
        parts.append(f"{st['seeds']} seeds: mean difference {_fmt(st['mean_difference'])} "
                     f"({100 * st['level']:g}% interval {_fmt(low)} to {_fmt(high)}), effect size d_z "
                     f"{_fmt(st['effect_size'])}, p = {st['p_value']:.3g} ({st['test']})")
    elif st:
        parts.append(f"{st['seeds']} seeds: {st.get('note', '')}")
    return ", ".join(parts)


def draw_plots(loaded, outcome) -> list[Path]:
    spec, folder, records = loaded.spec, outcome.sweep_dir / "plots", outcome.records
    if not records or not loaded.spec.plots:
        return []
    drawn = [plots.plot_loss_curves(records, folder / "loss_curves.png"),
             plots.plot_metric_vs_lr(records, spec.metric, folder / "metric_vs_lr.png"),
             plots.plot_optimiser_bars(outcome.table, spec.metric, spec.goal, folder / "optimisers.png")]
    if "objective" in loaded.base:
        drawn.append(plots.plot_trajectories(records, loaded.base["objective"], spec.metric,
                                             folder / "trajectories.png"))
    drawn += views.draw_views(records, spec.metric, folder)  # parallel coordinates, parameter importance
    return [p for p in drawn if p is not None]


def compute_saved(records: list[dict]) -> tuple[int, int]:
    """(epochs run, epochs planned) over all trials."""
    ran = sum((r["summary"] or {}).get("epochs_completed") or 0 for r in records)
    planned = sum((r["summary"] or {}).get("epochs_planned") or 0 for r in records)
    return ran, planned


def report_sections(loaded, outcome) -> list[tuple[str, list[str], list[list[str]]]]:
    """(title, header, rows) of each table of the report."""
    spec = loaded.spec
    verdicts = [[v.name, v.claim, "FAILED" if v.failed else v.outcome, verdict_numbers(v.numbers, v.statistics)]
                for v in outcome.verdicts]
    m = spec.metric
    groups = [[row["group"], row["statuses"], _fmt(row[f"{m}_mean"]), _fmt(row[f"{m}_std"]),
               _fmt(row["epochs_mean"]), row["failures"]] for row in outcome.table]
    problems = [[r["id"], r["group"], str(r["seed"]), r["status"], r["message"]] for r in outcome.records
                if r["status"] in ("failed", "diverged", "interrupted")]
    return [("Verdicts", ["claim", "expression", "verdict", "numbers"], verdicts),
            (f"Groups, best first by {m} ({spec.goal})", ["group", "trials", f"{m} mean", f"{m} std",
                                                          "epochs", "failures"], groups),
            ("Trials that failed or diverged", ["trial", "group", "seed", "status", "cause"], problems)]


def header_lines(loaded, outcome) -> list[str]:
    spec = loaded.spec
    counts = ", ".join(f"{n} {s}" for s, n in sorted(outcome.counts.items()))
    lines = [f"status: {outcome.status}; {len(outcome.records)} trials ({counts}); metric {spec.metric} "
             f"({spec.goal}); seeds {spec.seed_list()}"]
    if spec.prune:
        ran, planned = compute_saved(outcome.records)
        saved = 1 - ran / planned if planned else 0.0
        lines.append(f"pruning (ASHA, grace {spec.prune.grace_epochs}, reduction {spec.prune.reduction}): "
                     f"{ran} of {planned} planned epochs run, {saved:.0%} of the full sweep's compute saved; "
                     f"{outcome.counts.get('pruned', 0)} trials stopped")
    best = outcome.table[0] if outcome.table else None
    if best and not math.isnan(best[f"{spec.metric}_mean"]):
        lines.append(f"best group: {best['group']} ({spec.metric} {_fmt(best[f'{spec.metric}_mean'])})")
    return lines


def markdown(loaded, outcome, images: list[Path]) -> str:
    out = [f"# Sweep {loaded.spec.name}", "", loaded.spec.description, ""]
    out += [f"- {line}" for line in header_lines(loaded, outcome)] + [""]
    for title, header, rows in report_sections(loaded, outcome):
        if not rows:
            continue
        out += [f"## {title}", "", "| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
        out += ["| " + " | ".join(cell.replace("|", "/") for cell in row) + " |" for row in rows] + [""]
    out += ["## Plots", ""] + ([f"![{p.stem}](plots/{p.name})" for p in images] or [NO_PLOTS])
    return "\n".join(out) + "\n"


NO_PLOTS = "None: the sweep says `plots: false`, or no trial has a result."


STYLE = ("body{font-family:sans-serif;max-width:70em;margin:2em auto;padding:0 1em}table{border-collapse:collapse;"
         "margin:1em 0}td,th{border:1px solid #ccc;padding:3px 8px;font-size:90%}th{background:#eee}"
         ".held{color:#070;font-weight:bold}.failed{color:#b00;font-weight:bold}.not-shown{color:#a60;font-weight:bold}img{max-width:100%;display:block}")


def html_report(loaded, outcome, images: list[Path]) -> str:
    e = html.escape
    out = [f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>Sweep {e(loaded.spec.name)}</title>",
           f"<style>{STYLE}</style></head><body><h1>Sweep {e(loaded.spec.name)}</h1>",
           f"<p>{e(loaded.spec.description)}</p><ul>"]
    out += [f"<li>{e(line)}</li>" for line in header_lines(loaded, outcome)] + ["</ul>"]
    for title, header, rows in report_sections(loaded, outcome):
        if not rows:
            continue
        table_id = title.split()[0].lower()
        out.append(f"<h2>{e(title)}</h2><table id='{table_id}'><tr>" + "".join(f"<th>{e(h)}</th>" for h in header)
                   + "</tr>")
        for row in rows:
            cells = [f"<td class='{c.lower().replace(' ', '-')}'>{e(c)}</td>" if c in ("held", "FAILED", "not shown")
                     else f"<td>{e(c)}</td>"
                     for c in row]
            out.append("<tr>" + "".join(cells) + "</tr>")
        out.append("</table>")
    out.append("<h2>Plots</h2>")
    if not images:
        out.append(f"<p>{e(NO_PLOTS.replace('`', ''))}</p>")
    for image in images:
        data = base64.b64encode(image.read_bytes()).decode("ascii")
        out.append(f"<img alt='{e(image.stem)}' src='data:image/png;base64,{data}'>")
    return "\n".join(out) + "\n</body></html>\n"


def write_reports(loaded, outcome) -> None:
    images = draw_plots(loaded, outcome)
    atomic_write_text(outcome.sweep_dir / "report.md", markdown(loaded, outcome, images))
    atomic_write_text(outcome.sweep_dir / "report.html", html_report(loaded, outcome, images))

