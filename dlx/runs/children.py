"""Child runs: what a command derives from a finished run, kept in a run folder of its own.

``dlx play``, ``dlx sample`` and ``dlx explain`` never rewrite a file of the run they read.
Each opens a child run inside it, through the run session like any run::

    RUN/children/<command>[-<tag>]/<YYYYmmdd-HHMMSS>-<6 hex>/
        config.yaml    the command and its options
        run.log  summary.json  plots/  and the command's own files (play.json, samples.png, ...)

The child's summary has the shared fields (``kind`` is the command) and ``derived_from``: the
parent's folder, its kind and the SHA-256 of the model files it read, so a child still says what
it came from when the parent is trained again elsewhere. The layout follows the run folders'
(``<name>/<stamp>-<hex>/``, ``dlx.runs.rundir``), so a child is never reused or overwritten, and
the parent's listing, evaluation and files stay as they were::

    with open_child(run_dir, "play", {"episodes": 100, "seed": 0}) as child:
        result = ...
        child.finish("finished", {"headline": {"mean_return": 0.74}})
"""
from __future__ import annotations

import hashlib
import secrets
import shutil
from datetime import datetime
from pathlib import Path

import yaml

from dlx.errors import DlxError
from dlx.runs.rundir import TIMESTAMP_FORMAT, validate_run_name
from dlx.runs.session import RunSession
from dlx.runs.summary import SUMMARY_NAME, read_summary

CHILDREN = "children"
MODEL_FILES = ("model.json", "model.npz", "checkpoints/agent.npz")  # what a child reads of its parent


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def parent_record(parent: Path) -> dict:
    """The parent run a child derives from: folder, kind and status, SHA-256 of its model files."""
    summary = read_summary(parent) if (parent / SUMMARY_NAME).is_file() else {}
    return {"run_dir": str(parent), "kind": summary.get("kind", ""), "status": summary.get("status", ""),
            "model_sha256": {name: sha256_of(parent / name) for name in MODEL_FILES if (parent / name).is_file()}}


def open_child(parent: Path | str, command: str, options: dict, tag: str | int = "") -> RunSession:
    """A new child run of ``command`` in ``parent/children/<command>[-<tag>]/<stamp>-<hex>/``.

    Args:
        parent: the run folder the command read.
        command: ``play``, ``sample``, ``explain`` ...: the child's kind.
        options: the command's options (JSON values), written as its ``config.yaml``.
        tag (default ""): added to the folder name, e.g. the method and row of an explanation.
    """
    parent = Path(parent)
    if not parent.is_dir():
        raise DlxError(f"run folder '{parent}' not found; give a folder under results/ (dlx train writes them)")
    name = validate_run_name(f"{command}-{tag}" if tag != "" else command)
    config = yaml.safe_dump({"command": command, "parent": str(parent), **options}, sort_keys=False)
    (parent / CHILDREN / name).mkdir(parents=True, exist_ok=True)  # a read-only run: the OSError names its folder
    folder = parent / CHILDREN / name / f"{datetime.now().strftime(TIMESTAMP_FORMAT)}-{secrets.token_hex(3)}"
    try:
        session = RunSession.create(parent / CHILDREN, name, config, folder=folder, kind=command)
    except BaseException:  # a full disk while its config.yaml or summary is written: leave no half a child
        remove_child(folder)
        raise
    session.derived_from = parent_record(parent)
    session.log(f"{command} of {parent}")
    return session


def children_of(parent: Path | str, command: str | None = None) -> list[Path]:
    """The child run folders of ``parent`` (of ``command``, or all), oldest first."""
    root = Path(parent) / CHILDREN
    if not root.is_dir():
        return []
    groups = [g for g in root.iterdir() if g.is_dir() and (command is None or g.name.split("-")[0] == command)]
    return sorted((run for group in groups for run in group.iterdir() if run.is_dir()), key=lambda p: p.name)


def remove_child(folder: Path | str) -> None:
    """Remove a child run that could not be written whole, and its group and ``children/`` if left empty."""
    folder = Path(folder)
    shutil.rmtree(folder, ignore_errors=True)
    for empty in (folder.parent, folder.parent.parent):
        try:
            empty.rmdir()
        except OSError:
            break
