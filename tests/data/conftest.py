"""Tiny data files written on the fly, so no test depends on downloaded data."""
from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import pytest


def write_idx(path: Path, array: np.ndarray, gz: bool = False) -> Path:
    """Write ``array`` (uint8) as an IDX file: magic 0x0000 08 ndim, big-endian dims, the bytes."""
    array = np.asarray(array, dtype=np.uint8)
    header = bytes([0, 0, 0x08, array.ndim]) + b"".join(int(d).to_bytes(4, "big") for d in array.shape)
    data = header + array.tobytes()
    if gz:
        path = path.with_name(path.name + ".gz")
        with gzip.open(path, "wb") as handle:
            handle.write(data)
    else:
        path.write_bytes(data)
    return path


def write_idx_folder(folder: Path, n_train: int = 12, n_test: int = 8, gz_test: bool = True,
                     seed: int = 0) -> Path:
    """A folder with MNIST-style train (raw) and t10k (gzipped) files of 28x28 images."""
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    for prefix, n, gz in (("train", n_train, False), ("t10k", n_test, gz_test)):
        if n:
            write_idx(folder / f"{prefix}-images-idx3-ubyte", rng.integers(0, 256, (n, 28, 28)), gz)
            write_idx(folder / f"{prefix}-labels-idx1-ubyte", np.arange(n) % 10, gz)
    return folder


def write_csv(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


@pytest.fixture
def csv_file(tmp_path) -> Path:
    rows = ["a,b,label"] + [f"{i},{i % 3 * 0.5},{'cat' if i % 2 else 'dog'}" for i in range(10)]
    return write_csv(tmp_path / "pets.csv", "\n".join(rows) + "\n")


@pytest.fixture
def npz_file(tmp_path) -> Path:
    rng = np.random.default_rng(0)
    path = tmp_path / "arrays.npz"
    np.savez(path, X=rng.normal(size=(9, 4)), y=np.arange(9) % 3)
    return path


@pytest.fixture
def idx_folder(tmp_path) -> Path:
    return write_idx_folder(tmp_path / "mnist")


@pytest.fixture
def path_options(csv_file, npz_file, idx_folder) -> dict[str, dict]:
    """The required options of every loader that reads a file, pointing at tiny valid files."""
    return {
        "csv": {"path": str(csv_file), "target": "label"},
        "npz": {"path": str(npz_file)},
        "mnist": {"path": str(idx_folder)},
        "fashion_mnist": {"path": str(idx_folder)},
        "text_csv": {"path": str(write_csv(idx_folder.parent / "texts.csv",
                                           "text,target\ngood film,pos\n\"bad, bad film\",neg\n"))},
    }
