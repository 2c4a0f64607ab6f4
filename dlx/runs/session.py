"""The run session: one object owns a run folder's whole life.

It creates the folder (never reusing one), writes the resolved ``config.yaml``,
keeps ``run.log`` and the metrics log, writes checkpoints at their cadence and
``summary.json`` with the run's status. Supervised training, every
cross-validation fold and curve point, every sweep trial, an agent, lr-find, an
objective trial, and the child runs of play, sample and explain (``dlx.runs.children``):
each is a run through a session, and every summary has the fields of
``dlx.runs.summary.SUMMARY_FIELDS``. Nothing else creates run folders.

Statuses: ``running`` (written when the session opens, so a killed process
leaves it), ``finished``, ``early_stopped``, ``pruned``, ``diverged``,
``interrupted`` (Ctrl-C) and ``failed`` (an exception; the error and the
traceback are in the summary and the log)::

    with RunSession.create("results", "xor", config_text) as session:
        for epoch in ...:
            session.record({"epoch": epoch, "train_loss": loss})
            session.checkpoint(lambda: {"last": (arrays, meta)})
        session.finish("finished", {"final": ...})
    # an exception inside the block: summary.json says failed, with the error and the epochs completed
"""
from __future__ import annotations

import logging
import time
import traceback
from pathlib import Path
from typing import Callable

from dlx.errors import DlxError
from dlx.runs.checkpoint import save_checkpoint
from dlx.runs.files import atomic_write_text
from dlx.runs.index import note_folder
from dlx.runs.lock import FolderLock
from dlx.runs.metrics_log import MetricsLog
from dlx.runs.provenance import provenance
from dlx.runs.rundir import create_run_dir
from dlx.runs.splits import SPLITS_NAME, write_splits
from dlx.runs.summary import list_artifacts, read_summary, write_summary

ENDED = ("finished", "early_stopped", "pruned", "diverged", "interrupted", "failed")
Snapshot = dict[str, tuple[dict, dict]]  # checkpoint name -> (arrays, JSON meta)


class RunFailed(DlxError):
    """A run ended by an unexpected exception; its folder records it (status ``failed``)."""


