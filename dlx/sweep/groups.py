"""Trials gathered into groups (one per assignment of parameter values): means, spreads, claims.

A trial record is a plain dict (a line of ``trials.jsonl``): ``id``, ``group``, ``params``,
``seed``, ``status``, ``message``, ``summary``, ``history``. ``group_table`` gives one
row per group with the mean and standard deviation (sample, ddof=1) over its seeds,
sorted by the metric (best first, groups without a number last); ``GroupLookup``
answers the ``group.metric`` references of claims (``dlx.sweep.expect``).

Example::

    rows = group_table(records, "val_loss", "min")
    rows[0]["group"], rows[0]["val_loss_mean"], rows[0]["val_loss_std"]
"""
from __future__ import annotations

import math
from collections import Counter

import numpy as np

from dlx.errors import ConfigError
from dlx.registry import closest
from dlx.sweep.expect import Ref, parse_claim, refs_of

RECORD_METRICS = ("status", "epochs")


def metric_value(record: dict, metric: str):
    """A trial's metric: its last epoch's row, else its test metrics, else NaN (also for a diverged or
    failed trial); ``status``; ``epochs`` (completed)."""
    if metric == "status":
        return record["status"]
    summary = record.get("summary") or {}
    if metric == "epochs":
        return float(summary.get("epochs_completed") or len(record.get("history") or []))
    if record["status"] in ("diverged", "failed"):
        return math.nan  # its last numbers describe the blow-up, not the setting
    for part in (summary.get("final") or {}, summary.get("test") or {}):
        value = part.get(metric)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return float(value)
    return math.nan


def mean_and_std(values: list[float]) -> tuple[float, float]:
    """Mean and sample standard deviation (ddof=1) of the finite values; NaN where there are too few."""
    finite = [v for v in values if isinstance(v, float) and math.isfinite(v)]
    mean = float(np.mean(finite)) if finite else math.nan
    std = float(np.std(finite, ddof=1)) if len(finite) > 1 else math.nan
    return mean, std


def group_table(records: list[dict], metric: str, goal: str, extra: tuple[str, ...] = ()) -> list[dict]:
    """One row per group: parameters, trial counts by status, failures, mean/std of each metric."""
    groups: dict[str, list[dict]] = {}
    for record in records:
        groups.setdefault(record["group"], []).append(record)
    rows = []
    for label, members in groups.items():
        statuses = Counter(m["status"] for m in members)
        row = {"group": label, **members[0]["params"], "trials": len(members),
               "statuses": " ".join(f"{s}:{n}" for s, n in sorted(statuses.items()))}
        for name in dict.fromkeys((metric, *extra, "epochs")):
            row[f"{name}_mean"], row[f"{name}_std"] = mean_and_std([metric_value(m, name) for m in members])
        causes = [f"seed {m['seed']}: {m['message']}" for m in members if m["status"] in ("failed", "diverged")]
        row["failures"] = "; ".join(causes)
        rows.append(row)
    sign = 1.0 if goal == "min" else -1.0
    return sorted(rows, key=lambda r: (math.isnan(r[f"{metric}_mean"]), sign * np.nan_to_num(r[f"{metric}_mean"])))


def select(groups_params: dict[str, dict], ref: Ref) -> list[str]:
    """The group labels a selector picks: every part must match (``adam``: some parameter is 'adam', or
    a layer given as ``{adam: {...}}``, e.g. ``lstm`` for ``model.layers.0: {lstm: {units: 64}}``;
    ``lr[0.1]``: the parameter lr is 0.1)."""
    return [label for label, params in groups_params.items()
            if all(_matches(params, name, key) for name, key in ref.parts)]


def _matches(params: dict, name: str, key) -> bool:
    if key is None:
        return any(str(value) == name or (isinstance(value, dict) and list(value) == [name])
                   for value in params.values())
    return any(name in (path, path.split(".")[-1]) and _same(value, key) for path, value in params.items())


def _same(value, key) -> bool:
    if isinstance(value, bool):                 # YAML's true/false, written either way in a claim
        return str(key).lower() == str(value).lower()
    if isinstance(key, float) and isinstance(value, (int, float)) and not isinstance(value, bool):
        return math.isclose(float(value), key, rel_tol=1e-9)
    return str(value) == str(key)


def check_claims(claims: dict[str, str], groups_params: dict[str, dict], known_metrics: set[str], where,
                 seeds: int | None = None) -> None:
    """Before any trial: every claim parses and names groups and metrics that exist, and a statistical
    claim ("at 95%") has at least ``MIN_SEEDS`` seeds (``seeds``: the fewest any group runs) (ConfigError)."""
    from dlx.sweep.significance import MIN_SEEDS
    for name, text in claims.items():
        try:
            tree = parse_claim(text)
        except ConfigError as error:
            raise where(("expect", name), f"'{text}': {error}") from None
        refs = refs_of(tree)
        if tree[0] == "test" and seeds is not None and seeds < MIN_SEEDS:
            raise where(("expect", name), f"'{text}' is a statistical claim over seeds and needs at least "
                                          f"{MIN_SEEDS}; the sweep runs {seeds}: set seeds: {MIN_SEEDS} or more")
        for ref in refs:
            if not select(groups_params, ref):
                values = sorted({str(v) for params in groups_params.values() for v in params.values()})
                names = values + sorted({p.split(".")[-1] for g in groups_params.values() for p in g})
                guess = next((closest(name, names) for name, _ in ref.parts if name not in names), None)
                hint = f" did you mean '{guess}'?" if guess else ""
                raise where(("expect", name), f"'{ref.text()}' names no group of this sweep;{hint} "
                                              f"parameter values: {', '.join(values)}")
            if ref.metric not in known_metrics:
                guess = closest(ref.metric, sorted(known_metrics))
                hint = f" did you mean '{guess}'?" if guess else ""
                raise where(("expect", name), f"'{ref.text()}': unknown metric '{ref.metric}';{hint} "
                                              f"known: {', '.join(sorted(known_metrics))}")


class GroupLookup:
    """Answers ``selector.metric`` from trial records (see ``dlx.sweep.expect``)."""

    def __init__(self, records: list[dict]):
        self.records = records
        self.params = {r["group"]: r["params"] for r in records}

    def seeds(self) -> list:
        """The seeds the trials ran with, in order (a statistical claim pairs the sides by seed)."""
        return sorted({r["seed"] for r in self.records if r.get("seed") is not None}, key=str)

    def for_seed(self, seed) -> "GroupLookup":
        """The lookup of the trials of one seed only."""
        return GroupLookup([r for r in self.records if r.get("seed") == seed])

    def value(self, ref: Ref):
        labels = set(select(self.params, ref))
        members = [r for r in self.records if r["group"] in labels]
        if ref.metric == "status":
            statuses = {r["status"] for r in members}
            return statuses.pop() if len(statuses) == 1 else "mixed"
        if ref.aggregate == "mean":
            return mean_and_std([metric_value(r, ref.metric) for r in members])[0]
        means = [mean_and_std([metric_value(r, ref.metric) for r in members if r["group"] == label])[0]
                 for label in labels]
        finite = [m for m in means if math.isfinite(m)]
        if not finite:
            return math.nan
        return min(finite) if ref.aggregate == "min" else max(finite) if ref.aggregate == "max" else \
            float(np.mean(finite))
