"""Every shipped supervised config whose layers ONNX expresses: the exported graph gives dlx's outputs on the
test split in onnxruntime (models built from the configs, random initialisation: the same export path as a
trained run's); and ``dlx train`` -> ``dlx export`` -> onnxruntime / PyTorch in fresh processes."""
from pathlib import Path

import numpy as np
import pytest

from dlx.experiments import load_experiment
from dlx.inference.loaded import load_run
from dlx.inference.splits import run_splits
from dlx.runs.children import children_of
from dlx.train.experiment import prepare
from tests.cli.cli_process import dlx, output_of
from tests.export.checks import TOLERANCE, assert_onnx_matches, onnx_outputs, torch_outputs
from tests.test_configs import CONFIGS, one_step_overrides

# named models built in code (seq2seq decoders, HAN, word2vec, GloVe, bag of words, text CNN): no ONNX rule yet
NOT_EXPORTABLE = {"addition_attention", "copy_attention", "dates_attention", "reverse_attention", "reverse_plain",
                  "reverse_transformer", "sort_attention", "docstrings_bow", "docstrings_cnn", "documents_han",
                  "glove_planted", "word2vec_planted",
                  # layers with no ONNX rule: leaky integrate-and-fire over time steps, sampled Bayesian weights,
                  # the Neural Turing Machine's memory
                  "spiking_digits", "bayes_regression", "ntm_copy"}
EXPORTABLE = [p for p in CONFIGS if p.stem not in NOT_EXPORTABLE]
ROWS = 64  # of the test split (all of it when smaller)


def small_data(path: Path, tmp_path: Path) -> list[str]:
    """One-epoch overrides with fewer generated samples: the export does not need the whole data set."""
    overrides = one_step_overrides(path, tmp_path)
    options = load_experiment(path, check=False).raw["dataset"].get("options") or {}
    if "n" in options and "dataset.options.n=100" not in overrides:
        overrides.append(f"dataset.options.n={min(int(options['n']), 400)}")
    if load_experiment(path, check=False).raw["dataset"]["name"] == "python_docstrings":
        overrides.append("dataset.options.packages=[email, http]")  # two packages' docstrings, not eight
    if isinstance(options.get("limit"), int):
        overrides.append(f"dataset.options.limit={min(options['limit'], 20000)}")
    return overrides


def test_the_lists_cover_every_supervised_config():
    assert NOT_EXPORTABLE <= {p.stem for p in CONFIGS}
    assert len(EXPORTABLE) >= 25


@pytest.mark.parametrize("path", EXPORTABLE, ids=lambda p: p.stem)
def test_config_model_in_onnxruntime_gives_dlx_outputs(path, tmp_path):
    experiment = prepare(load_experiment(path, small_data(path, tmp_path)))
    split = next(experiment.splits[name] for name in ("test", "validation", "train") if len(experiment.splits[name]))
    assert_onnx_matches(experiment.model, split.input_shape, split.X[:ROWS])


@pytest.mark.parametrize("path", [p for p in CONFIGS if p.stem in ("docstrings_cnn", "reverse_plain")],
                         ids=lambda p: p.stem)
def test_a_model_without_a_rule_is_one_line_and_writes_nothing(path, tmp_path):
    from dlx.export.onnx_graph import ExportError, onnx_model
    experiment = prepare(load_experiment(path, small_data(path, tmp_path)))
    with pytest.raises(ExportError, match="cannot be exported to ONNX"):
        onnx_model(experiment.model, experiment.splits["train"].input_shape)


def exports(run: Path, fmt: str) -> list[Path]:
    return [child for child in children_of(run, "export") if child.parent.name == f"export-{fmt}"]


def test_trained_run_exported_to_onnx_runs_in_onnxruntime(trained_cnn):
    result = dlx("export", trained_cnn, "--format", "onnx", cwd=trained_cnn)
    assert result.returncode == 0, output_of(result)
    (child,) = exports(trained_cnn, "onnx")
    run = load_run(trained_cnn)
    raw = run_splits(trained_cnn, load_experiment(trained_cnn / "config.yaml"))["test"].X  # the scaler is in the graph
    np.testing.assert_allclose(onnx_outputs(child / "model.onnx", raw), run.outputs(raw), rtol=0, atol=TOLERANCE)


def test_trained_run_safetensors_load_into_the_printed_pytorch_module(trained_cnn):
    from typer.testing import CliRunner

    from dlx.cli.app import app
    result = CliRunner().invoke(app, ["export", str(trained_cnn), "--format", "safetensors"])  # in process: cheaper
    assert result.exit_code == 0, result.output
    assert "model.load_state_dict(load_file('model.safetensors'))" in result.output
    (child,) = exports(trained_cnn, "safetensors")
    run = load_run(trained_cnn)
    raw = run_splits(trained_cnn, load_experiment(trained_cnn / "config.yaml"))["test"].X
    got = torch_outputs((child / "model_torch.py").read_text(), child / "model.safetensors", raw)
    np.testing.assert_allclose(got, run.outputs(raw), rtol=0, atol=TOLERANCE)


def test_unknown_format_names_the_formats_and_writes_nothing(trained_cnn):
    from dlx.export.run import ExportError, export_run
    before = children_of(trained_cnn)
    with pytest.raises(ExportError, match="unknown format 'tflite'; use one of onnx, safetensors"):
        export_run(trained_cnn, "tflite")
    assert children_of(trained_cnn) == before
