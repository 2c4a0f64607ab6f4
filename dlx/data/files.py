"""Your own data from a CSV or a .npz file.

The task is inferred from the target unless given: text labels, or integer
values with at most ``MAX_INFERRED_CLASSES`` distinct values, are classification
(binary for two classes); several 0/1 target columns are multilabel; anything
else is regression. Class labels are mapped to 0, 1, ... in sorted order and
their original values kept as ``class_names``. A row with an empty target cell is
refused with its row number, never read as a class ``''`` or silently dropped.
"""
import csv as csv_module
import io
import operator
import zipfile
from pathlib import Path
from typing import Literal

import numpy as np

from dlx.data.dataset import TASKS, Dataset
from dlx.data.sources import note_data_file
from dlx.errors import ConfigError, DataError
from dlx.registry import datasets

MAX_INFERRED_CLASSES = 20
TaskOption = Literal["binary", "multiclass", "multilabel", "regression"] | None


def existing_file(path) -> Path:
    """``path`` as a Path, or a DataError that says to check ``dataset.path``."""
    file = Path(str(path)).expanduser()
    if not file.is_file():
        what = "is a folder, not a file" if file.is_dir() else "not found"
        raise DataError(f"data file '{path}' {what}; check dataset.path")
    return file


def infer_task(y: np.ndarray) -> str:
    """ "binary", "multiclass", "multilabel" or "regression" from the target values."""
    y = np.asarray(y)
    if y.ndim == 2 and y.shape[1] == 1:
        y = y[:, 0]
    if y.dtype.kind not in "biuf":
        return "binary" if len(np.unique(y)) <= 2 else "multiclass"
    if y.ndim == 2:
        return "multilabel" if np.isin(y, (0, 1)).all() else "regression"
    distinct = np.unique(y)
    if np.all(np.mod(distinct, 1) == 0) and len(distinct) <= MAX_INFERRED_CLASSES:
        return "binary" if len(distinct) <= 2 else "multiclass"
    return "regression"


def _label_name(value) -> str:
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        return str(int(value))
    return str(value)


def encode_targets(y: np.ndarray, task: str | None, source: str) -> tuple[np.ndarray, str, list[str] | None]:
    """Targets ready for ``Dataset``: (y, task, class_names); ``source`` names them in errors."""
    if task is not None and task not in TASKS:
        raise ConfigError(f"dataset.task must be one of {', '.join(TASKS)} or null (infer), got {task!r}")
    y = np.asarray(y)
    if y.dtype.kind in "biuf" and not np.isfinite(y).all():
        raise DataError(f"{source} has missing or infinite values; fill in or drop those rows")
    task = task or infer_task(y)
    if task in ("binary", "multiclass"):
        if y.ndim == 2 and y.shape[1] == 1:
            y = y[:, 0]
        if y.ndim != 1:
            raise DataError(f"{source} has {y.shape[1]} columns; task '{task}' needs one label column "
                            f"(use multilabel or regression for several)")
        if task == "binary" and y.dtype.kind in "biuf" and np.isin(y, (0, 1)).all():
            return y.astype(np.int64), task, ["0", "1"]  # keep 0/1 even if one class is absent
        classes, codes = np.unique(y, return_inverse=True)
        if task == "binary" and len(classes) > 2:
            raise DataError(f"{source} has {len(classes)} classes; task 'binary' needs 2, use 'multiclass'")
        names = [_label_name(c) for c in classes] + ["other"] * (task == "binary" and len(classes) < 2)
        return codes.astype(np.int64), task, names
    if y.dtype.kind not in "biuf":
        raise DataError(f"{source} is not numeric; task '{task}' needs numbers (use binary or multiclass)")
    if task == "multilabel" and not np.isin(y, (0, 1)).all():
        raise DataError(f"{source} has values other than 0 and 1; task 'multilabel' needs 0/1 columns")
    return y.astype(np.float32), task, None


