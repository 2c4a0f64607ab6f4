"""A dlx model as the equivalent PyTorch module: its weights under that module's tensor names, and the code.

``torch_equivalent(model)`` gives ``(code, tensors)``: ``code`` is a Python snippet that builds
the ``torch.nn`` module and loads ``model.safetensors`` into it; ``tensors`` maps each name of
that module's ``state_dict()`` to a NumPy array (what ``dlx export --format safetensors`` saves).
Nothing here imports torch: the snippet is text for the user (and the tests) to run.

Conversions: a dense layer's weight is transposed (dlx's (in, out), torch's (out, in)); LSTM gate
blocks go from dlx's (i, f, o, g) to torch's (i, f, g, o); GRU blocks are (r, z, n) in both;
the recurrent-side bias of an LSTM or simple RNN is zero (dlx has one bias); an attention's key
bias is zero (dlx has none). The run's scaler is the first module, ``0.shift`` and ``0.divisor``.
"""
from __future__ import annotations

import numpy as np

from dlx.export.onnx_graph import ExportError, layer_name
from dlx.nn import InputScaler, Sequential
from dlx.nn.activation import LeakyReLU, Linear, LogSoftmax, ReLU, Sigmoid, Softmax, Tanh
from dlx.nn.attention_layers import LayerNorm, LearnedPositionalEncoding, PositionalEncoding, sinusoidal_table
from dlx.nn.conv import Conv1D, Conv2D
from dlx.nn.embedding import Embedding
from dlx.nn.graph import Branches, Residual, SharedBlock
from dlx.nn.linear import Dense
from dlx.nn.normalization import _BatchNorm
from dlx.nn.pooling import AvgPool2D, GlobalAvgPool2D, MaxPool2D
from dlx.nn.recurrent import GRU, LSTM, SimpleRNN
from dlx.nn.regularization import _NoiseLayer
from dlx.nn.shape import Flatten, Reshape
from dlx.nn.transformer import SequenceMean, TransformerEncoderLayer
from dlx.nn.upsample import ConvTranspose2D

HELPERS = '''\
import torch
from torch import nn
from safetensors.torch import load_file


class Scaler(nn.Module):  # (x - shift) / divisor, the run's input scaling
    def __init__(self, shape, shift=True, divisor=True):
        super().__init__()
        if shift:
            self.register_buffer("shift", torch.zeros(shape))
        if divisor:
            self.register_buffer("divisor", torch.ones(shape))

    def forward(self, x):
        x = x - self.shift if hasattr(self, "shift") else x
        return x / self.divisor if hasattr(self, "divisor") else x


class Residual(nn.Module):  # body(x) + x, or body(x) + projection(x)
    def __init__(self, body, projection=None):
        super().__init__()
        self.body, self.projection = body, projection

    def forward(self, x):
        return self.body(x) + (x if self.projection is None else self.projection(x))


class Branches(nn.Module):  # parallel paths merged by concat (per-sample axis), add or multiply
    def __init__(self, paths, merge, axis=0):
        super().__init__()
        self.paths, self.merge, self.axis = nn.ModuleList(paths), merge, axis

    def forward(self, x):
        outputs = [path(x) for path in self.paths]
        if self.merge == "concat":
            return torch.cat(outputs, dim=1 + self.axis % (x.dim() - 1))
        result = outputs[0]
        for other in outputs[1:]:
            result = result + other if self.merge == "add" else result * other
        return result


class Recurrent(nn.Module):  # batch-first nn.LSTM/GRU/RNN: every step, or the final state(s)
    def __init__(self, rnn, return_sequences):
        super().__init__()
        self.rnn, self.return_sequences = rnn, return_sequences

    def forward(self, x):
        out, state = self.rnn(x)
        if self.return_sequences:
            return out
        h = state[0] if isinstance(state, tuple) else state  # (directions, N, H)
        return h.permute(1, 0, 2).reshape(x.shape[0], -1)


class Reshape(nn.Module):
    def __init__(self, shape):
        super().__init__()
        self.shape = shape

    def forward(self, x):
        return x.reshape(x.shape[0], *self.shape)


class AddPositions(nn.Module):  # x + table[:T]
    def __init__(self, steps, dim):
        super().__init__()
        self.register_buffer("table", torch.zeros(steps, dim))

    def forward(self, x):
        return x + self.table[:x.shape[1]]


class StepMean(nn.Module):
    def forward(self, x):
        return x.mean(dim=1)


class CausalEncoderLayer(nn.TransformerEncoderLayer):  # a step attends to itself and the steps before it
    def forward(self, x):
        mask = nn.Transformer.generate_square_subsequent_mask(x.shape[1])
        return super().forward(x, src_mask=mask, is_causal=True)
'''

