"""Atomic file writes: a killed process never leaves a truncated file.

Every writer here puts the bytes into a hidden temporary file in the target's
folder (``.<name>.<8 hex>.tmp``), flushes and fsyncs it, then renames it over
the target with ``os.replace``, which is atomic on one file system. On any
failure the temporary file is removed and the target keeps its old content.

Example::

    atomic_write_json(run_dir / "summary.json", {"best_val_loss": np.float32(0.12)})
    atomic_save_npz(run_dir / "model.npz", {"layers.0.weight": w})
"""
from __future__ import annotations

import json
import os
import secrets
import zipfile
from pathlib import Path
from typing import Any, BinaryIO, Callable, Mapping

import numpy as np

TEMP_PREFIX = "."
TEMP_SUFFIX = ".tmp"


def _open_temp_beside(target: Path) -> tuple[Path, int]:
    """Create a new, empty temporary file in ``target``'s folder; return its path and fd."""
    for _ in range(100):
        temp = target.with_name(f"{TEMP_PREFIX}{target.name}.{secrets.token_hex(4)}{TEMP_SUFFIX}")
        try:
            # mode 0o666 lets the umask decide, as for an ordinary open(..., "w")
            return temp, os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        except FileExistsError:
            continue
        except OSError as error:  # a read-only folder or a full disk: name the file the caller asked for
            raise _naming(error, target) from None
    raise FileExistsError(f"could not create a temporary file beside '{target}'")


def atomic_write(path: Path | str, write: Callable[[BinaryIO], None]) -> Path:
    """Call ``write(file)`` on a temporary file, then rename it to ``path``.

    Args:
        path: the target file; its folder must exist.
        write: fills the open binary file; any exception it raises aborts the write.

    Returns:
        ``path`` as a ``Path``.

    Example::

        atomic_write(run_dir / "plots" / "loss.png", lambda f: figure.savefig(f, format="png"))
    """
    target = Path(path)
    temp, fd = _open_temp_beside(target)
    try:
        with os.fdopen(fd, "wb") as file:
            write(file)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temp, target)
    except OSError as error:  # ENOSPC in write or fsync has no file name: give the target's
        temp.unlink(missing_ok=True)
        raise _naming(error, target) from error
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    return target


def _naming(error: OSError, target: Path) -> OSError:
    """``error`` with ``target`` as its file name (a new error of the same class when the name differs)."""
    if error.errno is None or error.filename == str(target):
        return error
    return type(error)(error.errno, error.strerror, str(target))


def atomic_write_bytes(path: Path | str, data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically.

    Example::

        atomic_write_bytes("out.bin", b"\\x00\\x01")
    """
    return atomic_write(path, lambda file: file.write(data))


def atomic_write_text(path: Path | str, text: str) -> Path:
    """Write ``text`` as UTF-8 to ``path`` atomically (newlines are kept as given).

    Example::

        atomic_write_text(run_dir / "config.yaml", yaml.safe_dump(config))
    """
    return atomic_write_bytes(path, text.encode("utf-8"))


PLAIN = (bool, int, float, str)  # exactly these types (NumPy's float64 is a float but goes through .item())


def to_jsonable(value: Any) -> Any:
    """Turn NumPy scalars and arrays, tuples and paths into plain JSON types.

    Floats keep NaN and infinity (written as ``NaN``/``Infinity``, which
    ``json.loads`` reads back). Anything else unknown raises ``TypeError``.

    Example::

        to_jsonable({"acc": np.float32(0.5), "cm": np.eye(2, dtype=int)})
        # {'acc': 0.5, 'cm': [[1, 0], [0, 1]]}
    """
    if value is None or type(value) in PLAIN:  # first: a million feature names are a million strings
        return value
    if isinstance(value, Mapping):
        return {str(key): to_jsonable(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_jsonable(item) for item in value]
    if isinstance(value, np.ndarray):
        return to_jsonable(value.tolist())
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, Path):
        return str(value)
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    raise TypeError(f"cannot write a {type(value).__name__} as JSON; convert it to numbers, strings, lists or dicts")


def json_text(obj: Any) -> str:
    """JSON text with indent 2, keys in their given order, ending in a newline."""
    return json.dumps(to_jsonable(obj), indent=2, sort_keys=False, ensure_ascii=False) + "\n"


def atomic_write_json(path: Path | str, obj: Any) -> Path:
    """Write ``obj`` as indented JSON to ``path`` atomically; NumPy values are converted.

    Example::

        atomic_write_json(run_dir / "model.json", {"layers": 3, "params": np.int64(1234)})
    """
    return atomic_write_text(path, json_text(obj))


def write_npz(file: BinaryIO, arrays: Mapping[str, np.ndarray], deflate: bool = False) -> None:
    """Write ``arrays`` as an uncompressed ``.npz`` (``deflate``: compressed, as ``np.savez_compressed``)
    into an open binary file.

    Unlike ``np.savez`` this accepts any key (also ``file`` or ``allow_pickle``)
    and refuses object arrays, which could only be read back with pickle.
    """
    compression = zipfile.ZIP_DEFLATED if deflate else zipfile.ZIP_STORED
    with zipfile.ZipFile(file, mode="w", compression=compression, allowZip64=True) as archive:
        for name, array in arrays.items():
            with archive.open(f"{name}.npy", mode="w", force_zip64=True) as member:
                np.lib.format.write_array(member, np.asanyarray(array), allow_pickle=False)


def atomic_save_npz(path: Path | str, arrays: Mapping[str, np.ndarray], deflate: bool = False) -> Path:
    """Save named arrays as an ``.npz`` file atomically (readable with ``allow_pickle=False``; ``deflate``:
    compressed).

    Args:
        path: the target file, conventionally ending ``.npz``.
        arrays: name -> array; dotted names such as ``layers.0.weight`` are fine.

    Example::

        atomic_save_npz("weights.npz", {"layers.0.weight": np.ones((2, 3), np.float32)})
        np.load("weights.npz", allow_pickle=False)["layers.0.weight"].shape  # (2, 3)
    """
    return atomic_write(path, lambda file: write_npz(file, arrays, deflate))