class RunSession:
    """A run folder, open for writing.

    Args:
        run_dir: an existing run folder (use ``create`` for a new one, ``reopen`` to resume).
        checkpoint_seconds (default 30): write checkpoints at most this often; whatever ends
            the run writes the last snapshot.
        data_files (default None): absolute path -> SHA-256 of the data files the run read
            (``dlx.data.sources.data_files_read``), for the summary's ``provenance``.
        kind (default ""): the experiment kind (``supervised``, ``generative``, ``rl``) or, for a
            child run, the command (``play``, ``sample``, ``explain``); the summary's ``kind``.
    """

    def __init__(self, run_dir: Path, checkpoint_seconds: float = 30.0, data_files: dict[str, str] | None = None,
                 kind: str = ""):
        self.run_dir = Path(run_dir)
        self.kind = kind
        self.derived_from: dict | None = None  # a child run: its parent run (``dlx.runs.children``)
        self._lock = FolderLock.acquire(self.run_dir, "run folder")  # before anything is read or repaired
        self.data_files = dict(data_files or {})
        self.metrics = MetricsLog(self.run_dir)
        self.checkpoint_seconds = checkpoint_seconds
        self.status = "running"
        self.summary: dict = {}
        config = self.run_dir / "config.yaml"       # as the run starts (or resumes): the record dlx verify reads
        self.config_text = config.read_text(encoding="utf-8") if config.is_file() else None
        self._pending: Snapshot | None = None
        self._last_write = time.monotonic()
        self.logger = logging.getLogger(f"dlx.run.{self.run_dir}")
        self.logger.setLevel(logging.INFO)
        self.logger.propagate = False
        self._handler = logging.FileHandler(self.run_dir / "run.log", encoding="utf-8")
        self._handler.setFormatter(logging.Formatter("%(asctime)s %(message)s"))
        self.logger.addHandler(self._handler)

    # ---- opening ------------------------------------------------------------------------------
    @classmethod
    def create(cls, results_dir: str | Path, run_name: str, config_text: str, folder: str | Path | None = None,
               checkpoint_seconds: float = 30.0, data_files: dict[str, str] | None = None,
               kind: str = "") -> "RunSession":
        """A new run folder (``<results_dir>/<run_name>/<stamp>-<hex>/``, or exactly ``folder``,
        which must not exist yet) with ``config.yaml``, ``plots/`` and a ``running`` summary."""
        if folder is None:
            run_dir = create_run_dir(results_dir, run_name)
        else:
            run_dir = Path(folder)
            try:
                run_dir.mkdir(parents=True, exist_ok=False)
            except FileExistsError:
                raise DlxError(f"run folder '{run_dir}' exists already; a run never reuses a folder") from None
            (run_dir / "plots").mkdir()
        atomic_write_text(run_dir / "config.yaml", config_text)
        session = cls(run_dir, checkpoint_seconds, data_files, kind)
        session._write_status()
        return session

    @classmethod
    def reopen(cls, run_dir: str | Path, checkpoint_seconds: float = 30.0,
               data_files: dict[str, str] | None = None, kind: str = "") -> "RunSession":
        """An interrupted run's folder, to continue it (``dlx train --resume``); ``kind``: as ``create``'s
        (default: what the folder's summary says)."""
        run_dir, before = Path(run_dir), {}
        if (run_dir / "summary.json").is_file():
            before = read_summary(run_dir)
            status = before.get("status")
            if status in ENDED and status not in ("interrupted", "failed"):
                raise DlxError(f"run '{run_dir}' is already {status.replace('_', ' ')}; "
                               f"start a new run with dlx train CONFIG")
        session = cls(run_dir, checkpoint_seconds, data_files, kind or str(before.get("kind") or ""))
        session.log("resumed")
        session._write_status()
        return session

    # ---- during the run -------------------------------------------------------------------------
    def log(self, message: str) -> None:
        self.logger.info(message)

    def record(self, row: dict, line: str | None = None) -> None:
        """Append a metrics row (``metrics.jsonl``/``.csv``) and a line to ``run.log``."""
        self.metrics.append(row)
        self.log(line if line is not None else "  ".join(f"{k} {v}" for k, v in row.items()))

    def save_splits(self, indices: dict) -> None:
        """``splits.npz``: the indices of the train/validation/test parts into the loaded data set.

        Written once, when the run starts; a resumed run keeps the file it has.
        """
        if not (self.run_dir / SPLITS_NAME).is_file():
            write_splits(self.run_dir, indices)
            self.log("splits: " + ", ".join(f"{name} {len(part)}" for name, part in indices.items()))

    def checkpoint(self, snapshot: Snapshot | Callable[[], Snapshot], force: bool = False) -> None:
        """Keep ``snapshot`` (name -> (arrays, meta)) in memory; write it when the interval has passed.

        Writing (and fsync) every epoch would dominate short epochs; ``flush`` (called by
        whatever ends the run) writes the last snapshot.
        """
        self._pending = snapshot() if callable(snapshot) else snapshot
        if force or time.monotonic() - self._last_write >= self.checkpoint_seconds:
            self.flush()

    def flush(self) -> None:
        """Write the pending snapshot to ``checkpoints/<name>.npz``."""
        if self._pending is None:
            return
        folder = self.run_dir / "checkpoints"
        folder.mkdir(exist_ok=True)
        for name, (arrays, meta) in self._pending.items():
            save_checkpoint(folder / f"{name}.npz", arrays, meta)
        self._pending = None
        self._last_write = time.monotonic()

    # ---- the end ------------------------------------------------------------------------------
    def finish(self, status: str, summary: dict, message: str = "") -> dict:
        """Write the last checkpoint and ``summary.json`` with ``status``; returns the summary.

        Every summary has the fields of ``SUMMARY_FIELDS`` (``dlx.runs.summary``): the kind, the
        status, ``headline`` (the run's few figures, name -> number, as ``summary`` gives them),
        ``artifacts`` (the files the run wrote) and ``provenance``.
        """
        if status not in ENDED:
            raise ValueError(f"unknown run status '{status}'; use one of {', '.join(ENDED)}")
        self.flush()
        self.status = status
        self.summary = {"kind": self.kind, "status": status, "message": message, "run_dir": str(self.run_dir),
                        "headline": {}, **summary, "artifacts": list_artifacts(self.run_dir),
                        **self._parent(), "provenance": provenance(self.data_files),
                        **recorded_config(self.config_text)}
        write_summary(self.run_dir, self.summary)
        self.log(f"{status}: {message}" if message else status)
        return self.summary

    def close(self) -> None:
        self.logger.removeHandler(self._handler)
        self._handler.close()
        self._lock.release()
        note_folder(self.run_dir)  # the results index (dlx runs) knows how it ended

    def __enter__(self) -> "RunSession":
        return self

    def __exit__(self, kind, error, trace) -> bool:
        try:
            if error is not None and self.status == "running":
                self._record_failure(error, trace)
        finally:
            self.close()
        if isinstance(error, Exception) and not isinstance(error, DlxError):
            raise RunFailed(f"the run failed after {len(self.metrics.rows)} epochs: {type(error).__name__}: "
                            f"{error}; the traceback is in {self.run_dir / 'run.log'}") from error
        return False

    def _record_failure(self, error: BaseException, trace) -> None:
        interrupted = isinstance(error, KeyboardInterrupt)
        status = "interrupted" if interrupted else "failed"
        message = "interrupted (Ctrl-C or SIGTERM)" if interrupted else f"{type(error).__name__}: {error}"
        if not interrupted:
            self.log("".join(traceback.format_exception(type(error), error, trace)))
        try:
            self.flush()
        finally:
            self.summary = {"kind": self.kind, "status": status, "message": message,
                            "error": None if interrupted else message, "run_dir": str(self.run_dir),
                            "epochs_completed": len(self.metrics.rows), "headline": {},
                            "artifacts": list_artifacts(self.run_dir), **self._parent(),
                            "provenance": provenance(self.data_files)}
            write_summary(self.run_dir, self.summary)
            self.status = status
            self.log(f"{status}: {message}")

    def _parent(self) -> dict:
        return {"derived_from": self.derived_from} if self.derived_from is not None else {}

    def _write_status(self) -> None:
        write_summary(self.run_dir, {"kind": self.kind, "status": "running", "run_dir": str(self.run_dir),
                                     "epochs_completed": len(self.metrics.rows)})


def recorded_config(text: str | None) -> dict:
    """``{"recorded_config": mapping, "config_sha256": hex}`` of the config a run started with (``dlx verify`` compares
    the folder's config.yaml with it and reruns it); empty when the run has none."""
    if text is None:
        return {}
    import hashlib

    from dlx.config.safe_yaml import load_yaml
    return {"recorded_config": load_yaml(text), "config_sha256": hashlib.sha256(text.encode("utf-8")).hexdigest()}
