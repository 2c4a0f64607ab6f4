"""Running the real ``dlx`` command in a fresh process, as a user does, and checking what it leaves."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np

from tests.cli import forked

ROOT = Path(__file__).resolve().parents[2]

XOR = """\
description: xor for command-line tests
dataset: {name: xor, options: {repeat: 4}, validation: 0, test: 0}
model: {layers: [{dense: {units: 8}}, tanh, {dense: {units: outputs}}]}
loss: bce_with_logits
optimiser: {name: adam, lr: 0.05}
training: {epochs: 3, batch_size: full}
output: {plots: false}
"""


def dlx(*args, cwd: Path, env: dict | None = None, timeout: float = 120,
        address_space: int | None = None) -> subprocess.CompletedProcess:
    """``python -m dlx.cli.app ARGS`` in ``cwd``, importing this checkout's dlx; a hang fails the test.

    ``address_space`` (bytes) caps the process's memory, so a case that would try to
    allocate hundreds of GiB fails with MemoryError instead of swapping the machine (such a process
    starts plain, not forked: ``forked.run`` with a ``preexec_fn``).
    """
    environment = dict(os.environ, **(env or {}))
    environment["PYTHONPATH"] = os.pathsep.join([str(ROOT), environment.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    environment["DLX_CACHE_DIR"] = (env or {}).get("DLX_CACHE_DIR", str(cwd / "cache"))  # never the user's cache

    def cap_memory():
        import resource
        resource.setrlimit(resource.RLIMIT_AS, (address_space, address_space))

    return forked.run(args, cwd=cwd, env=environment, timeout=timeout,
                      preexec_fn=cap_memory if address_space is not None else None)


def interruptible_at_low_priority() -> None:
    """A child's start-up (``preexec_fn``) for the Ctrl-C tests: Ctrl-C back to its default and a low priority.

    A suite started in the background of a shell without job control (``pytest ... &`` in a script)
    inherits an ignored SIGINT, and Python keeps an ignored SIGINT ignored: the child would never see the
    test's Ctrl-C. At ``nice 10`` on a busy machine the test, waiting for a line, gets the processor before
    the child can finish the work left (the child's numbers do not change).
    """
    import signal
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    os.nice(10)


def output_of(result: subprocess.CompletedProcess) -> str:
    return (result.stdout + result.stderr).strip()


def assert_one_error_line(result: subprocess.CompletedProcess, *fragments: str) -> str:
    """Exit code 1, exactly one line ``error: ...`` holding every fragment, no traceback."""
    text = output_of(result)
    assert result.returncode == 1, text
    assert "Traceback" not in text, text
    lines = text.splitlines()
    assert len(lines) == 1, text
    assert lines[0].startswith("error: "), lines[0]
    for fragment in fragments:
        assert fragment in lines[0], f"{fragment!r} not in {lines[0]!r}"
    return lines[0]


def assert_no_run_folder(results: Path) -> None:
    leftovers = sorted(str(p.relative_to(results)) for p in results.rglob("*")) if results.exists() else []
    assert not leftovers, f"half-written run folder: {leftovers}"


def write(folder: Path, text: str, name: str = "exp.yaml") -> Path:
    path = folder / name
    path.write_text(text)
    return path


def train(folder: Path, config_text: str, *extra, name: str = "exp.yaml") -> Path:
    """Train in a subprocess; the run folder (asserting success)."""
    result = dlx("train", write(folder, config_text, name), "--results", folder / "results", *extra, cwd=folder)
    assert result.returncode == 0, output_of(result)
    return Path(result.stdout.strip().splitlines()[-1].removeprefix("run folder: "))


def rewrite_record(path: Path, edit) -> None:
    """Rewrite the JSON record of a dlx checkpoint with ``edit(meta)`` (bypassing save's checks)."""
    with np.load(path, allow_pickle=False) as archive:
        arrays = {name: archive[name] for name in archive.files}
    record = json.loads(arrays["__dlx__"].tobytes().decode("utf-8"))
    edit(record["meta"])
    arrays["__dlx__"] = np.frombuffer(json.dumps(record).encode("utf-8"), dtype=np.uint8)
    with open(path, "wb") as handle:
        np.savez(handle, **arrays)


def metric_table(output: str) -> dict[str, float]:
    """``metric -> value`` from the first value column of ``dlx evaluate``'s table."""
    values = {}
    for line in output.splitlines():
        cells = [c.strip() for c in line.strip("│┃ ").split("│")]
        if len(cells) >= 2:
            try:
                values[cells[0]] = float(cells[1])
            except ValueError:
                pass
    return values


def same_threads() -> dict:
    """This process's environment (its BLAS thread settings: sums split over other thread counts round
    differently, so bit-for-bit comparisons need the same) with this checkout's dlx first on the path."""
    return dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]).rstrip(os.pathsep))


SLOW_DIGITS = """\
description: slow enough to be interrupted or resumed while it runs
dataset: {name: digits, validation: 0.2, test: 0.2, scaling: standardize}
model: {layers: [{dense: {units: 64}}, relu, {dense: {units: outputs}}]}
optimiser: {name: adam, lr: 0.001}
training: {epochs: 200, batch_size: 8, seed: 1}
output: {plots: false}
"""


def start(cwd: Path, *args) -> subprocess.Popen:
    """``dlx ARGS`` started in the background in ``cwd`` (stdout and stderr together)."""
    env = dict(os.environ, PYTHONPATH=str(ROOT), DLX_CACHE_DIR=str(cwd / "cache"))
    return subprocess.Popen([sys.executable, "-m", "dlx.cli.app", *map(str, args)], cwd=cwd, env=env,
                            text=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)


def wait_for_rows(process: subprocess.Popen, folder: Path, rows: int = 1) -> None:
    """Until some ``metrics.jsonl`` under ``folder`` has ``rows`` rows (the process is at work)."""
    import time
    deadline = time.monotonic() + 240  # a guard against a hang, not a timing assertion
    while max((len(p.read_text().splitlines()) for p in folder.rglob("metrics.jsonl")), default=0) < rows:
        assert process.poll() is None, f"ended before it was at work: {process.communicate()[0]}"
        assert time.monotonic() < deadline, f"fewer than {rows} metrics rows within 240 s"
        time.sleep(0.1)