def read_csv_rows(file: Path, path, delimiter: str = ",") -> list[list[str]]:
    """The non-blank rows of a UTF-8 CSV file, cells stripped; binary or non-UTF-8 bytes are a DataError.

    Args:
        file: the file to read.
        path: the path as the user gave it, for messages.
        delimiter (default ","): the cell separator.
    """
    data = Path(file).read_bytes()
    note_data_file(file)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[:error.start].count(b"\n") + 1
        raise DataError(f"'{path}' line {line}: byte 0x{data[error.start]:02x} is not UTF-8 text; "
                        f"save the file as UTF-8 CSV (is it binary, or in another encoding?)") from None
    if "\x00" in text:
        line = text[:text.index("\x00")].count("\n") + 1
        raise DataError(f"'{path}' line {line}: a NUL byte; this is not a CSV text file")
    reader = csv_module.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        return [[cell.strip() for cell in row] for row in reader if any(cell.strip() for cell in row)]
    except csv_module.Error as error:
        raise DataError(f"'{path}' is not valid CSV ({error}); check quotes and dataset.delimiter") from None


def _read_table(file: Path, path, delimiter: str) -> tuple[list[str], list[list[str]]]:
    """Header and data rows of a CSV file, cells stripped, blank lines skipped."""
    rows = read_csv_rows(file, path, delimiter)
    if len(rows) < 2:
        raise DataError(f"data file '{path}' is empty; it needs a header row and at least one data row")
    header, body = rows[0], rows[1:]
    for line, row in enumerate(body, start=2):
        if len(row) != len(header):
            raise DataError(f"data file '{path}': row {line} has {len(row)} cells but the header has "
                            f"{len(header)}; check dataset.delimiter ('{delimiter}') and the row")
    return header, body


def _numeric_column(cells: list[str], column: str, path) -> np.ndarray:
    try:
        values = np.array([float(cell) for cell in cells], dtype=np.float64)
    except ValueError:
        line, bad = next((i + 2, c) for i, c in enumerate(cells) if not _is_number(c))
        if bad == "":
            raise DataError(f"column '{column}' of '{path}' has an empty cell in row {line}; "
                            f"fill in or drop missing values") from None
        raise DataError(f"column '{column}' of '{path}' is not numeric (row {line}: '{bad}'); encode it as "
                        f"numbers (e.g. one-hot columns) or leave it out with dataset.features") from None
    if not np.isfinite(values).all():
        raise DataError(f"column '{column}' of '{path}' has missing or infinite values; fill in or drop them")
    return values


def _feature_matrix(rows, columns, indices: list[int], header: list[str], path) -> np.ndarray:
    """The feature cells as one (rows, features) float64 array, converted in one pass (10^6 columns
    take a second); a cell that is not a finite number is found column by column for the message."""
    pick = operator.itemgetter(*indices)
    try:
        X = np.array([pick(row) for row in rows], dtype=np.float64).reshape(len(rows), len(indices))
        if np.isfinite(X).all():
            return X
    except ValueError:
        pass
    return np.stack([_numeric_column(list(columns[j]), header[j], path) for j in indices], axis=1)


def _is_number(cell: str) -> bool:
    try:
        float(cell)
        return True
    except ValueError:
        return False


def _columns(header: list[str], wanted: list[str], option: str, path) -> list[int]:
    """The index of each wanted column (the first of a repeated name); one dict, so 10^6 columns stay fast."""
    position: dict[str, int] = {}
    for index, name in enumerate(header):
        position.setdefault(name, index)
    missing = [name for name in wanted if name not in position]
    if missing:
        shown = ", ".join(header[:20]) + (f", ... ({len(header)} columns)" if len(header) > 20 else "")
        raise DataError(f"no column '{missing[0]}' in '{path}' (set by {option}); columns present: {shown}")
    return [position[name] for name in wanted]


def _refuse_empty_targets(rows: list[list[str]], target_idx: list[int], header: list[str], path) -> None:
    """An empty target cell would become a class '' (a binary problem trained as 3-class): refuse it."""
    for line, row in enumerate(rows, start=2):
        empty = next((header[j] for j in target_idx if row[j] == ""), None)
        if empty is not None:
            raise DataError(f"'{path}' row {line}: the target '{empty}' is empty; fill it in or drop the row "
                            f"(a missing label cannot be learned)")