LSTM_TO_TORCH = (0, 1, 3, 2)  # dlx (i, f, o, g) -> torch (i, f, g, o)


def _array(value) -> np.ndarray:
    """float64 stays float64 (``import-weights`` traces element indices through these rules); else float32."""
    value = np.asarray(getattr(value, "data", value))
    return np.ascontiguousarray(value if value.dtype == np.float64 else value.astype(np.float32))


class TorchWriter:
    """The code of each module and the tensors under their state_dict names, collected while walking the model."""

    def __init__(self):
        self.tensors: dict[str, np.ndarray] = {}
        self.shared: dict[str, str] = {}   # block name -> the variable the preamble defines
        self.preamble: list[str] = []

    def put(self, prefix: str, name: str, value) -> None:
        self.tensors[f"{prefix}{name}"] = _array(value)

    def code(self, module, prefix: str, shape: tuple) -> str:
        rule = next((rule for kind, rule in RULES if isinstance(module, kind)), None)
        if rule is None:
            raise ExportError(f"layer '{layer_name(module)}' has no PyTorch equivalent here (safetensors export); "
                              f"export a model without it, or use --format onnx")
        return rule(self, module, prefix, tuple(shape))


def _sequential(w, m, prefix, shape):
    parts = []
    for i, layer in enumerate(m.layers):
        parts.append(w.code(layer, f"{prefix}{i}.", shape))
        shape = tuple(layer.output_shape(shape))
    return "nn.Sequential(" + ", ".join(parts) + ")"


def _scaler(w, m, prefix, shape):
    for name in ("shift", "divisor"):
        if name in m._buffers:
            w.put(prefix, name, m._buffers[name])
    return f"Scaler({tuple(shape)}, {'shift' in m._buffers}, {'divisor' in m._buffers})"


def _dense(w, m, prefix, shape):
    w.put(prefix, "weight", _array(m.weight).T)
    if m.b is not None:
        w.put(prefix, "bias", m.b)
    return f"nn.Linear({m.in_features}, {m.units}, bias={m.b is not None})"


def _conv(w, m, prefix, shape):
    pads = m._pads
    if any(before != after for before, after in pads):
        raise ExportError(f"layer '{layer_name(m)}' pads unevenly ({pads}); PyTorch's Conv pads evenly; "
                          f"use --format onnx")
    w.put(prefix, "weight", m.weight)
    if m.b is not None:
        w.put(prefix, "bias", m.b)
    kind = "Conv2d" if isinstance(m, Conv2D) else "Conv1d"
    def arg(value):
        return tuple(value) if isinstance(value, tuple) else value
    return (f"nn.{kind}({m.in_channels}, {m.filters}, {arg(m.kernel_size)}, stride={arg(m.stride)}, "
            f"padding={tuple(p for p, _ in pads)}, dilation={arg(m.dilation)}, bias={m.b is not None})")


