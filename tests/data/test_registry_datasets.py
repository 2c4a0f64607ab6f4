"""Registry-wide: every registered data set loads with its declared shapes, dtypes and task."""
import inspect

import numpy as np
import pytest

import dlx.data  # noqa: F401  (registers the loaders)
from dlx.data import Dataset
from dlx.errors import ConfigError
from dlx.registry import datasets

NAMES = sorted(datasets.canonical())

# name -> (task, input_shape, number of samples) with default options (file loaders: the fixture files).
DECLARED = {
    "streetlights": ("binary", (3,), 6),
    "xor": ("binary", (2,), 4),
    "two_moons": ("binary", (2,), 500),
    "spirals": ("binary", (2,), 600),
    "blobs": ("multiclass", (2,), 500),
    "polynomial": ("regression", (1,), 200),
    "digits": ("multiclass", (64,), 1797),
    "iris": ("multiclass", (4,), 150),
    "wine": ("multiclass", (13,), 178),
    "breast_cancer": ("binary", (30,), 569),
    "csv": ("binary", (2,), 10),
    "npz": ("multiclass", (4,), 9),
    "mnist": ("multiclass", (1, 28, 28), 20),
    "fashion_mnist": ("multiclass", (1, 28, 28), 20),
    "adding": ("regression", (100, 2), 10000),
    "sine": ("regression", (50, 1), 2000),
    "parity": ("binary", (20, 1), 2000),
    "copy": ("tagging", (70,), 2000),
    "tagging": ("tagging", (11,), 2000),
    "characters": ("language_model", (64,), 3124),
    "sorting": ("tagging", (10,), 20000),
    "ctc_frames": ("ctc", (32, 9), 4000),
    "bit_copy": ("bit_copy", (61, 9), 2200),
}
TOKEN_INPUTS = ("copy", "tagging", "characters", "sorting", "documents", "reverse_digits", "sort_digits", "copy_digits",
                "addition", "dates", "text_csv", "word_contexts", "cooccurrence", "word_windows", "word_ngrams",
                "python_docstrings", "template_qa")  # integer token ids, for an embedding layer


def load(name, rng, path_options, **options):
    loader = datasets.get(name)
    required = [p.name for p in inspect.signature(loader).parameters.values()
                if p.default is inspect.Parameter.empty and p.name != "rng"]
    if required:
        assert name in path_options, f"dataset '{name}' needs {required}: add a tiny file to tests/data/conftest.py"
    return loader(rng=rng, **{**path_options.get(name, {}), **options})