@datasets.register("csv")
def csv(path: str, target: str | list[str], rng: np.random.Generator | None = None, delimiter: str = ",",
        task: TaskOption = None, features: list[str] | None = None) -> Dataset:
    """A table from a CSV file with a header row: feature columns -> target column(s).

    Args:
        path: the CSV file.
        target: name of the target column (a list of names for several outputs).
        rng (default None): unused; rows keep the file's order.
        delimiter (default ","): the cell separator, e.g. ";" or "\\t".
        task (default None): "binary", "multiclass", "multilabel" or "regression";
            None infers it from the target (see the module docstring).
        features (default None): the input columns; None takes every other column.

    Example::

        >>> ds = csv(path="houses.csv", target="price")
        >>> ds.task, ds.feature_names
        ('regression', ['rooms', 'area'])
    """
    if not isinstance(delimiter, str) or len(delimiter) != 1:
        raise ConfigError(f"dataset.delimiter must be one character such as ',' ';' or a tab, got {delimiter!r}")
    file = existing_file(path)
    header, rows = _read_table(file, path, delimiter)
    targets = [target] if isinstance(target, str) else list(target)
    target_idx = _columns(header, targets, "dataset.target", path)
    _refuse_empty_targets(rows, target_idx, header, path)
    names = list(features) if features is not None else [h for h in header if h not in targets]
    overlap = [name for name in names if name in targets]
    if overlap:
        raise DataError(f"column '{overlap[0]}' of '{path}' is both target and feature; "
                        f"remove it from dataset.features")
    if not names:
        raise DataError(f"'{path}' has no feature columns besides the target; add input columns")
    columns = list(zip(*rows))
    X = _feature_matrix(rows, columns, _columns(header, names, "dataset.features", path), header, path)
    raw = [np.array(columns[j]) for j in target_idx]
    if all(all(_is_number(c) for c in col) for col in raw):
        raw = [_numeric_column(list(col), header[j], path) for col, j in zip(raw, target_idx)]
    y = raw[0] if len(raw) == 1 else np.stack(raw, axis=1)
    y, task, class_names = encode_targets(y, task, f"target column '{', '.join(targets)}' of '{path}'")
    return Dataset(X, y, task, file.stem, feature_names=names, class_names=class_names)


@datasets.register("npz")
def npz(path: str, rng: np.random.Generator | None = None, x_key: str = "X", y_key: str = "y",
        task: TaskOption = None) -> Dataset:
    """Arrays from a NumPy .npz file: inputs under ``x_key``, targets under ``y_key``.

    The file is read with ``allow_pickle=False``: object arrays are refused, no code runs.

    Args:
        path: the .npz file (e.g. written by ``np.savez(path, X=X, y=y)``).
        rng (default None): unused; samples keep the file's order.
        x_key (default "X"): name of the input array, shape (N, ...); (N,) becomes (N, 1).
        y_key (default "y"): name of the target array, shape (N,) or (N, K).
        task (default None): as for ``csv``; None infers it from the targets.

    Example::

        >>> np.savez("data.npz", X=np.random.rand(10, 3), y=np.arange(10) % 2)
        >>> npz(path="data.npz").task
        'binary'
    """
    file = existing_file(path)
    note_data_file(file)
    with open(file, "rb") as handle:
        if handle.read(4) != b"PK\x03\x04":
            raise DataError(f"'{path}' is not a .npz file (a zip of arrays); save it with np.savez")
    try:
        with np.load(file, allow_pickle=False) as archive:
            present = list(archive.files)
            missing = [key for key in (x_key, y_key) if key not in present]
            if missing:
                raise DataError(f"npz file '{path}' has no array '{missing[0]}'; arrays present: "
                                f"{', '.join(present) or 'none'}; set dataset.x_key / dataset.y_key")
            X, y = archive[x_key], archive[y_key]
            for key, value in ((x_key, X), (y_key, y)):
                if not isinstance(value, np.ndarray):  # NpzFile hands back raw bytes (a pickle?) of a non-.npy member
                    raise DataError(f"npz file '{path}': '{key}' is not a NumPy array (raw bytes, e.g. a pickle); "
                                    f"save plain numeric arrays with np.savez")
    except ValueError as error:
        if "pickle" in str(error):
            raise DataError(f"npz file '{path}' holds object arrays, which could run code when loaded; "
                            f"save plain numeric arrays with np.savez") from None
        raise DataError(f"cannot read '{path}' as .npz ({error}); save it with np.savez") from None
    except (OSError, EOFError, zipfile.BadZipFile) as error:
        raise DataError(f"cannot read '{path}' as .npz ({error}); save it with np.savez") from None
    if X.dtype.kind not in "biuf" or not np.isfinite(X).all():
        raise DataError(f"array '{x_key}' of '{path}' must hold finite numbers, got dtype {X.dtype}")
    y = y.astype(str) if y.dtype.kind == "S" else y
    y, task, class_names = encode_targets(y, task, f"array '{y_key}' of '{path}'")
    return Dataset(X.astype(np.float32), y, task, file.stem, class_names=class_names)
