"""Modules, parameters, layers (one file per family) and initialisers."""
from dlx.nn import attention_layers, transformer  # noqa: F401  (register the Transformer's layers)
from dlx.nn.bayesian import BayesDense, MCDropout
from dlx.nn.activation import LeakyReLU, Linear, LogSoftmax, ReLU, Sigmoid, Softmax, Tanh
from dlx.nn.container import Sequential, forward_masked
from dlx.nn.conv import Conv1D, Conv2D
from dlx.nn.embedding import Embedding
from dlx.nn.functional import Graph, GraphNode
from dlx.nn.graph import Branches, Residual, SharedBlock
from dlx.nn.init import get_initialiser
from dlx.nn.linear import Dense, TimeDense
from dlx.nn.module import Module, Parameter
from dlx.nn.normalization import BatchNorm1D, BatchNorm2D
from dlx.nn.preprocess import InputScaler
from dlx.nn.quantised import QuantisedConv2D, QuantisedDense
from dlx.nn.recurrent import GRU, IRNN, LSTM, SimpleRNN
from dlx.nn.pooling import AvgPool2D, GlobalAvgPool2D, MaxPool2D
from dlx.nn.regularization import Dropout, GaussianNoise
from dlx.nn.spiking import LIF, LatencyCoding, RateCoding, TimeReadout
from dlx.nn.shape import Flatten, Reshape
from dlx.nn.upsample import ConvTranspose2D, Upsample2D

__all__ = ["AvgPool2D", "BatchNorm1D", "BatchNorm2D", "Conv1D", "Conv2D", "ConvTranspose2D", "Dropout", "Embedding",
           "Flatten", "GRU", "GaussianNoise", "GlobalAvgPool2D", "IRNN", "InputScaler", "LSTM", "MaxPool2D", "Dense",
           "LeakyReLU", "Linear", "LogSoftmax", "Module", "Parameter", "QuantisedConv2D", "QuantisedDense", "ReLU", "Reshape", "Sequential", "SimpleRNN",
           "TimeDense", "Upsample2D", "LIF", "LatencyCoding", "RateCoding", "TimeReadout",
           "Branches", "Graph", "GraphNode", "Residual", "SharedBlock",
           "Sigmoid", "Softmax", "Tanh", "forward_masked", "get_initialiser",
           "BayesDense", "MCDropout"]
from dlx.nn import seq2seq  # noqa: E402,F401  (registers the seq2seq model)
from dlx.nn import transformer_seq2seq  # noqa: E402,F401  (registers the Transformer encoder-decoder)
from dlx.nn import hierarchical  # noqa: E402,F401  (registers the hierarchical attention model)
from dlx.nn import progressive  # noqa: E402,F401  (registers the progressive network)
from dlx.nn import ntm  # noqa: E402,F401  (registers the Neural Turing Machine layer)
