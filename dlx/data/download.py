"""Fetch MNIST and Fashion-MNIST once into a cache folder, verified by SHA-256.

``mnist`` and ``fashion_mnist`` without a ``path`` call ``dataset_folder``: the
four gzipped IDX files are downloaded from the first mirror that answers into
``~/.cache/dlx/<name>`` (or ``$DLX_CACHE_DIR/<name>``, or the ``cache_dir``
option), each checked against its published SHA-256 before it is renamed into
place, so a corrupted or truncated download is never cached. Later runs read the
cached files without any network. Offline, the error names the files and the
folder to put them in::

    folder = dataset_folder("mnist")          # ~/.cache/dlx/mnist, fetched on first use

A mirror can be set per data set with ``$DLX_MNIST_MIRROR`` /
``$DLX_FASHION_MNIST_MIRROR`` or the ``mirror`` option (a URL ending in ``/``).
"""
from __future__ import annotations

import hashlib
import os
from pathlib import Path

from dlx.errors import DataError

CACHE_ENV = "DLX_CACHE_DIR"
DEFAULT_CACHE = Path("~/.cache/dlx")
TIMEOUT_SECONDS = 30
MAX_DOWNLOAD_BYTES = 64 * 2**20  # the largest file (Fashion-MNIST train images) is 26 MB

# Published SHA-256 of the original gzipped files (TensorFlow Datasets, Keras and Zalando list the same).
SOURCES: dict[str, dict] = {
    "mnist": {
        "mirrors": ["https://ossci-datasets.s3.amazonaws.com/mnist/",
                    "https://storage.googleapis.com/cvdf-datasets/mnist/"],
        "files": {
            "train-images-idx3-ubyte.gz": "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
            "train-labels-idx1-ubyte.gz": "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
            "t10k-images-idx3-ubyte.gz": "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
            "t10k-labels-idx1-ubyte.gz": "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
        },
    },
    "fashion_mnist": {
        "mirrors": ["https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/data/fashion/",
                    "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"],
        "files": {
            "train-images-idx3-ubyte.gz": "3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84",
            "train-labels-idx1-ubyte.gz": "a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845",
            "t10k-images-idx3-ubyte.gz": "346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073",
            "t10k-labels-idx1-ubyte.gz": "67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5",
        },
    },
}


def cache_root(cache_dir: str | None = None) -> Path:
    """The cache folder: the ``cache_dir`` option, else ``$DLX_CACHE_DIR``, else ``~/.cache/dlx``."""
    return Path(cache_dir or os.environ.get(CACHE_ENV) or DEFAULT_CACHE).expanduser()


def dataset_folder(name: str, cache_dir: str | None = None, mirror: str | None = None) -> Path:
    """The cache folder of data set ``name`` with its files present, fetching those that are missing.

    Args:
        name: "mnist" or "fashion_mnist".
        cache_dir (default None): the cache root; None uses ``$DLX_CACHE_DIR`` or ``~/.cache/dlx``.
        mirror (default None): a base URL to fetch from; None uses ``$DLX_<NAME>_MIRROR`` or the
            published mirrors.
    """
    source = SOURCES[name]
    mirror = mirror or os.environ.get(f"DLX_{name.upper()}_MIRROR")
    mirrors = [mirror] if mirror else source["mirrors"]
    return fetch_files(source["files"], mirrors, cache_root(cache_dir) / name, name)


def fetch_files(files: dict[str, str], mirrors: list[str], folder: Path, name: str = "data") -> Path:
    """Download each ``file -> sha256`` not yet in ``folder`` from the first mirror that has it.

    A file is written under a temporary name, checked, then renamed: the folder only
    ever holds verified files. Raises DataError (one line) when a file cannot be had.
    """
    import urllib.error  # here, not at the top: urllib with http and ssl costs every command's start ~20 ms

    missing = [file for file in files if not (folder / file).is_file()]
    for file in missing:
        data, problems = None, []
        for mirror in mirrors:
            url = mirror.rstrip("/") + "/" + file
            try:
                data = _download(url)
            except (urllib.error.URLError, OSError, ValueError) as error:
                problems.append(f"{url}: {getattr(error, 'reason', error)}")
                continue
            digest = hashlib.sha256(data).hexdigest()
            if digest == files[file]:
                break
            problems.append(f"{url}: SHA-256 {digest[:12]}... is not the published {files[file][:12]}... "
                            f"(corrupted or altered download, not kept)")
            data = None
        if data is None:
            raise DataError(f"cannot fetch {name} file '{file}' ({'; '.join(problems)}); offline? put "
                            f"{', '.join(missing)} into '{folder}' (or set dataset.options.path to a folder "
                            f"that holds them)")
        _write_verified(folder, file, data)
    return folder


def _download(url: str) -> bytes:
    import urllib.request

    if not url.startswith(("http://", "https://")):
        raise ValueError("only http(s) URLs are fetched")
    with urllib.request.urlopen(url, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310 (scheme checked)
        data = response.read(MAX_DOWNLOAD_BYTES + 1)
    if len(data) > MAX_DOWNLOAD_BYTES:
        raise ValueError(f"larger than {MAX_DOWNLOAD_BYTES:,} bytes")
    return data


def _write_verified(folder: Path, file: str, data: bytes) -> None:
    try:
        folder.mkdir(parents=True, exist_ok=True)
        partial = folder / f".{file}.partial-{os.getpid()}"
        partial.write_bytes(data)
        os.replace(partial, folder / file)
    except OSError as error:
        raise DataError(f"cannot write the cache folder '{folder}' ({error.strerror}); set {CACHE_ENV} or "
                        f"dataset.options.cache_dir to a folder you can write") from None
