"""One intra-op thread for an experiment (or a test), restored afterwards: the one helper every topic uses.

These networks are tiny. On a busy 2-core machine torch's two OpenMP threads wait on each other: a digits
softmax-regression step measured 27x slower with two threads than with one (2.7 ms vs 73 ms), and
element-wise optimizer updates ~50x slower. One thread per experiment also lets two experiments run side by
side, one per core (``reproductions.runner``).

``flush_denormal=True`` also flushes float32 denormals to zero for the duration: the second moments of
vanishing gradients (Adam, RMSProp, AdaGrad) fall into denormals, where sqrt is very slow. The optimizer
experiments ask for it; the others keep IEEE behaviour, so their numbers do not change.

Use it as a context manager (``with one_thread():``) or as a decorator (``@one_thread()``).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import torch


@contextmanager
def one_thread(flush_denormal: bool = False) -> Iterator[None]:
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    if flush_denormal:
        torch.set_flush_denormal(True)
    try:
        yield
    finally:
        torch.set_num_threads(threads)
        if flush_denormal:
            torch.set_flush_denormal(False)
