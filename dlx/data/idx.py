"""MNIST and Fashion-MNIST from their original IDX files, read with NumPy.

An IDX file starts with a magic number: two zero bytes, a type code (0x08 for
unsigned bytes) and the number of dimensions; then each dimension as a
big-endian 32-bit integer; then the values. Images are 0x00000803 (N, rows,
cols), labels 0x00000801 (N,). Files may be raw or gzipped (``.gz``)::

    ds = mnist(path="data/mnist", subset="test", limit=1000)   # (1000, 1, 28, 28)
"""
import gzip
import math
import zlib
from pathlib import Path
from typing import Literal

import numpy as np

from dlx.data.dataset import Dataset
from dlx.data.download import dataset_folder
from dlx.data.sources import note_data_file
from dlx.errors import ConfigError, DataError
from dlx.registry import datasets

IDX_TYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}
IMAGES_MAGIC, LABELS_MAGIC = 0x00000803, 0x00000801
SPLIT_PREFIXES = {"train": "train", "test": "t10k"}
FASHION_CLASSES = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                   "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]


MAX_IDX_BYTES = 2**30  # 1 GiB of values; MNIST's largest file holds 47 MB


def _open(file: Path):
    return gzip.open(file, "rb") if file.suffix == ".gz" else open(file, "rb")


def _read_header(handle, file: Path, expected_magic: int | None) -> tuple[tuple[int, ...], np.dtype, int]:
    """Shape, dtype and header length from the first bytes of an IDX stream."""
    head = handle.read(4)
    if len(head) < 4 or head[0] != 0 or head[1] != 0 or head[2] not in IDX_TYPES:
        raise DataError(f"'{file}' is not an IDX file (bad magic number); use the original MNIST files")
    magic, ndim = int.from_bytes(head, "big"), head[3]
    if expected_magic is not None and magic != expected_magic:
        raise DataError(f"'{file}' has magic number 0x{magic:08X}, expected 0x{expected_magic:08X}; "
                        f"check that images and labels files are not swapped")
    dims = handle.read(4 * ndim)
    if len(dims) < 4 * ndim:
        raise DataError(f"'{file}' is truncated inside its header; download it again")
    shape = tuple(int.from_bytes(dims[4 * i:4 * i + 4], "big") for i in range(ndim))
    return shape, np.dtype(IDX_TYPES[head[2]]), 4 + 4 * ndim


def _stored_size(file: Path) -> int:
    """Bytes the file decompresses to: its size, or (mod 2^32) the ISIZE field that ends a gzip file."""
    if file.suffix != ".gz":
        return file.stat().st_size
    with open(file, "rb") as raw:
        raw.seek(0, 2)
        if raw.tell() < 4:
            return -1
        raw.seek(-4, 2)
        return int.from_bytes(raw.read(4), "little")


def read_idx(file, expected_magic: int | None = None, max_bytes: int = MAX_IDX_BYTES) -> np.ndarray:
    """The array stored in an IDX file (raw or .gz), checked against its header before it is read.

    The header's declared size (computed exactly, so 2^31 x 2^31 x 4 cannot overflow) is
    compared with ``max_bytes`` and with the file's (decompressed) size first; a gzip bomb
    or a lying header is refused without decompressing more than the header promised.

    Args:
        file: path of the file.
        expected_magic (default None): e.g. 0x00000803 for images; a mismatch is a DataError.
        max_bytes (default 1 GiB): the largest array accepted.

    Example::

        >>> read_idx("t10k-labels-idx1-ubyte.gz", 0x00000801).shape
        (10000,)
    """
    file = Path(file)
    try:
        note_data_file(file)
        with _open(file) as handle:
            shape, dtype, header = _read_header(handle, file, expected_magic)
            declared = math.prod(shape) * dtype.itemsize  # Python int: no overflow
            dims = "x".join(map(str, shape))
            if declared > max_bytes:
                raise DataError(f"'{file}' declares {dims} values ({declared:,} bytes), more than the limit of "
                                f"{max_bytes:,}; use the original MNIST files")
            stored = _stored_size(file)
            if stored != (header + declared) % (2**32 if file.suffix == ".gz" else 2**64):
                raise DataError(f"'{file}' holds {stored - header} bytes of values but its header {dims} needs "
                                f"{declared}; download it again")
            data = handle.read(declared + 1)  # one more byte tells whether the stream is longer
    except (OSError, EOFError, zlib.error) as error:
        raise DataError(f"cannot read '{file}' ({error}); download the file again") from None
    if len(data) != declared:
        raise DataError(f"'{file}' holds {len(data)} bytes of values but its header {dims} needs "
                        f"{declared}; download it again")
    return np.frombuffer(data, dtype=dtype).reshape(shape)


def _find(folder: Path, stem: str) -> Path | None:
    """``stem`` in ``folder``, raw or gzipped, also spelled with a dot (``train-images.idx3-ubyte``)."""
    dotted = stem.replace("-idx", ".idx")
    for name in (stem, stem + ".gz", dotted, dotted + ".gz"):
        if (folder / name).is_file():
            return folder / name
    return None


