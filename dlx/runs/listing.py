"""The table of ``dlx runs``: records filtered, sorted, and the columns worth showing.

Columns: name, kind, stamp, status, epochs, up to four headline metrics (the first of
``HEADLINE`` that the listed runs have, else their first metrics), and the config keys whose
values differ across the listed runs (the seed and output paths aside)::

    rows = select(records, parse_filter("status=finished"), kinds=["supervised"], sort="-val_accuracy")
    columns = choose_columns(records)     # ['name', 'kind', 'stamp', ..., 'val_accuracy', 'optimiser.lr']
    print(plain_table(rows, columns))
"""
from __future__ import annotations

import math

from dlx.errors import DlxError

BASE_COLUMNS = ["name", "kind", "stamp", "status", "epochs"]
HEADLINE = ("val_accuracy", "test_accuracy", "val_loss", "test_loss", "train_accuracy", "train_loss", "val_r2",
            "test_r2", "eval_mean_return", "val_neg_elbo", "loss", "mean")
MAX_METRICS, MAX_CONFIG = 4, 5
QUIET_CONFIG = ("output.", "description", "training.seed", "seed")


def fields(record: dict) -> dict:
    """One flat dict of a record: its config keys, then its metrics, then name/kind/stamp/status/epochs/path."""
    flat = dict(record.get("config") or {})
    flat.update(record.get("metrics") or {})
    flat.update({key: record.get(key) for key in (*BASE_COLUMNS, "path", "parent")})
    return flat


def select(records: list[dict], match=None, kinds: list[str] | None = None, trials: bool = False,
           sort: str | None = None) -> list[dict]:
    """The flat records that ``match`` accepts, of ``kinds`` (trials only if ``trials``), sorted by ``sort``
    ('-key': descending; default: newest first). Runs lacking the sort key come last."""
    flat = [fields(r) for r in records if trials or not r.get("parent")]
    if kinds:
        flat = [r for r in flat if r["kind"] in kinds]
    if match is not None:
        known = set().union(*(r.keys() for r in flat)) if flat else set()
        unknown = sorted(match.keys - known)
        if flat and unknown:
            raise DlxError(f"filter {match.text!r}: no listed run has the key '{unknown[0]}'"
                           f"{_closest(unknown[0], known)}; see the columns of dlx runs --json")
        flat = [r for r in flat if match(r)]
    key, descending = (sort or "-stamp").lstrip("-+"), (sort or "-stamp").startswith("-")
    if flat and sort and all(key not in r for r in flat):
        raise DlxError(f"--sort {sort}: no listed run has the key '{key}'{_closest(key, set(flat[0]))}")
    present = [r for r in flat if _sortable(r.get(key)) is not None]
    missing = [r for r in flat if _sortable(r.get(key)) is None]
    present.sort(key=lambda r: (_sortable(r[key]), r["path"]), reverse=descending)
    return present + missing


def _sortable(value):
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return (0, float(value), "") if isinstance(value, (int, float)) and not isinstance(value, bool) \
        else (1, 0.0, str(value))


def _closest(key: str, known: set) -> str:
    import difflib
    close = difflib.get_close_matches(key, sorted(k for k in known if isinstance(k, str)), n=1)
    return f" (did you mean '{close[0]}'?)" if close else ""


def differing_config(configs: list[dict]) -> list[str]:
    """Config keys whose values are not all the same over ``configs`` (flat dicts)."""
    keys = list(dict.fromkeys(k for config in configs for k in config))
    differing = []
    for key in keys:
        if key.startswith(QUIET_CONFIG):
            continue
        values = {repr(config.get(key)) for config in configs}
        if len(values) > 1:
            differing.append(key)
    return differing


def choose_columns(records: list[dict], columns: list[str] | None = None) -> list[str]:
    """The columns to show for ``records`` (as indexed): ``columns`` if given (after name), else the
    base columns, the headline metrics and the config keys that differ."""
    if columns:
        known = set().union(*(fields(r).keys() for r in records)) if records else set()
        unknown = [c for c in columns if c not in known]
        if records and unknown:
            raise DlxError(f"--columns: no listed run has the column '{unknown[0]}'{_closest(unknown[0], known)}; "
                           f"see the keys of dlx runs --json")
        return ["name", *[c for c in columns if c != "name"]]
    metric_names = list(dict.fromkeys(k for r in records for k in (r.get("metrics") or {})))
    headline = [m for m in HEADLINE if m in metric_names][:MAX_METRICS] or metric_names[:MAX_METRICS]
    runs = [r for r in records if r.get("kind") != "sweep"] or records  # a sweep's keys are not a run's
    return BASE_COLUMNS + headline + differing_config([r.get("config") or {} for r in runs])[:MAX_CONFIG]


def cell(value) -> str:
    """A value in a table: 4 significant digits for a float, '' for None, 'nan' for NaN (the CLI's ``fmt``)."""
    if value is None:
        return ""
    if isinstance(value, float):
        return "nan" if math.isnan(value) else f"{value:.4g}"
    return str(value)


def plain_table(rows: list[dict], columns: list[str], width: int = 40) -> str:
    """Aligned text columns (fast for thousands of rows; long cells cut at ``width``)."""
    cells = [[cell(row.get(c))[:width] for c in columns] for row in rows]
    widths = [max([len(c)] + [len(line[i]) for line in cells]) for i, c in enumerate(columns)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(columns, widths)).rstrip(),
             "  ".join("-" * w for w in widths)]
    lines += ["  ".join(text.ljust(w) for text, w in zip(line, widths)).rstrip() for line in cells]
    return "\n".join(lines)
