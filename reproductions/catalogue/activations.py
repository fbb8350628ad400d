"""Registry entries for the activation functions (metadata only: no torch import here)."""

from __future__ import annotations

from reproductions.core import Paper
from reproductions.registry import Reproduction, register

LECUN_1998 = Paper(
    title="Efficient BackProp",
    authors=("Yann LeCun", "Léon Bottou", "Genevieve B. Orr", "Klaus-Robert Müller"),
    year=1998,
    venue="Neural Networks: Tricks of the Trade (Springer LNCS 1524)",
    url="http://yann.lecun.com/exdb/publis/pdf/lecun-98b.pdf",
)
GLOROT_2010 = Paper(
    title="Understanding the difficulty of training deep feedforward neural networks",
    authors=("Xavier Glorot", "Yoshua Bengio"),
    year=2010,
    venue="AISTATS",
    url="https://proceedings.mlr.press/v9/glorot10a.html",
)
KRIZHEVSKY_2012 = Paper(
    title="ImageNet Classification with Deep Convolutional Neural Networks",
    authors=("Alex Krizhevsky", "Ilya Sutskever", "Geoffrey E. Hinton"),
    year=2012,
    venue="NIPS",
    url="https://papers.nips.cc/paper/4824-imagenet-classification-with-deep-convolutional-neural-networks",
)
MAAS_2013 = Paper(
    title="Rectifier Nonlinearities Improve Neural Network Acoustic Models",
    authors=("Andrew L. Maas", "Awni Y. Hannun", "Andrew Y. Ng"),
    year=2013,
    venue="ICML Workshop on Deep Learning for Audio, Speech and Language Processing",
    url="https://ai.stanford.edu/~amaas/papers/relu_hybrid_icml2013_final.pdf",
)
HE_2015 = Paper(
    title="Delving Deep into Rectifiers: Surpassing Human-Level Performance on ImageNet Classification",
    authors=("Kaiming He", "Xiangyu Zhang", "Shaoqing Ren", "Jian Sun"),
    year=2015,
    venue="ICCV",
    arxiv="1502.01852",
)
CLEVERT_2015 = Paper(
    title="Fast and Accurate Deep Network Learning by Exponential Linear Units (ELUs)",
    authors=("Djork-Arné Clevert", "Thomas Unterthiner", "Sepp Hochreiter"),
    year=2016,
    venue="ICLR",
    arxiv="1511.07289",
)
GOODFELLOW_2013 = Paper(
    title="Maxout Networks",
    authors=("Ian J. Goodfellow", "David Warde-Farley", "Mehdi Mirza", "Aaron Courville", "Yoshua Bengio"),
    year=2013,
    venue="ICML",
    arxiv="1302.4389",
)

CS231N_2017 = Paper(
    title="CS231n Lecture 6: Training Neural Networks, Part I (activation functions)",
    authors=("Fei-Fei Li", "Justin Johnson", "Serena Yeung"),
    year=2017,
    venue="Stanford CS231n: Convolutional Neural Networks for Visual Recognition (lecture)",
    url="http://cs231n.stanford.edu/slides/2017/cs231n_2017_lecture6.pdf",
)

_X = "reproductions.experiments."

