"""What every command shares: the one path for user errors, and progress reporting."""
from __future__ import annotations

import errno
import math
import sys
from contextlib import contextmanager

import typer

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


def fmt(value) -> str:
    """A number for every table the CLI prints: 4 significant digits; '' for None; 'nan' for NaN."""
    if value is None:
        return ""
    if isinstance(value, float):
        return "nan" if math.isnan(value) else f"{value:.4g}"
    return str(value)


def _one_line(text: str) -> str:
    return " ".join(text.split("\n")).strip()


class EpochReporter:
    """A live progress bar on a terminal; one line per epoch otherwise (logs stay readable)."""

    def __init__(self):
        self.live = sys.stderr.isatty()
        self.progress = None

    def start(self, total_epochs: int, first_epoch: int) -> None:
        if self.live:
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
            self.progress = Progress(TextColumn("epoch"), MofNCompleteColumn(), BarColumn(),
                                     TextColumn("{task.fields[info]}"), TimeRemainingColumn(),
                                     console=console(stderr=True))
            self.task = self.progress.add_task("train", total=total_epochs, completed=first_epoch - 1, info="")
            self.progress.start()

    def epoch(self, row: dict) -> None:
        from dlx.train.loop import format_row
        if self.progress is not None:
            info = "  ".join(f"{k} {row[k]:.4g}" for k in ("train_loss", "val_loss", "val_accuracy", "val_r2")
                             if k in row)
            self.progress.update(self.task, completed=row["epoch"], info=info)
        else:
            print(format_row(row), flush=True)

    def stop(self) -> None:
        if self.progress is not None:
            self.progress.stop()
            self.progress = None
