"""The command line: exit codes, the one-line errors, and no half-written run folders."""
import json
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from dlx.cli.app import app
from dlx.errors import ConfigError

runner = CliRunner()

XOR = """\
dataset: {name: xor, options: {repeat: 4}, validation: 0, test: 0}
model: {layers: [{dense: {units: 8}}, tanh, {dense: {units: outputs}}]}
loss: bce_with_logits
optimiser: {name: adam, lr: 0.05}
training: {epochs: 3, batch_size: full}
"""


def invoke(*args):
    return runner.invoke(app, [str(a) for a in args])


def write(tmp_path, text, name="exp.yaml"):
    path = tmp_path / name
    path.write_text(text)
    return path


def assert_one_error_line(result, *fragments):
    assert result.exit_code == 1, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, result.output
    assert lines[0].startswith("error: "), lines[0]
    assert "Traceback" not in result.output
    for fragment in fragments:
        assert fragment in lines[0], lines[0]


def no_runs(tmp_path):
    results = tmp_path / "results"
    return not results.exists() or not any(results.rglob("*.npz")) and not any(results.rglob("*.json"))


def test_train_writes_a_run_and_prints_the_folder(tmp_path):
    result = invoke("train", write(tmp_path, XOR), "--set", "output.plots=false", "--results", tmp_path / "results")
    assert result.exit_code == 0, result.output
    assert "epoch   3" in result.output  # one line per epoch when not on a terminal
    folder = Path(result.output.strip().splitlines()[-1].removeprefix("run folder: "))
    assert (folder / "summary.json").is_file() and folder.parent.name == "exp"


@pytest.mark.parametrize("edit,fragments", [
    (lambda t: t.replace("training: {", "training: {{"), ["exp.yaml:5: malformed YAML"]),
    (lambda t: t.replace("epochs: 3", "epoch: 3"), ["training.epoch: unknown key; did you mean 'epochs'?"]),
    (lambda t: t.replace("epochs: 3", "epochs: three"), ["training.epochs:", "'three'"]),
    (lambda t: t.replace("tanh", "tahn"), ["model.layers.1: unknown layer 'tahn'. Did you mean 'tanh'?"]),
    (lambda t: t.replace("bce_with_logits", "bce_logits"), ["loss: unknown loss 'bce_logits'",
                                                              "Did you mean 'bce_with_logits'?"]),
    (lambda t: t.replace("name: adam", "name: adma"), ["optimiser.name: unknown optimiser 'adma'"]),
    (lambda t: t.replace("lr: 0.05", "lr: 0"), ["optimiser.lr: Input should be greater than 0"]),
])
def test_config_errors_are_one_line_and_leave_no_run(tmp_path, edit, fragments):
    result = invoke("train", write(tmp_path, edit(XOR)), "--results", tmp_path / "results")
    assert_one_error_line(result, *fragments)
    assert not (tmp_path / "results").exists()


def test_layers_that_do_not_fit_fail_before_training(tmp_path):
    text = """\
dataset: {name: digits, options: {flatten: false}}
model: {layers: [{dense: {units: 8}}, relu, {dense: {units: outputs}}]}
"""
    result = invoke("train", write(tmp_path, text), "--results", tmp_path / "results")
    assert_one_error_line(result, "layer 0 (dense)", "(features,)", "(1, 8, 8)", "flatten")
    assert not (tmp_path / "results").exists()


def test_a_model_with_the_wrong_number_of_outputs_fails_before_training(tmp_path):
    result = invoke("train", write(tmp_path, XOR.replace("units: outputs", "units: 3")),
                    "--results", tmp_path / "results")
    assert_one_error_line(result, "(3,)", "(1,)")


def test_missing_data_file(tmp_path):
    text = XOR.replace("{name: xor, options: {repeat: 4}", "{name: csv, options: {path: nope.csv, target: y}")
    result = invoke("train", write(tmp_path, text), "--results", tmp_path / "results")
    assert_one_error_line(result, "nope.csv", "not found")
    assert not (tmp_path / "results").exists()


def test_csv_without_the_target_column(tmp_path):
    data = tmp_path / "data.csv"
    data.write_text("a,b,label\n1,2,0\n3,4,1\n5,6,0\n7,8,1\n")
    text = XOR.replace("{name: xor, options: {repeat: 4}", f"{{name: csv, options: {{path: '{data}', target: y}}")
    result = invoke("train", write(tmp_path, text), "--results", tmp_path / "results")
    assert_one_error_line(result, "'y'", "a, b, label")
    assert not (tmp_path / "results").exists()


