"""Feature scalers: fitted on the training split, saved with the model, applied again by ``dlx predict``.

Chosen by name with ``get_scaler``: ``none``, ``standardize``, ``minmax``. Statistics
are per feature (per position of ``input_shape``), computed over the samples axis::

    scaler = get_scaler("standardize")
    X_train = scaler.fit_transform(parts["train"].X)
    X_test = scaler.transform(parts["test"].X)
    np.savez(path, **scaler.state_dict())

Signed integer inputs are token ids, not measurements: ``none`` passes them through
unchanged, the other scalers refuse them with a DataError.
"""
from __future__ import annotations

import numpy as np

from dlx.errors import DataError, UnknownNameError
from dlx.registry import unknown_name_message


class Scaler:
    """Base class: subclasses set ``name`` and ``state_keys`` and implement ``_fit``/``_apply``."""

    name = "scaler"
    state_keys: tuple[str, ...] = ()
    passes_integers = False  # True: integer inputs (token ids) go through unchanged

    def __init__(self):
        self.state: dict[str, np.ndarray] = {}

    @property
    def fitted(self) -> bool:
        return all(key in self.state for key in self.state_keys)

    def fit(self, X: np.ndarray) -> "Scaler":
        if self._token_ids(X):
            self.state = {}
            return self
        X = np.asarray(X, dtype=np.float64)
        if len(X) == 0:
            raise DataError(f"scaler '{self.name}' cannot be fitted on 0 samples; give a non-empty training split")
        self.state = {key: np.asarray(value, dtype=np.float32) for key, value in self._fit(X).items()}
        return self

    def transform(self, X: np.ndarray) -> np.ndarray:
        """Scale ``X`` (N, *input_shape) with the fitted statistics; returns a new float32 array."""
        if not self.fitted:
            raise DataError(f"scaler '{self.name}' is not fitted; call fit(X_train) or load_state_dict first")
        if self._token_ids(X):
            return np.array(X, copy=True)
        X = np.asarray(X, dtype=np.float32)
        expected = next((self.state[k].shape for k in self.state_keys), X.shape[1:])
        if X.shape[1:] != expected:
            raise DataError(f"scaler '{self.name}' was fitted on samples of shape {expected}, "
                            f"got {X.shape[1:]}; scale data with the same features")
        return self._apply(X).astype(np.float32, copy=False)

    def fit_transform(self, X: np.ndarray) -> np.ndarray:
        return self.fit(X).transform(X)

    def _token_ids(self, X) -> bool:
        """True for integer inputs that this scaler passes through; a DataError if it would scale them."""
        if np.asarray(X).dtype.kind != "i":  # signed integers, as Dataset keeps them
            return False
        if not self.passes_integers:
            raise DataError(f"scaler '{self.name}' cannot scale integer inputs (token ids); "
                            f"set dataset.scaling: none for integer sequences")
        return True

    def state_dict(self) -> dict[str, np.ndarray]:
        return {key: value.copy() for key, value in self.state.items()}

    def load_state_dict(self, state: dict[str, np.ndarray]) -> "Scaler":
        missing = [key for key in self.state_keys if key not in state]
        if missing:
            raise DataError(f"scaler '{self.name}' state lacks {', '.join(missing)}; "
                            f"save it with state_dict() of the same scaler")
        self.state = {key: np.asarray(state[key], dtype=np.float32) for key in self.state_keys}
        return self

    def _fit(self, X: np.ndarray) -> dict[str, np.ndarray]:
        return {}

    def _apply(self, X: np.ndarray) -> np.ndarray:
        return X.copy()

    def __repr__(self) -> str:
        return f"{type(self).__name__}(fitted={self.fitted})"


class NoScaling(Scaler):
    """Leaves the data as it is (``none``)."""

    name = "none"
    passes_integers = True


class Standardize(Scaler):
    """(x - mean) / std per feature: zero mean and unit variance on the training split.

    A feature with zero variance is only centred (divided by 1, not by 0).

    Example::

        >>> Standardize().fit_transform(np.array([[1.0, 5.0], [3.0, 5.0]]))
        array([[-1.,  0.], [ 1.,  0.]], dtype=float32)
    """

    name = "standardize"
    state_keys = ("mean", "std")

    def _fit(self, X):
        std = X.std(axis=0)
        return {"mean": X.mean(axis=0), "std": np.where(std > 1e-12, std, 1.0)}

    def _apply(self, X):
        return (X - self.state["mean"]) / self.state["std"]


class MinMax(Scaler):
    """(x - min) / (max - min) per feature: [0, 1] on the training split.

    A constant feature maps to 0 (its range is taken as 1).

    Example::

        >>> MinMax().fit_transform(np.array([[0.0], [2.0], [4.0]])).ravel()
        array([0. , 0.5, 1. ], dtype=float32)
    """

    name = "minmax"
    state_keys = ("min", "range")

    def _fit(self, X):
        low, high = X.min(axis=0), X.max(axis=0)
        spread = high - low
        return {"min": low, "range": np.where(spread > 1e-12, spread, 1.0)}

    def _apply(self, X):
        return (X - self.state["min"]) / self.state["range"]


SCALERS = {cls.name: cls for cls in (NoScaling, Standardize, MinMax)}


def get_scaler(name: str | None) -> Scaler:
    """A new, unfitted scaler by name: ``none`` (or None), ``standardize`` or ``minmax``."""
    key = "none" if name is None else str(name).lower()
    if key not in SCALERS:
        raise UnknownNameError(unknown_name_message("scaler", name, SCALERS))
    return SCALERS[key]()


def scaler_from_state(name: str | None, state: dict[str, np.ndarray]) -> Scaler:
    """A fitted scaler rebuilt from its name and ``state_dict()`` (e.g. read from model.npz)."""
    return get_scaler(name).load_state_dict(state)
