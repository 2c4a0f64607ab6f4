"""The NTM copy task as a user runs it: ``dlx train`` in one process, ``dlx evaluate`` in another."""
import json

from tests.cli.cli_process import dlx, output_of, train

NTM_COPY = """\
description: a tiny NTM on the copy task
dataset: {name: bit_copy, options: {n: 24, bits: 3, max_length: 3, test_lengths: [20, 30], test_n: 1},
          validation: 0.25, test: 0}
model: {layers: [{ntm: {units: 6, memory_size: 32, memory_width: 4}}, {time_dense: {units: outputs}}]}
loss: bce_with_logits
optimiser: {name: adam, lr: 0.01, clip_norm: 10}
training: {epochs: 1, batch_size: 8}
"""


def test_ntm_copy_trains_draws_its_weightings_and_evaluates_in_a_fresh_process(tmp_path):
    run = train(tmp_path, NTM_COPY)
    assert (run / "plots" / "copy_weightings.png").stat().st_size > 0
    summary = json.loads((run / "summary.json").read_text())
    assert {"test_bit_errors_20", "test_bit_errors_30"} <= set(summary["test"])
    result = dlx("evaluate", run, "--json", cwd=tmp_path)
    assert result.returncode == 0, output_of(result)
    test = json.loads(result.stdout)["test"]
    assert test["bit_errors_30"] == summary["test"]["test_bit_errors_30"]  # the saved model, reloaded
