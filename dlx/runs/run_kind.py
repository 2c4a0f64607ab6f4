"""What kind of run a folder holds, read from its records, so a command can say which commands apply.

Every run saves ``model.json`` + ``model.npz``; model.json's ``format`` says which kind
wrote it: ``dlx-model`` (supervised), ``dlx-generative`` (VAE, GAN, autoencoder) or
``dlx-agent`` (reinforcement learning; older RL runs hold only ``checkpoints/agent.npz``). A command that opens a run of the wrong kind would misread it
("not a dlx checkpoint", a TypeError); ``wrong_kind_message`` names the kind and the
command to use instead::

    message = wrong_kind_message(run_dir, "evaluate, predict and explain")
    if message:
        raise DlxError(message)   # "'results/vae/…' is a generative (VAE) run; ... use dlx sample …"
"""
from __future__ import annotations

import json
from pathlib import Path

from dlx.errors import CheckpointError

SEQUENCE_TASKS = {"language_model": ("a character language-model", "dlx sample {run} (text) or dlx evaluate {run}"),
                  "tagging": ("a sequence-tagging", "dlx evaluate {run} or dlx predict {run} INPUT")}


def _record(path: Path) -> dict:
    """The JSON object in ``path``; {} when it is missing or not a JSON object."""
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return record if isinstance(record, dict) else {}


def read_json_record(path: Path | str) -> dict:
    """The JSON object in ``path`` (a run's model.json); CheckpointError if it is not one."""
    path = Path(path)
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise CheckpointError(f"'{path}' is not valid JSON ({' '.join(str(error).split())}); the run folder is "
                              f"damaged: restore the file or train the run again") from None
    if not isinstance(record, dict):
        raise CheckpointError(f"'{path}' holds a JSON {type(record).__name__}, not the object dlx writes; the run "
                              f"folder is damaged: restore the file or train the run again")
    return record


def run_kind(run_dir: Path | str) -> tuple[str, str]:
    """``(family, detail)``: ("generative", "vae"), ("reinforcement_learning", ""), ("supervised", task) or
    ("unknown", "") for a folder whose records say nothing."""
    run_dir = Path(run_dir)
    summary, description = _record(run_dir / "summary.json"), _record(run_dir / "model.json")
    if description.get("format") == "dlx-generative" or summary.get("task") == "generative":
        return "generative", str(description.get("kind") or summary.get("kind") or "")
    if summary.get("task") == "reinforcement_learning" or description.get("format") == "dlx-agent":
        return "reinforcement_learning", ""
    task = summary.get("task") or description.get("task")
    return ("supervised", str(task)) if task else ("unknown", "")


def wrong_kind_message(run_dir: Path | str, commands: str, sequences: bool = True) -> str | None:
    """A one-line message when ``run_dir`` is not a supervised run that ``commands`` work on, else None.

    ``sequences=False`` also refuses language-model and tagging runs (for commands that need
    one decision per input row, as explain does).
    """
    family, detail = run_kind(run_dir)
    work = "work" if " and " in commands else "works"
    if family == "generative":
        kind = f" ({detail.upper() if detail in ('vae', 'gan') else detail})" if detail else ""
        return (f"'{run_dir}' is a generative{kind} run; {commands} {work} on supervised runs "
                f"(classification, regression); use dlx sample {run_dir}")
    if family == "reinforcement_learning":
        return (f"'{run_dir}' is a reinforcement-learning run; {commands} {work} on supervised runs "
                f"(classification, regression); use dlx play {run_dir}")
    if not sequences and detail in SEQUENCE_TASKS:
        what, instead = SEQUENCE_TASKS[detail]
        return (f"'{run_dir}' is {what} run; {commands} {work} on classification and regression runs; "
                f"use {instead.format(run=run_dir)}")
    return None
