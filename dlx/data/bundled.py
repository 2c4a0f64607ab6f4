"""scikit-learn's bundled data sets (shipped with the package, no download).

scikit-learn is imported inside the loaders, so ``import dlx.data`` stays fast.
The rows keep scikit-learn's order; ``split_dataset`` shuffles them.
"""
import numpy as np

from dlx.data.dataset import Dataset
from dlx.registry import datasets


def _bundled(loader_name: str, name: str, task: str) -> Dataset:
    from sklearn import datasets as sklearn_datasets

    bunch = getattr(sklearn_datasets, loader_name)()
    return Dataset(bunch.data.astype(np.float32), bunch.target.astype(np.int64), task, name,
                   feature_names=[str(f) for f in bunch.feature_names],
                   class_names=[str(c) for c in bunch.target_names])


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
    ds = _bundled("load_digits", "digits", "multiclass")
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
