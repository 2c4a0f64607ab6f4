"""Rewinding a lottery ticket to epoch k (Frankle et al., 2020): the weights are those the run's own training had
after k epochs, checked against the validation loss that run recorded for epoch k in another process."""
from __future__ import annotations

import json

import pytest

from dlx.compress.lottery import rewound_weights
from dlx.compress.source import open_source
from dlx.compress.training import test_metrics as metrics_on
from dlx.errors import DlxError
from tests.cli.cli_process import write
from tests.cli.trained_runs import trained

# a cosine schedule: k epochs of a 4-epoch run are not a k-epoch run (whose rate would fall to 0 by epoch k)
SCHEDULED = """\
dataset: {name: digits, validation: 0.15, test: 0.2, scaling: standardize}
model: {layers: [{dense: {units: 16}}, relu, {dense: {units: outputs}}]}
loss: cross_entropy
optimiser: {name: adam, lr: 0.01, schedule: {name: cosine}}
training: {epochs: 4, batch_size: 64}
output: {plots: false}
"""


def test_rewinding_to_epoch_k_gives_the_weights_the_run_had_after_k_epochs(tmp_path):
    run = trained(tmp_path, write(tmp_path, SCHEDULED))
    recorded = {row["epoch"]: row["val_loss"] for row in map(json.loads, (run / "metrics.jsonl").open())
                if "val_loss" in row}
    source = open_source(run)
    x = source.experiment(weights=False)
    x.model.load_state_dict(rewound_weights(source, 2))
    assert metrics_on(x, "validation")["val_loss"] == pytest.approx(recorded[2], rel=1e-5)
    assert recorded[2] != pytest.approx(recorded[4], rel=1e-3)  # epoch 2's weights, not the end's
    with pytest.raises(DlxError, match="rewind_epoch 5 is past"):
        rewound_weights(source, 5)
