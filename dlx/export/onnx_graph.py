"""A dlx model as an ONNX graph, built with the ``onnx`` package's helper API (an optional extra).

``onnx_model(module, input_shape)`` walks the module tree (the run's ``InputScaler`` first)
and writes each layer as the ONNX operators that compute the same numbers:

* dense, per-step dense: MatMul, Add; convolutions: Conv; transposed convolution: ConvTranspose;
* pooling: MaxPool, AveragePool, ReduceMean; batch norm: BatchNormalization (running statistics);
  layer norm: LayerNormalization; activations: Relu, Tanh, Sigmoid, LeakyRelu, Softmax, LogSoftmax;
* dropout and Gaussian noise: Identity (what they are at inference); flatten, reshape: Flatten, Reshape;
* embedding: Gather; simple RNN, LSTM, GRU: RNN, LSTM, GRU (gate blocks reordered: dlx's LSTM is
  (i, f, o, g), ONNX's (i, o, f, c); dlx's GRU (r, z, n), ONNX's (z, r, h) with linear_before_reset);
* multi-head attention: MatMul, Reshape, Transpose, Softmax; residual blocks: Add; branches: Concat,
  Add or Mul; a block used twice: the same initialisers twice.

The batch axis is dynamic ("N"); the other axes are the run's per-sample shape. Padding masks
are not exported: the graph treats every step of a sequence as real. A layer without a rule
raises ExportError naming it.
"""
from __future__ import annotations

import numpy as np

from dlx.errors import DlxError
from dlx.nn import InputScaler, Sequential
from dlx.nn.activation import LeakyReLU, Linear, LogSoftmax, ReLU, Sigmoid, Softmax, Tanh
from dlx.nn.attention_layers import LayerNorm, LearnedPositionalEncoding, MultiHeadAttention, PositionalEncoding
from dlx.nn.attention_layers import sinusoidal_table
from dlx.nn.conv import Conv1D, Conv2D
from dlx.nn.embedding import Embedding
from dlx.nn.graph import Branches, Residual, SharedBlock
from dlx.nn.linear import Dense
from dlx.nn.normalization import _BatchNorm
from dlx.nn.pooling import AvgPool2D, GlobalAvgPool2D, MaxPool2D
from dlx.nn.recurrent import GRU, LSTM, SimpleRNN
from dlx.nn.regularization import _NoiseLayer
from dlx.nn.shape import Flatten, Reshape
from dlx.nn.transformer import FeedForward, SequenceMean, TransformerEncoderLayer
from dlx.nn.upsample import ConvTranspose2D

OPSET = 17
INSTALL = "ONNX export needs the onnx package; install with pip install -e '.[onnx]'"


class ExportError(DlxError):
    """A model (or one of its layers) that the chosen format cannot express."""


def layer_name(module) -> str:
    return getattr(type(module), "registry_name", type(module).__name__)


class OnnxGraph:
    """Nodes and initialisers being collected; ``emit(module, x, shape)`` adds one module's operators."""

    def __init__(self, helper, numpy_helper):
        self.helper, self.numpy_helper = helper, numpy_helper
        self.nodes, self.initialisers, self.names, self.count = [], [], {}, 0

    def fresh(self, hint: str) -> str:
        self.count += 1
        return f"{hint}_{self.count}"

    def const(self, array, hint: str = "c") -> str:
        """An initialiser holding ``array``; the same Parameter object gives the same name (shared blocks)."""
        key = id(array)
        if key in self.names and self.names[key][1] is array:
            return self.names[key][0]
        values = np.asarray(getattr(array, "data", array))
        values = values.astype({"f": np.float32, "b": bool}.get(values.dtype.kind, np.int64))
        name = self.fresh(hint)
        self.initialisers.append(self.numpy_helper.from_array(values, name))
        self.names[key] = (name, array)
        return name

    def op(self, op_type: str, inputs, hint: str | None = None, outputs: int = 1, **attributes):
        names = [self.fresh(hint or op_type.lower()) for _ in range(outputs)]
        self.nodes.append(self.helper.make_node(op_type, list(inputs), names, **attributes))
        return names[0] if outputs == 1 else names

    def shape_const(self, values) -> str:
        return self.const(np.asarray(values, dtype=np.int64), "shape")

    def emit(self, module, x: str, shape: tuple) -> str:
        rule = next((rule for kind, rule in RULES if isinstance(module, kind)), None)
        if rule is None:
            raise ExportError(f"layer '{layer_name(module)}' cannot be exported to ONNX (no rule for it yet); "
                              f"export a model without it")
        return rule(self, module, x, tuple(shape))


