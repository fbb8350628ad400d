"""Registry entries for the optimizers and the learning-rate schedules (metadata only: no torch import).

The schedule entries (topic "schedules") live here too, since the registry loads one catalogue module per topic
and the schedules are the optimizers' companions.
"""

from __future__ import annotations

from reproductions.core import Paper
from reproductions.registry import Reproduction, register

SUTSKEVER_2013 = Paper(
    title="On the importance of initialization and momentum in deep learning",
    authors=("Ilya Sutskever", "James Martens", "George Dahl", "Geoffrey Hinton"),
    year=2013,
    venue="ICML",
    url="https://proceedings.mlr.press/v28/sutskever13.html",
)
NESTEROV_1983 = Paper(
    title="A method of solving a convex programming problem with convergence rate O(1/k^2)",
    authors=("Yurii Nesterov",),
    year=1983,
    venue="Soviet Mathematics Doklady",
    url="https://www.mathnet.ru/eng/dan46009",
)
DUCHI_2011 = Paper(
    title="Adaptive Subgradient Methods for Online Learning and Stochastic Optimization",
    authors=("John Duchi", "Elad Hazan", "Yoram Singer"),
    year=2011,
    venue="JMLR",
    url="https://jmlr.org/papers/v12/duchi11a.html",
)
TIELEMAN_HINTON_2012 = Paper(
    title="Lecture 6.5 - RMSProp: Divide the gradient by a running average of its recent magnitude",
    authors=("Tijmen Tieleman", "Geoffrey Hinton"),
    year=2012,
    venue="COURSERA: Neural Networks for Machine Learning",
    url="https://www.cs.toronto.edu/~tijmen/csc321/slides/lecture_slides_lec6.pdf",
)
KINGMA_BA_2014 = Paper(
    title="Adam: A Method for Stochastic Optimization",
    authors=("Diederik P. Kingma", "Jimmy Ba"),
    year=2015,
    venue="ICLR",
    arxiv="1412.6980",
)
DAUPHIN_2014 = Paper(
    title="Identifying and attacking the saddle point problem in high-dimensional non-convex optimization",
    authors=("Yann Dauphin", "Razvan Pascanu", "Caglar Gulcehre", "Kyunghyun Cho", "Surya Ganguli", "Yoshua Bengio"),
    year=2014,
    venue="NIPS",
    arxiv="1406.2572",
)
POLYAK_JUDITSKY_1992 = Paper(
    title="Acceleration of Stochastic Approximation by Averaging",
    authors=("Boris T. Polyak", "Anatoli B. Juditsky"),
    year=1992,
    venue="SIAM Journal on Control and Optimization",
    url="https://doi.org/10.1137/0330046",
)
DEEP_LEARNING_CH8 = Paper(
    title="Deep Learning, chapter 8: Optimization for Training Deep Models",
    authors=("Ian Goodfellow", "Yoshua Bengio", "Aaron Courville"),
    year=2016,
    venue="MIT Press (also cs231n, Training Neural Networks 2)",
    url="https://www.deeplearningbook.org/contents/optimization.html",
)

