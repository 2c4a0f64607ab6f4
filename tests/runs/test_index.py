"""The results index: built from folders, kept current by what changes, never an error when damaged."""
import json
import os
import shutil
from pathlib import Path

from dlx.runs.index import INDEX_NAME, locate, note_folder, sync
from dlx.runs.session import RunSession


def make_run(results: Path, name: str, stamp: str, status: str = "finished", accuracy: float = 0.9) -> Path:
    folder = results / name / stamp
    folder.mkdir(parents=True)
    (folder / "config.yaml").write_text(f"optimiser: {{name: adam, lr: {accuracy / 10}}}\n")
    (folder / "summary.json").write_text(json.dumps({"status": status, "epochs_completed": 3,
                                                     "final": {"val_accuracy": accuracy}, "test": {"accuracy": 0.8}}))
    return folder


def test_records_come_from_the_folders_and_changes_are_picked_up(tmp_path):
    first = make_run(tmp_path, "a", "20261201-101500-aaaaaa")
    make_run(tmp_path, "b", "20261201-101600-bbbbbb", status="failed")
    records, warnings = sync(tmp_path)
    assert warnings == [] and (tmp_path / INDEX_NAME).is_file()
    by_name = {r["name"]: r for r in records}
    assert by_name["a"]["metrics"] == {"val_accuracy": 0.9, "test_accuracy": 0.8}
    assert by_name["a"]["config"]["optimiser.lr"] == 0.09 and by_name["b"]["status"] == "failed"
    summary = json.loads((first / "summary.json").read_text())
    (first / "summary.json").write_text(json.dumps({**summary, "status": "diverged"}) + "   ")  # another size
    assert {r["name"]: r["status"] for r in sync(tmp_path)[0]}["a"] == "diverged"


def test_a_folder_deleted_by_hand_gives_one_warning_once(tmp_path):
    make_run(tmp_path, "a", "20261201-101500-aaaaaa")
    gone = make_run(tmp_path, "b", "20261201-101600-bbbbbb")
    sync(tmp_path)
    shutil.rmtree(gone)
    records, warnings = sync(tmp_path)
    assert [r["name"] for r in records] == ["a"]
    assert len(warnings) == 1 and "b/20261201-101600-bbbbbb" in warnings[0] and "deleted by hand" in warnings[0]
    assert sync(tmp_path)[1] == []


def test_a_corrupt_summary_is_listed_as_unreadable_with_one_warning(tmp_path):
    make_run(tmp_path, "a", "20261201-101500-aaaaaa")
    broken = make_run(tmp_path, "b", "20261201-101600-bbbbbb")
    (broken / "summary.json").write_text('{"status": "fini')
    records, warnings = sync(tmp_path)
    assert {r["name"]: r["status"] for r in records} == {"a": "finished", "b": "unreadable"}
    assert len(warnings) == 1 and "summary.json" in warnings[0] and "unreadable" in warnings[0]


def test_a_corrupt_or_foreign_index_file_is_rebuilt(tmp_path):
    make_run(tmp_path, "a", "20261201-101500-aaaaaa")
    (tmp_path / INDEX_NAME).write_bytes(b"this is not a database" * 100)
    records, warnings = sync(tmp_path)
    assert [r["name"] for r in records] == ["a"] and len(warnings) == 1 and "rebuilt" in warnings[0]
    assert sync(tmp_path) == (records, [])


def test_an_unwritable_results_folder_is_indexed_in_memory(tmp_path):
    make_run(tmp_path, "a", "20261201-101500-aaaaaa")
    os.chmod(tmp_path, 0o555)
    try:
        if os.access(tmp_path, os.W_OK):  # root writes anyway: nothing to check
            return
        assert [r["name"] for r in sync(tmp_path)[0]] == ["a"]
    finally:
        os.chmod(tmp_path, 0o755)


def test_a_session_records_its_end_in_the_index(tmp_path):
    with RunSession.create(tmp_path, "xor", "training: {epochs: 1}\n") as session:
        session.record({"epoch": 1, "train_loss": 0.5})
        session.finish("finished", {"epochs_completed": 1, "final": {"train_loss": 0.5}})
    assert locate(session.run_dir) == (tmp_path.resolve(), "run")
    import sqlite3
    rows = sqlite3.connect(tmp_path / INDEX_NAME).execute("SELECT path, status FROM runs").fetchall()
    assert rows == [(session.run_dir.relative_to(tmp_path).as_posix(), "finished")]


def test_sweeps_and_trials_are_placed_and_nothing_else_is(tmp_path):
    trial = tmp_path / "sweeps" / "lr" / "20261201-101500-aaaaaa" / "trials" / "lr=0.1_seed=0_abc"
    trial.mkdir(parents=True)
    assert locate(trial) == (tmp_path.resolve(), "trial")
    assert locate(trial.parents[1]) == (tmp_path.resolve(), "sweep")
    assert locate(tmp_path / "elsewhere") is None
    note_folder(tmp_path / "elsewhere")  # silent
