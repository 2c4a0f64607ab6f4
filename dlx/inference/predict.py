"""Predictions for rows of a CSV file with a trained run's model."""
from __future__ import annotations

import csv
import io
from pathlib import Path

import numpy as np

from dlx.data.files import read_csv_rows
from dlx.errors import DataError
from dlx.inference.loaded import load_run


def read_features(path: Path, feature_names: list[str] | None) -> np.ndarray:
    """The numeric feature matrix of a CSV; columns chosen by the training data's names when it had them."""
    path = Path(path)
    if not path.is_file():
        raise DataError(f"input file '{path}' not found; give a CSV with a header row")
    rows = read_csv_rows(path, path)
    if len(rows) < 2:
        raise DataError(f"'{path}' has no data rows; give a header row and one row per sample")
    header, body = rows[0], rows[1:]
    columns = list(range(len(header)))
    if feature_names and all(name in header for name in feature_names):
        columns = [header.index(name) for name in feature_names]
    try:
        return np.array([[float(row[i]) for i in columns] for row in body], dtype=np.float32)
    except (ValueError, IndexError):
        raise DataError(f"'{path}' has a non-numeric or missing value; every feature must be a number") from None


def predict_csv(run_dir: Path, input_csv: Path) -> str:
    run = load_run(run_dir)
    X = read_features(input_csv, run.feature_names)
    decisions, scores = run.predict(X)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    task, classes = run.task.name, run.class_names
    if task in ("binary", "multiclass"):
        probability_columns = classes if scores.shape[1] == len(classes) else [f"p_{classes[-1]}"]
        writer.writerow(["prediction", *[f"p_{c}" if not c.startswith("p_") else c for c in probability_columns]])
        for label, row in zip(decisions, scores):
            writer.writerow([classes[int(label)], *[f"{v:.6g}" for v in row]])
    else:
        writer.writerow([f"output_{i}" for i in range(decisions.shape[1])])
        for row in decisions:
            writer.writerow([f"{v:.6g}" for v in row])
    return out.getvalue()
