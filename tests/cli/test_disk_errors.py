"""A full disk during training and a read-only run folder: one line that says what to do, never a traceback.

The disk is a real tmpfs of a few kilobytes (tests/cli/mounts.py), so ENOSPC and EROFS
come from the kernel. Where user namespaces are not allowed, those tests are skipped and
the file-size limit test (RLIMIT_FSIZE: the kernel refuses the write with EFBIG, the
same failure of a write half-way through a checkpoint) still runs.
"""
from __future__ import annotations

import json
import os
import resource
import subprocess
import sys

import pytest

from tests.cli.cli_process import ROOT, XOR, assert_one_error_line, write
from tests.cli.mounts import dlx_on_small_disk, needs_mount

WIDE = XOR.replace("{dense: {units: 8}}", "{dense: {units: 256}}, tanh, {dense: {units: 256}}")  # 270 kB of state


def assert_failed_cleanly(results, *fragments):
    """One run folder, marked failed, with no temporary file left behind."""
    (run,) = [p for p in results.glob("*/*") if p.is_dir()]
    assert json.loads((run / "summary.json").read_text())["status"] == "failed"
    assert not [p.name for p in run.rglob(".*.tmp")], "a temporary file was left behind"
    for fragment in fragments:
        assert fragment in json.loads((run / "summary.json").read_text())["message"]


def error_line(result) -> str:
    """The one error line of a training run (the epoch lines before it are its progress)."""
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stderr, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    return lines[0]


@needs_mount
def test_a_full_disk_during_training_is_one_line_and_a_failed_run(tmp_path):
    config = write(tmp_path, WIDE)
    result = dlx_on_small_disk("train", config, "--results", tmp_path / "disk" / "results", disk=tmp_path / "disk",
                               after=tmp_path / "after", size="128k", cwd=tmp_path)
    line = error_line(result)
    assert "No space left on device" in line and "free disk space" in line and ".npz" in line, line
    assert_failed_cleanly(tmp_path / "after" / "results", "No space left on device")


def test_a_write_the_kernel_refuses_half_way_is_one_line(tmp_path):
    config = write(tmp_path, WIDE)

    def limit_file_size():  # Python ignores SIGXFSZ: the write fails with EFBIG instead of killing it
        resource.setrlimit(resource.RLIMIT_FSIZE, (100_000, 100_000))

    result = subprocess.run([sys.executable, "-m", "dlx.cli.app", "train", config, "--results", tmp_path / "results"],
                            cwd=tmp_path, capture_output=True, text=True, timeout=120, preexec_fn=limit_file_size,
                            env=dict(os.environ, PYTHONPATH=str(ROOT), DLX_CACHE_DIR=str(tmp_path / "cache")))
    line = error_line(result)
    assert "File too large" in line and ".npz" in line and "--results" in line, line
    assert_failed_cleanly(tmp_path / "results", "File too large")


@pytest.fixture
def runs(every_kind_runs):
    """A supervised, a VAE, a character-LM and a Q-learning run (tests/cli/conftest.py: shared, read-only)."""
    return every_kind_runs


@needs_mount
@pytest.mark.parametrize("kind,args", [
    ("supervised", ("explain", "{run}", "-m", "saliency", "-i", "0")),
    ("supervised", ("explain", "{run}", "--report")),
    ("rl", ("play", "{run}", "-n", "2")),
    ("vae", ("sample", "{run}", "--n", "4")),
])
def test_a_read_only_run_folder_is_one_line(runs, tmp_path, kind, args):
    run = runs[kind]
    on_disk = tmp_path / "disk" / run.name
    args = [a.format(run=on_disk) for a in args]
    result = dlx_on_small_disk(*args, disk=tmp_path / "disk", after=tmp_path / "after", size="8m",
                               copy=run.parent, read_only=True, cwd=tmp_path)
    assert_one_error_line(result, "Read-only file system", str(on_disk), "somewhere writable")
    assert sorted(p.name for p in (tmp_path / "after" / run.name).iterdir()) == sorted(p.name for p in run.iterdir())


@needs_mount
def test_a_full_disk_while_writing_an_explanation_leaves_no_half_written_folder(runs, tmp_path):
    run = runs["supervised"]
    on_disk = tmp_path / "disk" / run.name
    result = dlx_on_small_disk("explain", on_disk, "-m", "saliency", "-i", "0", disk=tmp_path / "disk",
                               after=tmp_path / "after", size="8m", copy=run.parent, full=True, cwd=tmp_path)
    assert_one_error_line(result, "No space left on device", "free disk space")
    left = tmp_path / "after" / run.name / "children"
    assert not (left.is_dir() and list(left.iterdir())), "a half-written explanation folder was left behind"