def _read_split(folder: Path, prefix: str, limit: int | None) -> tuple[np.ndarray, np.ndarray] | None:
    """Images (N, H, W) uint8 and labels (N,) of one split, or None if its files are absent."""
    images_file = _find(folder, f"{prefix}-images-idx3-ubyte")
    labels_file = _find(folder, f"{prefix}-labels-idx1-ubyte")
    if images_file is None and labels_file is None:
        return None
    if images_file is None or labels_file is None:
        missing = f"{prefix}-images-idx3-ubyte" if images_file is None else f"{prefix}-labels-idx1-ubyte"
        raise DataError(f"'{folder}' has half of the '{prefix}' split: '{missing}[.gz]' is missing; add it")
    images, labels = read_idx(images_file, IMAGES_MAGIC), read_idx(labels_file, LABELS_MAGIC)
    if len(images) != len(labels):
        raise DataError(f"'{images_file.name}' has {len(images)} images but '{labels_file.name}' has "
                        f"{len(labels)} labels; use matching files")
    if labels.size and labels.max() > 9:
        raise DataError(f"'{labels_file.name}' has label {labels.max()}; MNIST labels are 0-9")
    return (images[:limit], labels[:limit]) if limit is not None else (images, labels)


def _check_options(path, subset, limit, name: str, cache_dir, mirror) -> Path:
    if subset not in ("all", "train", "test"):
        raise ConfigError(f"dataset.subset must be 'all', 'train' or 'test', got {subset!r}")
    if limit is not None and (isinstance(limit, bool) or not isinstance(limit, (int, np.integer)) or limit < 1):
        raise ConfigError(f"dataset.limit must be a positive integer or null, got {limit!r}")
    if path is None:
        return dataset_folder(name, cache_dir, mirror)  # fetched once, verified, cached
    folder = Path(str(path)).expanduser()
    if not folder.is_dir():
        raise DataError(f"data folder '{path}' not found; check dataset.path (a folder with the IDX files)")
    return folder


def load_idx_dataset(path, flatten: bool, subset: str, limit: int | None, name: str,
                     class_names: list[str], cache_dir: str | None = None, mirror: str | None = None) -> Dataset:
    """Images scaled to [0, 1] and labels from the train and/or t10k IDX files in ``path`` (None: the cache)."""
    folder = _check_options(path, subset, limit, name, cache_dir, mirror)
    splits = ["train", "test"] if subset == "all" else [subset]
    parts = [part for part in (_read_split(folder, SPLIT_PREFIXES[s], limit) for s in splits) if part]
    if not parts:
        expected = ", ".join(f"{SPLIT_PREFIXES[s]}-{kind}[.gz]" for s in splits
                             for kind in ("images-idx3-ubyte", "labels-idx1-ubyte"))
        raise DataError(f"no {name} files in '{path}'; expected {expected}")
    images = np.concatenate([p[0] for p in parts])[:limit]
    labels = np.concatenate([p[1] for p in parts])[:limit]
    X = images.astype(np.float32) / np.float32(255.0)  # (N, H, W) in [0, 1]
    X = X.reshape(len(X), -1) if flatten else X[:, None, :, :]
    return Dataset(X, labels.astype(np.int64), "multiclass", name, class_names=list(class_names))


@datasets.register("mnist")
def mnist(path: str | None = None, rng: np.random.Generator | None = None, flatten: bool = False,
          subset: Literal["all", "train", "test"] = "all", limit: int | None = None,
          cache_dir: str | None = None, mirror: str | None = None) -> Dataset:
    """MNIST handwritten digits 0-9, 28x28 pixels scaled to [0, 1], from IDX files.

    The folder holds ``train-images-idx3-ubyte``, ``train-labels-idx1-ubyte``,
    ``t10k-images-idx3-ubyte`` and ``t10k-labels-idx1-ubyte``, each raw or ``.gz``;
    whichever of the train and t10k pairs exist are used. Without ``path`` the four
    files are downloaded once into the cache, verified by SHA-256 (``dlx.data.download``).

    Args:
        path (default None): the folder; None uses the cache (~/.cache/dlx/mnist), fetched on first use.
        rng (default None): unused; samples keep the files' order (train first).
        flatten (default False): False gives images (N, 1, 28, 28), True vectors (N, 784).
        subset (default "all"): "train", "test" (the t10k files) or "all" (both, concatenated).
        limit (default None): keep only the first ``limit`` samples.
        cache_dir (default None): the cache root instead of $DLX_CACHE_DIR or ~/.cache/dlx.
        mirror (default None): a base URL to download from instead of $DLX_MNIST_MIRROR or the published ones.

    Example::

        >>> mnist(subset="test").X.shape
        (10000, 1, 28, 28)
    """
    return load_idx_dataset(path, flatten, subset, limit, "mnist", [str(d) for d in range(10)], cache_dir, mirror)


@datasets.register("fashion_mnist")
def fashion_mnist(path: str | None = None, rng: np.random.Generator | None = None, flatten: bool = False,
                  subset: Literal["all", "train", "test"] = "all", limit: int | None = None,
                  cache_dir: str | None = None, mirror: str | None = None) -> Dataset:
    """Fashion-MNIST: 28x28 images of 10 kinds of clothing, pixels scaled to [0, 1].

    Same files and options as ``mnist`` (Zalando's IDX files use the same names).

    Args:
        path (default None): the folder with the IDX files; None uses the cache, fetched on first use.
        rng (default None): unused.
        flatten (default False): False gives images (N, 1, 28, 28), True vectors (N, 784).
        subset (default "all"): "train", "test" or "all".
        limit (default None): keep only the first ``limit`` samples.
        cache_dir (default None): the cache root instead of $DLX_CACHE_DIR or ~/.cache/dlx.
        mirror (default None): a base URL instead of $DLX_FASHION_MNIST_MIRROR or the published ones.

    Example::

        >>> fashion_mnist(limit=5).class_names[9]
        'Ankle boot'
    """
    return load_idx_dataset(path, flatten, subset, limit, "fashion_mnist", FASHION_CLASSES, cache_dir, mirror)