register(
    Reproduction(
        name="activation-functions",
        title="Sigmoid, tanh, ReLU, Leaky ReLU, PReLU, ELU, Maxout: each function and its derivative; x = -10, 0, 10",
        topic="activations",
        module="reproductions.activations",
        papers=(LECUN_1998, GLOROT_2010),
        claim="Sigmoid and tanh saturate: at x = ±10 their gradient all but vanishes, while ReLU keeps gradient "
        "1 for x > 0.",
        experiment=_X + "activations_functions:run",
        kind="check",
    )
)
register(
    Reproduction(
        name="sigmoid-saturation",
        title="Saturation: gradient norm per layer of a deep sigmoid / tanh / ReLU net at initialisation",
        topic="activations",
        module="reproductions.activations.sigmoid",
        papers=(LECUN_1998, GLOROT_2010),
        claim="In a deep sigmoid network the gradient vanishes towards the input layers at initialisation (σ' ≤ "
        "1/4 per layer).",
        experiment=_X + "activations_saturation:run",
    )
)
register(
    Reproduction(
        name="sigmoid-zigzag",
        title="Not zero-centred: all-positive inputs give one-signed gradients and a zig-zag path",
        topic="activations",
        module="reproductions.activations.sigmoid",
        papers=(LECUN_1998,),
        claim="Convergence is usually faster when the average of each input variable over the training set is "
        "close to zero (all-positive inputs give one-signed weight gradients and zig-zag steps).",
        experiment=_X + "activations_zigzag:run",
    )
)
register(
    Reproduction(
        name="exp-cost",
        title="The cost of exp: time per element of the sigmoid against ReLU",
        topic="activations",
        module="reproductions.activations.sigmoid",
        papers=(CS231N_2017,),
        claim="exp() is a bit compute-expensive: a sigmoid costs more per element than a ReLU.",
        experiment=_X + "activations_exp_cost:run",
        timed=True,
    )
)
register(
    Reproduction(
        name="relu-vs-tanh",
        title="ReLU vs tanh: epochs to 25 % training error",
        topic="activations",
        module="reproductions.activations.relu",
        papers=(KRIZHEVSKY_2012,),
        claim="A four-layer convolutional network with ReLUs reaches 25 % training error on CIFAR-10 six times faster "
        "than an equivalent network with tanh neurons.",
        experiment=_X + "activations_relu_vs_tanh:run",
    )
)
register(
    Reproduction(
        name="dead-relu",
        title="Dead ReLUs after a large learning rate vs Leaky ReLU",
        topic="activations",
        module="reproductions.activations.leaky_relu",
        papers=(CS231N_2017,),
        claim="ReLUs knocked inactive by a large learning rate can stay dead for good; Leaky ReLUs keep a gradient and "
        "come back.",
        experiment=_X + "activations_dead_relu:run",
    )
)
register(
    Reproduction(
        name="rectifiers-vs-tanh",
        title="Rectifiers (ReLU, leaky ReLU) vs tanh in a deep MLP",
        topic="activations",
        module="reproductions.activations.leaky_relu",
        papers=(MAAS_2013,),
        claim="Deep networks with rectifier units reach lower error than with tanh units, and the leaky rectifier "
        "performs about the same as the plain rectifier.",
        experiment=_X + "activations_rectifiers:run",
    )
)
register(
    Reproduction(
        name="he-init",
        title="He vs Xavier initialization in a 30-layer ReLU network",
        topic="activations",
        module="reproductions.activations.relu",
        papers=(HE_2015,),
        claim="With weights of variance 2/n_l a very deep rectifier network converges, where the Xavier "
        "initialization (variance 1/n_l) stalls it.",
        experiment=_X + "activations_he_init:run",
    )
)
register(
    Reproduction(
        name="prelu",
        title="PReLU (learned per-channel slope) vs ReLU",
        topic="activations",
        module="reproductions.activations.prelu",
        papers=(HE_2015,),
        claim="Replacing ReLU by channel-wise PReLU lowers the error of a network at a negligible extra "
        "parameter cost.",
        experiment=_X + "activations_prelu:run",
    )
)
register(
    Reproduction(
        name="elu",
        title="ELU vs ReLU: training speed and mean activations",
        topic="activations",
        module="reproductions.activations.elu",
        papers=(CLEVERT_2015,),
        claim="ELUs push mean unit activations closer to zero and speed up learning compared with ReLUs.",
        experiment=_X + "activations_elu:run",
    )
)
register(
    Reproduction(
        name="maxout",
        title="Maxout vs ReLU, both trained with dropout, at an equal parameter count",
        topic="activations",
        module="reproductions.activations.maxout",
        papers=(GOODFELLOW_2013,),
        claim="Trained with dropout, a maxout network reaches lower test error than a rectifier network with the same "
        "number of parameters.",
        experiment=_X + "activations_maxout:run",
    )
)