def _sequential(g, m, x, shape):
    for layer in m.layers:
        x, shape = g.emit(layer, x, shape), tuple(layer.output_shape(shape))
    return x


def _scaler(g, m, x, shape):
    if "shift" in m._buffers:
        x = g.op("Sub", [x, g.const(m._buffers["shift"], "scaler_shift")])
    if "divisor" in m._buffers:
        x = g.op("Div", [x, g.const(m._buffers["divisor"], "scaler_divisor")])
    return x


def _affine(g, x, weight, bias, hint="dense"):
    out = g.op("MatMul", [x, g.const(weight, hint + "_weight")])
    return g.op("Add", [out, g.const(bias, hint + "_bias")]) if bias is not None else out


def _dense(g, m, x, shape):
    return _affine(g, x, m.weight, m.b)


def _activation(op_type, **fixed):
    def rule(g, m, x, shape):
        attributes = {key: value(m) for key, value in fixed.items()}
        return g.op(op_type, [x], **attributes)
    return rule


def _conv(g, m, x, shape):
    pads = [before for before, _ in m._pads] + [after for _, after in m._pads]
    inputs = [x, g.const(m.weight, "conv_weight")] + ([g.const(m.b, "conv_bias")] if m.b is not None else [])
    return g.op("Conv", inputs, strides=list(m._as_tuple(m.stride)), pads=pads,
                dilations=list(m._as_tuple(m.dilation)), kernel_shape=list(m._as_tuple(m.kernel_size)))


def _conv_transpose(g, m, x, shape):
    pads = list(m.padding) * 2  # (top, left, bottom, right)
    inputs = [x, g.const(m.weight, "deconv_weight")] + ([g.const(m.b, "deconv_bias")] if m.b is not None else [])
    return g.op("ConvTranspose", inputs, strides=list(m.stride), pads=pads, kernel_shape=list(m.kernel_size),
                output_padding=list(m.output_padding))


def _pool(op_type, **extra):
    def rule(g, m, x, shape):
        return g.op(op_type, [x], kernel_shape=list(m.pool_size), strides=list(m.stride or m.pool_size),
                    pads=list(m.padding) * 2, **extra)
    return rule


def _batch_norm(g, m, x, shape):
    return g.op("BatchNormalization", [x, g.const(m.gamma, "bn_scale"), g.const(m.beta, "bn_bias"),
                                       g.const(m._buffers["running_mean"], "bn_mean"),
                                       g.const(m._buffers["running_var"], "bn_var")], epsilon=m.eps)


def _layer_norm(g, m, x, shape):
    return g.op("LayerNormalization", [x, g.const(m.gamma, "ln_scale"), g.const(m.beta, "ln_bias")],
                axis=-1, epsilon=m.eps)


def _embedding(g, m, x, shape):
    return g.op("Gather", [g.const(m.weight, "embedding"), g.op("Cast", [x], to=7)], axis=0)  # 7: int64


def _reshape(g, m, x, shape):
    return g.op("Reshape", [x, g.shape_const([0, *m.output_shape(shape)])])


def _positional(g, m, x, shape):
    table = m.table.data[:shape[0]] if isinstance(m, LearnedPositionalEncoding) else \
        sinusoidal_table(shape[0], shape[1]).astype(np.float32)
    return g.op("Add", [x, g.const(table, "positions")])


def _sequence_mean(g, m, x, shape):
    return g.op("ReduceMean", [x], axes=[1], keepdims=0)


def _global_pool(g, m, x, shape):
    return g.op("Flatten", [g.op("GlobalAveragePool", [x])], axis=1)


