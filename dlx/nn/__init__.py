"""Modules, parameters, layers (one file per family) and initialisers."""
from dlx.nn.activation import LeakyReLU, Linear, LogSoftmax, ReLU, Sigmoid, Softmax, Tanh
from dlx.nn.container import Sequential
from dlx.nn.init import get_initialiser
from dlx.nn.linear import Dense
from dlx.nn.module import Module, Parameter

__all__ = ["Dense", "LeakyReLU", "Linear", "LogSoftmax", "Module", "Parameter", "ReLU", "Sequential",
           "Sigmoid", "Softmax", "Tanh", "get_initialiser"]
