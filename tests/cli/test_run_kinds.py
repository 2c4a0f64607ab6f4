"""Commands on a run of another kind, or a damaged one: one line that names the kind and what to use instead.

Every run here is trained by the real ``dlx train`` in another process; every command
is run as a user runs it, and nothing may be left half-written.
"""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.cli.cli_process import assert_one_error_line, dlx, write


@pytest.fixture
def runs(every_kind_runs):
    """A supervised, a VAE, a character-LM and a Q-learning run (tests/cli/conftest.py: shared, read-only)."""
    return every_kind_runs


@pytest.fixture
def copy_of(runs, tmp_path):
    """A fresh copy of one of the runs, to damage."""
    return lambda kind: shutil.copytree(runs[kind], tmp_path / kind)


def unchanged(run: Path, before: list[str]) -> None:
    assert sorted(p.name for p in run.iterdir()) == before, "the command wrote into the run folder"


@pytest.mark.parametrize("kind,command,fragments", [
    ("char_lm", ("explain", "{run}", "-m", "saliency", "-i", "0"),
     ("character language-model run", "explain works on classification and regression", "dlx sample")),
    ("vae", ("explain", "{run}", "-m", "saliency", "-i", "0"), ("generative (VAE) run", "no explainer applies",
                                                               "use dlx sample")),
    ("rl", ("explain", "{run}", "-m", "lime", "-i", "0"), ("reinforcement-learning run", "no explainer applies",
                                                          "binary/multiclass/regression models", "use dlx play")),
    ("vae", ("evaluate", "{run}"), ("generative (VAE) run", "use dlx sample")),
    ("vae", ("predict", "{run}", "{input}"), ("generative (VAE) run", "use dlx sample")),
    ("rl", ("evaluate", "{run}"), ("reinforcement-learning run", "use dlx play")),
    ("rl", ("sample", "{run}"), ("reinforcement-learning run", "use dlx play")),
])
def test_a_command_on_a_run_of_another_kind_says_what_it_is(runs, tmp_path, kind, command, fragments):
    run, rows = runs[kind], write(tmp_path, "a,b\n1,2\n", "rows.csv")
    before = sorted(p.name for p in run.iterdir())
    result = dlx(*(a.format(run=run, input=rows) for a in command), cwd=tmp_path)
    line = assert_one_error_line(result, *fragments)
    assert "not a dlx checkpoint" not in line
    unchanged(run, before)


def test_a_report_on_a_folder_that_is_not_a_run_writes_nothing(tmp_path):
    (tmp_path / "notes").mkdir()
    assert_one_error_line(dlx("explain", tmp_path / "notes", "--report", cwd=tmp_path), "not a dlx run folder")
    assert not list((tmp_path / "notes").iterdir())


def test_play_after_the_config_was_edited_to_another_map(copy_of, tmp_path):
    """A run from before model.json (only checkpoints/agent.npz) reads its environment from config.yaml."""
    run = copy_of("rl")
    (run / "model.json").unlink(), (run / "model.npz").unlink()
    config = run / "config.yaml"
    config.write_text(config.read_text().replace("4x4", "8x8"))
    before = sorted(p.name for p in run.iterdir())
    assert_one_error_line(dlx("play", run, "-n", "2", cwd=tmp_path), "'q' has shape (16, 4)", "(64, 4)",
                          "config.yaml edited")
    unchanged(run, before)


def truncate(path: Path) -> None:
    path.write_bytes(path.read_bytes()[:500])


@pytest.mark.parametrize("kind,damage,command,fragments", [
    ("vae", lambda run: truncate(run / "model.npz"), ("sample", "{run}"), ("model.npz", "truncated")),
    ("rl", lambda run: truncate(run / "model.npz"), ("play", "{run}"), ("model.npz", "truncated")),
    ("vae", lambda run: (run / "model.json").write_text("{not json"), ("sample", "{run}"),
     ("model.json", "not valid JSON")),
    ("char_lm", lambda run: (run / "model.json").write_text("{not json"), ("sample", "{run}"),
     ("model.json", "not valid JSON")),
    ("vae", lambda run: (run / "model.json").write_text("[1, 2]"), ("sample", "{run}"),
     ("model.json", "holds a JSON list")),
    ("char_lm", lambda run: (run / "model.json").write_text("[1, 2]"), ("sample", "{run}"),
     ("model.json", "holds a JSON list")),
])
def test_a_damaged_run_file_is_named_in_one_line(copy_of, tmp_path, kind, damage, command, fragments):
    run = copy_of(kind)
    damage(run)
    before = sorted(p.name for p in run.iterdir())
    assert_one_error_line(dlx(*(a.format(run=run) for a in command), cwd=tmp_path), *fragments)
    unchanged(run, before)
