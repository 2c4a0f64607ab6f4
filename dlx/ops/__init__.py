"""Primitive and fused operations, each with its hand-derived backward.

Importing this package also gives ``Tensor`` its operators and methods
(``a + b``, ``a @ b``, ``x.sum(axis=0)``, ``x.relu()`` ...), so that
``dlx.tensor`` stays at the bottom of the import graph.
"""
from dlx.ops.attention import affine, scaled_dot_product_attention
from dlx.ops.bayes import sampled_kl, softplus_sample
from dlx.ops.activation import identity, leaky_relu, log_softmax, relu, sigmoid, softmax, tanh
from dlx.ops.conv import conv1d, conv2d
from dlx.ops.conv_transpose import conv_transpose2d
from dlx.ops.ctc import ctc_loss
from dlx.ops.elementwise import abs, add, clip, div, exp, log, mul, neg, pow, sqrt, sub, where
from dlx.ops.embedding import embedding, word_scores
from dlx.ops.gru import gru_sequence
from dlx.ops.latent import bernoulli_nll, gaussian_kl, reparameterize
from dlx.ops.layer_norm import layer_norm
from dlx.ops.linalg import matmul
from dlx.ops.masked import masked_cross_entropy, masked_mean
from dlx.ops.masked_softmax import masked_softmax
from dlx.ops.loss import bce_with_logits, binary_cross_entropy, cross_entropy, huber_loss, mse_loss
from dlx.ops.norm import batch_norm
from dlx.ops.ntm import circular_shift, cosine_similarity, memory_write, sharpen, softplus
from dlx.ops.pool import avg_pool2d, max_pool2d
from dlx.ops.recurrent import lstm_sequence, rnn_sequence
from dlx.ops.reduce import max, mean, sum
from dlx.ops.spiking import lif_sequence
from dlx.ops.shape import concatenate, getitem, reshape, stack, transpose, unstack
from dlx.ops.upsample import upsample_bilinear2d, upsample_nearest2d
from dlx.tensor import Tensor

__all__ = [
    "abs", "add", "avg_pool2d", "batch_norm", "conv1d", "conv2d", "max_pool2d", "bce_with_logits", "binary_cross_entropy", "clip", "concatenate", "cross_entropy",
    "div", "embedding", "exp", "getitem", "gru_sequence", "huber_loss", "identity", "leaky_relu", "log",
    "log_softmax", "lstm_sequence", "masked_cross_entropy", "masked_mean", "masked_softmax", "matmul", "max", "mean", "rnn_sequence",
    "mse_loss", "mul", "neg", "pow", "relu", "reshape", "sigmoid", "softmax", "sqrt", "stack", "sub",
    "sum", "tanh", "transpose", "unstack", "where",
    "bernoulli_nll", "conv_transpose2d", "gaussian_kl", "reparameterize", "upsample_bilinear2d", "upsample_nearest2d",
    "lif_sequence", "sampled_kl", "softplus_sample", "word_scores",
    "circular_shift", "cosine_similarity", "memory_write", "sharpen", "softplus",
]


def _reshape_method(self, *shape):
    return reshape(self, shape[0] if len(shape) == 1 and isinstance(shape[0], (tuple, list)) else shape)


def _transpose_method(self, *axes):
    return transpose(self, axes[0] if len(axes) == 1 and isinstance(axes[0], (tuple, list)) else (axes or None))


def _install_methods() -> None:
    methods = {
        "__add__": add, "__radd__": lambda self, other: add(other, self),
        "__sub__": sub, "__rsub__": lambda self, other: sub(other, self),
        "__mul__": mul, "__rmul__": lambda self, other: mul(other, self),
        "__truediv__": div, "__rtruediv__": lambda self, other: div(other, self),
        "__neg__": neg, "__pow__": pow, "__rpow__": lambda self, other: pow(other, self),
        "__matmul__": matmul, "__rmatmul__": lambda self, other: matmul(other, self),
        "__getitem__": getitem,
        "sum": sum, "mean": mean, "max": max, "exp": exp, "log": log, "sqrt": sqrt, "abs": abs,
        "clip": clip, "relu": relu, "sigmoid": sigmoid, "tanh": tanh, "softmax": softmax,
        "log_softmax": log_softmax, "reshape": _reshape_method, "transpose": _transpose_method,
        "T": property(lambda self: transpose(self)),
    }
    for name, fn in methods.items():
        setattr(Tensor, name, fn)


_install_methods()
