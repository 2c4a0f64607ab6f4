"""``dlx sweep`` as a user runs it: fresh processes, one-line errors, Ctrl-C and --resume."""
import json
import signal
import subprocess
import sys

import pytest
import yaml

from tests.cli import forked
from tests.cli.cli_process import interruptible_at_low_priority
from tests.conftest import BREAST_CANCER_SMALL


def dlx(*args, cwd):
    return forked.run(args, cwd=cwd, timeout=300)


@pytest.fixture
def config(tmp_path):
    path = tmp_path / "small.yaml"
    path.write_text(BREAST_CANCER_SMALL)
    return path


def write_sweep(tmp_path, **fields):
    path = tmp_path / "sweep.yaml"
    spec = {"name": "s", "base": "small.yaml", **fields}
    spec.setdefault("plots", False)  # no test here looks at the report's pictures; last, so the lines stay
    path.write_text(yaml.safe_dump(spec, sort_keys=False))
    return path


def test_the_quick_form_runs_a_grid_and_reports_by_group(tmp_path, config):
    done = dlx("sweep", str(config), "--param", "optimiser.lr", "--values", "1e-3,3e-2", "--set", "training.epochs=2",
               "--set", "plots=false", "--backend", "serial", "--results", str(tmp_path / "r"), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "lr=0.03" in done.stdout and "lr=0.001" in done.stdout and "sweep folder:" in done.stdout
    assert done.stderr.count("finished  val_loss") == 2  # plain lines: not a terminal
    sweep_dir = next((tmp_path / "r" / "sweeps" / "small").iterdir())
    rows = (sweep_dir / "summary.csv").read_text().splitlines()
    assert len(rows) == 3 and (sweep_dir / "report.html").is_file()


@pytest.mark.parametrize("fields, message", [
    ({"parameters": {"optimiser.lrr": [0.1]}}, "sweep.yaml:4: parameters.optimiser.lrr: value 0.1: "),
    ({"parameters": {"optimiser.lr": []}}, "sweep.yaml:3: parameters: the grid of 'optimiser.lr' is empty"),
    ({"parameters": {"training.epocs": [1]}}, "unknown key 'training.epocs'; did you mean 'epochs'?"),
    ({"parameters": {"optimiser.lr": {"distribution": "normal", "low": 0, "high": 1}}},
     "Input should be 'uniform', 'log_uniform', 'int' or 'choice' (got 'normal')"),
    ({"parameters": {"optimiser.lr": [0.1]}, "expect": {"c": "adam.val_loss < 1"}},
     "sweep.yaml:7: expect.c: 'adam.val_loss' names no group of this sweep"),
])
def test_an_invalid_sweep_is_one_line_before_any_trial(tmp_path, config, fields, message):
    done = dlx("sweep", str(write_sweep(tmp_path, **fields)), "--results", str(tmp_path / "r"), cwd=tmp_path)
    assert done.returncode == 1 and message in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1 and "Traceback" not in done.stderr
    assert not (tmp_path / "r").exists()  # nothing started


@pytest.mark.slow
def test_ctrl_c_stops_the_sweep_and_resume_runs_exactly_the_missing_trials(tmp_path, config):
    lrs = [0.001, 0.002, 0.005, 0.01, 0.02, 0.05]
    # trials of 40 epochs (about 0.2 s each): the four after [2/6] cannot all end before the signal on a busy machine
    sweep = write_sweep(tmp_path, set=["training.epochs=40"], parameters={"optimiser.lr": lrs})
    process = subprocess.Popen([sys.executable, "-m", "dlx.cli.app", "sweep", str(sweep), "--workers", "2",
                                "--results", str(tmp_path / "r")], cwd=tmp_path, stderr=subprocess.PIPE,
                               stdout=subprocess.PIPE, text=True,
                               preexec_fn=interruptible_at_low_priority)
    for line in process.stderr:
        if line.startswith("[2/6]"):
            break
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=120)
    assert process.returncode == 130, err
    sweep_dir = next((tmp_path / "r" / "sweeps" / "s").iterdir())
    records = [json.loads(line) for line in (sweep_dir / "trials.jsonl").read_text().splitlines()]
    done_before = {r["id"] for r in records if r["status"] != "interrupted"}
    assert 2 <= len(done_before) < 6 and json.loads((sweep_dir / "state.json").read_text())["status"] == "interrupted"
    resumed = dlx("sweep", "--resume", str(sweep_dir), "--backend", "serial", cwd=tmp_path)  # no pool to start again
    assert resumed.returncode == 0, resumed.stderr
    ran = [line for line in resumed.stderr.splitlines() if " trial " in line]
    assert len(ran) == 6 - len(done_before)  # exactly the missing ones
    assert all(line.split()[2] not in done_before for line in ran)
    final = {json.loads(line)["id"]: json.loads(line)["status"]
             for line in (sweep_dir / "trials.jsonl").read_text().splitlines()}
    assert len(final) == 6 and set(final.values()) == {"finished"}