def test_the_expected_data_sets_are_registered():
    assert set(DECLARED) <= set(NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_dataset_loads_with_declared_shapes(name, rng, path_options):
    ds = load(name, rng, path_options)
    assert isinstance(ds, Dataset) and len(ds) > 0
    assert ds.X.dtype == (np.int64 if name in TOKEN_INPUTS else np.float32)
    assert ds.X.shape == (len(ds), *ds.input_shape) and np.isfinite(ds.X).all()
    if ds.task in ("tagging", "language_model", "word_language_model"):  # a label per time step, padded steps masked by lengths
        assert ds.y.dtype == np.int64 and ds.y.shape == ds.X.shape[:2] and ds.lengths is not None
        assert ds.output_size == ds.n_classes == len(ds.class_names) and ds.y.max() < ds.n_classes
    elif ds.task == "ctc":  # unaligned label sequences, padded with the blank 0 after their lengths
        assert ds.y.dtype == np.int64 and ds.y.shape[0] == len(ds) and ds.target_lengths is not None
        assert ds.output_size == len(ds.class_names) and 0 < ds.y.max() < ds.output_size
    elif ds.task == "seq2seq":  # a target sequence of its own length, one vocabulary for both
        assert ds.y.dtype == np.int64 and ds.lengths is not None and ds.target_lengths is not None
        assert ds.output_size == len(ds.class_names) and ds.y.max() < ds.output_size
    elif ds.task in ("binary", "multiclass"):
        assert ds.y.dtype == np.int64 and ds.y.shape == (len(ds),)
        assert len(ds.class_names) == ds.n_classes and ds.y.max() < ds.n_classes
        assert ds.output_size == (1 if ds.task == "binary" else ds.n_classes)
    elif ds.task == "bit_copy":  # 0/1 bits per output step, -1 where a step does not count
        assert ds.y.dtype == np.float32 and ds.y.shape == (*ds.X.shape[:2], ds.output_size) and ds.lengths is not None
        assert set(np.unique(ds.y)) <= {-1.0, 0.0, 1.0}
    elif ds.task in ("word_context", "next_word"):  # a target word per row; the vocabulary as class names
        assert ds.y.dtype == np.int64 and ds.y.shape == (len(ds),) and ds.y.max() < len(ds.class_names)
    else:
        assert ds.y.dtype == np.float32 and ds.y.ndim == 2 and ds.output_size == ds.y.shape[1]
    if ds.feature_names is not None:
        assert len(ds.feature_names) == int(np.prod(ds.input_shape))
    if name in DECLARED:
        assert (ds.task, ds.input_shape, len(ds)) == DECLARED[name]


@pytest.mark.parametrize("name", NAMES)
def test_loader_signature_is_configurable(name):
    loader = datasets.get(name)
    params = inspect.signature(loader).parameters
    assert "rng" in params
    assert all(p.kind not in (p.VAR_KEYWORD, p.VAR_POSITIONAL) for p in params.values())
    required = {p.name for p in params.values() if p.default is inspect.Parameter.empty}
    assert required <= {"path", "target"}, f"options without a default: {required}"
    assert datasets.describe(name), "the first docstring line describes the data set"


@pytest.mark.parametrize("name", NAMES)
def test_same_seed_gives_identical_data(name, path_options):
    first = load(name, np.random.default_rng(7), path_options)
    second = load(name, np.random.default_rng(7), path_options)
    np.testing.assert_array_equal(first.X, second.X)
    np.testing.assert_array_equal(first.y, second.y)


@pytest.mark.parametrize("name", ["two_moons", "spirals", "blobs", "polynomial"])
def test_generated_sets_depend_on_the_seed(name, path_options):
    a = load(name, np.random.default_rng(1), path_options)
    b = load(name, np.random.default_rng(2), path_options)
    assert not np.array_equal(a.X, b.X)


def test_streetlights_is_the_lecture_data():
    ds = datasets.get("streetlights")()
    np.testing.assert_array_equal(ds.X, [[1, 0, 1], [0, 1, 1], [0, 0, 1], [1, 1, 1], [0, 1, 1], [1, 0, 1]])
    assert ds.y.tolist() == [0, 1, 0, 1, 1, 0] and ds.class_names[1] == "walk"
    stop = datasets.get("streetlights")(target="stop")
    assert stop.y.tolist() == [1, 0, 1, 0, 0, 1] and stop.class_names[1] == "stop"


def test_streetlights_hidden_is_not_linearly_separable():
    ds = datasets.get("streetlights")(variant="hidden")
    # Walk iff exactly one of the first two lights is on.
    assert ds.y.tolist() == ((ds.X[:, 0] + ds.X[:, 1]) == 1).astype(int).tolist()
    # The best linear fit (with a bias) leaves an error; the original data fit exactly with a threshold.
    A = np.c_[ds.X, np.ones(len(ds))]
    weights = np.linalg.lstsq(A, ds.y.astype(float), rcond=None)[0]
    assert not np.array_equal((A @ weights > 0.5).astype(int), ds.y)


def test_xor_repeat_and_bad_option():
    ds = datasets.get("xor")(repeat=3)
    assert ds.X.shape == (12, 2) and ds.y.tolist() == [0, 1, 1, 0] * 3
    with pytest.raises(ConfigError, match="repeat"):
        datasets.get("xor")(repeat=0)


def test_spirals_and_blobs_options(rng):
    spirals = datasets.get("spirals")(rng=rng, n_samples=300, n_classes=3)
    assert spirals.task == "multiclass" and np.bincount(spirals.y).tolist() == [100, 100, 100]
    blobs = datasets.get("blobs")(rng=rng, n_samples=40, centers=2, n_features=5)
    assert blobs.task == "binary" and blobs.input_shape == (5,)
    with pytest.raises(ConfigError, match="noise"):
        datasets.get("two_moons")(rng=rng, noise=-1)


def test_polynomial_without_noise_follows_the_coefficients(rng):
    ds = datasets.get("polynomial")(rng=rng, coefficients=[1, -2, 0.5], noise=0.0, x_range=[-1, 2])
    x = ds.X[:, 0].astype(np.float64)
    np.testing.assert_allclose(ds.y[:, 0], 1 - 2 * x + 0.5 * x ** 2, rtol=1e-5, atol=1e-5)
    assert x.min() >= -1 and x.max() <= 2 and ds.n_classes is None


def test_digits_images_are_scaled_pixels():
    ds = datasets.get("digits")(flatten=False)
    assert ds.input_shape == (1, 8, 8) and ds.X.min() == 0.0 and ds.X.max() == 1.0


def test_mnist_options(rng, path_options):
    options = path_options["mnist"]
    flat = datasets.get("mnist")(**options, flatten=True, subset="test", limit=5)
    assert flat.X.shape == (5, 784) and 0.0 <= flat.X.min() and flat.X.max() <= 1.0
    fashion = datasets.get("fashion_mnist")(**options)
    assert fashion.class_names[0] == "T-shirt/top" and fashion.class_names[9] == "Ankle boot"


def test_digits_read_from_the_shipped_file_equal_scikit_learns_loader(monkeypatch):
    from sklearn.datasets import load_digits

    from dlx.data import bundled
    reference = load_digits()
    fast = datasets.get("digits")()
    np.testing.assert_array_equal(fast.X * 16, reference.data.astype(np.float32))
    np.testing.assert_array_equal(fast.y, reference.target)
    assert fast.feature_names == list(reference.feature_names) and fast.class_names == [str(c) for c in range(10)]
    monkeypatch.setattr(bundled, "_sklearn_data_file", lambda name: None)  # the file moved: the loader is used
    fallback = datasets.get("digits")()
    np.testing.assert_array_equal(fallback.X, fast.X)
    np.testing.assert_array_equal(fallback.y, fast.y)


@pytest.mark.parametrize("name,loader", [("iris", "load_iris"), ("wine", "load_wine"),
                                         ("breast_cancer", "load_breast_cancer")])
def test_tables_read_from_the_shipped_files_equal_scikit_learns_loaders(monkeypatch, name, loader):
    from sklearn import datasets as sklearn_datasets

    from dlx.data import bundled
    reference = getattr(sklearn_datasets, loader)()
    fast = datasets.get(name)()
    np.testing.assert_array_equal(fast.X, reference.data.astype(np.float32))
    np.testing.assert_array_equal(fast.y, reference.target)
    assert fast.feature_names == list(reference.feature_names)
    assert fast.class_names == list(reference.target_names)
    monkeypatch.setattr(bundled, "_sklearn_data_file", lambda name: None)  # the file moved: the loader is used
    fallback = datasets.get(name)()
    np.testing.assert_array_equal(fallback.X, fast.X)
    assert fallback.feature_names == fast.feature_names and fallback.class_names == fast.class_names


def test_the_generative_digits_equal_scikit_learns_scaled_pixels():
    from sklearn.datasets import load_digits

    from dlx.data.generative import digits_images
    reference = load_digits()
    X, y = digits_images()
    np.testing.assert_array_equal(X, (reference.data / 16.0).astype(np.float32))
    np.testing.assert_array_equal(y, reference.target)


def test_the_bundled_sets_load_in_a_fresh_process_without_importing_scikit_learn():
    """Importing scikit-learn (and SciPy) costs 1-2 s of every run's start; the shipped files suffice. Nor is the
    downloader's urllib (with http and ssl) imported before a download."""
    import subprocess
    import sys
    from pathlib import Path
    code = ("import sys; from dlx.registry import datasets; import dlx.data; "
            "from dlx.data.generative import digits_images; "
            "[datasets.get(n)() for n in ('digits', 'iris', 'wine', 'breast_cancer')]; digits_images(); "
            "print(sorted(m for m in ('sklearn', 'scipy', 'ssl', 'urllib.request') if m in sys.modules))")
    root = str(Path(__file__).resolve().parents[2])
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=root)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]", done.stdout