register(
    Reproduction(
        name="sgd-problems",
        title="Problems with SGD: ill-conditioning, saddle points, noisy gradients, local minima (six optimizers)",
        topic="optimizers",
        module="reproductions.optimizers.sgd",
        papers=(DEEP_LEARNING_CH8,),
        claim="SGD is slow on ill-conditioned problems and near saddle points, bounces at a noise floor with a "
        "constant "
        "learning rate and stops in local minima; momentum and adaptive methods help.",
        experiment="reproductions.experiments.optim_sgd_problems:run",
    )
)
register(
    Reproduction(
        name="nesterov",
        title="Nesterov momentum: O(1/t²) against gradient descent's O(1/t) on a smooth convex problem",
        topic="optimizers",
        module="reproductions.optimizers.nesterov",
        papers=(SUTSKEVER_2013, NESTEROV_1983),
        claim="Nesterov's accelerated gradient reaches f − f* = O(1/t²) on smooth convex functions, gradient "
        "descent O(1/t).",
        experiment="reproductions.experiments.optim_nesterov:run",
    )
)
register(
    Reproduction(
        name="adagrad-sparse",
        title="AdaGrad on sparse features against SGD and momentum",
        topic="optimizers",
        module="reproductions.optimizers.adagrad",
        papers=(DUCHI_2011,),
        claim="On sparse data AdaGrad's per-coordinate steps give lower loss than non-adaptive SGD.",
        experiment="reproductions.experiments.optim_adagrad_sparse:run",
    )
)
register(
    Reproduction(
        name="rmsprop-vs-adagrad",
        title="RMSProp against AdaGrad when the objective changes mid-run",
        topic="optimizers",
        module="reproductions.optimizers.rmsprop",
        papers=(TIELEMAN_HINTON_2012, DUCHI_2011),
        claim="RMSProp's running average keeps adapting when the objective changes; AdaGrad's growing sum makes its "
        "steps too small.",
        experiment="reproductions.experiments.optim_rmsprop_vs_adagrad:run",
    )
)
register(
    Reproduction(
        name="adam",
        title="Adam against SGD, momentum, Nesterov, AdaGrad and RMSProp on logistic regression and an MLP",
        topic="optimizers",
        module="reproductions.optimizers.adam",
        papers=(KINGMA_BA_2014,),
        claim="On logistic regression and multilayer networks Adam's training cost falls at least as fast as that of "
        "SGD with Nesterov momentum, AdaGrad and RMSProp.",
        experiment="reproductions.experiments.optim_adam:run",
    )
)
register(
    Reproduction(
        name="adam-bias-correction",
        title="Adam with and without bias correction at β₂ near 1",
        topic="optimizers",
        module="reproductions.optimizers.adam",
        papers=(KINGMA_BA_2014,),
        claim="Without its bias-correction terms, Adam with β₂ close to 1 is unstable early in training.",
        experiment="reproductions.experiments.optim_adam_bias_correction:run",
    )
)
register(
    Reproduction(
        name="saddle-points",
        title="Critical points of a small network: loss against the fraction of negative Hessian eigenvalues",
        topic="optimizers",
        module="reproductions.optimizers.sgd",
        papers=(DAUPHIN_2014,),
        claim="High-error critical points are saddles; the training error grows with the index of the critical point.",
        experiment="reproductions.experiments.optim_saddle_points:run",
    )
)
register(
    Reproduction(
        name="lr-decay",
        title="Step, exponential and 1/t learning-rate decay against a constant rate",
        topic="schedules",
        module="reproductions.schedules.exponential",
        papers=(DEEP_LEARNING_CH8,),
        claim="Decaying the learning rate (step, exponential or 1/t) lowers SGD's training loss below the noise "
        "floor at which a constant rate stalls.",
        experiment="reproductions.experiments.schedules_lr_decay:run",
    )
)
register(
    Reproduction(
        name="running-average",
        title="The running-average identity: α = 1 − 1/N gives the exact mean",
        topic="schedules",
        module="reproductions.schedules.running_average",
        papers=(DEEP_LEARNING_CH8,),
        claim="A running average μ_N = α μ_{N−1} + (1 − α) x_N with α = 1 − 1/N equals the mean of x₁..x_N.",
        experiment="reproductions.experiments.schedules_lr_decay:run_running_average",
        kind="check",
    )
)
register(
    Reproduction(
        name="polyak-averaging",
        title="Polyak averaging (and an EMA) of SGD iterates against the last iterate",
        topic="optimizers",
        module="reproductions.optimizers.averaging",
        papers=(POLYAK_JUDITSKY_1992,),
        claim="With steps decreasing more slowly than 1/t, the average of the stochastic-approximation iterates "
        "has a lower error than the last iterate.",
        experiment="reproductions.experiments.optim_averaging:run",
    )
)
register(
    Reproduction(
        name="nesterov-lookahead",
        title="Momentum vs Nesterov: the lecture's look-ahead picture, computed by the optimizers",
        topic="optimizers",
        module="reproductions.optimizers.nesterov",
        papers=(SUTSKEVER_2013,),
        claim="Nesterov's update is the momentum step plus a gradient step taken at the look-ahead point θ + μv "
        "(classical momentum takes it at θ), and the change of variables x̃ = θ + μv gives the same iterates.",
        experiment="reproductions.experiments.optim_lookahead:run",
        kind="check",
    )
)
register(
    Reproduction(
        name="momentum-schedule",
        title="Sutskever's increasing momentum schedule against constant momentum 0.9 and plain SGD on a deep "
        "autoencoder",
        topic="optimizers",
        module="reproductions.schedules.momentum_schedule",
        papers=(SUTSKEVER_2013,),
        claim="With a good random initialization, SGD with a slowly increasing momentum schedule and a high μ_max "
        "trains a deep network to a lower training error than a low constant momentum or plain SGD.",
        experiment="reproductions.experiments.optim_momentum_schedule:run",
    )
)
LIU_NOCEDAL_1989 = Paper(
    title="On the limited memory BFGS method for large scale optimization",
    authors=("Dong C. Liu", "Jorge Nocedal"),
    year=1989,
    venue="Mathematical Programming",
    url="https://doi.org/10.1007/BF01589116",
)
register(
    Reproduction(
        name="second-order",
        title="Newton's method and L-BFGS against gradient descent and momentum on full-batch softmax regression",
        topic="optimizers",
        module="reproductions.optimizers.lbfgs",
        papers=(LIU_NOCEDAL_1989,),
        claim="On a smooth full-batch problem, Newton's method and L-BFGS reach a given accuracy in far fewer "
        "iterations than first-order methods.",
        experiment="reproductions.experiments.optim_second_order:run",
        timed=True,
    )
)
register(
    Reproduction(
        name="second-order-ill-conditioned",
        title="Newton's method and L-BFGS against gradient descent and momentum on an ill-conditioned logistic "
        "regression",
        topic="optimizers",
        module="reproductions.optimizers.newton",
        papers=(LIU_NOCEDAL_1989,),
        claim="On a smooth full-batch problem, Newton's method and L-BFGS reach a given accuracy in far fewer "
        "iterations than first-order methods.",
        experiment="reproductions.experiments.optim_second_order:run_ill_conditioned",
        timed=True,
    )
)
