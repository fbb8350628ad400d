"""Regularizers: L2 / decoupled decay, dropout, batch norm, DropConnect, stochastic depth, fractional max-pooling."""

from reproductions.regularizers.batchnorm import BatchNorm, BatchNormFunction, batch_norm_train
from reproductions.regularizers.dropconnect import DropConnectLinear
from reproductions.regularizers.dropout import Dropout, dropout, mc_dropout_average, weight_scaled_predict
from reproductions.regularizers.fractional_maxpool import (
    FractionalMaxPool2d,
    fmp_average,
    fractional_max_pool2d,
    pseudorandom_sequence,
    random_sequence,
    regions,
)
from reproductions.regularizers.l2 import add_l2_gradient_, decay_parameters, decoupled_weight_decay_, l2_penalty
from reproductions.regularizers.stochastic_depth import StochasticDepth, linear_decay_survival

__all__ = [
    "BatchNorm",
    "BatchNormFunction",
    "DropConnectLinear",
    "Dropout",
    "FractionalMaxPool2d",
    "StochasticDepth",
    "add_l2_gradient_",
    "batch_norm_train",
    "decay_parameters",
    "decoupled_weight_decay_",
    "dropout",
    "fmp_average",
    "fractional_max_pool2d",
    "linear_decay_survival",
    "l2_penalty",
    "mc_dropout_average",
    "pseudorandom_sequence",
    "random_sequence",
    "regions",
    "weight_scaled_predict",
]
