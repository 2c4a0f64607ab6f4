"""Sizes that would exhaust memory or never end (issue 29): refused in one line before any work,
or streamed. The real ``dlx`` runs in a fresh process on runs another process trained; the
memory of the refused cases is capped, so the unfixed code fails with MemoryError instead of
swapping the machine.
"""
import os
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from dlx.runs.children import children_of
from tests.cli.cli_process import ROOT, assert_one_error_line, dlx, output_of, start
from tests.cli.trained_runs import copies

CAP = 3 * 2**30  # bytes of address space for the refused cases (the limit they are checked against: 4 GiB)


@pytest.fixture(scope="module")
def runs(every_kind_runs, tmp_path_factory) -> dict[str, Path]:
    """Small runs of every kind (tests/cli/conftest.py); ``play --episodes 1000`` below writes into the RL run,
    so this module works on its own copies."""
    return copies(every_kind_runs, tmp_path_factory.mktemp("runs"))


def test_a_billion_episodes_of_play_are_refused_before_any_work(runs, tmp_path):
    before = children_of(runs["rl"])
    result = dlx("play", runs["rl"], "--episodes", 10**9, cwd=tmp_path, address_space=CAP)
    assert_one_error_line(result, "--episodes 1000000000 needs about", "DLX_MEMORY_LIMIT")
    assert children_of(runs["rl"]) == before


def test_a_hundred_million_samples_are_refused_before_any_work(runs, tmp_path):
    result = dlx("sample", runs["vae"], "--n", 10**8, cwd=tmp_path, address_space=CAP)
    assert_one_error_line(result, "--n 100000000 needs about", "DLX_MEMORY_LIMIT")
    assert not children_of(runs["vae"])


def test_the_limit_comes_from_dlx_memory_limit(runs, tmp_path):
    result = dlx("play", runs["rl"], "--episodes", 10**5, cwd=tmp_path, env={"DLX_MEMORY_LIMIT": "1MiB"})
    assert_one_error_line(result, "--episodes 100000 needs about", "more than the limit of 1.0 MiB")
    result = dlx("play", runs["rl"], "--episodes", 1000, cwd=tmp_path)
    assert result.returncode == 0, output_of(result)


@pytest.mark.skipif(os.name != "posix", reason="sends SIGTERM")
def test_a_billion_characters_of_text_stream_and_stop_cleanly(runs, tmp_path):
    process = start(tmp_path, "sample", runs["char_lm"], "--length", 10**9)
    text, deadline = "", time.monotonic() + 120  # a guard against a hang, not a timing assertion
    while len(text) < 200:  # the unfixed command prints nothing until it has drawn every character
        assert time.monotonic() < deadline and process.poll() is None, f"no text streamed: {text!r}"
        if select.select([process.stdout], [], [], 1.0)[0]:
            text += os.read(process.stdout.fileno(), 4096).decode("utf-8", "replace")
    process.send_signal(signal.SIGTERM)
    rest = process.communicate(timeout=120)[0]
    assert process.returncode == 130, rest
    assert "Traceback" not in rest


@pytest.mark.parametrize("option", ["steps=0", "steps=-3", "max_steps=0"])
def test_integrated_gradients_with_no_steps_is_one_line(runs, tmp_path, option):
    result = dlx("explain", runs["supervised"], "-m", "integrated_gradients", "--split", "train", "-i", 0,
                 "-o", option, cwd=tmp_path, timeout=120)  # the unfixed loop doubles 0 steps forever
    assert_one_error_line(result, "integrated_gradients", f"--option {option}", "at least 1")
    assert not children_of(runs["supervised"])


def test_text_piped_into_a_reader_that_stops_ends_quietly(runs, tmp_path):
    reader = f"{sys.executable} -c \"import sys; sys.stdout.write(sys.stdin.read(100))\""  # as `| head -c 100`
    command = f"{sys.executable} -m dlx.cli.app sample {runs['char_lm']} --length 1000000000 | {reader}"
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    result = subprocess.run(["bash", "-o", "pipefail", "-c", command], cwd=tmp_path, env=env, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0 and len(result.stdout) == 100, result.stderr
    assert "Traceback" not in result.stderr, result.stderr
