"""What every command shares: the one path for user errors, and progress reporting."""
from __future__ import annotations

import math
import sys
from contextlib import contextmanager

import typer

state = {"debug": False}


def console(stderr: bool = False):
    from rich.console import Console
    return Console(stderr=stderr, highlight=False, soft_wrap=True)


def abort(message: str, code: int = 1):
    """Print one red line and exit with ``code``."""
    console(stderr=True).print(f"[bold red]error:[/] {message}", markup=True)
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
        abort(f"{error.strerror or error}: '{error.filename}'; check the path")


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
