"""Checkpoints: round trip, and every invalid file refused with a one-line error."""
from __future__ import annotations

import json
import zipfile

import numpy as np
import pytest

from dlx.errors import CheckpointError
from dlx.runs.checkpoint import RECORD_KEY, load_checkpoint, save_checkpoint


def record(obj) -> np.ndarray:
    return np.frombuffer(json.dumps(obj).encode("utf-8"), dtype=np.uint8)


VALID_RECORD = {"format": "dlx-checkpoint", "version": 1, "meta": {}}


def assert_refused(path, match):
    with pytest.raises(CheckpointError) as caught:
        load_checkpoint(path)
    message = str(caught.value)
    assert path.name in message and "\n" not in message
    assert match in message, message
    return message


def test_round_trip_keeps_dtypes_names_and_meta(tmp_path, rng):
    arrays = {
        "layers.0.weight": rng.standard_normal((3, 4)).astype(np.float32),
        "layers.0.bias": np.zeros(4, dtype=np.float64),
        "steps": np.array([1, 2, 3], dtype=np.int64),
        "optimiser.state.m/layers.0.weight": rng.standard_normal((3, 4)).astype(np.float32),
        "scalar": np.array(7, dtype=np.int32),
    }
    meta = {"model": {"name": "mlp", "hidden": [4]}, "epoch": np.int64(3), "val_loss": np.float32(0.25)}
    path = save_checkpoint(tmp_path / "model.npz", arrays, meta)
    loaded, loaded_meta = load_checkpoint(path)
    assert set(loaded) == set(arrays)
    for name, array in arrays.items():
        assert loaded[name].dtype == array.dtype and loaded[name].shape == array.shape
        np.testing.assert_array_equal(loaded[name], array)
    assert loaded_meta == {"model": {"name": "mlp", "hidden": [4]}, "epoch": 3, "val_loss": 0.25}
    assert [p.name for p in tmp_path.iterdir()] == ["model.npz"]


def test_loaded_arrays_outlive_the_file(tmp_path):
    path = save_checkpoint(tmp_path / "m.npz", {"w": np.ones(3)}, {})
    arrays, _ = load_checkpoint(path)
    path.unlink()  # everything was read eagerly and the file closed
    np.testing.assert_array_equal(arrays["w"], np.ones(3))


def test_save_refuses_reserved_name_and_object_arrays(tmp_path):
    with pytest.raises(CheckpointError, match="reserved"):
        save_checkpoint(tmp_path / "m.npz", {RECORD_KEY: np.ones(1)}, {})
    with pytest.raises(CheckpointError, match="dtype object"):
        save_checkpoint(tmp_path / "m.npz", {"w": np.array([None])}, {})
    assert list(tmp_path.iterdir()) == []


def test_missing_file(tmp_path):
    assert_refused(tmp_path / "absent.npz", "does not exist")


def test_folder(tmp_path):
    (tmp_path / "folder.npz").mkdir()
    assert_refused(tmp_path / "folder.npz", "is a folder")


def test_text_file(tmp_path):
    path = tmp_path / "notes.npz"
    path.write_text("hello, I am not an archive\n")
    assert_refused(path, "is not an .npz file")


def test_truncated_file(tmp_path):
    path = save_checkpoint(tmp_path / "model.npz", {"w": np.ones((50, 50))}, {"epoch": 1})
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    assert_refused(path, "not an .npz file")


def test_plain_npz_without_record(tmp_path):
    path = tmp_path / "x.npz"
    np.savez(path, w=np.ones(2))
    message = assert_refused(path, "is not a dlx checkpoint (no __dlx__ record)")
    assert message.endswith("give the model.npz of a dlx run")


@pytest.mark.parametrize(
    ("payload", "match"),
    [
        (np.frombuffer(b"{not json", dtype=np.uint8), "unreadable __dlx__ record"),
        (np.frombuffer(b"\xff\xfe", dtype=np.uint8), "unreadable __dlx__ record"),
        (np.array([1.0, 2.0]), "malformed __dlx__ record"),
        (record({"format": "torch", "version": 1, "meta": {}}), "unknown format 'torch'"),
        (record([1, 2]), "unknown format"),
        (record({**VALID_RECORD, "version": 2}), "version 2"),
        (record({**VALID_RECORD, "meta": [1]}), "without a meta object"),
    ],
)
def test_bad_records(tmp_path, payload, match):
    path = tmp_path / "bad.npz"
    np.savez(path, w=np.ones(2), **{RECORD_KEY: payload})
    assert_refused(path, match)


class WritesMarker:
    """Unpickling this object would create ``marker`` (via builtins.open)."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return (open, (self.marker, "w"))


def test_pickle_bearing_npz_is_refused_and_never_executed(tmp_path):
    marker = tmp_path / "pwned"
    path = tmp_path / "evil.npz"
    evil = np.empty(1, dtype=object)
    evil[0] = WritesMarker(marker)
    np.savez(path, **{RECORD_KEY: record(VALID_RECORD)}, w=evil, allow_pickle=True)
    assert not marker.exists()

    assert_refused(path, "object array that would need pickle")
    assert not marker.exists()

    # the payload is live: loading with pickle enabled would have run it
    with np.load(path, allow_pickle=True) as archive:
        archive["w"]
    assert marker.exists()


def test_damaged_member_is_refused(tmp_path):
    path = tmp_path / "damaged.npz"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(f"{RECORD_KEY}.npy", b"garbage that is not an npy header")
    assert_refused(path, "damaged")


def test_corrupted_bytes_inside_a_valid_zip_are_refused(tmp_path):
    path = save_checkpoint(tmp_path / "model.npz", {"w": np.arange(1000, dtype=np.float64)}, {})
    data = bytearray(path.read_bytes())
    middle = len(data) // 2
    data[middle:middle + 8] = b"\xff" * 8  # inside w's array data: the CRC no longer matches
    path.write_bytes(bytes(data))
    assert_refused(path, "damaged")
