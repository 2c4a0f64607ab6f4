"""A server that starts the suite's ``python -m dlx.cli.app`` processes by forking, with the libraries loaded.

Run as a script by ``tests/cli/forked.py`` (one server per test worker). It imports the third-party
libraries and standard modules every ``dlx`` command imports (NumPy, PyYAML, pydantic, Typer, rich,
threadpoolctl: about 0.3 s of CPU in each new interpreter), and matplotlib and Gymnasium, which runs with
plots and RL runs import; never dlx itself. For each request it forks a child that becomes
``python -m dlx.cli.app ARGS`` (or ``python -c CODE ARGS``): the request's folder, environment, module path,
standard streams and arguments, then ``runpy`` runs the module as ``__main__`` as ``-m`` does, and the child
exits through the interpreter's own shutdown (``atexit``, threads, flushed streams) with the command's exit
code.

dlx, its registries and everything it imports beyond that list are imported anew in each child, as in a
user's process; the client only sends requests whose environment matches the server's in every variable
read at interpreter start or at those libraries' import (``forked.py: FORKABLE``), else it starts a plain
process. The protocol, over a Unix socket pair: the client sends a length-prefixed JSON request with three
file descriptors (stdin, stdout, stderr); the server answers ``{"pid": N}`` and then ``{"status": S}`` when
the child has ended (``os.waitpid``'s status).
"""
from __future__ import annotations

import gc
import json
import os
import runpy
import socket
import struct
import sys
import types

PRELOAD = ("numpy", "yaml", "pydantic", "pydantic_core", "annotated_types", "typer", "typer.main",
           "typer._adapters", "typer.core", "rich", "rich.console", "rich.table", "rich.text", "rich.progress",
           "rich.markup", "rich.panel", "threadpoolctl", "importlib.metadata", "importlib.util", "json", "csv",
           "gzip", "hashlib", "hmac", "secrets", "shutil", "subprocess", "socket", "tempfile", "threading",
           "zoneinfo", "datetime", "uuid", "platform", "signal", "dataclasses", "inspect", "typing",
           "multiprocessing", "concurrent.futures", "email.utils", "zipfile", "fnmatch", "ast", "textwrap",
           "sqlite3", "email.parser", "rich._emoji_codes", "typer._click.decorators", "pydantic.plugin._loader",
           # what a run's plots and an RL run import (matplotlib alone is ~0.5 s of CPU), not pyplot:
           # dlx chooses its backend itself
           "matplotlib", "matplotlib.figure", "matplotlib.backends.backend_agg", "matplotlib.colors", "gymnasium",
           # the image formats Pillow registers on a figure's first save (PIL.Image.preinit)
           "PIL.BmpImagePlugin", "PIL.GifImagePlugin", "PIL.JpegImagePlugin", "PIL.PngImagePlugin",
           "PIL.PpmImagePlugin")


def receive(sock: socket.socket) -> tuple[dict, list[int]] | None:
    """One request and its file descriptors; None when the client has gone."""
    data, fds, _, _ = socket.recv_fds(sock, 65536, 3)
    if not data:
        return None
    size = struct.unpack("!I", data[:4])[0]
    body = data[4:]
    while len(body) < size:
        chunk = sock.recv(size - len(body))
        if not chunk:
            return None
        body += chunk
    return json.loads(body), fds


def reply(sock: socket.socket, message: dict) -> None:
    sock.sendall(json.dumps(message).encode() + b"\n")


def serve(sock: socket.socket, base_path: list[str]) -> tuple[dict, list[str]]:
    """Answer requests until one is to be run: returns (request, module path) in the forked child only."""
    while True:
        received = receive(sock)
        if received is None:
            os._exit(0)
        request, fds = received
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:
            sock.close()
            for target, fd in enumerate(fds):
                os.dup2(fd, target)
                os.close(fd)
            return request, base_path
        for fd in fds:
            os.close(fd)
        reply(sock, {"pid": pid})
        _, status = os.waitpid(pid, 0)
        reply(sock, {"status": status})


def become(request: dict, base_path: list[str]) -> None:
    """This forked child becomes ``python -m MODULE ARGS`` in the request's folder and environment."""
    os.chdir(request["cwd"])
    os.environ.clear()
    os.environ.update(request["env"])
    extra = [p for p in request["env"].get("PYTHONPATH", "").split(os.pathsep) if p]
    first = os.getcwd() if "module" in request else ""  # -m puts the folder first, -c the empty string
    sys.path[:] = [first, *extra, *base_path]
    import numpy
    numpy.random.seed()  # a new process's global generator is seeded afresh (Python's random reseeds itself)
    main = sys.modules["__main__"] = types.ModuleType("__main__")
    if "module" in request:
        sys.argv = ["-m", *request["args"]]
        runpy._run_module_as_main(request["module"], alter_argv=True)  # what ``python -m`` itself calls
    else:
        sys.argv = ["-c", *request["args"]]
        exec(compile(request["code"], "<string>", "exec"), main.__dict__)


def main() -> None:
    sock = socket.socket(fileno=int(sys.argv[1]))
    own_path = [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
    base_path = [p for p in sys.path[1:] if p not in own_path]  # without this script's folder
    for name in PRELOAD:
        __import__(name)
    gc.collect()
    gc.freeze()  # the collector leaves these objects alone, so it does not copy their pages into each child
    assert not any(name == "dlx" or name.startswith("dlx.") for name in sys.modules), "the server imported dlx"
    reply(sock, {"ready": os.getpid()})
    request, path = serve(sock, base_path)
    become(request, path)


if __name__ == "__main__":
    main()
