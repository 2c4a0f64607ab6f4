"""Checkpoints: one ``.npz`` format for model files and training checkpoints.

A checkpoint is an ordinary ``.npz`` archive holding the named arrays plus one
extra array, ``__dlx__``: the UTF-8 bytes (as ``uint8``) of the JSON record
``{"format": "dlx-checkpoint", "version": 1, "meta": {...}}``. It is read with
``np.load(..., allow_pickle=False)``, so loading a file can never execute code:
object arrays, which would need pickle, are refused.

Example::

    save_checkpoint(run_dir / "model.npz", model.state_dict(), {"model": "mlp", "epoch": 7})
    arrays, meta = load_checkpoint(run_dir / "model.npz")
"""
from __future__ import annotations

import json
import zipfile
import zlib
from pathlib import Path
from typing import Any, Mapping

import numpy as np

from dlx.errors import CheckpointError
from dlx.runs.files import atomic_save_npz, to_jsonable
from dlx.runs.records import check_record
from dlx.runs.sparse import dense_arrays

RECORD_KEY = "__dlx__"
FORMAT_NAME = "dlx-checkpoint"
FORMAT_VERSION = 1
WHAT_TO_GIVE = "give the model.npz of a dlx run"


def _encode_record(meta: Mapping[str, Any]) -> np.ndarray:
    record = {"format": FORMAT_NAME, "version": FORMAT_VERSION, "meta": to_jsonable(dict(meta))}
    text = json.dumps(record, ensure_ascii=False, allow_nan=True)
    return np.frombuffer(text.encode("utf-8"), dtype=np.uint8).copy()


