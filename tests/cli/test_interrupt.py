"""A real Ctrl-C (SIGINT) during `dlx train`, then `dlx train --resume`."""
import json
import os
import signal
import subprocess
import sys

import numpy as np
import pytest

from dlx.runs import MetricsLog, load_checkpoint
from tests.cli.cli_process import interruptible_at_low_priority

CONFIG = """\
description: slow enough to be interrupted
dataset: {name: digits, validation: 0.2, test: 0.2, scaling: standardize}
model: {layers: [{dense: {units: 64}}, relu, {dense: {units: outputs}}]}
optimiser: {name: adam, lr: 0.001}
training: {epochs: 12, batch_size: 8, seed: 1}
output: {plots: false}
"""


def dlx(*args, **kwargs):
    """``dlx ARGS`` in the background, at a low priority and with Ctrl-C at its default
    (``interruptible_at_low_priority``)."""
    return subprocess.Popen([sys.executable, "-m", "dlx.cli.app", *map(str, args)], stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, preexec_fn=interruptible_at_low_priority, **kwargs)


@pytest.mark.slow
@pytest.mark.skipif(os.name != "posix", reason="sends SIGINT")
def test_ctrl_c_keeps_the_checkpoint_and_resume_finishes_identically(tmp_path):
    config = tmp_path / "slow.yaml"
    config.write_text(CONFIG)
    process = dlx("train", config, "--results", tmp_path / "results")
    for line in process.stdout:  # wait until two epochs are done
        if line.startswith("epoch   2"):
            break
    process.send_signal(signal.SIGINT)
    output = process.communicate(timeout=120)[0]
    assert process.returncode == 130, output
    assert "interrupted" in output and "dlx train --resume" in output and "Traceback" not in output
    run_dir = next((tmp_path / "results" / "slow").iterdir())
    summary = json.loads((run_dir / "summary.json").read_text())
    assert summary["status"] == "interrupted" and summary["epochs_completed"] >= 2
    assert len(MetricsLog.read(run_dir)) == summary["epochs_completed"]

    resumed = subprocess.run([sys.executable, "-m", "dlx.cli.app", "train", "--resume", str(run_dir)],
                             capture_output=True, text=True, timeout=300)
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    assert json.loads((run_dir / "summary.json").read_text())["status"] == "finished"

    straight = subprocess.run([sys.executable, "-m", "dlx.cli.app", "train", str(config), "--results",
                               str(tmp_path / "straight")], capture_output=True, text=True, timeout=300)
    assert straight.returncode == 0
    other = next((tmp_path / "straight" / "slow").iterdir())
    a, b = load_checkpoint(run_dir / "model.npz")[0], load_checkpoint(other / "model.npz")[0]
    for key in a:
        np.testing.assert_array_equal(a[key], b[key], err_msg=key)
