"""The terminal during a sweep: a live table (queued, running with epoch, done with metric, failed with
cause) on a terminal, one plain line per finished trial otherwise."""
import io

from rich.console import Console

from dlx.sweep.display import LiveTable, PlainLines
from dlx.sweep.sampling import PlannedTrial


def planned(trial_id, group):
    return PlannedTrial(trial=None, id=trial_id, group=group, params={}, seed=0)


PLAN = [planned("a1", "lr=0.1"), planned("b2", "lr=1"), planned("c3", "lr=0.01")]


def text_of(table) -> str:
    console = Console(file=io.StringIO(), width=200)
    console.print(table)
    return console.file.getvalue()


def test_the_live_table_shows_every_state_of_a_trial():
    display = LiveTable("val_loss")
    display.start(PLAN, PLAN, [])
    display.tick({"a1": {"epoch": 2}})
    display.result(PLAN[1], {"status": "failed", "message": "ShapeError: too wide", "metric": float("nan")})
    display.result(PLAN[2], {"status": "finished", "message": "", "metric": 0.25})
    shown = text_of(display.render())
    display.stop()
    assert "2/3 trials done" in shown
    assert "running, epoch 2" in shown and "failed: ShapeError: too wide" in shown
    assert "finished  val_loss 0.25" in shown


def test_plain_lines_are_one_per_finished_trial():
    stream = io.StringIO()
    display = PlainLines("val_loss", stream=stream)
    display.start(PLAN, PLAN[1:], [])
    display.result(PLAN[1], {"status": "pruned", "message": "", "metric": 0.5})
    lines = stream.getvalue().splitlines()
    assert lines == ["sweep: 3 trials, 2 to run", "[2/3] trial b2 (lr=1 seed 0): pruned  val_loss 0.5"]
