"""Every layer family with an ONNX operator gives dlx's outputs in onnxruntime, and in the PyTorch module
that the safetensors export describes (torch's own layers: the reference)."""
import numpy as np
import pytest

from dlx.export.onnx_graph import ExportError, onnx_model
from dlx.export.torch_module import torch_equivalent
from dlx.nn import (GRU, LSTM, AvgPool2D, BatchNorm1D, BatchNorm2D, Conv1D, Conv2D, ConvTranspose2D, Dense, Dropout,
                    Embedding, Flatten, InputScaler, MaxPool2D, Sequential, SimpleRNN)
from dlx.nn.activation import LeakyReLU, LogSoftmax, ReLU, Sigmoid, Softmax, Tanh
from dlx.nn.attention_layers import LayerNorm, LearnedPositionalEncoding, PositionalEncoding
from dlx.nn.graph import Branches, Residual, SharedBlock
from dlx.nn.linear import TimeDense
from dlx.nn.pooling import GlobalAvgPool2D
from dlx.nn.shape import Reshape
from dlx.nn.transformer import SequenceMean, TransformerEncoderLayer
from dlx.nn.upsample import Upsample2D
from tests.export.checks import assert_onnx_matches, assert_torch_matches


def built(layers, shape, rng):
    model = Sequential(layers)
    model.build(shape, rng)
    for module in model.modules():  # running statistics that are not the defaults, so they are really exported
        if isinstance(module, (BatchNorm1D, BatchNorm2D)):
            module._buffers["running_mean"][:] = rng.normal(size=module.num_features)
            module._buffers["running_var"][:] = rng.uniform(0.5, 2.0, size=module.num_features)
    model.eval()
    return model


def images(rng):
    block = Sequential([Conv2D(4, 3, padding=1), ReLU()])
    return built([InputScaler(rng.normal(size=(2, 6, 6)), rng.uniform(1, 2, (2, 6, 6))),
                  Conv2D(4, 3, padding=1), BatchNorm2D(), LeakyReLU(0.1),
                  Residual(Sequential([Conv2D(4, 3, padding=1), Tanh()])), SharedBlock("b", block),
                  SharedBlock("b", block), Branches([Sequential([MaxPool2D(2)]), Sequential([AvgPool2D(3, 2, 1)])],
                                                    merge="concat"),
                  Residual(Sequential([Conv2D(6, 3, stride=2, padding=1)])),  # a projection shortcut
                  GlobalAvgPool2D(), Dense(5), BatchNorm1D(), Dropout(0.3), Sigmoid()], (2, 6, 6), rng)


def sequences(rng):
    return built([LSTM(5, return_sequences=True, bidirectional=True), GRU(4, return_sequences=True),
                  SimpleRNN(3, activation="relu", return_sequences=True), TimeDense(8), PositionalEncoding(),
                  TransformerEncoderLayer(2, 6, causal=True), TransformerEncoderLayer(2, 6, norm_first=True),
                  LayerNorm(), GRU(3, bidirectional=True, return_sequences=True), LSTM(4), Dense(3), Softmax()],
                 (7, 2), rng)


def tokens(rng):
    return built([Embedding(11, 6), LearnedPositionalEncoding(9), LayerNorm(),
                  Branches([Sequential([TimeDense(4)]), Sequential([TimeDense(4)])], merge="multiply"),
                  SequenceMean(), Dense(3), LogSoftmax()], (9,), rng)


def upsampling(rng):
    return built([Conv1D(3, 3, padding=1), Reshape((3, 2, 4)), ConvTranspose2D(2, 3, stride=2, padding=1,
                                                                              output_padding=1),
                  Flatten(), Dense(2)], (2, 8), rng)


CASES = {"images": (images, (2, 6, 6), "f"), "sequences": (sequences, (7, 2), "f"), "tokens": (tokens, (9,), "i"),
         "upsampling": (upsampling, (2, 8), "f")}


def inputs(kind, shape, rng):
    return rng.integers(0, 11, (6, *shape)) if kind == "i" else rng.normal(size=(6, *shape)).astype(np.float32)


@pytest.mark.parametrize("case", sorted(CASES))
def test_onnx_graph_gives_dlx_outputs(case, rng):
    make, shape, kind = CASES[case]
    assert_onnx_matches(make(rng), shape, inputs(kind, shape, rng))


@pytest.mark.parametrize("case", sorted(CASES))
def test_pytorch_module_from_safetensors_gives_dlx_outputs(case, rng, tmp_path):
    make, shape, kind = CASES[case]
    assert_torch_matches(make(rng), shape, inputs(kind, shape, rng), tmp_path)


def test_a_layer_without_a_rule_is_named(rng):
    model = built([Conv2D(2, 3, padding=1), Upsample2D(2), Flatten(), Dense(2)], (1, 4, 4), rng)
    with pytest.raises(ExportError, match="layer 'upsample2d' cannot be exported to ONNX"):
        onnx_model(model, (1, 4, 4))
    with pytest.raises(ExportError, match="layer 'upsample2d' has no PyTorch equivalent"):
        torch_equivalent(model, (1, 4, 4))
