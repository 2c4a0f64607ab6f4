"""What every command shares: the one path for user errors, and progress reporting."""
from __future__ import annotations

import errno
import os
import sys
import time
from contextlib import contextmanager

import typer

from dlx.runs.listing import cell

state = {"debug": False}


def console(stderr: bool = False):
    from rich.console import Console
    return Console(stderr=stderr, highlight=False, soft_wrap=True)


def abort(message: str, code: int = 1):
    """Print one red line and exit with ``code`` (``message`` as written: '[ls]' stays, it is not markup)."""
    from rich.markup import escape
    console(stderr=True).print(f"[bold red]error:[/] {escape(message)}", markup=True)
    raise typer.Exit(code)


def terminate_as_ctrl_c() -> None:
    """A SIGTERM (``kill``, ``timeout``, a job scheduler) ends a command as Ctrl-C does: a run is marked
    interrupted with its checkpoint kept, a sweep records its trial as interrupted; nothing stays "running"."""
    import signal
    if hasattr(signal, "SIGTERM"):
        signal.signal(signal.SIGTERM, signal.default_int_handler)  # raises KeyboardInterrupt


@contextmanager
def user_errors():
    """Turn expected failures (DlxError) into one red line and exit 1; tracebacks only with --debug."""
    from dlx.errors import DlxError
    try:
        yield
    except DlxError as error:
        if state["debug"]:
            raise
        abort(_one_line(str(error)))
    except (FileNotFoundError, PermissionError, IsADirectoryError) as error:
        if state["debug"]:
            raise
        abort(f"{error.strerror or error}: '{error.filename}'; {_advice(error)}")
    except OSError as error:
        if state["debug"] or error.errno not in DISK_ERRORS:
            raise
        where = f": '{error.filename}'" if error.filename else ""
        abort(f"{error.strerror}{where}; {_advice(error)}")


# errno -> what to do; anything else the operating system reports is a bug and keeps its traceback
DISK_ERRORS = {errno.ENOSPC: "free disk space (or write results elsewhere with --results) and run again",
               errno.EDQUOT: "your disk quota is used up; free space (or write results elsewhere with --results)",
               errno.EFBIG: "the file system refuses a file this large; write results elsewhere with --results",
               errno.EROFS: "the folder is on a read-only disk; copy the run folder somewhere writable and run "
                            "the command on the copy",
               errno.EACCES: "check its permissions (a read-only run folder: run the command on a writable copy)",
               errno.EPERM: "check its permissions (a read-only run folder: run the command on a writable copy)"}


def _advice(error: OSError) -> str:
    return DISK_ERRORS.get(error.errno, "check the path")


@contextmanager
def warning_lines():
    """Show each ``DlxWarning`` raised inside as one yellow ``warning:`` line on standard error."""
    import warnings

    from dlx.errors import DlxWarning
    caught = []
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", DlxWarning)
            yield
    finally:
        for warning in caught:
            if issubclass(warning.category, DlxWarning):
                console(stderr=True).print(f"[yellow]warning:[/] {_one_line(str(warning.message))}")
            else:
                warnings.warn_explicit(warning.message, warning.category, warning.filename, warning.lineno)


fmt = cell  # a number for every table the CLI prints (dlx.runs.listing.cell): 4 significant digits, '' for None


def _one_line(text: str) -> str:
    return " ".join(text.split("\n")).strip()


class EpochReporter:
    """A live progress bar on a terminal; plain lines otherwise (logs stay readable).

    Off a terminal a line is printed per row (an epoch), or if ``throttled`` at most one every
    few seconds (an agent's episodes, a fold's epochs), and within a long epoch a line
    ``epoch 3: batch 120/400`` every few seconds; ``stop`` prints the last row if it was held
    back. The few seconds: ``$DLX_PROGRESS_SECONDS`` (default 3; 0 prints every row and batch).
    On a terminal the bar advances per row and, within an epoch, per batch.

    Args:
        throttled (default False): rows come too often for a line each.
        trials (default False): prefix plain lines with ``trial N:``, N counting ``start`` calls
            (cross-validation folds, curve points).
    """

    UNITS = ("epoch", "episode", "step", "steps", "iteration")

    def __init__(self, throttled: bool = False, trials: bool = False):
        self.live = sys.stderr.isatty()
        self.progress = None
        self.seconds = plain_seconds()
        self.throttled, self.trials, self.runs = throttled, trials, 0
        self.unit, self.held, self.last_line, self.last_bar = None, None, 0.0, 0.0

    def start(self, total_epochs: int | None, first_epoch: int, unit: str | None = None) -> None:
        """A run of ``total_epochs`` rows (None: not known) starts at row ``first_epoch``."""
        self.runs += 1
        self.unit, self.held, self.last_line = unit, None, time.monotonic()
        if self.live:
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
            self.progress = Progress(TextColumn(unit or "epoch"), MofNCompleteColumn(), BarColumn(),
                                     TextColumn("{task.fields[info]}"), TimeRemainingColumn(),
                                     console=console(stderr=True))
            self.task = self.progress.add_task("train", total=total_epochs, completed=first_epoch - 1, info="")
            self.progress.start()

    def batch(self, epoch: int, done: int, total: int) -> None:
        """Batch ``done`` of ``total`` in ``epoch`` is done: the bar moves (a few times a second), or a
        plain line every few seconds."""
        now = time.monotonic()
        if self.progress is not None:
            if now - self.last_bar >= 0.1 or done == total:
                self.progress.update(self.task, completed=epoch - 1 + done / total, info=f"batch {done}/{total}")
                self.last_bar = now
        elif now - self.last_line >= self.seconds and done < total:
            self._print(f"epoch {epoch}: batch {done}/{total}")

    def epoch(self, row: dict) -> None:
        """A row (an epoch, an episode, a checkpoint) ended; before any ``start``, a run of unknown length starts."""
        if self.runs == 0:
            self.start(None, 1)
        self.unit = self.unit or next((key for key in self.UNITS if key in row), None)
        if self.progress is not None:
            info = "  ".join(f"{k} {fmt(row[k])}" for k in [k for k in _shown(row) if k != self.unit][:3])
            self.progress.update(self.task, info=info, **({"completed": row[self.unit]} if self.unit in row else {}))
        elif not self.throttled or time.monotonic() - self.last_line >= self.seconds:
            self._print(_row_line(row))
            self.held = None
        else:
            self.held = row

    def stop(self) -> None:
        if self.progress is not None:
            self.progress.stop()
            self.progress = None
        elif self.held is not None:
            self._print(_row_line(self.held))
            self.held = None

    def _print(self, line: str) -> None:
        print(f"trial {self.runs}: {line}" if self.trials else line, flush=True)
        self.last_line = time.monotonic()


def plain_seconds() -> float:
    """Seconds between plain progress lines: ``$DLX_PROGRESS_SECONDS``, else 3."""
    try:
        return max(0.0, float(os.environ.get("DLX_PROGRESS_SECONDS", "3")))
    except ValueError:
        return 3.0


def _shown(row: dict) -> list[str]:
    """The keys of a row worth a progress line: the standard metrics, else its first few numbers."""
    standard = [k for k in ("train_loss", "val_loss", "val_accuracy", "val_r2") if k in row]
    return standard or [k for k, v in row.items() if isinstance(v, (int, float))][:6]


def _row_line(row: dict) -> str:
    from dlx.train.loop import format_row
    if "epoch" in row and "epoch_seconds" in row:
        return format_row(row)
    return "  ".join(f"{k} {fmt(row[k])}" for k in _shown(row))