def test_results_folder_that_cannot_be_written(tmp_path):
    blocker = tmp_path / "results"
    blocker.write_text("a file, not a folder")
    result = invoke("train", write(tmp_path, XOR), "--results", blocker / "inner")
    assert_one_error_line(result, "cannot write results folder")
    assert blocker.read_text() == "a file, not a folder"


def test_missing_config_file(tmp_path):
    assert_one_error_line(invoke("train", tmp_path / "nope.yaml"), "nope.yaml", "not found")


def test_debug_shows_the_traceback(tmp_path):
    """With --debug the error itself escapes (a traceback); without, a clean exit 1 (SystemExit)."""
    debug = runner.invoke(app, ["--debug", "train", str(tmp_path / "nope.yaml")])
    assert isinstance(debug.exception, ConfigError), repr(debug.exception)
    plain = runner.invoke(app, ["train", str(tmp_path / "nope.yaml")])
    assert plain.exit_code == 1 and isinstance(plain.exception, SystemExit)


@pytest.fixture
def trained_run(tmp_path):
    text = XOR.replace("validation: 0, test: 0", "validation: 0.25, test: 0.25").replace("epochs: 3", "epochs: 30")
    result = invoke("train", write(tmp_path, text), "--set", "output.plots=false", "--results", tmp_path / "results")
    assert result.exit_code == 0, result.output
    return Path(result.output.strip().splitlines()[-1].removeprefix("run folder: "))


def test_an_invalid_checkpoint_is_refused(trained_run):
    (trained_run / "model.npz").write_bytes(b"not a zip archive")
    assert_one_error_line(invoke("evaluate", trained_run), "model.npz")


def test_a_pickled_checkpoint_is_refused_and_not_executed(trained_run, tmp_path):
    marker = tmp_path / "executed"

    class Payload:
        def __reduce__(self):
            return (Path.touch, (marker,))

    np.savez(trained_run / "model.npz", evil=np.array([Payload()], dtype=object), allow_pickle=True)
    assert_one_error_line(invoke("evaluate", trained_run), "model.npz")
    assert not marker.exists()


def test_evaluate_prints_the_metrics(trained_run):
    result = invoke("evaluate", trained_run, "--split", "all")
    assert result.exit_code == 0, result.output
    assert "accuracy" in result.output and "validation" in result.output


def test_predict_writes_class_and_probability(trained_run, tmp_path):
    rows = tmp_path / "new.csv"
    rows.write_text("x1,x2\n0,0\n0,1\n1,0\n1,1\n")
    result = invoke("predict", trained_run, rows)
    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    assert lines[0].startswith("prediction,") and len(lines) == 5
    assert all(line.split(",")[0] in ("0", "1") for line in lines[1:])


def test_resume_of_a_finished_run_is_refused(trained_run):
    assert_one_error_line(invoke("train", "--resume", trained_run), "already finished")


def test_config_show_prints_the_resolved_config(tmp_path):
    result = invoke("config", "show", write(tmp_path, XOR), "--set", "optimiser.lr=0.5")
    assert result.exit_code == 0, result.output
    assert "lr: 0.5" in result.output and "seed: 0" in result.output


def test_schema_is_json():
    result = invoke("schema")
    assert result.exit_code == 0
    assert json.loads(result.output)["title"] == "dlx experiment config"


def test_list_shows_registries_with_descriptions():
    result = invoke("list", "optimisers")
    assert result.exit_code == 0 and "adam" in result.output and "Adam" in result.output
    assert_one_error_line(invoke("list", "optimizer"), "unknown kind 'optimizer'", "optimisers")


def test_a_too_small_image_for_a_pooling_stack_fails_before_training(tmp_path):
    text = """\
dataset: {name: digits, options: {flatten: false}}
model:
  layers: [{conv2d: {filters: 4, kernel_size: 3, padding: 1}}, {max_pool2d: {pool_size: 2}},
           {max_pool2d: {pool_size: 2}}, {max_pool2d: {pool_size: 2}}, {max_pool2d: {pool_size: 2}},
           flatten, {dense: {units: outputs}}]
"""
    result = invoke("train", write(tmp_path, text), "--results", tmp_path / "results")
    assert_one_error_line(result, "layer 4 (max_pool2d)", "(4, 1, 1)")
    assert not (tmp_path / "results").exists()


def test_a_3d_tensor_into_dense_fails_before_training(tmp_path):
    text = """\
dataset: {name: digits, options: {flatten: false}}
model: {layers: [{conv2d: {filters: 4, kernel_size: 3}}, relu, {dense: {units: outputs}}]}
"""
    result = invoke("train", write(tmp_path, text), "--results", tmp_path / "results")
    assert_one_error_line(result, "layer 2 (dense)", "(features,)", "(4, 6, 6)")
    assert not (tmp_path / "results").exists()
