"""Graph models and ``dlx summary`` as a user runs them: fresh processes, files another process wrote."""
import json
from pathlib import Path

import numpy as np
import yaml

import dlx.data  # noqa: F401  (registers the data sets)
from dlx.registry import datasets
from tests.cli import forked
from tests.cli.cli_process import ROOT, assert_no_run_folder, assert_one_error_line, dlx, output_of, same_threads, write

GRAPH_CONFIG = ROOT / "configs" / "digits_graph.yaml"


def fresh_outputs(run: Path, folder: Path) -> np.ndarray:
    """The loaded run's outputs on its test images, computed in a new Python process."""
    script = ("import sys, numpy as np; from dlx import Tensor, no_grad; from dlx.inference.loaded import load_run\n"
              "run = load_run(sys.argv[1]); X = np.load(sys.argv[2])['X']\n"
              "with no_grad(): np.save(sys.argv[3], run.model(Tensor(X)).data)\n")
    images = datasets.get("digits")(rng=np.random.default_rng(0), flatten=False).X[:64].astype(np.float32)
    np.savez(folder / "images.npz", X=images)
    target = folder / f"out-{len(list(folder.glob('out-*')))}.npy"
    done = forked.run([run, folder / "images.npz", target], code=script, env=same_threads())
    assert done.returncode == 0, done.stderr
    return np.load(target)


def test_the_digits_graph_trains_and_a_fresh_process_reproduces_it_bit_for_bit(tmp_path):
    result = dlx("train", GRAPH_CONFIG, "--results", tmp_path / "results", "--set", "training.epochs=1",
                 "--set", "output.plots=false", cwd=tmp_path, timeout=300)  # the model's numbers, not pictures
    assert result.returncode == 0, output_of(result)
    run = Path(result.stdout.strip().splitlines()[-1].removeprefix("run folder: "))
    description = json.loads((run / "model.json").read_text())
    assert list(description["blocks"]) == ["conv_unit"]
    assert description["parameters"] == 13_938  # dlx summary's total: the shared block counted once
    tested = json.loads((run / "summary.json").read_text())["test"]
    script = ("import sys; from dlx.inference.evaluate import evaluate_run\n"
              "print(repr(evaluate_run(sys.argv[1], 'test')['test']['loss']))\n")
    evaluated = forked.run([run], code=script, env=same_threads())
    assert evaluated.returncode == 0, evaluated.stderr
    assert float(evaluated.stdout) == tested["test_loss"]  # the training process's model, to the last bit
    first, second = fresh_outputs(run, tmp_path), fresh_outputs(run, tmp_path)
    np.testing.assert_array_equal(first, second)
    assert first.shape == (64, 10) and np.isfinite(first).all()
    shown = dlx("evaluate", run, cwd=tmp_path)
    assert shown.returncode == 0 and "accuracy" in shown.stdout, output_of(shown)


def test_a_graph_that_does_not_fit_is_one_line_with_its_place_and_no_run_folder(tmp_path):
    text = GRAPH_CONFIG.read_text().replace("[conv2d: {filters: 8, kernel_size: 1}, relu]",
                                            "[conv2d: {filters: 8, kernel_size: 3}, relu]")
    config = write(tmp_path, text, "graph.yaml")
    result = dlx("train", config, "--results", tmp_path / "results", cwd=tmp_path)
    line = [n for n, row in enumerate(text.splitlines(), 1) if "branches:" in row][0]
    assert_one_error_line(result, f"graph.yaml:{line}: model.layers.3.branches", "concat", "(16, 8, 8) and (8, 6, 6)")
    assert_no_run_folder(tmp_path / "results")
    typo = write(tmp_path, GRAPH_CONFIG.read_text().replace("- use: conv_unit\n", "- use: conv_unti\n", 1), "typo.yaml")
    assert_one_error_line(dlx("summary", typo, cwd=tmp_path), "typo.yaml:", "model.layers.2.residual.0.use",
                          "did you mean 'conv_unit'?")
    assert not list(tmp_path.glob("*.png"))


