"""The data files a run read, each with its SHA-256, for the run's provenance.

Every loader that reads a file (IDX, CSV, npz, a text corpus, the files scikit-learn
ships) calls ``note_data_file(path)``. Whoever prepares a run collects them::

    with data_files_read() as files:
        experiment = prepare(loaded)
    files   # {"/home/me/.cache/dlx/mnist/train-images-idx3-ubyte.gz": "a1b2...", ...}

Outside ``data_files_read`` noting costs nothing. A file is hashed once per process
while its size and modification time stay the same (MNIST's 55 MB take about 0.1 s).
"""
from __future__ import annotations

import hashlib
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

_collectors: list[dict[str, str]] = []  # one per open data_files_read, innermost last
_digests: dict[tuple[str, int, int], str] = {}  # (path, size, mtime_ns) -> SHA-256


def file_sha256(path: Path | str) -> str:
    """The SHA-256 of the file at ``path`` as 64 hex digits (remembered while the file is unchanged)."""
    file = Path(path)
    stat = file.stat()
    key = (str(file), stat.st_size, stat.st_mtime_ns)
    if key not in _digests:
        digest = hashlib.sha256()
        with open(file, "rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
        _digests[key] = digest.hexdigest()
    return _digests[key]


def note_data_file(path: Path | str | None) -> None:
    """Record that a loader read the file ``path`` (None: nothing was read) in every open collection."""
    if path is None or not _collectors:
        return
    file = Path(path).resolve()
    digest = file_sha256(file)
    for files in _collectors:
        files[str(file)] = digest


@contextmanager
def data_files_read() -> Iterator[dict[str, str]]:
    """Collect ``{absolute path: SHA-256}`` of the data files read inside the block."""
    files: dict[str, str] = {}
    _collectors.append(files)
    try:
        yield files
    finally:
        del _collectors[next(i for i, open_files in enumerate(_collectors) if open_files is files)]
