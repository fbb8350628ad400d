"""Activations: sigmoid, tanh, ReLU, Leaky ReLU, PReLU, ELU and Maxout, written from their formulas.

Each module is one function's paper page; the elementwise ones are ``torch.autograd.Function``s
with the hand-derived gradient, checked against torch's own functions and with ``gradcheck``.
"""

from reproductions.activations.elu import ELU, ELUFunction, elu
from reproductions.activations.leaky_relu import LeakyReLU, LeakyReLUFunction, leaky_relu
from reproductions.activations.maxout import Maxout, maxout
from reproductions.activations.prelu import PReLU, PReLUFunction, prelu
from reproductions.activations.relu import ReLU, ReLUFunction, relu
from reproductions.activations.sigmoid import Sigmoid, SigmoidFunction, sigmoid
from reproductions.activations.tanh import Tanh, TanhFunction, tanh

__all__ = [
    "ELU",
    "ELUFunction",
    "LeakyReLU",
    "LeakyReLUFunction",
    "Maxout",
    "PReLU",
    "PReLUFunction",
    "ReLU",
    "ReLUFunction",
    "Sigmoid",
    "SigmoidFunction",
    "Tanh",
    "TanhFunction",
    "elu",
    "leaky_relu",
    "maxout",
    "prelu",
    "relu",
    "sigmoid",
    "tanh",
]
