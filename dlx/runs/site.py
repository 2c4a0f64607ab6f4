"""``dlx site``: a static site of a results folder: every run, sweep, explanation and claim.

Plain files with relative links, so it opens from the file system (file://) and any static
server serves it; no request leaves the page (its data and script are inline)::

    site/index.html                 runs and sweeps: a table sorted by a click on a header, filtered as typed
    site/claims.html                every sweep's claims (expect) with its verdict and numbers
    site/runs/<id>.html             a run: status, metrics, plots, config; its explanations linked
    site/files/<id>/                the run's plots, explanations.html, a sweep's report.html (copies)

    write_site(Path("results"), Path("results/site"))   # -> the index page
"""
from __future__ import annotations

import html
import json
import shutil
from pathlib import Path

from dlx.errors import DlxError
from dlx.runs.files import atomic_write_text
from dlx.runs.index import sync
from dlx.runs.listing import BASE_COLUMNS, cell, choose_columns, fields
from dlx.runs.site_script import SCRIPT

e = html.escape
MARKER = ".dlx-site"
STYLE = ("body{font-family:sans-serif;margin:1.5em auto;max-width:95em;padding:0 1em}table{border-collapse:collapse}"
         "td,th{border:1px solid #ccc;padding:3px 7px;font-size:88%}th{background:#eee;cursor:pointer;"
         "user-select:none}th.asc:after{content:' \\25B2'}th.desc:after{content:' \\25BC'}img{max-width:100%}"
         ".held{color:#070;font-weight:bold}.failed{color:#b00;font-weight:bold}pre{background:#f6f6f6;padding:1em}"
         "#filter{width:40em;padding:4px}")


def page(title: str, body: str, script: str = "", up: str = "") -> str:
    """A page of the site; ``up``: the way back to the top folder ('../' from runs/)."""
    return (f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{e(title)}</title><style>{STYLE}</style>"
            f"</head><body><p><a href='{up}index.html'>runs</a> · <a href='{up}claims.html'>claims</a></p>"
            f"<h1>{e(title)}</h1>\n{body}\n{f'<script>{script}</script>' if script else ''}</body></html>\n")


def is_site(folder: Path) -> bool:
    """Whether ``folder`` may be replaced by a site: empty, or an earlier site (it has the marker file)."""
    return (folder / MARKER).is_file() or (folder.is_dir() and not any(folder.iterdir()))


def page_id(path: str) -> str:
    """A file name for a record's path: ``xor/2025...`` -> ``xor__2025...``."""
    return path.replace("/", "__")


def write_site(results: Path, out: Path) -> Path:
    """Write the site of ``results`` into ``out`` (replacing an earlier site there); returns index.html."""
    records, _ = sync(results)
    listed = sorted((r for r in records if not r.get("parent")), key=lambda r: r["stamp"], reverse=True)
    if out.exists():
        if not is_site(out):
            raise DlxError(f"'{out}' holds other files, not a dlx site; give an empty or new folder with --out")
        shutil.rmtree(out)
    (out / "runs").mkdir(parents=True)
    (out / MARKER).write_text("written by dlx site; the folder is replaced by the next dlx site\n")
    (out / "files").mkdir()
    links = {}
    for record in listed:
        links[record["path"]] = _write_entry(results, out, record)
    atomic_write_text(out / "claims.html", page("Claims", _claims_body(results, listed)))
    return _write_index(out, listed, links)


def _write_entry(results: Path, out: Path, record: dict) -> str:
    """Copy what the record's folder shows; write its page; returns the link from index.html."""
    folder, ident = results / record["path"], page_id(record["path"])
    files = out / "files" / ident
    files.mkdir()
    if record["kind"] == "sweep" and (folder / "report.html").is_file():
        shutil.copy(folder / "report.html", files / "report.html")
        return f"files/{ident}/report.html"
    images = []
    for image in sorted((folder / "plots").glob("*.png")) if (folder / "plots").is_dir() else []:
        shutil.copy(image, files / image.name)
        images.append(image.name)
    extra = ""
    if (folder / "explanations.html").is_file():
        shutil.copy(folder / "explanations.html", files / "explanations.html")
        extra = f"<p><a id='explanations' href='../files/{ident}/explanations.html'>explanations</a></p>"
    atomic_write_text(out / "runs" / f"{ident}.html", page(f"{record['name']}/{record['path'].split('/')[-1]}",
                                                           _run_body(folder, record, ident, images) + extra, up="../"))
    return f"runs/{ident}.html"


def _run_body(folder: Path, record: dict, ident: str, images: list[str]) -> str:
    rows = "".join(f"<tr><td>{e(k)}</td><td>{e(cell(record.get(k)))}</td></tr>" for k in BASE_COLUMNS)
    rows += "".join(f"<tr><td>{e(k)}</td><td>{e(cell(v))}</td></tr>" for k, v in record["metrics"].items())
    config = (folder / "config.yaml").read_text(encoding="utf-8") if (folder / "config.yaml").is_file() else ""
    pictures = "".join(f"<h3>{e(name)}</h3><img alt='{e(name)}' src='../files/{ident}/{e(name)}'>" for name in images)
    return (f"<p>folder: <code>{e(str(folder))}</code></p><table id='summary'>{rows}</table>"
            f"<h2>Plots</h2>{pictures or '<p>no plots</p>'}<h2>Config</h2><pre>{e(config)}</pre>")


def _claims_body(results: Path, listed: list[dict]) -> str:
    rows = []
    for record in (r for r in listed if r["kind"] == "sweep"):
        try:
            state = json.loads((results / record["path"] / "state.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        for verdict in state.get("verdicts") or [] if isinstance(state, dict) else []:
            held = "held" if verdict.get("held") else "FAILED"
            numbers = ", ".join(f"{k} = {cell(v)}" for k, v in (verdict.get("numbers") or {}).items())
            rows.append(f"<tr><td>{e(record['path'])}</td><td>{e(str(verdict.get('name', '')))}</td>"
                        f"<td>{e(str(verdict.get('claim', '')))}</td><td class='{held.lower()}'>{held}</td>"
                        f"<td>{e(numbers)}</td></tr>")
    if not rows:
        return "<p>No sweep states a claim yet (a sweep file's <code>expect</code>).</p>"
    return ("<table id='claims'><tr><th>sweep</th><th>claim</th><th>expression</th><th>verdict</th><th>numbers</th>"
            "</tr>" + "".join(rows) + "</table>")


def _write_index(out: Path, listed: list[dict], links: dict) -> Path:
    columns = choose_columns(listed)
    head = "".join(f"<th data-key='{e(c)}'>{e(c)}</th>" for c in columns)
    body = []
    for record in listed:
        flat = fields(record)
        cells = [f"<td><a href='{e(links[record['path']])}'>{e(cell(flat.get(columns[0])))}</a></td>"]
        cells += [f"<td data-value='{e(json.dumps(flat.get(c)))}'>{e(cell(flat.get(c)))}</td>" for c in columns[1:]]
        body.append("<tr>" + "".join(cells) + "</tr>")
    text = (f"<p>{len(listed)} runs and sweeps. Click a header to sort; filter with words, or "
            f"<code>key=value</code>, <code>key&gt;number</code>, <code>key&lt;number</code>, <code>key~text</code> "
            f"(all must hold).</p>"
            f"<input id='filter' placeholder='status=finished val_accuracy>0.9'> <span id='shown'></span>"
            f"<table id='runs'><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>")
    atomic_write_text(out / "index.html", page("dlx results", text, SCRIPT))
    return out / "index.html"
