"""Predictions for rows of a CSV file with a trained run's model."""
from __future__ import annotations

import csv
import io
from pathlib import Path

import numpy as np

from dlx.data.files import read_csv_rows
from dlx.errors import DataError
from dlx.inference.loaded import load_run
from dlx.nn.bayesian import is_stochastic
from dlx.tasks.uncertainty import predictive


def read_features(path: Path, feature_names: list[str] | None, header: bool | None = None) -> np.ndarray:
    """The numeric feature matrix of a CSV; columns chosen by the training data's names when it had them.

    ``header``: True, the first row names the columns; False, every row is data; None (default),
    decided by ``has_header``. No row is ever dropped without this decision.
    """
    path = Path(path)
    if not path.is_file():
        raise DataError(f"input file '{path}' not found; give a CSV of feature values, one row per sample")
    rows = read_csv_rows(path, path)
    if header is None:
        header = bool(rows) and has_header(rows[0], feature_names)
    names, body = (rows[0], rows[1:]) if header else (None, rows)
    if not body:
        raise DataError(f"'{path}' has no data rows (only a header: {', '.join(names or [])}); give one row "
                        f"per sample" if names else f"'{path}' is empty; give one row of feature values per sample")
    columns = list(range(len(body[0])))
    if names and feature_names and all(name in names for name in feature_names):
        columns = [names.index(name) for name in feature_names]
    try:
        return np.array([[float(row[i]) for i in columns] for row in body], dtype=np.float32)
    except (ValueError, IndexError):
        first = "; is the first row a header? add --header" if not header else ""
        raise DataError(f"'{path}' has a non-numeric or missing value; every feature must be a number{first}"
                        ) from None


def has_header(first_row: list[str], feature_names: list[str] | None) -> bool:
    """The rule for ``--header`` left out: the first row is a header when it is the training feature
    names, or when any of its cells is not a number; a first row of numbers is data."""
    if feature_names and [cell.strip() for cell in first_row] == list(feature_names):
        return True
    return not all(_is_number(cell) for cell in first_row)


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def predict_csv(run_dir: Path, input_csv: Path, header: bool | None = None) -> str:
    """The predictions for every data row of ``input_csv`` as CSV text (see ``read_features`` for ``header``)."""
    run = load_run(run_dir)
    X = read_features(input_csv, run.feature_names, header)
    decisions, scores = run.predict(X)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    task, classes = run.task.name, run.class_names
    if task in ("binary", "multiclass"):
        probability_columns = classes if scores.shape[1] == len(classes) else [f"p_{classes[-1]}"]
        writer.writerow(["prediction", *[f"p_{c}" if not c.startswith("p_") else c for c in probability_columns]])
        for label, row in zip(decisions, scores):
            writer.writerow([classes[int(label)], *[f"{v:.6g}" for v in row]])
    elif is_stochastic(run.network):  # Bayes by backprop or MC dropout: the mean and spread of several passes
        mean, std = predictive(run.model, run.checked_inputs(X), int(run.meta.get("predictive_samples", 50)))
        k = mean.shape[1]
        writer.writerow([f"output_{i}" for i in range(k)] + [f"std_{i}" if k > 1 else "std" for i in range(k)])
        for m, s in zip(mean, std):
            writer.writerow([f"{v:.6g}" for v in (*m, *s)])
    else:
        writer.writerow([f"output_{i}" for i in range(decisions.shape[1])])
        for row in decisions:
            writer.writerow([f"{v:.6g}" for v in row])
    return out.getvalue()
