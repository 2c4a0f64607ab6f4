"""What the terminal shows during a sweep: a live table of trials, or plain lines when it is not a terminal.

The table has one row per trial: queued, running (with its epoch), done (with the
metric), pruned, diverged or failed (with the cause). Plain lines are one per trial
that ends, so logs stay short. Both implement the driver's display interface
(``start``, ``tick``, ``result``, ``stop``).
"""
from __future__ import annotations

import math
import sys

MAX_ROWS = 30


def describe(record: dict, metric: str) -> str:
    """``finished  val_loss 0.1234`` or ``failed: <cause>``."""
    status, value = record["status"], record.get("metric")
    if status in ("failed", "diverged", "interrupted"):
        return f"{status}: {record['message']}"
    number = f"{value:.4g}" if isinstance(value, float) and not math.isnan(value) else "-"
    return f"{status}  {metric} {number}"


class PlainLines:
    """One line per finished trial on standard error."""

    def __init__(self, metric: str, sweep_dir=None, stream=None):
        self.metric, self.sweep_dir, self.stream = metric, sweep_dir, stream or sys.stderr
        self.total, self.done = 0, 0

    def start(self, plan, todo, done) -> None:
        self.total, self.done = len(plan), len(plan) - len(todo)
        self.print(f"sweep: {len(plan)} trials, {len(todo)} to run" + (f" in {self.sweep_dir}" if self.sweep_dir
                                                                        else ""))

    def tick(self, progress) -> None:
        pass

    def result(self, item, record) -> None:
        self.done += 1
        self.print(f"[{self.done}/{self.total}] trial {item.id} ({item.group} seed {item.seed}): "
                   f"{describe(record, self.metric)}")

    def stop(self) -> None:
        pass

    def print(self, text: str) -> None:
        print(text, file=self.stream, flush=True)


class LiveTable(PlainLines):
    """A rich table redrawn a few times a second (terminals only)."""

    def start(self, plan, todo, done) -> None:
        from rich.console import Console
        from rich.live import Live
        super().start(plan, todo, done)
        self.rows = {p.id: [p.id, p.group, str(p.seed), "queued"] for p in todo}
        self.live = Live(self.render(), console=Console(stderr=True), refresh_per_second=4, transient=False)
        self.live.start()

    def print(self, text: str) -> None:
        if not hasattr(self, "live"):
            super().print(text)

    def tick(self, progress) -> None:
        for trial_id, state in progress.items():
            row = self.rows.get(trial_id)
            if row is not None and (row[3] == "queued" or row[3].startswith("running")):
                row[3] = f"running, epoch {state.get('epoch', 0)}"
        self.live.update(self.render())

    def result(self, item, record) -> None:
        self.done += 1
        self.rows[item.id][3] = describe(record, self.metric)[:90]
        self.live.update(self.render())

    def render(self):
        from rich.table import Table
        table = Table(title=f"{self.done}/{self.total} trials done", title_justify="left")
        for column in ("trial", "group", "seed", "state"):
            table.add_column(column)
        order = {"running": 0, "queued": 2}
        rows = sorted(self.rows.values(), key=lambda r: order.get(r[3].split(",")[0], 1))
        for row in rows[:MAX_ROWS]:
            table.add_row(*row)
        if len(rows) > MAX_ROWS:
            table.add_row("...", f"{len(rows) - MAX_ROWS} more", "", "")
        return table

    def stop(self) -> None:
        if hasattr(self, "live"):
            self.live.stop()


def terminal_display(metric: str, sweep_dir=None):
    """The live table on a terminal, plain lines otherwise."""
    return LiveTable(metric, sweep_dir) if sys.stderr.isatty() else PlainLines(metric, sweep_dir)