# dlx's gate blocks -> ONNX's: LSTM (i, f, o, g) -> (i, o, f, c); GRU (r, z, n) -> (z, r, h)
GATE_ORDER = {"lstm": (0, 2, 1, 3), "gru": (1, 0, 2), "rnn": (0,)}


def _blocks(array, order, units):
    """The columns (or entries) of ``array`` regrouped into ONNX's gate order along the last axis."""
    array = np.asarray(getattr(array, "data", array))
    return np.concatenate([array[..., k * units:(k + 1) * units] for k in order], axis=-1)


def _recurrent_weights(m, family):
    order, H = GATE_ORDER[family], m.units
    W, R, B = [], [], []
    for suffix in m._directions():
        W.append(_blocks(getattr(m, "w_x" + suffix), order, H).T)      # (G H, D)
        R.append(_blocks(getattr(m, "w_h" + suffix), order, H).T)      # (G H, H)
        input_bias = _blocks(getattr(m, "b" + suffix), order, H)
        recurrent_bias = _blocks(getattr(m, "b_h" + suffix), order, H) if family == "gru" \
            else np.zeros_like(input_bias)
        B.append(np.concatenate([input_bias, recurrent_bias]))          # (2 G H,)
    return [np.stack(part).astype(np.float32) for part in (W, R, B)]


def _recurrent(g, m, x, shape):
    family = "lstm" if isinstance(m, LSTM) else "gru" if isinstance(m, GRU) else "rnn"
    W, R, B = (g.const(a, f"{family}_{name}") for a, name in zip(_recurrent_weights(m, family), "WRB"))
    attributes = {"hidden_size": m.units, "direction": "bidirectional" if m.bidirectional else "forward"}
    if family == "gru":
        attributes["linear_before_reset"] = 1  # r * (h W_hn + b_hn), as dlx and PyTorch
    if family == "rnn":
        attributes["activations"] = [{"tanh": "Tanh", "relu": "Relu"}[m.activation]] * len(m._directions())
    op_type = {"lstm": "LSTM", "gru": "GRU", "rnn": "RNN"}[family]
    steps_first = g.op("Transpose", [x], perm=[1, 0, 2])                       # (T, N, D)
    outputs = g.op(op_type, [steps_first, W, R, B], outputs=3 if family == "lstm" else 2, **attributes)
    width = m.units * len(m._directions())
    if m.return_sequences:                                                       # Y (T, dirs, N, H)
        y = g.op("Transpose", [outputs[0]], perm=[2, 0, 1, 3])                   # (N, T, dirs, H)
        return g.op("Reshape", [y, g.shape_const([0, 0, width])])
    last = g.op("Transpose", [outputs[1]], perm=[1, 0, 2])                      # Y_h (dirs, N, H) -> (N, dirs, H)
    return g.op("Reshape", [last, g.shape_const([0, width])])


def _heads(g, x, steps, heads, dh):
    """(N, T, H dh) -> (N, H, T, dh)."""
    return g.op("Transpose", [g.op("Reshape", [x, g.shape_const([0, steps, heads, dh])])], perm=[0, 2, 1, 3])


def _attention(g, m, x, shape):
    steps, dim = shape
    heads, dh = m.num_heads, dim // m.num_heads
    q = _heads(g, _affine(g, x, m.w_q, m.b_q, "query"), steps, heads, dh)
    k = _heads(g, _affine(g, x, m.w_k, None, "key"), steps, heads, dh)
    v = _heads(g, _affine(g, x, m.w_v, m.b_v, "value"), steps, heads, dh)
    scores = g.op("MatMul", [q, g.op("Transpose", [k], perm=[0, 1, 3, 2])])   # (N, H, T, T)
    scores = g.op("Mul", [scores, g.const(np.float32(1.0 / np.sqrt(dh)), "scale")])
    if m.causal:  # a step attends to itself and the steps before it
        blocked = np.triu(np.ones((steps, steps), bool), k=1)
        scores = g.op("Where", [g.const(blocked, "future"), g.const(np.float32(-np.inf), "inf"),
                                scores])
    weights = g.op("Softmax", [scores], axis=-1)
    merged = g.op("Transpose", [g.op("MatMul", [weights, v])], perm=[0, 2, 1, 3])  # (N, T, H, dh)
    merged = g.op("Reshape", [merged, g.shape_const([0, steps, dim])])
    return _affine(g, merged, m.w_o, m.b_o, "attention_out")


