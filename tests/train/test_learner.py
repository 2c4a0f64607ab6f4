"""A learner of a kind registered outside dlx is trained by the one trainer, as a user runs it:
early stopping with the best epoch restored, checkpoints, Ctrl-C and ``dlx train --resume``."""
from __future__ import annotations

import json
import os

from dlx.runs import load_checkpoint
from tests.cli import forked
from tests.cli.cli_process import ROOT

RUN_DLX = "import sys, tests.train.toy_kind; sys.argv[0] = 'dlx'; from dlx.cli.app import main; main()"


def dlx_with_toy(*args, cwd, env=None):
    """The real CLI in a fresh process, with the toy kind registered first (as a plug-in would)."""
    environment = dict(os.environ, **(env or {}))
    environment["PYTHONPATH"] = os.pathsep.join([str(ROOT), environment.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    return forked.run(args, code=RUN_DLX, cwd=cwd, env=environment, timeout=120)


def rows_of(run_dir):
    return [json.loads(line) for line in (run_dir / "metrics.jsonl").read_text().splitlines() if line.strip()]


def only_run(results):
    (run_dir,) = list((results / "toy-walk").iterdir())
    return run_dir


def test_a_toy_learner_stops_early_keeps_checkpoints_and_resumes_to_the_same_rows(tmp_path):
    config = tmp_path / "walk.yaml"
    config.write_text("kind: toy_walk\nepochs: 20\npatience: 2\n")
    whole = dlx_with_toy("train", config, "--results", tmp_path / "whole", cwd=tmp_path)
    assert whole.returncode == 0, whole.stdout + whole.stderr
    expected = only_run(tmp_path / "whole")
    rows, summary = rows_of(expected), json.loads((expected / "summary.json").read_text())
    best = min(rows, key=lambda row: row["val_loss"])
    assert summary["status"] == "early_stopped" and best["epoch"] > 1
    assert rows[-1]["epoch"] == best["epoch"] + 2  # patience 2: two epochs without improvement
    assert summary["best_epoch"] == best["epoch"] and summary["restored_best"]
    assert summary["test"]["w"] == best["w"]  # the best epoch's weights put back
    arrays, meta = load_checkpoint(expected / "checkpoints" / "last.npz")
    assert meta["epoch"] == rows[-1]["epoch"] and meta["history"] == rows
    assert arrays["model/w"][0] == rows[-1]["w"] and arrays["best/w"][0] == best["w"]
    weights, record = load_checkpoint(expected / "checkpoints" / "best.npz")
    assert record == {"kind": "weights", "epoch": best["epoch"]} and weights["model/w"][0] == best["w"]

    cut = dlx_with_toy("train", config, "--results", tmp_path / "cut", cwd=tmp_path, env={"TOY_INTERRUPT_AT": "3"})
    assert cut.returncode == 130, cut.stdout + cut.stderr  # Ctrl-C in epoch 3
    run_dir = only_run(tmp_path / "cut")
    assert [row["epoch"] for row in rows_of(run_dir)] == [1, 2]
    assert json.loads((run_dir / "summary.json").read_text())["status"] == "interrupted"
    resumed = dlx_with_toy("train", "--resume", run_dir, cwd=tmp_path)
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    assert rows_of(run_dir) == rows  # the generator's state came back with the number
    again = json.loads((run_dir / "summary.json").read_text())
    assert again["status"] == "early_stopped" and again["test"] == summary["test"]
