"""Running sweeps: failures recorded while the others finish, the pool agrees with one process,
an interrupted sweep resumes only its missing trials, ASHA prunes, reports hold the verdicts."""
import json

import yaml

from dlx.sweep.driver import execute_sweep, open_resumed, prepare_sweep, run_sweep
from dlx.sweep.spec import parse_sweep
from tests.conftest import BREAST_CANCER_SMALL

BASE = yaml.safe_load(BREAST_CANCER_SMALL)


def small_sweep(parameters: dict, **extra) -> str:
    return yaml.safe_dump({"name": "t", "base": BASE, "set": ["training.epochs=2"], "parameters": parameters,
                           **extra})


def test_a_failing_trial_is_recorded_with_its_cause_while_the_others_finish(tmp_path):
    text = small_sweep({"optimiser.lr": [0.01, 0.05], "model.layers.2.dense.units": ["outputs", 3]},
                       expect={"small_lr_loses": "lr[0.01].val_loss > lr[0.05].val_loss"})
    outcome = run_sweep(parse_sweep(text, "s.yaml"), workers=2, results_root=str(tmp_path))
    assert outcome.counts == {"finished": 2, "failed": 2} and outcome.exit_code == 2
    lines = [json.loads(line) for line in (outcome.sweep_dir / "trials.jsonl").read_text().splitlines()]
    failed = [r for r in lines if r["status"] == "failed"]
    assert len(failed) == 2 and all("ShapeError" in r["message"] for r in failed)
    summary = (outcome.sweep_dir / "summary.csv").read_text()
    assert summary.count("ShapeError") == 2 and summary.splitlines()[1].startswith("units=outputs lr=0.05")
    report = (outcome.sweep_dir / "report.md").read_text()
    assert "ShapeError" in report and "| small_lr_loses |" in report
    for name in ("loss_curves", "metric_vs_lr"):
        assert (outcome.sweep_dir / "plots" / f"{name}.png").stat().st_size > 1000
    assert all((outcome.sweep_dir / r["run_dir"] / "summary.json").is_file()
               for r in lines if r["status"] == "finished")


def test_the_pool_gives_the_numbers_of_one_process(tmp_path):
    text = small_sweep({"optimiser.lr": [0.01, 0.05]})
    pooled = run_sweep(parse_sweep(text), workers=2, results_root=str(tmp_path / "a"))
    serial = run_sweep(parse_sweep(text), backend="serial", results_root=str(tmp_path / "b"))
    assert (pooled.sweep_dir / "summary.csv").read_text() == (serial.sweep_dir / "summary.csv").read_text()


class StopAfter:
    """A display that presses Ctrl-C after ``n`` results."""

    def __init__(self, n):
        self.n, self.seen = n, 0

    def start(self, plan, todo, done): ...
    def tick(self, progress): ...
    def stop(self): ...

    def result(self, item, record):
        self.seen += 1
        if self.seen == self.n:
            raise KeyboardInterrupt


def test_an_interrupted_sweep_resumes_exactly_its_missing_trials(tmp_path):
    loaded = parse_sweep(small_sweep({"optimiser.lr": [0.01, 0.02, 0.05, 0.1]}))
    sweep_dir, plan = prepare_sweep(loaded, str(tmp_path))
    first = execute_sweep(loaded, plan, sweep_dir, backend="serial", display=StopAfter(2))
    assert first.status == "interrupted" and first.exit_code == 130 and first.ran == 2
    resumed = run_sweep(open_resumed(sweep_dir), backend="serial", resume_dir=sweep_dir)
    assert resumed.status == "finished" and resumed.ran == 2 and len(resumed.records) == 4
    again = run_sweep(open_resumed(sweep_dir), backend="serial", resume_dir=sweep_dir)
    assert again.ran == 0


def test_asha_stops_poor_trials_and_the_report_says_what_it_saved(tmp_path):
    text = small_sweep({"optimiser.lr": [0.03, 0.01, 1e-3, 3e-4, 1e-4]}, prune={"grace_epochs": 1, "reduction": 3},
                       set=["training.epochs=3"])
    outcome = run_sweep(parse_sweep(text), backend="serial", results_root=str(tmp_path))
    pruned = [r for r in outcome.records if r["status"] == "pruned"]
    assert pruned and all(len(r["history"]) < 3 for r in pruned)
    assert "planned epochs run" in (outcome.sweep_dir / "report.md").read_text()
    assert outcome.table[0]["statuses"] == "finished:1"  # the best group ran to the end
