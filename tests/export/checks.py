"""Shared checks: a dlx model against its ONNX graph (onnxruntime) and its PyTorch equivalent (torch)."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from dlx.tasks import predict_outputs

TOLERANCE = 1e-5  # the issue's: outputs equal within 1e-5 (float32 sums in another order differ by ~1e-6)


def onnx_outputs(proto_or_path, X: np.ndarray) -> np.ndarray:
    ort = pytest.importorskip("onnxruntime")
    source = str(proto_or_path) if isinstance(proto_or_path, (str, Path)) else proto_or_path.SerializeToString()
    session = ort.InferenceSession(source, providers=["CPUExecutionProvider"])
    return session.run(None, {"input": X.astype(np.int64 if X.dtype.kind in "iub" else np.float32)})[0]


def torch_outputs(snippet: str, weights: Path, X: np.ndarray) -> np.ndarray:
    """Run the printed PyTorch snippet as a user would (in the folder of ``weights``) on ``X``."""
    torch = pytest.importorskip("torch")
    namespace: dict = {}
    exec(compile(snippet.replace("'model.safetensors'", repr(str(weights))), "model_torch.py", "exec"), namespace)
    with torch.no_grad():
        return namespace["model"](torch.as_tensor(X if X.dtype.kind == "f" else X.astype(np.int64))).numpy()


def assert_onnx_matches(model, input_shape, X: np.ndarray) -> None:
    from dlx.export.onnx_graph import onnx_model
    proto = onnx_model(model, input_shape, integer_input=X.dtype.kind in "iu")
    np.testing.assert_allclose(onnx_outputs(proto, X), predict_outputs(model, X), rtol=0, atol=TOLERANCE)


def assert_torch_matches(model, input_shape, X: np.ndarray, folder: Path) -> None:
    from safetensors.numpy import save_file

    from dlx.export.torch_module import torch_equivalent
    snippet, tensors = torch_equivalent(model, input_shape)
    save_file(tensors, folder / "model.safetensors")
    got = torch_outputs(snippet, folder / "model.safetensors", X)
    np.testing.assert_allclose(got, predict_outputs(model, X), rtol=0, atol=TOLERANCE)
