"""A small real store of papers and entries for the search tests."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest

from feedhub.config import Settings
from feedhub.store.db import transaction
from feedhub.store.models import Entry, EntryRepo, Paper, PaperEntry, PaperRepo, Repo, Saved, Source

U = timezone.utc

PAPERS = [
    ("1706.03762", "Attention Is All You Need",
     "The dominant sequence transduction models are based on complex recurrent or convolutional neural networks. "
     "We propose the Transformer, based solely on attention mechanisms, dispensing with recurrence entirely.",
     ["Ashish Vaswani", "Noam Shazeer", "Niki Parmar", "Jakob Uszkoreit"], ["cs.CL", "cs.LG"], datetime(2017, 6, 12, tzinfo=U)),
    ("1412.6980", "Adam: A Method for Stochastic Optimization",
     "We introduce Adam, an algorithm for first-order gradient-based optimization of stochastic objective functions, "
     "based on adaptive estimates of lower-order moments.",
     ["Diederik P. Kingma", "Jimmy Ba"], ["cs.LG"], datetime(2014, 12, 22, tzinfo=U)),
    ("1207.0580", "Improving neural networks by preventing co-adaptation of feature detectors",
     "When a large feedforward neural network is trained on a small training set, it typically performs poorly on "
     "held-out test data. This overfitting is greatly reduced by randomly omitting half of the feature detectors: dropout.",
     ["Geoffrey E. Hinton", "Nitish Srivastava", "Alex Krizhevsky", "Ilya Sutskever", "Ruslan R. Salakhutdinov"],
     ["cs.NE", "cs.CV", "cs.LG"], datetime(2012, 7, 3, tzinfo=U)),
    ("1512.03385", "Deep Residual Learning for Image Recognition",
     "Deeper neural networks are more difficult to train. We present a residual learning framework to ease the training "
     "of networks that are substantially deeper than those used previously. Attention to optimization matters.",
     ["Kaiming He", "Xiangyu Zhang", "Shaoqing Ren", "Jian Sun"], ["cs.CV"], datetime(2015, 12, 10, tzinfo=U)),
    ("1802.05365", "Deep contextualized word representations",
     "We introduce a new type of deep contextualized word representation that models complex characteristics of word "
     "use and how these uses vary across linguistic contexts. Café déjà vu naïve résumé.",
     ["Matthew E. Peters", "Mark Neumann"], ["cs.CL"], datetime(2018, 2, 15, tzinfo=U)),
]  # fmt: skip


def populate(engine) -> None:  # type: ignore[no-untyped-def]
    with transaction(engine) as s:
        for pid, title, abstract, authors, cats, when in PAPERS:
            s.add(Paper(arxiv_id=pid, title=title, abstract=abstract, authors=authors, categories=cats,
                        primary_category=cats[0], published_at=when, doi="10.1000/xyz" if pid == "1512.03385" else None))  # fmt: skip
        src = Source(url="file:///newsletter.xml", name="Import AI")
        s.add(src)
        s.flush()
        e1 = Entry(source_id=src.id, key="k1", title="Transformers everywhere",
                   summary="<p>A post about <b>attention</b> &amp; the Adam optimizer.</p>", authors=["Jack Clark"],
                   published_at=datetime(2018, 2, 20, tzinfo=U), content_hash="x")  # fmt: skip
        e2 = Entry(source_id=src.id, key="k2", title="A new library for GANs", summary="<p>Generative adversarial networks in JAX.</p>",
                   authors=[], published_at=datetime(2018, 2, 21, tzinfo=U), content_hash="y")  # fmt: skip
        s.add_all([e1, e2])
        s.flush()
        s.add(PaperEntry(paper_id="1706.03762", entry_id=e1.id))
        r1 = Repo(full_name="tensorflow/tensor2tensor", stars=12000)
        r2 = Repo(full_name="google/jax-gan", stars=50)
        s.add_all([r1, r2])
        s.flush()
        s.add(PaperRepo(paper_id="1706.03762", repo_id=r1.id))
        s.add(EntryRepo(entry_id=e2.id, repo_id=r2.id))
        s.add(Saved(paper_id="1412.6980", tags=["optim", "reading-group"]))
        s.add(Saved(paper_id="1207.0580", tags=["reading-group"]))


@pytest.fixture()
def settings(tmp_path: Path, db_url: str) -> Settings:
    return Settings(home=tmp_path, db_url=db_url)


@pytest.fixture()
def store(engine, settings):  # type: ignore[no-untyped-def]
    """(settings, engine) with the sample papers and entries, indexed."""
    from feedhub.search import index as ix

    populate(engine)
    ix.sync(settings, engine, notify=None)
    return settings, engine