def _conv_transpose(w, m, prefix, shape):
    w.put(prefix, "weight", m.weight)  # (in, out, kh, kw) in both
    if m.b is not None:
        w.put(prefix, "bias", m.b)
    return (f"nn.ConvTranspose2d({shape[0]}, {m.filters}, {tuple(m.kernel_size)}, stride={tuple(m.stride)}, "
            f"padding={tuple(m.padding)}, output_padding={tuple(m.output_padding)}, bias={m.b is not None})")


def _pool(kind, extra=""):
    def rule(w, m, prefix, shape):
        return (f"nn.{kind}({tuple(m.pool_size)}, stride={tuple(m.stride or m.pool_size)}, "
                f"padding={tuple(m.padding)}{extra})")
    return rule


def _batch_norm(w, m, prefix, shape):
    for name, value in (("weight", m.gamma), ("bias", m.beta), ("running_mean", m._buffers["running_mean"]),
                        ("running_var", m._buffers["running_var"])):
        w.put(prefix, name, value)
    w.tensors[f"{prefix}num_batches_tracked"] = np.zeros((), np.int64)
    kind = "BatchNorm2d" if len(shape) == 3 else "BatchNorm1d"
    return f"nn.{kind}({m.num_features}, eps={m.eps})"


def _layer_norm(w, m, prefix, shape):
    w.put(prefix, "weight", m.gamma)
    w.put(prefix, "bias", m.beta)
    return f"nn.LayerNorm({m.features}, eps={m.eps})"


def _embedding(w, m, prefix, shape):
    w.put(prefix, "weight", m.weight)
    return f"nn.Embedding({m.vocab_size}, {m.dim})"


def _recurrent(w, m, prefix, shape):
    family = "LSTM" if isinstance(m, LSTM) else "GRU" if isinstance(m, GRU) else "RNN"
    H = m.units
    for suffix in m._directions():
        w_x, w_h, b = (_array(getattr(m, name + suffix)) for name in ("w_x", "w_h", "b"))
        b_h = _array(getattr(m, "b_h" + suffix)) if family == "GRU" else np.zeros_like(b)
        if family == "LSTM":
            def order(a):
                return np.concatenate([a[..., k * H:(k + 1) * H] for k in LSTM_TO_TORCH], axis=-1)
            w_x, w_h, b = order(w_x), order(w_h), order(b)
        for name, value in (("weight_ih_l0", w_x.T), ("weight_hh_l0", w_h.T), ("bias_ih_l0", b),
                            ("bias_hh_l0", b_h)):
            w.put(f"{prefix}rnn.", name + suffix, value)
    extra = f", nonlinearity={m.activation!r}" if family == "RNN" else ""
    return (f"Recurrent(nn.{family}({m.in_features}, {H}, batch_first=True, "
            f"bidirectional={m.bidirectional}{extra}), return_sequences={m.return_sequences})")


def _encoder_layer(w, m, prefix, shape):
    a, f = m.self_attention, m.feed_forward
    dim = a.d_model
    w.put(prefix, "self_attn.in_proj_weight", np.concatenate([_array(a.w_q).T, _array(a.w_k).T, _array(a.w_v).T]))
    w.put(prefix, "self_attn.in_proj_bias", np.concatenate([_array(a.b_q), np.zeros(dim, np.float32),
                                                            _array(a.b_v)]))
    w.put(prefix, "self_attn.out_proj.weight", _array(a.w_o).T)
    w.put(prefix, "self_attn.out_proj.bias", a.b_o)
    w.put(prefix, "linear1.weight", _array(f.w1).T)
    w.put(prefix, "linear1.bias", f.b1)
    w.put(prefix, "linear2.weight", _array(f.w2).T)
    w.put(prefix, "linear2.bias", f.b2)
    for norm in ("norm1", "norm2"):
        w.put(prefix, f"{norm}.weight", getattr(m, norm).gamma)
        w.put(prefix, f"{norm}.bias", getattr(m, norm).beta)
    kind = "CausalEncoderLayer" if m.causal else "nn.TransformerEncoderLayer"
    return (f"{kind}({dim}, {a.num_heads}, dim_feedforward={f.hidden}, dropout={m.dropout}, batch_first=True, "
            f"norm_first={m.norm_first}, layer_norm_eps={m.eps})")


