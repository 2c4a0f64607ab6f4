"""``python -m dlx.cli.app ARGS`` in a new process, the suite's way: forked from a server with the libraries loaded.

About 500 tests run the real command in a fresh process. In each, importing the Python libraries every
``dlx`` command needs (NumPy, PyYAML, pydantic, Typer, rich) costs about 0.3 s of CPU before dlx does
anything: most of a small command's cost, and a fifth of the whole suite's. So each test worker keeps one
server (``process_server.py``) that has imported those libraries, never dlx, and forks it for each command.
The child is a new process: its own pid, folder, environment, module path and standard streams; it imports
dlx and every registry anew, runs ``dlx.cli.app`` as ``__main__`` as ``python -m`` does, and ends through
the interpreter's own shutdown. What it cannot share with a user's process is what the interpreter and
those libraries read when they started, so:

- a request whose environment differs from the server's in anything but the variables below (a test's
  BLAS threads, ``PYTHON*`` settings, ...) runs as a plain ``subprocess.run`` instead;
- so does one with ``preexec_fn`` (resource limits, signals), and any call while another is in flight;
- ``DLX_TEST_PROCESSES=plain`` makes every command a plain process (to check the suite does not depend on
  the server: it must pass either way).

Tests that need a process of their own from the start (Ctrl-C, a terminal, the console script, threads
settings) use ``subprocess`` directly, as before.
"""
from __future__ import annotations

import atexit
import json
import os
import selectors
import signal
import socket
import struct
import subprocess
import sys
import threading
import time
from pathlib import Path

SERVER = Path(__file__).with_name("process_server.py")
# Variables (besides DLX_*, dlx's own) read only after dlx starts: the module path (set in the child),
# rich's terminal size and colours, and pytest's name of the running test (it changes with every test).
# A forked child given other values of these behaves as a process started with them.
FORKABLE = ("PYTHONPATH", "COLUMNS", "LINES", "NO_COLOR", "FORCE_COLOR", "TERM", "PYTEST_CURRENT_TEST")
_lock = threading.Lock()
_server: dict = {}


def _differs(env: dict, base: dict) -> bool:
    """Whether ``env`` differs from ``base`` in a variable a forked child cannot take over from the server."""
    return any(env.get(name) != base.get(name) for name in set(env) | set(base)
               if not (name.startswith("DLX_") or name in FORKABLE))


def _start_server() -> None:
    """A server for this worker's environment as it is now (stopping the one before, if any)."""
    _stop_server()
    ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    process = subprocess.Popen([sys.executable, str(SERVER), str(theirs.fileno())], pass_fds=[theirs.fileno()],
                               stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, env=dict(os.environ))
    theirs.close()
    lines = ours.makefile("rb")
    if not lines.readline():
        raise RuntimeError(f"the test process server did not start (exit {process.wait()})")
    _server.update(pid=os.getpid(), process=process, socket=ours, lines=lines, environ=dict(os.environ))


@atexit.register
def _stop_server() -> None:
    if _server.get("pid") != os.getpid():
        _server.clear()
        return
    _server["lines"].close()
    _server["socket"].close()  # the server leaves when its socket closes
    try:
        _server["process"].wait(timeout=10)
    except subprocess.TimeoutExpired:
        _server["process"].kill()
    _server.clear()


def run(args, *, cwd=None, env: dict | None = None, timeout: float | None = None,
        input: str | None = None, preexec_fn=None, code: str | None = None) -> subprocess.CompletedProcess:
    """As ``subprocess.run([sys.executable, "-m", "dlx.cli.app", *args], capture_output=True, text=True, ...)``;
    with ``code``, ``[sys.executable, "-c", code, *args]``."""
    argv = [sys.executable, *(["-m", "dlx.cli.app"] if code is None else ["-c", code]), *map(str, args)]
    environment = dict(os.environ if env is None else env)
    plain = (preexec_fn is not None or "plain" in (os.environ.get("DLX_TEST_PROCESSES"),
                                                    environment.get("DLX_TEST_PROCESSES"))
             or _differs(environment, os.environ))
    if plain or not _lock.acquire(blocking=False):
        return subprocess.run(argv, cwd=cwd, env=env, timeout=timeout, input=input, capture_output=True,
                              text=True, preexec_fn=preexec_fn)
    try:
        if (_server.get("pid") != os.getpid() or _server["process"].poll() is not None
                or _differs(environment, _server["environ"])):  # none yet, or the worker's environment changed
            _start_server()
        return _forked(argv, cwd, environment, timeout, input)
    finally:
        _lock.release()


def _forked(argv, cwd, env, timeout, input) -> subprocess.CompletedProcess:
    sock = _server["socket"]
    stdin_r, stdin_w = os.pipe()
    stdout_r, stdout_w = os.pipe()
    stderr_r, stderr_w = os.pipe()
    request = json.dumps({("module" if argv[1] == "-m" else "code"): argv[2], "args": argv[3:],
                          "cwd": os.path.abspath(cwd or os.getcwd()), "env": env}).encode()
    socket.send_fds(sock, [struct.pack("!I", len(request)) + request], [stdin_r, stdout_w, stderr_w])
    for fd in (stdin_r, stdout_w, stderr_w):
        os.close(fd)
    pid = json.loads(_server["lines"].readline())["pid"]
    out, err, timed_out = _communicate(stdin_w, stdout_r, stderr_r, (input or "").encode(), timeout, pid)
    status = json.loads(_server["lines"].readline())["status"]
    stdout, stderr = out.decode(errors="replace"), err.decode(errors="replace")
    if timed_out:
        raise subprocess.TimeoutExpired(argv, timeout, output=stdout, stderr=stderr)
    return subprocess.CompletedProcess(argv, os.waitstatus_to_exitcode(status), stdout, stderr)


def _communicate(stdin_w, stdout_r, stderr_r, data: bytes, timeout, pid) -> tuple[bytes, bytes, bool]:
    """Write ``data`` to the child's stdin and read its stdout and stderr to their end, as ``communicate`` does."""
    chunks = {stdout_r: [], stderr_r: []}
    deadline = None if timeout is None else time.monotonic() + timeout
    with selectors.DefaultSelector() as selector:
        for fd in chunks:
            selector.register(fd, selectors.EVENT_READ)
        if data:
            selector.register(stdin_w, selectors.EVENT_WRITE)
        else:
            os.close(stdin_w)
        view, timed_out = memoryview(data), False
        while selector.get_map():
            left = None if deadline is None else deadline - time.monotonic()
            if left is not None and left <= 0:
                os.kill(pid, signal.SIGKILL)  # as subprocess.run does on a timeout
                timed_out, deadline = True, None
            for key, _ in selector.select(left if left is None else max(left, 0)):
                if key.fd == stdin_w:
                    try:
                        view = view[os.write(stdin_w, view[:65536]):]
                    except BrokenPipeError:
                        view = view[:0]
                    if not view:
                        selector.unregister(stdin_w)
                        os.close(stdin_w)
                    continue
                chunk = os.read(key.fd, 65536)
                if chunk:
                    chunks[key.fd].append(chunk)
                else:
                    selector.unregister(key.fd)
                    os.close(key.fd)
    return b"".join(chunks[stdout_r]), b"".join(chunks[stderr_r]), timed_out
