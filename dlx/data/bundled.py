"""scikit-learn's bundled data sets (shipped with the package, no download).

scikit-learn is imported inside the loaders, so ``import dlx.data`` stays fast.
The rows keep scikit-learn's order; ``split_dataset`` shuffles them.

Every set here is read straight from the file scikit-learn ships (digits from
``sklearn/datasets/data/digits.csv.gz``, 64 pixel columns and the label; iris, wine and
breast cancer from a CSV whose first row holds the counts and the class names): importing
scikit-learn itself pulls in SciPy and takes 1-2 s, longer than a whole small trial.
Where a file is missing, scikit-learn's loader is used; tests check that both give the
same arrays and names.
"""
import csv
import gzip
import importlib.util
from pathlib import Path

import numpy as np

from dlx.data.dataset import Dataset
from dlx.data.sources import note_data_file
from dlx.registry import datasets


SKLEARN_FILES = {"load_iris": "iris.csv", "load_wine": "wine_data.csv", "load_breast_cancer": "breast_cancer.csv",
                 "load_digits": "digits.csv.gz"}  # the file each of scikit-learn's loaders reads


NUCLEUS = ("radius", "texture", "perimeter", "area", "smoothness", "compactness", "concavity", "concave points",
           "symmetry", "fractal dimension")  # the breast-cancer cell nuclei's ten measures
FEATURE_NAMES = {  # as scikit-learn's loaders name the columns of these files
    "load_iris": ["sepal length (cm)", "sepal width (cm)", "petal length (cm)", "petal width (cm)"],
    "load_wine": ["alcohol", "malic_acid", "ash", "alcalinity_of_ash", "magnesium", "total_phenols", "flavanoids",
                  "nonflavanoid_phenols", "proanthocyanins", "color_intensity", "hue",
                  "od280/od315_of_diluted_wines", "proline"],
    "load_breast_cancer": ([f"mean {m}" for m in NUCLEUS] + [f"{m} error" for m in NUCLEUS]
                           + [f"worst {m}" for m in NUCLEUS]),
}


def _bundled(loader_name: str, name: str, task: str) -> Dataset:
    """The data set scikit-learn's ``loader_name`` gives, read from its file when the file is there."""
    path = _sklearn_data_file(SKLEARN_FILES[loader_name])
    if path is None:
        from sklearn import datasets as sklearn_datasets
        bunch = getattr(sklearn_datasets, loader_name)()
        X, y, feature_names, class_names = bunch.data, bunch.target, bunch.feature_names, bunch.target_names
    else:
        with open(path, newline="") as handle:
            class_names = next(csv.reader(handle))[2:]  # n_samples, n_features, then the class names
            table = np.loadtxt(handle, delimiter=",", dtype=np.float64, ndmin=2)
        X, y, feature_names = table[:, :-1], table[:, -1], FEATURE_NAMES[loader_name]
    note_sklearn_file(loader_name)
    return Dataset(X.astype(np.float32), y.astype(np.int64), task, name,
                   feature_names=[str(f) for f in feature_names], class_names=[str(c) for c in class_names])


def _sklearn_data_file(name: str) -> Path | None:
    """The path of a data file scikit-learn ships, found without importing scikit-learn."""
    spec = importlib.util.find_spec("sklearn")
    for folder in (spec.submodule_search_locations or []) if spec else []:
        path = Path(folder) / "datasets" / "data" / name
        if path.is_file():
            return path
    return None


def note_sklearn_file(loader_name: str) -> None:
    """Note the file that scikit-learn's ``loader_name`` reads, for the run's provenance (``dlx.data.sources``)."""
    note_data_file(_sklearn_data_file(SKLEARN_FILES[loader_name]))


def digits_arrays() -> tuple[np.ndarray, np.ndarray]:
    """(pixels (1797, 64) float32 in 0..16, labels int64), as ``sklearn.datasets.load_digits``."""
    path = _sklearn_data_file(SKLEARN_FILES["load_digits"])
    if path is None:
        from sklearn.datasets import load_digits
        bunch = load_digits()
        return bunch.data.astype(np.float32), bunch.target.astype(np.int64)
    note_data_file(path)
    with gzip.open(path, "rt") as handle:
        table = np.loadtxt(handle, delimiter=",", dtype=np.float64)
    return table[:, :-1].astype(np.float32), table[:, -1].astype(np.int64)


@datasets.register("digits")
def digits(rng: np.random.Generator | None = None, flatten: bool = True) -> Dataset:
    """Handwritten digits 0-9 as 8x8 images, pixels scaled to [0, 1] (1,797 samples).

    Args:
        rng (default None): unused; the data are fixed.
        flatten (default True): inputs (N, 64); False gives images (N, 1, 8, 8) for convolutions.

    Example::

        >>> digits(flatten=False).input_shape
        (1, 8, 8)
    """
    pixels, labels = digits_arrays()
    ds = Dataset(pixels, labels, "multiclass", "digits",
                 feature_names=[f"pixel_{row}_{col}" for row in range(8) for col in range(8)],
                 class_names=[str(c) for c in range(10)])
    ds.X = ds.X / np.float32(16.0)  # the pixels count 0..16 dark cells of a 4x4 block
    if not flatten:
        ds.X = ds.X.reshape(-1, 1, 8, 8)
        ds.feature_names = None
    return ds


@datasets.register("iris")
def iris(rng: np.random.Generator | None = None) -> Dataset:
    """Fisher's iris flowers: 4 measurements -> 3 species (150 samples).

    Args:
        rng (default None): unused; the data are fixed.

    Example::

        >>> iris().X.shape, iris().n_classes
        ((150, 4), 3)
    """
    return _bundled("load_iris", "iris", "multiclass")


@datasets.register("wine")
def wine(rng: np.random.Generator | None = None) -> Dataset:
    """Wine recognition: 13 chemical measurements -> 3 cultivars (178 samples).

    Args:
        rng (default None): unused; the data are fixed.

    Example::

        >>> wine().input_shape
        (13,)
    """
    return _bundled("load_wine", "wine", "multiclass")


@datasets.register("breast_cancer")
def breast_cancer(rng: np.random.Generator | None = None) -> Dataset:
    """Wisconsin breast cancer: 30 cell-nucleus features -> malignant (0) or benign (1) (569 samples).

    Args:
        rng (default None): unused; the data are fixed.

    Example::

        >>> breast_cancer().task, breast_cancer().class_names
        ('binary', ['malignant', 'benign'])
    """
    return _bundled("load_breast_cancer", "breast_cancer", "binary")
