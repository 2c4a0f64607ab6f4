"""The sweep's pictures say only what is true (issue 26, item 6): checked on the figures' artists."""
import math

import pytest

from dlx.sweep import plots


def record(lr: float, status: str, losses: list[float], seed: int = 0) -> dict:
    history = [{"epoch": i + 1, "val_loss": v} for i, v in enumerate(losses)]
    final = {"val_loss": losses[-1]} if losses else {}
    return {"id": f"{lr}-{seed}", "group": f"lr={lr}", "params": {"optimiser.lr": lr}, "seed": seed,
            "status": status, "history": history, "summary": {"final": final}}


@pytest.fixture
def drawn(monkeypatch, tmp_path):
    """Call a plot function; return its figure's axes instead of only the PNG."""
    figures = []

    def keep(figure, path):
        figures.append(figure)
        return path
    monkeypatch.setattr(plots, "save_png", keep)

    def draw(function, *args):
        assert function(*args, tmp_path / "plot.png") is not None
        return figures[-1].axes[0]
    return draw


def legend_texts(axes) -> list[str]:
    legend = axes.get_legend()
    return [t.get_text() for t in legend.get_texts()] if legend else []


def test_metric_vs_lr_joins_only_finished_trials(drawn):
    records = [record(0.001, "finished", [0.9, 0.5, 0.3]), record(0.003, "pruned", [0.2]),  # an early value
               record(0.01, "finished", [0.8, 0.4, 0.25])]
    axes = drawn(plots.plot_metric_vs_lr, records, "val_loss")
    joined = next(c for c in axes.containers if c.get_label() == "val_loss").lines[0]  # the errorbar's line
    assert list(joined.get_xdata()) == [0.001, 0.01] and list(joined.get_ydata()) == [0.3, 0.25]
    pruned = [line for line in axes.get_lines() if line.get_label().startswith("pruned")][0]
    assert list(pruned.get_xdata()) == [0.003] and pruned.get_linestyle() == "None"
    assert "diverged" not in legend_texts(axes)  # nothing diverged: no such entry


def test_metric_vs_lr_marks_diverged_trials_in_the_legend_only_when_there_are_some(drawn):
    records = [record(0.01, "finished", [0.5, 0.3]), record(10.0, "diverged", [math.nan])]
    axes = drawn(plots.plot_metric_vs_lr, records, "val_loss")
    assert "diverged" in legend_texts(axes)
    marks = [line for line in axes.get_lines() if line.get_label() == "diverged"][0]
    assert list(marks.get_xdata()) == [10.0]


def test_loss_curves_draw_every_diverged_trial_the_title_promises(drawn):
    records = [record(0.01, "finished", [0.5, 0.3]), record(10.0, "diverged", [math.nan]),
               record(10.0, "diverged", [], seed=1)]  # no finite value at all
    axes = drawn(plots.plot_loss_curves, records)
    assert "red v: diverged" in axes.get_title()
    red_marks = [line for line in axes.get_lines() if line.get_marker() == "v" and line.get_color() == "red"]
    assert len(red_marks) == 2 and "lr=10.0 (diverged)" in legend_texts(axes)


def test_loss_curves_title_names_only_the_marks_drawn(drawn):
    axes = drawn(plots.plot_loss_curves, [record(0.01, "finished", [0.5, 0.3])])
    assert axes.get_title() == "val_loss of every trial"