def _feed_forward(g, m, x, shape):
    return _affine(g, g.op("Relu", [_affine(g, x, m.w1, m.b1, "ffn1")]), m.w2, m.b2, "ffn2")


def _encoder_layer(g, m, x, shape):
    def residual(x, norm, sublayer):
        if m.norm_first:
            return g.op("Add", [x, sublayer(g.emit(norm, x, shape))])
        return g.emit(norm, g.op("Add", [x, sublayer(x)]), shape)
    x = residual(x, m.norm1, lambda h: g.emit(m.self_attention, h, shape))
    return residual(x, m.norm2, lambda h: g.emit(m.feed_forward, h, shape))


def _residual(g, m, x, shape):
    shortcut = x if m.projection is None else g.emit(m.projection, x, shape)
    return g.op("Add", [g.emit(m.body, x, shape), shortcut])


def _branches(g, m, x, shape):
    outputs = [g.emit(path, x, shape) for path in m.paths]
    if m.merge == "concat":
        return g.op("Concat", outputs, axis=1 + m.axis % len(shape))
    combined = outputs[0]
    for other in outputs[1:]:
        combined = g.op("Add" if m.merge == "add" else "Mul", [combined, other])
    return combined


RULES = [
    (Sequential, _sequential), (InputScaler, _scaler), (Dense, _dense),  # Dense covers TimeDense
    (Conv2D, _conv), (Conv1D, _conv), (ConvTranspose2D, _conv_transpose),
    (MaxPool2D, _pool("MaxPool")), (AvgPool2D, _pool("AveragePool", count_include_pad=1)),
    (GlobalAvgPool2D, _global_pool), (_BatchNorm, _batch_norm), (LayerNorm, _layer_norm),
    (Linear, _activation("Identity")), (Sigmoid, _activation("Sigmoid")), (Tanh, _activation("Tanh")),
    (ReLU, _activation("Relu")), (LeakyReLU, _activation("LeakyRelu", alpha=lambda m: float(m.negative_slope))),
    (Softmax, _activation("Softmax", axis=lambda m: int(m.axis))),
    (LogSoftmax, _activation("LogSoftmax", axis=lambda m: int(m.axis))),
    (_NoiseLayer, _activation("Identity")), (Flatten, _activation("Flatten", axis=lambda m: 1)),
    (Reshape, _reshape), (Embedding, _embedding), (LSTM, _recurrent), (GRU, _recurrent), (SimpleRNN, _recurrent),
    (PositionalEncoding, _positional), (SequenceMean, _sequence_mean), (MultiHeadAttention, _attention),
    (FeedForward, _feed_forward), (TransformerEncoderLayer, _encoder_layer),
    (Residual, _residual), (Branches, _branches), (SharedBlock, lambda g, m, x, shape: g.emit(m.block, x, shape)),
]


def onnx_model(model, input_shape, integer_input: bool = False, name: str = "dlx"):
    """The ONNX ModelProto of ``model`` for inputs (N, *input_shape); ``integer_input``: token ids (int64).

    Raises ExportError naming the first layer without a rule, ImportError's message if onnx is missing.
    """
    try:
        import onnx
        from onnx import TensorProto, helper, numpy_helper
    except ImportError:
        raise ExportError(INSTALL) from None
    graph = OnnxGraph(helper, numpy_helper)
    output = graph.emit(model, "input", tuple(input_shape))
    out_shape = tuple(model.output_shape(tuple(input_shape)))
    graph.nodes.append(helper.make_node("Identity", [output], ["output"]))
    elem = TensorProto.INT64 if integer_input else TensorProto.FLOAT
    proto = helper.make_model(helper.make_graph(
        graph.nodes, name, [helper.make_tensor_value_info("input", elem, ["N", *input_shape])],
        [helper.make_tensor_value_info("output", TensorProto.FLOAT, ["N", *out_shape])], graph.initialisers),
        opset_imports=[helper.make_opsetid("", OPSET)], producer_name="dlx")
    onnx.checker.check_model(proto)
    return proto
