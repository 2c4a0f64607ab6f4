"""Registry-wide: every registered operation passes gradcheck in float64."""
import numpy as np
import pytest

from dlx.registry import operations
from dlx.tensor import gradcheck
from tests.conftest import example_call


@pytest.mark.parametrize("name", sorted(operations.canonical()))
def test_operation_gradcheck(name, rng):
    fn = operations.get(name)
    assert fn.example is not None, f"operation '{name}' registers no example input"
    args, kwargs = example_call(fn.example, rng)
    assert gradcheck(fn, args, kwargs=kwargs) < 1e-6


@pytest.mark.parametrize("name", sorted(operations.canonical()))
def test_operation_float32_stays_float32(name, rng):
    """Inputs in float32 give outputs in float32 (no silent promotion to float64)."""
    from dlx.tensor import Tensor
    fn = operations.get(name)
    args, kwargs = example_call(fn.example, rng)

    def to32(x):
        if isinstance(x, list):
            return [to32(i) for i in x]
        if isinstance(x, np.ndarray) and x.dtype.kind == "f":
            return Tensor(x.astype(np.float32), requires_grad=True)
        return x

    out = fn(*[to32(a) for a in args], **kwargs)
    assert out.dtype == np.float32
