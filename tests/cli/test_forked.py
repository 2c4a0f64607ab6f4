"""The suite's forked ``dlx`` processes (``forked.py``) behave as plain ones: same output, fresh dlx, own process."""
import json
import os
import subprocess
import sys

import pytest

from tests.cli import forked
from tests.cli.cli_process import ROOT, XOR, write

PLAIN = dict(os.environ, DLX_TEST_PROCESSES="plain")
STATE = ("import json, os, sys; print(json.dumps({'argv': sys.argv, 'path0': sys.path[0], 'cwd': os.getcwd(), "
         "'name': __name__, 'dlx': sorted(m for m in sys.modules if m.split('.')[0] == 'dlx'), "
         "'answer': os.environ.get('DLX_ANSWER'), 'parent': os.getppid()}))")


@pytest.fixture(autouse=True)
def server_on(monkeypatch):
    """These tests are about the server: they use it even in a suite run with DLX_TEST_PROCESSES=plain."""
    monkeypatch.delenv("DLX_TEST_PROCESSES", raising=False)


def both(args, code=None, **kwargs):
    """The same command forked from the server and as a plain process."""
    entry = ["-m", "dlx.cli.app"] if code is None else ["-c", code]
    plain = subprocess.run([sys.executable, *entry, *map(str, args)], capture_output=True, text=True, **kwargs)
    return forked.run(args, code=code, **kwargs), plain


def test_a_forked_child_starts_without_dlx_in_its_own_folder_arguments_and_environment(tmp_path):
    child, plain = both(["a", "b c"], code=STATE, cwd=tmp_path, env=dict(os.environ, DLX_ANSWER="42"))
    assert child.returncode == plain.returncode == 0, child.stderr + plain.stderr
    seen, expected = json.loads(child.stdout), json.loads(plain.stdout)
    assert seen["dlx"] == [] == expected["dlx"]  # nothing of dlx was loaded before the child's own imports
    assert seen["parent"] != os.getpid() == expected["parent"]  # forked from the server, not started here
    del seen["parent"], expected["parent"]
    assert seen == expected == {"argv": ["-c", "a", "b c"], "path0": "", "cwd": str(tmp_path), "name": "__main__",
                                "dlx": [], "answer": "42"}


@pytest.mark.parametrize("args", [["--version"], ["--help"], ["config", "show", "missing.yaml"], ["nonsense"]])
def test_the_command_line_prints_and_exits_the_same_forked_or_plain(args, tmp_path):
    child, plain = both(args, cwd=tmp_path, env=dict(os.environ, PYTHONPATH=str(ROOT)))
    assert (child.returncode, child.stdout, child.stderr) == (plain.returncode, plain.stdout, plain.stderr)


def test_a_training_run_forked_gives_the_numbers_of_a_plain_one(tmp_path):
    config = write(tmp_path, XOR.replace("epochs: 3", "epochs: 3, seed: 5"))
    finals = []
    for env in (dict(os.environ, PYTHONPATH=str(ROOT)), dict(PLAIN, PYTHONPATH=str(ROOT))):
        results = tmp_path / f"results-{len(finals)}"
        done = forked.run(["train", config, "--results", results], cwd=tmp_path, env=env)
        assert done.returncode == 0, done.stderr
        run = next(results.rglob("metrics.jsonl")).parent
        finals.append([json.loads(row) for row in (run / "metrics.jsonl").read_text().splitlines()])
    strip = lambda rows: [{k: v for k, v in row.items() if "time" not in k and "second" not in k} for row in rows]
    assert strip(finals[0]) == strip(finals[1]) and len(finals[0]) == 3


def test_a_different_interpreter_setting_or_a_plain_request_gets_a_plain_process(tmp_path):
    for env in (dict(os.environ, OPENBLAS_NUM_THREADS="2"), dict(os.environ, PYTHONHASHSEED="3"), PLAIN):
        done = forked.run([], code=STATE, cwd=tmp_path, env=env)
        assert json.loads(done.stdout)["parent"] == os.getpid(), env


def test_standard_input_exit_codes_and_timeouts_behave_as_subprocess_run(tmp_path):
    echoed = forked.run([], code="import sys; print(sys.stdin.read().upper()); sys.exit(3)", input="rows\n" * 20000)
    assert echoed.returncode == 3 and echoed.stdout == "ROWS\n" * 20000 + "\n"
    crashed = forked.run([], code="raise ValueError('boom')")
    assert crashed.returncode == 1 and crashed.stderr.rstrip().endswith("ValueError: boom")
    with pytest.raises(subprocess.TimeoutExpired):
        forked.run([], code="import time; time.sleep(60)", timeout=1)
    assert forked.run([], code="print('after')").stdout == "after\n"  # the server goes on
