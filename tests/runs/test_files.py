"""Atomic writes: the content arrives whole, or the old content stays."""
from __future__ import annotations

import json
import os

import numpy as np
import pytest

from dlx.runs import files
from dlx.runs.files import (
    atomic_save_npz,
    atomic_write,
    atomic_write_bytes,
    atomic_write_json,
    atomic_write_text,
    to_jsonable,
)


def temp_files(folder):
    return [path.name for path in folder.iterdir() if path.name.startswith(".") and path.name.endswith(".tmp")]


def test_text_and_bytes_are_written_without_temp_files(tmp_path):
    atomic_write_text(tmp_path / "a.txt", "héllo\nworld\n")
    atomic_write_bytes(tmp_path / "b.bin", b"\x00\x01\x02")
    assert (tmp_path / "a.txt").read_text(encoding="utf-8") == "héllo\nworld\n"
    assert (tmp_path / "b.bin").read_bytes() == b"\x00\x01\x02"
    assert temp_files(tmp_path) == []


def test_overwrite_replaces_content(tmp_path):
    target = tmp_path / "a.txt"
    atomic_write_text(target, "old")
    atomic_write_text(target, "new")
    assert target.read_text() == "new"


def test_json_converts_numpy_values_and_keeps_key_order(tmp_path):
    obj = {"z": np.float32(0.5), "a": np.int64(3), "m": np.eye(2, dtype=int), "t": (1, 2), "b": np.bool_(True)}
    atomic_write_json(tmp_path / "s.json", obj)
    text = (tmp_path / "s.json").read_text()
    assert json.loads(text) == {"z": 0.5, "a": 3, "m": [[1, 0], [0, 1]], "t": [1, 2], "b": True}
    assert list(json.loads(text)) == ["z", "a", "m", "t", "b"]
    assert text.startswith('{\n  "z"')  # indent 2


def test_to_jsonable_refuses_unknown_objects():
    with pytest.raises(TypeError, match="cannot write a object as JSON"):
        to_jsonable({"x": object()})


def test_failed_replace_keeps_old_content_and_removes_temp(tmp_path, monkeypatch):
    target = tmp_path / "a.txt"
    target.write_text("old")

    def failing_replace(source, destination):
        raise OSError("disk on fire")

    monkeypatch.setattr(files.os, "replace", failing_replace)
    with pytest.raises(OSError, match="disk on fire"):
        atomic_write_text(target, "new")
    assert target.read_text() == "old"
    assert temp_files(tmp_path) == []


def test_failing_writer_keeps_old_content_and_removes_temp(tmp_path):
    target = tmp_path / "a.bin"
    target.write_bytes(b"old")

    def half_then_fail(file):
        file.write(b"half")
        raise RuntimeError("killed")

    with pytest.raises(RuntimeError):
        atomic_write(target, half_then_fail)
    assert target.read_bytes() == b"old"
    assert temp_files(tmp_path) == []


def test_npz_round_trip_with_awkward_names(tmp_path):
    arrays = {
        "layers.0.weight": np.arange(6, dtype=np.float32).reshape(2, 3),
        "file": np.array([1, 2], dtype=np.int64),  # would clash with np.savez's argument
        "allow_pickle": np.array(3.5),
        "block/inner": np.zeros((0, 4)),
    }
    atomic_save_npz(tmp_path / "w.npz", arrays)
    with np.load(tmp_path / "w.npz", allow_pickle=False) as loaded:
        assert sorted(loaded.files) == sorted(arrays)
        for name, array in arrays.items():
            np.testing.assert_array_equal(loaded[name], array)
            assert loaded[name].dtype == array.dtype
    assert temp_files(tmp_path) == []


def test_npz_refuses_object_array_and_keeps_old_file(tmp_path):
    target = tmp_path / "w.npz"
    atomic_save_npz(target, {"a": np.ones(2)})
    before = target.read_bytes()
    with pytest.raises(ValueError):
        atomic_save_npz(target, {"a": np.array([{"x": 1}], dtype=object)})
    assert target.read_bytes() == before
    assert temp_files(tmp_path) == []


def test_new_file_permissions_follow_umask(tmp_path):
    old = os.umask(0o022)
    try:
        atomic_write_text(tmp_path / "p.txt", "x")
    finally:
        os.umask(old)
    assert (tmp_path / "p.txt").stat().st_mode & 0o777 == 0o644
