"""dlx: a deep-learning lab written from scratch in NumPy."""
from dlx import ops  # noqa: F401  (gives Tensor its operators)
from dlx.tensor import Tensor, gradcheck, no_grad

__version__ = "0.1.0"
__all__ = ["Tensor", "gradcheck", "no_grad", "ops", "__version__"]
