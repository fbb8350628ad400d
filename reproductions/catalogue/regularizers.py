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
KROGH_HERTZ = Paper(
    title="A Simple Weight Decay Can Improve Generalization",
    authors=("Anders Krogh", "John A. Hertz"),
    year=1991,
    venue="NIPS",
    url="https://papers.nips.cc/paper/563-a-simple-weight-decay-can-improve-generalization",
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
GRAHAM = Paper(
    title="Fractional Max-Pooling", authors=("Benjamin Graham",), year=2014, venue="arXiv preprint", arxiv="1412.6071"
)

register(
    Reproduction(
        name="overfitting",
        title="None vs L2 vs dropout vs DropConnect on a few hundred digits",
        topic="regularizers",
        module="reproductions.regularizers.dropout",
        papers=(SRIVASTAVA, WAN, KROGH_HERTZ),
        claim="Dropout and DropConnect each lower the test error of an overfitting network.",
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
        claim="At test time, the weight-scaled network matches Monte-Carlo averaging of about 50 thinned networks.",
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
        claim="Batch normalization reaches the same accuracy in far fewer training steps (14x fewer for Inception).",
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
        claim="Training with stochastic depth cuts training time (about 25 % with a linear decay to 0.5) and lowers "
        "the test error.",
        experiment="reproductions.experiments.regularizers_stochastic_depth:run",
        timed=True,
    )
)
register(
    Reproduction(
        name="fractional-maxpool",
        title="Fractional max-pooling vs 2x2 max-pooling, with test-time averaging",
        topic="regularizers",
        module="reproductions.regularizers.fractional_maxpool",
        papers=(GRAHAM,),
        claim="Fractional max-pooling with α ≈ √2 gives lower test error than 2x2 max-pooling, and lower still when "
        "several random pooling regions are averaged at test time.",
        experiment="reproductions.experiments.regularizers_fmp:run",
    )
)
register(
    Reproduction(
        name="inverted-dropout-identity",
        title="Inverted dropout with qW is the paper's dropout with W scaled at test time",
        topic="regularizers",
        module="reproductions.regularizers.dropout",
        papers=(SRIVASTAVA,),
        claim="Dividing the kept units by the retain probability q in training gives E[r ⊙ h / q] = h, and with "
        "the next layer's weights multiplied by q it is the same network as the paper's dropout with W_test = qW.",
        experiment="reproductions.experiments.regularizers_inverted_dropout:run_identity",
        kind="check",
    )
)
register(
    Reproduction(
        name="inverted-dropout",
        title="Inverted dropout vs the paper's test-time weight scaling: test error, each form its own lr",
        topic="regularizers",
        module="reproductions.regularizers.dropout",
        papers=(SRIVASTAVA,),
        claim="Scaling at training time (inverted dropout) and scaling the weights at test time train equally "
        "good networks, with the test-time network left untouched.",
        experiment="reproductions.experiments.regularizers_inverted_dropout:run",
    )
)
TIBSHIRANI = Paper(
    title="Regression Shrinkage and Selection via the Lasso",
    authors=("Robert Tibshirani",),
    year=1996,
    venue="Journal of the Royal Statistical Society, Series B",
    url="https://doi.org/10.1111/j.2517-6161.1996.tb02080.x",
)
register(
    Reproduction(
        name="lasso-vs-ridge",
        title="The lasso (L1) against ridge regression (L2) on Tibshirani's simulated examples",
        topic="regularizers",
        module="reproductions.regularizers.l1",
        papers=(TIBSHIRANI,),
        claim="With a small to moderate number of moderate-sized effects the lasso does best, and with a large "
        "number of small effects ridge regression does best by a good margin.",
        experiment="reproductions.experiments.regularizers_lasso:run",
    )
)
register(
    Reproduction(
        name="batchnorm-regularizer",
        title="Batch normalization as a regularizer that can stand in for dropout",
        topic="regularizers",
        module="reproductions.regularizers.batchnorm",
        papers=(IOFFE,),
        claim="Batch normalization also acts as a regularizer, in some cases eliminating the need for Dropout.",
        experiment="reproductions.experiments.regularizers_bn_dropout:run",
    )
)
register(
    Reproduction(
        name="max-norm-dropout",
        title="With dropout, a max-norm constraint on each unit's incoming weights against L2 weight decay",
        topic="regularizers",
        module="reproductions.regularizers.max_norm",
        papers=(SRIVASTAVA,),
        claim="Combined with dropout, bounding the norm of each hidden unit's incoming weight vector (max-norm) "
        "gives lower test error than L2 weight decay.",
        experiment="reproductions.experiments.regularizers_max_norm:run",
    )
)
ZOU_HASTIE = Paper(
    title="Regularization and variable selection via the elastic net",
    authors=("Hui Zou", "Trevor Hastie"),
    year=2005,
    venue="Journal of the Royal Statistical Society, Series B",
    url="https://doi.org/10.1111/j.1467-9868.2005.00503.x",
)
register(
    Reproduction(
        name="elastic-net-grouping",
        title="The elastic net against the lasso on groups of strongly correlated predictors",
        topic="regularizers",
        module="reproductions.regularizers.elastic_net",
        papers=(ZOU_HASTIE,),
        claim="The elastic net encourages a grouping effect, where strongly correlated predictors tend to be in or "
        "out of the model together, and often outperforms the lasso in prediction.",
        experiment="reproductions.experiments.regularizers_elastic_net:run",
    )
)
HANSEN_SALAMON = Paper(
    title="Neural Network Ensembles",
    authors=("Lars Kai Hansen", "Peter Salamon"),
    year=1990,
    venue="IEEE Transactions on Pattern Analysis and Machine Intelligence 12(10):993-1001",
    url="https://doi.org/10.1109/34.58871",
)
register(
    Reproduction(
        name="model-ensemble",
        title="An ensemble of independently trained networks against its own members",
        topic="regularizers",
        module="reproductions.regularizers.ensemble",
        papers=(HANSEN_SALAMON,),
        claim="Averaging the outputs of several independently trained networks gives fewer test errors than the "
        "individual networks.",
        experiment="reproductions.experiments.regularizers_ensemble:run",
    )
)
