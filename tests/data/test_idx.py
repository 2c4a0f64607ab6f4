"""The IDX reader and the MNIST / Fashion-MNIST loaders on tiny files written by the tests."""
import gzip
import tracemalloc

import numpy as np
import pytest

from dlx.data import read_idx
from dlx.errors import ConfigError, DataError
from dlx.registry import datasets
from tests.data.conftest import write_idx, write_idx_folder

mnist = datasets.get("mnist")


@pytest.mark.parametrize("gz", [False, True])
def test_read_idx_round_trip(tmp_path, gz):
    images = np.random.default_rng(0).integers(0, 256, (3, 5, 4))
    path = write_idx(tmp_path / "images-idx3-ubyte", images, gz)
    np.testing.assert_array_equal(read_idx(path, 0x00000803), images)


def test_mnist_concatenates_train_then_test_and_scales_pixels(idx_folder):
    ds = mnist(path=str(idx_folder))
    train = read_idx(idx_folder / "train-images-idx3-ubyte")
    assert ds.X.shape == (20, 1, 28, 28) and ds.X.dtype == np.float32
    np.testing.assert_allclose(ds.X[:12, 0], train / 255.0, rtol=1e-6)
    assert ds.y.tolist() == list(np.arange(12) % 10) + list(np.arange(8) % 10)
    assert len(mnist(path=str(idx_folder), subset="train")) == 12
    assert len(mnist(path=str(idx_folder), subset="test", limit=3)) == 3


def test_mnist_uses_whichever_split_exists(tmp_path):
    folder = write_idx_folder(tmp_path / "only_test", n_train=0, n_test=5)
    assert len(mnist(path=str(folder))) == 5
    with pytest.raises(DataError, match="train-images-idx3-ubyte"):
        mnist(path=str(folder), subset="train")


def test_no_files_names_the_folder_and_expected_names(tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(DataError, match=r"no mnist files in '.*empty'; expected train-images-idx3-ubyte"):
        mnist(path=str(tmp_path / "empty"))
    with pytest.raises(DataError, match="folder '.*' not found; check dataset.path"):
        mnist(path=str(tmp_path / "absent"))


def test_swapped_or_foreign_files_are_rejected_by_magic(tmp_path):
    folder = tmp_path / "swapped"
    folder.mkdir()
    write_idx(folder / "train-images-idx3-ubyte", np.zeros(4))          # labels written as images
    write_idx(folder / "train-labels-idx1-ubyte", np.zeros(4))
    with pytest.raises(DataError, match=r"magic number 0x00000801, expected 0x00000803"):
        mnist(path=str(folder))
    (folder / "train-images-idx3-ubyte").write_bytes(b"PK\x03\x04 not idx")
    with pytest.raises(DataError, match="not an IDX file"):
        mnist(path=str(folder))


def test_truncated_and_mismatched_files(tmp_path):
    folder = write_idx_folder(tmp_path / "cut", n_test=0)
    images = folder / "train-images-idx3-ubyte"
    images.write_bytes(images.read_bytes()[:-10])
    with pytest.raises(DataError, match="12x28x28 needs 9408"):
        mnist(path=str(folder))
    folder = write_idx_folder(tmp_path / "mismatch", n_test=0)
    write_idx(folder / "train-labels-idx1-ubyte", np.zeros(5))
    with pytest.raises(DataError, match="12 images but .* 5 labels"):
        mnist(path=str(folder))
    (folder / "bad.gz").write_bytes(b"not gzip at all")
    with pytest.raises(DataError, match="cannot read"):
        read_idx(folder / "bad.gz")


def test_half_a_split_is_an_error(tmp_path):
    folder = write_idx_folder(tmp_path / "half", n_test=0)
    (folder / "train-labels-idx1-ubyte").unlink()
    with pytest.raises(DataError, match="train-labels-idx1-ubyte.*missing"):
        mnist(path=str(folder))


def test_bad_options_are_config_errors(idx_folder):
    with pytest.raises(ConfigError, match="subset"):
        mnist(path=str(idx_folder), subset="validation")
    with pytest.raises(ConfigError, match="limit"):
        mnist(path=str(idx_folder), limit=0)


def test_a_gzip_bomb_is_refused_without_decompressing_it(tmp_path):
    """The header promises 10 bytes; the stream holds 32 MiB of zeros (compressed to ~32 kB)."""
    path = tmp_path / "bomb-idx1-ubyte.gz"
    with gzip.open(path, "wb") as handle:
        handle.write(bytes([0, 0, 8, 1]) + (10).to_bytes(4, "big") + bytes(32 * 2**20))
    tracemalloc.start()
    with pytest.raises(DataError, match="header 10 needs 10"):
        read_idx(path)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 2**20, f"read {peak} bytes: the stream was decompressed"


def test_a_header_whose_dimensions_overflow_int64_is_a_data_error(tmp_path):
    path = tmp_path / "huge-idx3-ubyte"
    path.write_bytes(bytes([0, 0, 0x0C, 3]) + b"".join(n.to_bytes(4, "big") for n in (2**31, 2**31, 4)))
    with pytest.raises(DataError, match="declares 2147483648x2147483648x4 values .* more than the limit"):
        read_idx(path)


def test_the_size_limit_can_be_raised(tmp_path):
    path = write_idx(tmp_path / "small-idx1-ubyte", np.arange(100))
    with pytest.raises(DataError, match="100 bytes.* more than the limit of 50"):
        read_idx(path, max_bytes=50)
    assert read_idx(path, max_bytes=100).shape == (100,)
