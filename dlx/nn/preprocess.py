"""Input scaling as a layer, so that a loaded model's forward starts at the raw input.

A run fits its scaler (``dlx.data.scaling``) on the training split and trains
on scaled inputs. ``InputScaler`` applies the same affine map ``(x - shift) /
divisor`` with tensor operations, so that ``Sequential([InputScaler, model])``
takes what the user gave and d(output)/d(raw input) exists (explanations,
adversarial examples, feature visualisation).
"""
from __future__ import annotations

import numpy as np

from dlx.nn.module import Module
from dlx.tensor import Tensor

# scaler name -> (state key of the shift, state key of the divisor)
AFFINE_KEYS = {"standardize": ("mean", "std"), "minmax": ("min", "range")}


class InputScaler(Module):
    """``(x - shift) / divisor`` per feature, with fixed (untrained) statistics.

    Args:
        shift: array of the per-sample input shape (default: no shift).
        divisor: array of the per-sample input shape (default: no scaling).

    Shape: (N, *input_shape) -> (N, *input_shape).

    Example::

        scaler = InputScaler.from_state("standardize", {"mean": m, "std": s})
        model = Sequential([scaler, trained])     # forward from raw inputs
    """

    def __init__(self, shift=None, divisor=None):
        super().__init__()
        if shift is not None:
            self.register_buffer("shift", _floating(shift))
        if divisor is not None:
            self.register_buffer("divisor", _floating(divisor))

    @classmethod
    def from_state(cls, name: str | None, state: dict) -> "InputScaler":
        """The layer of a fitted scaler, from its name and ``state_dict()`` (as model.npz stores them)."""
        if name in (None, "none"):
            return cls()
        shift, divisor = AFFINE_KEYS[name]
        return cls(state[shift], state[divisor])

    def forward(self, x: Tensor) -> Tensor:
        # a subtraction and a division, each with its own backward: the same numbers as Scaler.transform
        if "shift" in self._buffers:
            x = x - Tensor(self._buffers["shift"].astype(x.dtype, copy=False))
        if "divisor" in self._buffers:
            x = x / Tensor(self._buffers["divisor"].astype(x.dtype, copy=False))
        return x

    def output_shape(self, input_shape):
        return tuple(input_shape)


def _floating(values) -> np.ndarray:
    """float32 statistics stay float32 (as a run saves them); float64 ones keep their precision."""
    values = np.asarray(values)
    return values if values.dtype.kind == "f" else values.astype(np.float32)
