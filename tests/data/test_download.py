"""Fetching MNIST-format files into the cache, against a real HTTP server on 127.0.0.1 that the test starts."""
import gzip
import hashlib
import struct

import numpy as np
import pytest

from dlx.data import download
from dlx.data.download import fetch_files
from dlx.data.idx import mnist
from dlx.errors import DataError
from tests.local_http import serve

NAMES = ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
         "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz")


@pytest.fixture
def server(tmp_path):
    """(folder served, base URL, list of requested paths)."""
    served = tmp_path / "served"
    served.mkdir()
    with serve(served) as (url, requests):
        yield served, url, requests


def write_fake_mnist(folder, n=12) -> dict[str, str]:
    """Four gzipped IDX files of random digits; returns file -> SHA-256."""
    rng = np.random.default_rng(0)
    arrays = {"train": (rng.integers(0, 256, (n, 28, 28), dtype=np.uint8), np.arange(n, dtype=np.uint8) % 10),
              "t10k": (rng.integers(0, 256, (n // 2, 28, 28), dtype=np.uint8), np.arange(n // 2, dtype=np.uint8) % 10)}
    hashes = {}
    for prefix, (images, labels) in arrays.items():
        for kind, header, values in (("images-idx3", struct.pack(">IIII", 0x803, len(images), 28, 28), images),
                                     ("labels-idx1", struct.pack(">II", 0x801, len(labels)), labels)):
            name = f"{prefix}-{kind}-ubyte.gz"
            data = gzip.compress(header + values.tobytes())
            (folder / name).write_bytes(data)
            hashes[name] = hashlib.sha256(data).hexdigest()
    return hashes


def test_files_are_fetched_once_verified_and_read(server, tmp_path):
    served, url, requests = server
    hashes = write_fake_mnist(served)
    cache = tmp_path / "cache" / "mnist"
    fetch_files(hashes, [url], cache, "mnist")
    assert sorted(p.name for p in cache.iterdir()) == sorted(NAMES)
    assert len(requests) == 4
    fetch_files(hashes, [url], cache, "mnist")  # cached: no second download
    assert len(requests) == 4
    assert mnist(path=str(cache)).X.shape == (18, 1, 28, 28)


def test_a_corrupted_download_is_rejected_and_not_cached(server, tmp_path):
    served, url, _ = server
    hashes = write_fake_mnist(served)
    (served / NAMES[0]).write_bytes(b"\x1f\x8b" + b"tampered" * 10)
    cache = tmp_path / "cache" / "mnist"
    with pytest.raises(DataError, match="SHA-256 .* is not the published .*not kept"):
        fetch_files(hashes, [url], cache, "mnist")
    assert not (cache / NAMES[0]).exists() and not list(cache.glob(".*partial*"))


def test_offline_says_which_files_to_put_where(tmp_path):
    with pytest.raises(DataError) as caught:
        fetch_files({"a.gz": "0" * 64, "b.gz": "1" * 64}, ["http://127.0.0.1:9/"], tmp_path / "c", "mnist")
    message = str(caught.value)
    assert "offline?" in message and "a.gz, b.gz" in message and str(tmp_path / "c") in message


def test_the_first_mirror_that_has_the_file_wins(server, tmp_path):
    served, url, _ = server
    hashes = write_fake_mnist(served)
    fetch_files(hashes, ["http://127.0.0.1:9/", url], tmp_path / "c", "mnist")
    assert (tmp_path / "c" / NAMES[3]).is_file()


def test_cache_folder_comes_from_option_then_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("DLX_CACHE_DIR", str(tmp_path / "env"))
    assert download.cache_root() == tmp_path / "env"
    assert download.cache_root(str(tmp_path / "option")) == tmp_path / "option"
    monkeypatch.delenv("DLX_CACHE_DIR")
    assert download.cache_root() == download.DEFAULT_CACHE.expanduser()


def test_mnist_without_a_path_uses_the_mirror_option_and_published_hashes(server, tmp_path):
    served, url, _ = server
    write_fake_mnist(served)  # not the published files: their SHA-256 differs
    with pytest.raises(DataError, match="not the published"):
        mnist(cache_dir=str(tmp_path / "cache"), mirror=url)
    assert not (tmp_path / "cache" / "mnist").exists() or not any((tmp_path / "cache" / "mnist").iterdir())


def test_published_hashes_are_sha256_of_four_files_each():
    for source in download.SOURCES.values():
        assert sorted(source["files"]) == sorted(NAMES)
        assert all(len(h) == 64 and set(h) <= set("0123456789abcdef") for h in source["files"].values())
