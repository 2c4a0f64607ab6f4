"""``dlx import-weights``: PyTorch-named tensors back into a dlx model, the export's conversions undone."""
import numpy as np
import pytest

from dlx.export.torch_module import torch_equivalent
from dlx.export.weights_in import load_torch_tensors, traced_sources
from dlx.inference.loaded import load_run
from dlx.runs.children import children_of
from tests.cli.cli_process import dlx, output_of
from tests.export.test_layer_families import CASES


@pytest.mark.parametrize("case", sorted(CASES))
def test_tensors_loaded_into_another_model_export_back_unchanged(case, rng):
    """Import then export is the identity on every tensor element that has a dlx element behind it
    (the gate reorders, transposes and concatenations are undone exactly)."""
    make, shape, _ = CASES[case]
    source, target = make(np.random.default_rng(1)), make(np.random.default_rng(2))
    _, given = torch_equivalent(source, shape)
    result = load_torch_tensors(target, shape, given)
    assert not result.unmatched and not result.kept
    _, back = torch_equivalent(target, shape)
    sources, _ = traced_sources(target, shape)
    for name, value in given.items():
        traced = sources[name] >= 0
        np.testing.assert_array_equal(back[name][traced], value[traced], err_msg=name)


def test_import_weights_writes_a_child_run_and_lists_what_did_not_match(trained_cnn, tmp_path):
    from safetensors.numpy import save_file
    run = load_run(trained_cnn)
    _, tensors = torch_equivalent(run.model, run.input_shape)
    first = sorted(name for name in tensors if name.endswith("weight"))[0]
    changed = {name: value * 2 for name, value in tensors.items()}  # doubled weights: outputs must change
    changed["head.extra"] = np.zeros(3, np.float32)
    changed["1.0.bias"] = np.zeros(5, np.float32)
    save_file(changed, tmp_path / "weights.safetensors")
    before = (trained_cnn / "model.npz").read_bytes()

    result = dlx("import-weights", trained_cnn, tmp_path / "weights.safetensors", cwd=tmp_path)
    assert result.returncode == 0, output_of(result)
    assert "not loaded: head.extra: no tensor of this name in the model" in result.stdout
    assert "not loaded: 1.0.bias: shape (5,) in the file, (32,) in the model" in result.stdout
    assert (trained_cnn / "model.npz").read_bytes() == before  # the run itself is not rewritten
    (child,) = children_of(trained_cnn, "import")
    imported = load_run(child)
    _, again = torch_equivalent(imported.model, imported.input_shape)
    np.testing.assert_array_equal(again[first], changed[first])
    np.testing.assert_array_equal(again["1.0.bias"], tensors["1.0.bias"])  # kept from the run


def test_a_file_with_nothing_that_fits_is_one_line_and_no_child(trained_cnn, tmp_path):
    from safetensors.numpy import save_file
    save_file({"encoder.weight": np.zeros((2, 2), np.float32)}, tmp_path / "other.safetensors")
    from dlx.errors import CheckpointError
    from dlx.export.weights_in import import_weights
    before = children_of(trained_cnn)
    with pytest.raises(CheckpointError, match="no tensor of .* matches the model of .* by name and shape"):
        import_weights(trained_cnn, tmp_path / "other.safetensors")
    assert children_of(trained_cnn) == before
