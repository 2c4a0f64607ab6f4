"""The provenance record: a git that hangs or is missing never fails a run."""
import subprocess

import pytest

from dlx.runs import provenance as module


@pytest.fixture
def fresh_git_state():
    module.git_state.cache_clear()
    yield
    module.git_state.cache_clear()


@pytest.mark.parametrize("failure", [subprocess.TimeoutExpired("git", 5.0), FileNotFoundError("git")])
def test_a_git_that_hangs_or_is_missing_gives_none(monkeypatch, fresh_git_state, failure):
    def broken(*args, **kwargs):
        raise failure

    monkeypatch.setattr(module.subprocess, "run", broken)
    assert module.git_state() == {"commit": None, "dirty": None}
    assert module.provenance({})["git"] == {"commit": None, "dirty": None}


def test_the_data_files_are_listed_by_path():
    record = module.provenance({"/b.csv": "2" * 64, "/a.csv": "1" * 64})
    assert list(record["data"]) == ["/a.csv", "/b.csv"]