def _checked_arrays(path: Path, arrays: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Validate names and dtypes before anything is written."""
    checked: dict[str, np.ndarray] = {}
    for name, value in arrays.items():
        if not isinstance(name, str) or not name or name == RECORD_KEY:
            raise CheckpointError(f"cannot save '{path}': array name {name!r} is empty or reserved; rename it")
        array = np.asarray(value)
        if array.dtype.hasobject:
            raise CheckpointError(
                f"cannot save '{path}': array '{name}' has dtype object, which needs pickle; "
                "save numbers only"
            )
        checked[name] = array
    return checked


def save_checkpoint(path: Path | str, arrays: Mapping[str, np.ndarray], meta: Mapping[str, Any],
                    deflate: bool = False) -> Path:
    """Save named arrays and a JSON ``meta`` record as one ``.npz`` file, atomically.

    Args:
        path: the target file, conventionally ``model.npz`` or ``checkpoint.npz``.
        arrays: name -> array; dotted names (``layers.0.weight``) are kept as given.
        meta: JSON-serialisable description (model config, epoch, metrics ...);
            NumPy scalars are converted.
        deflate (default False): compress the archive's members (a compressed model's file).

    Raises:
        CheckpointError: a name is empty or ``__dlx__``, or an array holds Python objects.

    Example::

        save_checkpoint("model.npz", {"layers.0.weight": w, "layers.0.bias": b}, {"epoch": 3})
    """
    path = Path(path)
    checked = _checked_arrays(path, arrays)
    checked[RECORD_KEY] = _encode_record(meta)
    return atomic_save_npz(path, checked, deflate)


def _one_line(error: BaseException) -> str:
    return " ".join(str(error).split()) or type(error).__name__


def _read_all_arrays(path: Path) -> dict[str, np.ndarray]:
    """Every array of the archive, read eagerly with pickle disabled; the file is closed."""
    try:
        with np.load(path, allow_pickle=False) as archive:
            arrays = {name: archive[name] for name in archive.files}
    except ValueError as error:
        if "pickle" in str(error).lower() or "object" in str(error).lower():
            raise CheckpointError(
                f"'{path}' holds an object array that would need pickle to load; refused for safety; "
                f"{WHAT_TO_GIVE}"
            ) from None
        raise CheckpointError(f"'{path}' is damaged ({_one_line(error)}); {WHAT_TO_GIVE}") from None
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, KeyError) as error:
        raise CheckpointError(f"'{path}' is damaged or truncated ({_one_line(error)}); {WHAT_TO_GIVE}") from None
    not_arrays = [name for name, value in arrays.items() if not isinstance(value, np.ndarray)]
    if not_arrays:  # NpzFile hands back raw bytes for a member that is not an .npy array
        raise CheckpointError(f"'{path}' is damaged: '{not_arrays[0]}' is not an array; {WHAT_TO_GIVE}")
    return arrays


def read_arrays(path: Path | str) -> dict[str, np.ndarray]:
    """Every array of a plain ``.npz`` (no ``__dlx__`` record needed), pickle disabled; CheckpointError for
    a missing, truncated or damaged file."""
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"'{path}' does not exist; the run did not finish saving its model")
    if not zipfile.is_zipfile(path):
        raise CheckpointError(f"'{path}' is not an .npz file (not a zip archive, or truncated); {WHAT_TO_GIVE}")
    return _read_all_arrays(path)


def _decode_record(path: Path, record: np.ndarray) -> dict[str, Any]:
    """The ``meta`` of a ``__dlx__`` record, after checking format and version."""
    if record.dtype != np.uint8 or record.ndim != 1:
        raise CheckpointError(f"'{path}' has a malformed __dlx__ record (not UTF-8 bytes); {WHAT_TO_GIVE}")
    try:
        header = json.loads(record.tobytes().decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        reason = _one_line(error)
        raise CheckpointError(f"'{path}' has an unreadable __dlx__ record ({reason}); {WHAT_TO_GIVE}") from None
    if not isinstance(header, dict) or header.get("format") != FORMAT_NAME:
        found = header.get("format") if isinstance(header, dict) else type(header).__name__
        raise CheckpointError(
            f"'{path}' has unknown format {found!r}, expected '{FORMAT_NAME}'; {WHAT_TO_GIVE}"
        )
    version = header.get("version")
    if version != FORMAT_VERSION:
        raise CheckpointError(
            f"'{path}' is dlx checkpoint version {version!r}; this dlx reads version {FORMAT_VERSION}; "
            "use the dlx version that wrote it"
        )
    meta = header.get("meta")
    if not isinstance(meta, dict):
        raise CheckpointError(f"'{path}' has a __dlx__ record without a meta object; {WHAT_TO_GIVE}")
    return meta


def load_checkpoint(path: Path | str) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    """Load a checkpoint written by ``save_checkpoint``; never executes code.

    Args:
        path: the ``.npz`` file.

    Returns:
        ``(arrays, meta)``: name -> array (without ``__dlx__``) and the meta dict.

    Raises:
        CheckpointError: the file is missing, not an ``.npz``, damaged, not a dlx
            checkpoint, of an unknown format or version, holds object arrays, or its
            record lacks what its kind needs (``dlx.runs.records``).

    Example::

        arrays, meta = load_checkpoint("results/xor/20250101-120000-3fa9c2/model.npz")
        arrays["layers.0.weight"].dtype  # float32
    """
    path = Path(path)
    if not path.exists():
        raise CheckpointError(f"checkpoint '{path}' does not exist; check the path or {WHAT_TO_GIVE}")
    if path.is_dir():
        raise CheckpointError(f"checkpoint '{path}' is a folder; {WHAT_TO_GIVE}")
    if not zipfile.is_zipfile(path):
        raise CheckpointError(f"'{path}' is not an .npz file (not a zip archive, or truncated); {WHAT_TO_GIVE}")
    arrays = _read_all_arrays(path)
    if RECORD_KEY not in arrays:
        raise CheckpointError(f"'{path}' is not a dlx checkpoint (no {RECORD_KEY} record); {WHAT_TO_GIVE}")
    meta = _decode_record(path, arrays.pop(RECORD_KEY))
    check_record(path, meta)
    return dense_arrays(arrays), meta  # a pruned model's weights may be stored sparse (dlx.runs.sparse)