def _positional(w, m, prefix, shape):
    steps, dim = shape
    table = _array(m.table)[:steps] if isinstance(m, LearnedPositionalEncoding) else \
        sinusoidal_table(steps, dim).astype(np.float32)
    w.put(prefix, "table", table)
    return f"AddPositions({steps}, {dim})"


def _residual(w, m, prefix, shape):
    body = w.code(m.body, f"{prefix}body.", shape)
    if m.projection is None:
        return f"Residual({body})"
    return f"Residual({body}, {w.code(m.projection, f'{prefix}projection.', shape)})"


def _branches(w, m, prefix, shape):
    paths = [w.code(path, f"{prefix}paths.{i}.", shape) for i, path in enumerate(m.paths)]
    return f"Branches([{', '.join(paths)}], {m.merge!r}, {m.axis})"


def _shared(w, m, prefix, shape):
    code = w.code(m.block, prefix, shape)  # its tensors under this use's names too (state_dict lists each use)
    if m.block_name not in w.shared:
        variable = f"block_{len(w.shared)}"
        w.shared[m.block_name] = variable
        w.preamble.append(f"{variable} = {code}  # block '{m.block_name}', one set of weights for every use")
    return w.shared[m.block_name]


def _plain(code):
    return lambda w, m, prefix, shape: code(m) if callable(code) else code


RULES = [
    (Sequential, _sequential), (InputScaler, _scaler), (Dense, _dense), (Conv2D, _conv), (Conv1D, _conv), (ConvTranspose2D, _conv_transpose),
    (MaxPool2D, _pool("MaxPool2d")), (AvgPool2D, _pool("AvgPool2d", ", count_include_pad=True")),
    (GlobalAvgPool2D, _plain("nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten())")),
    (_BatchNorm, _batch_norm), (LayerNorm, _layer_norm), (Embedding, _embedding),
    (LSTM, _recurrent), (GRU, _recurrent), (SimpleRNN, _recurrent), (TransformerEncoderLayer, _encoder_layer),
    (PositionalEncoding, _positional), (SequenceMean, _plain("StepMean()")),
    (Linear, _plain("nn.Identity()")), (Sigmoid, _plain("nn.Sigmoid()")), (Tanh, _plain("nn.Tanh()")),
    (ReLU, _plain("nn.ReLU()")), (LeakyReLU, _plain(lambda m: f"nn.LeakyReLU({m.negative_slope})")),
    (Softmax, _plain(lambda m: f"nn.Softmax(dim={m.axis})")),
    (LogSoftmax, _plain(lambda m: f"nn.LogSoftmax(dim={m.axis})")),
    (_NoiseLayer, _plain("nn.Identity()")), (Flatten, _plain("nn.Flatten()")),
    (Reshape, _plain(lambda m: f"Reshape({tuple(m.shape)})")),
    (Residual, _residual), (Branches, _branches), (SharedBlock, _shared),
]


def torch_equivalent(model, input_shape, weights_file: str = "model.safetensors") -> tuple[str, dict]:
    """(snippet, tensors): PyTorch code that builds ``model``'s equivalent and loads ``weights_file``,
    and the arrays under that module's state_dict names (float32, or float64 where the model's arrays
    are). ExportError names a layer without an equivalent."""
    writer = TorchWriter()
    expression = writer.code(model, "", tuple(input_shape))
    lines = [HELPERS, "", "# run in the folder of model.safetensors (or give its path to load_file)", *writer.preamble, f"model = {expression}",
             f"model.load_state_dict(load_file({weights_file!r}))", "model.eval()",
             "# outputs = model(torch.as_tensor(inputs))   # raw inputs of shape (N, "
             f"{', '.join(map(str, input_shape))})", ""]
    return "\n".join(lines), writer.tensors
