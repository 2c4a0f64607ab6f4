"""Every shipped config validates and trains; the main configs reach their published-style targets."""
import gzip
import struct
from pathlib import Path

import numpy as np
import pytest

from dlx.config import load_config, parse_mapping, read_config_text
from dlx.experiments import kind_of as experiment_kind
from dlx.train.runner import start_run

ROOT = Path(__file__).resolve().parents[1]


def kind(path: Path) -> str:
    return experiment_kind(parse_mapping(read_config_text(path), str(path))[0])


# generative and RL configs have their own runners: tests/generative/test_runs.py, tests/rl, tests/cli/test_families.py
CONFIGS = sorted(p for p in (ROOT / "configs").glob("*.yaml") if kind(p) == "supervised")


def test_every_config_is_of_a_known_family():
    kinds = {p.stem: kind(p) for p in (ROOT / "configs").glob("*.yaml")}
    assert set(kinds.values()) == {"supervised", "rl", "generative", "stdp", "continual"}
    assert kinds["frozenlake_q"] == "rl" and kinds["vae_digits"] == "generative"


def tiny_idx_folder(folder: Path, n: int = 40) -> Path:
    """A small MNIST-format folder (random pixels) so that IDX configs run without the real files."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (n, 28, 28), dtype=np.uint8)
    labels = np.arange(n, dtype=np.uint8) % 10
    with gzip.open(folder / "t10k-images-idx3-ubyte.gz", "wb") as f:
        f.write(struct.pack(">IIII", 0x803, n, 28, 28) + images.tobytes())
    with gzip.open(folder / "t10k-labels-idx1-ubyte.gz", "wb") as f:
        f.write(struct.pack(">II", 0x801, n) + labels.tobytes())
    return folder


def one_step_overrides(path: Path, tmp_path: Path) -> list[str]:
    overrides = ["training.epochs=1", "output.plots=false"]
    loaded = load_config(path)
    if loaded.config.dataset.name in ("mnist", "fashion_mnist"):
        overrides.append(f"dataset.options.path={tiny_idx_folder(tmp_path / 'idx')}")
        overrides.append("dataset.options.limit=null")
    if loaded.config.model.name == "seq2seq":  # one epoch of a few sequences: the mechanism, not the claim
        overrides.append("dataset.options.n=100")
    options, name = loaded.config.dataset.options, loaded.config.dataset.name
    if name == "bit_copy":  # the NTM's copy task: a few short sequences, one long test each
        overrides += ["dataset.options.n=32", "dataset.options.max_length=3", "dataset.options.test_n=1"]
    elif name in SMALL_TEXT:
        overrides += SMALL_TEXT[name]
    elif loaded.config.model.name != "seq2seq" and options.get("n", 0) > 200:  # generated sets: the same
        overrides.append("dataset.options.n=200")
    if name == "characters" and options.get("limit", 0) > 10_000:  # a slice of the text
        overrides.append("dataset.options.limit=10000")
    return overrides


SMALL_TEXT = {  # the language configs' one epoch on a slice of their text: the mechanism, not the claim
    "word_windows": ["dataset.options.limit=20000"], "word_ngrams": ["dataset.options.limit=20000"],
    "word_contexts": ["dataset.options.sentences=500"], "cooccurrence": ["dataset.options.sentences=500"],
    "python_docstrings": ["dataset.options.packages=[email, logging]"], "tagging": ["dataset.options.n=200"],
    "template_qa": ["dataset.options.n=500"], "documents": ["dataset.options.n=100"]}


def test_there_are_configs():
    names = {p.stem for p in CONFIGS}
    assert {"digits_mlp", "breast_cancer_mlp", "polynomial_regression"} <= names


@pytest.mark.parametrize("path", CONFIGS, ids=lambda p: p.stem)
def test_config_validates_and_trains_one_epoch(path, tmp_path):
    loaded = load_config(path, one_step_overrides(path, tmp_path))
    assert loaded.config.description, "a shipped config says what it shows"
    result = start_run(loaded, results_dir=str(tmp_path / "results"))
    assert result.status == "finished"
    assert np.isfinite(result.summary["final"]["train_loss"])


SEEDS = (0, 1, 2)  # a target is met by the mean over three seeds (splits and initialisations), not one lucky draw


def mean_test_accuracy(config: str, tmp_path, plotted_seeds=()) -> tuple[float, list]:
    """The mean test accuracy over SEEDS and the runs; only the runs of ``plotted_seeds`` draw their plots. No run
    evaluates the whole training set after each epoch (``training.train_metrics``): nothing here reads those rows,
    and the validation loss that early stopping watches is computed either way."""
    results = [start_run(load_config(ROOT / "configs" / config,
                                     [f"training.seed={seed}", f"output.plots={str(seed in plotted_seeds).lower()}",
                                      "training.train_metrics=false"]),
                         results_dir=str(tmp_path / str(seed))) for seed in SEEDS]
    return float(np.mean([r.summary["test"]["test_accuracy"] for r in results])), results


@pytest.mark.slow
def test_digits_mlp_reaches_97_percent(tmp_path):
    """The issue's target: >= 97% test accuracy (sklearn's MLPs reach 97-98% on digits)."""
    assert mean_test_accuracy("digits_mlp.yaml", tmp_path)[0] >= 0.97


@pytest.mark.slow
def test_breast_cancer_mlp_reaches_95_percent(tmp_path):
    """The issue's target: >= 95% test accuracy (linear models reach about 95-97% on this set)."""
    assert mean_test_accuracy("breast_cancer_mlp.yaml", tmp_path)[0] >= 0.95


@pytest.mark.slow
def test_polynomial_regression_reaches_the_noise_floor(tmp_path):
    """Noise std 0.1 gives an irreducible MSE of 0.01 in original units; R^2 must be near 1."""
    result = start_run(load_config(ROOT / "configs" / "polynomial_regression.yaml", ["output.plots=false"]),
                       results_dir=str(tmp_path))
    assert result.summary["test"]["test_r2"] > 0.99


@pytest.mark.slow
def test_digits_cnn_reaches_98_percent(tmp_path):
    """The issue's target: >= 98% test accuracy (LeNet-style CNNs reach 98-99% on the 8x8 digits)."""
    accuracy, results = mean_test_accuracy("digits_cnn.yaml", tmp_path, plotted_seeds=(0,))
    assert accuracy >= 0.98
    plots = results[0].run_dir / "plots"
    assert (plots / "filters.png").is_file() and (plots / "feature_maps.png").is_file()
