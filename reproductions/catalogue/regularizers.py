"""Registry entries for the regularizers topic (metadata only, no torch)."""

from reproductions.core import Paper
from reproductions.registry import Reproduction, register

SRIVASTAVA = Paper(
    title="Dropout: A Simple Way to Prevent Neural Networks from Overfitting",
    authors=("Nitish Srivastava", "Geoffrey Hinton", "Alex Krizhevsky", "Ilya Sutskever", "Ruslan Salakhutdinov"),
    year=2014,
    venue="JMLR",
    url="https://jmlr.org/papers/v15/srivastava14a.html",
)
WAN = Paper(
    title="Regularization of Neural Networks using DropConnect",
    authors=("Li Wan", "Matthew Zeiler", "Sixin Zhang", "Yann LeCun", "Rob Fergus"),
    year=2013,
    venue="ICML",
    url="https://proceedings.mlr.press/v28/wan13.html",
)
LOSHCHILOV = Paper(
    title="Decoupled Weight Decay Regularization",
    authors=("Ilya Loshchilov", "Frank Hutter"),
    year=2019,
    venue="ICLR",
    arxiv="1711.05101",
)
IOFFE = Paper(
    title="Batch Normalization: Accelerating Deep Network Training by Reducing Internal Covariate Shift",
    authors=("Sergey Ioffe", "Christian Szegedy"),
    year=2015,
    venue="ICML",
    arxiv="1502.03167",
)
HUANG = Paper(
    title="Deep Networks with Stochastic Depth",
    authors=("Gao Huang", "Yu Sun", "Zhuang Liu", "Daniel Sedra", "Kilian Q. Weinberger"),
    year=2016,
    venue="ECCV",
    arxiv="1603.09382",
)
GRAHAM = Paper(title="Fractional Max-Pooling", authors=("Benjamin Graham",), year=2014, arxiv="1412.6071")

register(
    Reproduction(
        name="overfitting",
        title="None vs L2 vs dropout vs DropConnect on a few hundred digits",
        topic="regularizers",
        module="reproductions.regularizers.dropout",
        papers=(SRIVASTAVA, WAN, LOSHCHILOV),
        claim="Dropout and DropConnect lower the test error and the train-test gap of an overfitting network",
        experiment="reproductions.experiments.regularizers_overfitting:run",
    )
)
register(
    Reproduction(
        name="dropout-ensemble",
        title="Dropout as an ensemble: Monte-Carlo averaging vs weight scaling",
        topic="regularizers",
        module="reproductions.regularizers.dropout",
        papers=(SRIVASTAVA,),
        claim="The weight-scaled network matches Monte-Carlo averaging of ~50 thinned networks",
        experiment="reproductions.experiments.regularizers_dropout_ensemble:run",
    )
)
register(
    Reproduction(
        name="batchnorm",
        title="Batch normalization: steps to a fixed test accuracy over a learning-rate grid",
        topic="regularizers",
        module="reproductions.regularizers.batchnorm",
        papers=(IOFFE,),
        claim="Batch normalization reaches the same accuracy in far fewer steps (14x for Inception)",
        experiment="reproductions.experiments.regularizers_batchnorm:run",
    )
)
register(
    Reproduction(
        name="stochastic-depth",
        title="Stochastic depth: executed blocks, training time and test error",
        topic="regularizers",
        module="reproductions.regularizers.stochastic_depth",
        papers=(HUANG,),
        claim="Stochastic depth cuts training time by ~25% and lowers the test error",
        experiment="reproductions.experiments.regularizers_stochastic_depth:run",
    )
)
register(
    Reproduction(
        name="fractional-maxpool",
        title="Fractional max-pooling vs 2x2 max-pooling, with test-time averaging",
        topic="regularizers",
        module="reproductions.regularizers.fractional_maxpool",
        papers=(GRAHAM,),
        claim="FMP with alpha = sqrt(2) beats 2x2 max-pooling and improves further when test passes are averaged",
        experiment="reproductions.experiments.regularizers_fmp:run",
    )
)
