"""Optimizers of cs231n "Training Neural Networks 2", one per module, each a ``torch.optim.Optimizer``.

``SGD``, ``Momentum`` (the lecture's form), ``Nesterov`` (Sutskever et al.'s form and the lecture's change
of variables), ``AdaGrad``, ``RMSProp`` and ``Adam`` (with or without bias correction); the second-order ``Newton`` and ``LBFGS``.
Importing this package imports torch; the registry (reproductions.catalogue) does not.
"""

from reproductions.optimizers.adagrad import AdaGrad
from reproductions.optimizers.adam import Adam
from reproductions.optimizers.lbfgs import LBFGS
from reproductions.optimizers.momentum import Momentum
from reproductions.optimizers.nesterov import Nesterov
from reproductions.optimizers.newton import Newton
from reproductions.optimizers.rmsprop import RMSProp
from reproductions.optimizers.sgd import SGD

__all__ = ["SGD", "Momentum", "Nesterov", "AdaGrad", "RMSProp", "Adam", "LBFGS", "Newton"]