def test_summary_of_the_digits_cnn_matches_a_hand_count(tmp_path):
    result = dlx("summary", ROOT / "configs" / "digits_cnn.yaml", cwd=tmp_path)
    assert result.returncode == 0, output_of(result)
    rows = {line.split()[0]: line.split() for line in result.stdout.splitlines() if line.startswith(("layers", "total"))}
    # conv 3x3, 1 -> 32 channels on 8x8 (padding 1): 32*1*3*3 + 32 weights; 1*3*3*32 * 8*8 multiply-adds
    assert rows["layers.0"][-2:] == [f"{32 * 1 * 3 * 3 + 32:,}", f"{1 * 3 * 3 * 32 * 8 * 8:,}"]  # 320, 18,432
    # pool to 4x4, conv 3x3, 32 -> 64: 64*32*9 + 64; 32*9*64 * 4*4
    assert rows["layers.3"][-2:] == [f"{64 * 32 * 9 + 64:,}", f"{32 * 9 * 64 * 4 * 4:,}"]  # 18,496, 294,912
    # pool to 2x2, flatten 256, dense 256 -> 128: 256*128 + 128; 256*128
    assert rows["layers.7"][-2:] == [f"{256 * 128 + 128:,}", f"{256 * 128:,}"]  # 32,896, 32,768
    assert rows["layers.10"][-2:] == [f"{128 * 10 + 10:,}", f"{128 * 10:,}"]  # 1,290, 1,280
    total_parameters = 320 + 18_496 + 32_896 + 1_290
    total_multiply_adds = 18_432 + 294_912 + 32_768 + 1_280
    assert rows["total"][1:] == [f"{total_parameters:,}", f"{total_multiply_adds:,}"]  # 53,002 and 347,392
    assert "(64, 2, 2)" in result.stdout and "(256,)" in result.stdout
    picture = tmp_path / "digits_cnn-graph.png"
    assert picture.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and not list(tmp_path.glob("*.partial*"))


def test_summary_of_the_graph_counts_the_shared_block_once_and_draws_it(tmp_path):
    out = tmp_path / "pictures" / "graph.png"
    result = dlx("summary", GRAPH_CONFIG, "--out", out, cwd=tmp_path)
    assert result.returncode == 0, output_of(result)
    rows = [line.split() for line in result.stdout.splitlines()]
    shared = [row for row in rows if row and row[0] == "blocks.conv_unit.0"]
    assert [row[-2:] for row in shared] == [[f"{16 * 16 * 9 + 16:,}", f"{16 * 9 * 16 * 64:,}"],
                                            ["0", f"{16 * 9 * 16 * 64:,}"]]  # weights once, work twice
    assert [row for row in rows if row and row[0] == "total"][0][1] == "13,938"
    assert "projection" in result.stdout and "concat" in result.stdout and out.read_bytes()[:4] == b"\x89PNG"


def test_config_show_fills_the_defaults_inside_graph_items_and_its_output_loads_again(tmp_path):
    shown = dlx("config", "show", GRAPH_CONFIG, cwd=tmp_path)
    assert shown.returncode == 0, output_of(shown)
    resolved = yaml.safe_load(shown.stdout)
    branches = resolved["model"]["layers"][3]["branches"]
    assert branches["merge"] == "concat" and branches["axis"] == 0
    assert branches["paths"][1][0]["conv2d"]["stride"] == 1  # a layer's own default, inside a branch
    assert resolved["model"]["blocks"]["conv_unit"][0]["conv2d"]["init"] == "he_uniform"
    again = dlx("summary", write(tmp_path, shown.stdout, "resolved.yaml"), cwd=tmp_path)
    assert again.returncode == 0 and "13,938" in again.stdout, output_of(again)


def test_summary_of_a_config_without_a_data_set_and_a_model_is_one_line(tmp_path):
    result = dlx("summary", ROOT / "configs" / "vae_digits.yaml", cwd=tmp_path)
    assert_one_error_line(result, "vae_digits.yaml", "dlx summary needs a supervised config", "generative")
    assert not list(tmp_path.glob("*.png"))
