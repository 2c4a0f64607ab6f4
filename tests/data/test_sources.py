"""Data files noted by the loaders, with their SHA-256, inside ``data_files_read`` only."""
import hashlib

from dlx.data.files import csv
from dlx.data.sources import data_files_read, file_sha256, note_data_file


def test_the_files_a_loader_reads_are_collected_with_their_sha256(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("x,y\n1,0\n2,1\n3,0\n4,1\n")
    with data_files_read() as outer:
        with data_files_read() as inner:
            csv(path=str(path), target="y")
        note_data_file(None)  # a loader that found no file
    assert inner == outer == {str(path.resolve()): hashlib.sha256(path.read_bytes()).hexdigest()}


def test_noting_outside_a_collection_reads_nothing(tmp_path):
    note_data_file(tmp_path / "missing.csv")  # no collection open: not even looked at
    with data_files_read() as files:
        pass
    assert files == {}


def test_a_changed_file_is_hashed_again(tmp_path):
    path = tmp_path / "d.bin"
    path.write_bytes(b"a")
    first = file_sha256(path)
    path.write_bytes(b"bb")
    assert file_sha256(path) == hashlib.sha256(b"bb").hexdigest() != first
