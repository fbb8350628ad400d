"""Members, feedback, rules, follows and the learned ranking (issue 15), through real stores and real processes."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from feedhub.errors import InvalidInput
from feedhub.search import interests, members, rules
from feedhub.search.saved import list_saved, save
from feedhub.store.db import make_engine, transaction, upgrade
from feedhub.store.models import Paper, Saved

REPO = Path(__file__).resolve().parents[2]


def cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "feedhub", *args], capture_output=True, text=True, cwd=REPO, env={**os.environ, **(env or {})})


@pytest.fixture()
def demo(home):  # type: ignore[no-untyped-def]
    """The bundled sample week (2018-W08) in this backend's database."""
    out = cli("demo")
    assert out.returncode == 0, out.stderr
    return home


def digest_md(*extra: str) -> str:
    out = cli("digest", "--week", "2018-W08", "--per-section", "4", *extra)
    assert out.returncode == 0, out.stderr
    assert out.stderr == "", out.stderr  # no scikit-learn (or any) warning text on stderr
    return out.stdout


# --- the rule language ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "expr, column",
    [('author:"Yann', 8), ("(gan OR vae", 1), ("gan OR", 7), ("foo:bar", 1), ("AND gan", 1), ("gan )", 5), ("repo:pytorch", 1), ("", 1), ("cat:", 1)],
)
def test_rule_syntax_error_is_one_line_with_its_column(expr: str, column: int) -> None:
    with pytest.raises(rules.RuleSyntaxError) as exc:
        rules.parse(expr)
    assert "\n" not in str(exc.value) and f"column {column}" in str(exc.value)


def test_rule_matching() -> None:
    s = rules.Subject("arxiv:1", "Denoising Diffusion Probabilistic Models", "We present diffusion models.", ["Jonathan Ho", "Pieter Abbeel"],
                      ["cs.LG", "stat.ML"], ["arXiv cs.LG"], ["hojonathanho/diffusion"])  # fmt: skip
    yes = ['"diffusion models"', "author:abbeel cat:cs.*", "diffus* AND NOT author:lecun", "repo:hojonathanho/*", "source:arxiv OR crypto",
           '(gan OR "probabilistic models") -cat:cs.CV', 'author:"J. Ho"']  # fmt: skip
    no = ['"models diffusion"', "author:lecun", "cat:cs.CV", "gan", "repo:openai/*", "diffusion AND NOT cat:stat.ML"]
    assert all(rules.matches(rules.parse(e), s) for e in yes)
    assert not any(rules.matches(rules.parse(e), s) for e in no)


# --- members --------------------------------------------------------------------------------


def test_two_members_saves_never_mix(engine) -> None:  # type: ignore[no-untyped-def]
    with transaction(engine) as s:
        for pid in ("1706.03762", "1412.6980"):
            s.add(Paper(arxiv_id=pid, title=f"paper {pid}", abstract="text", authors=[], categories=[]))
        alice = members.add(s, "alice").id
        bob = members.add(s, "bob").id
        save(s, "1706.03762", ["a"], member_id=alice)
        save(s, "1412.6980", ["b"], member_id=bob)
        save(s, "1412.6980", ["shared"], member_id=alice)
        interests.dismiss(s, "1706.03762", bob)
    with transaction(engine) as s:
        assert {sp.paper.arxiv_id: sp.saved.tags for sp in list_saved(s, member_id=alice)} == {"1706.03762": ["a"], "1412.6980": ["shared"]}
        assert {sp.paper.arxiv_id: sp.saved.tags for sp in list_saved(s, member_id=bob)} == {"1412.6980": ["b"]}
        assert list_saved(s) == []  # the default member saved nothing
        sig_a = interests.signal(s, "alice", list(interests.paper_subjects(s, ["1706.03762"]).values()))
        sig_b = interests.signal(s, "bob", list(interests.paper_subjects(s, ["1706.03762"]).values()))
        assert not sig_a["arxiv:1706.03762"].excluded and sig_b["arxiv:1706.03762"].excluded
        with pytest.raises(InvalidInput, match="unknown member 'carol'"):
            members.resolve(s, "carol")


def test_migration_carries_saved_rows_to_the_default_member(db_url: str) -> None:
    engine = make_engine(db_url)
    upgrade(engine, "0002")
    with engine.begin() as conn:
        conn.exec_driver_sql("INSERT INTO papers (arxiv_id, version, title, abstract, authors, categories, first_seen_at) "
                             "VALUES ('1706.03762', 1, 'Attention', '', '[]', '[]', '2018-01-01 00:00:00+00:00')")  # fmt: skip
        conn.exec_driver_sql("INSERT INTO saved (paper_id, saved_at, tags, note) VALUES ('1706.03762', '2018-01-02 00:00:00+00:00', '[\"nlp\"]', 'read it')")
    upgrade(engine)
    with transaction(engine) as s:
        rows = list_saved(s)
        assert [(r.paper.arxiv_id, r.saved.member_id, r.saved.tags, r.saved.note) for r in rows] == [("1706.03762", 1, ["nlp"], "read it")]
        assert members.resolve(s, None).name == "default"
        assert members.add(s, "alice").id != 1  # the serial continues after the default member
    engine.dispose()


# --- the CLI: digest, feedback, rules, follows, bad input ---------------------------------------------


def test_dismissed_never_returns_and_undo_brings_it_back(demo) -> None:  # type: ignore[no-untyped-def]
    before = digest_md()
    assert "ELMo" in before or "Deep contextualized word representations" in before
    assert cli("paper", "save", "1802.03268").returncode == 0  # something saved: the model runs too
    out = cli("paper", "dismiss", "1802.05365")
    assert out.returncode == 0 and "dismissed arxiv:1802.05365" in out.stdout
    after = digest_md()
    assert "https://arxiv.org/abs/1802.05365)**" not in after  # the paper's own story is gone
    rec = cli("recommend", "--since", "2018-01-01", "--limit", "50", "--json")
    assert rec.returncode == 0 and rec.stderr == "" and "1802.05365" not in rec.stdout
    assert cli("dismiss", "1802.05365", "--undo").returncode == 0
    assert "https://arxiv.org/abs/1802.05365)**" in digest_md()


def test_pinned_rule_always_wins_and_follows_say_so(demo) -> None:  # type: ignore[no-untyped-def]
    assert cli("rule", "add", "exclude", "word:search OR word:architecture").returncode == 0
    assert cli("rule", "add", "pin", '"neural architecture search"').returncode == 0
    assert cli("follow", 'author:"Matthew E. Peters"').returncode == 0
    md = digest_md("--per-section", "1")
    enas = "https://arxiv.org/abs/1802.03268)**"
    assert enas in md  # excluded by one rule, pinned by another: the pin wins, even at one story per section
    assert '*why:* pinned by the rule "neural architecture search"' in md  # the interest leads the why-line
    elmo = md.split("https://arxiv.org/abs/1802.05365)**", 1)
    assert len(elmo) == 2 and "*why:* you follow Matthew E. Peters" in elmo[1].split("\n\n")[0]  # followed: always shown, said why
    listed = cli("rule", "list", "--json")
    assert listed.returncode == 0 and '"touched_this_week"' in listed.stdout


def test_member_digest_and_unknown_member(demo) -> None:  # type: ignore[no-untyped-def]
    assert cli("member", "add", "alice").returncode == 0
    assert cli("--member", "alice", "paper", "dismiss", "1802.05365").returncode == 0
    assert "https://arxiv.org/abs/1802.05365)**" in digest_md()  # the group: alice alone did not hide it for everyone
    assert "https://arxiv.org/abs/1802.05365)**" not in digest_md("--for", "alice")
    bad = cli("--member", "zed", "saved")
    assert bad.returncode == 1 and bad.stderr.count("\n") == 1 and "unknown member 'zed'" in bad.stderr
    env_bad = cli("saved", env={"FEEDHUB_MEMBER": "zed"})
    assert env_bad.returncode == 1 and "unknown member 'zed'" in env_bad.stderr


def test_bad_rule_and_empty_profile_are_one_line_and_lose_nothing(demo) -> None:  # type: ignore[no-untyped-def]
    assert cli("paper", "save", "1802.03268", "--tag", "nas").returncode == 0
    bad = cli("rule", "add", "pin", 'author:"Yann')
    assert bad.returncode == 1 and bad.stderr.count("\n") == 1 and "column 8" in bad.stderr
    assert cli("rule", "list", "--json").stdout.strip() == "[]"
    assert cli("member", "add", "alice").returncode == 0
    empty = cli("--member", "alice", "recommend")
    assert empty.returncode == 1 and empty.stderr.count("\n") == 1 and "feedhub saved import" in empty.stderr
    assert '"1802.03268"' in cli("saved", "--json").stdout


BIB = r"""@article{vaswani2017,
  title = {Attention Is All You Need},
  author = {Vaswani, Ashish and Shazeer, Noam},
  eprint = {1706.03762}, archivePrefix = {arXiv},
  keywords = {transformers, nlp},
}

@misc{broken,
  title = {An entry whose brace never closes,
  author = {Nobody},

@misc{kingma2014,
  title = {Adam: A Method for Stochastic Optimization},
  author = {Kingma, Diederik P. and Ba, Jimmy},
  url = {https://arxiv.org/abs/1412.6980v9},
  abstract = {We introduce Adam, an algorithm for first-order gradient-based optimization.},
}

@book{noarxiv, title = {A Book}, author = {Someone}}
"""


def test_bibtex_import_reports_broken_entries_with_their_line(home, tmp_path) -> None:  # type: ignore[no-untyped-def]
    bib = tmp_path / "library.bib"
    bib.write_text(BIB, encoding="utf-8")
    assert cli("paper", "save", "2401.00001", "--tag", "mine").returncode == 0
    out = cli("saved", "import", str(bib))
    assert out.returncode == 0, out.stderr
    assert out.stderr.strip().splitlines() == [out.stderr.strip()] and "line 8" in out.stderr  # one line, the broken entry's line
    assert "2 saved" in out.stdout and "1 without an arXiv id" in out.stdout
    saved = cli("saved", "--json").stdout
    assert all(pid in saved for pid in ("1706.03762", "1412.6980", "2401.00001"))  # nothing saved before is lost
    assert '"transformers"' in saved
    adam = cli("paper", "show", "1412.6980", "--json").stdout
    assert "Adam: A Method for Stochastic Optimization" in adam  # the stub learned its title from the file


def test_csl_json_and_id_list_import(engine, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from feedhub.search.library import import_library

    csl = tmp_path / "zotero.json"
    csl.write_text('[{"id": "x", "type": "article", "title": "Deep Residual Learning", "URL": "http://arxiv.org/abs/1512.03385", '
                   '"author": [{"family": "He", "given": "Kaiming"}]}, {"id": "y", "title": "No id"}]', encoding="utf-8")  # fmt: skip
    ids = tmp_path / "ids.txt"
    ids.write_text("1706.03762\nhttps://arxiv.org/abs/1207.0580v1  # dropout\nnot an id\n", encoding="utf-8")
    rdf = tmp_path / "zotero.rdf"
    rdf.write_text('<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:dc="http://purl.org/dc/elements/1.1/" '
                   'xmlns:bib="http://purl.org/net/biblio#" xmlns:foaf="http://xmlns.com/foaf/0.1/" xmlns:dcterms="http://purl.org/dc/terms/">'
                   '<bib:Article rdf:about="http://arxiv.org/abs/1802.05365"><dc:title>Deep contextualized word representations</dc:title>'
                   '<bib:authors><rdf:Seq><rdf:li><foaf:Person><foaf:surname>Peters</foaf:surname><foaf:givenName>Matthew</foaf:givenName>'
                   '</foaf:Person></rdf:li></rdf:Seq></bib:authors></bib:Article></rdf:RDF>', encoding="utf-8")  # fmt: skip
    with transaction(engine) as s:
        a = import_library(s, csl, 1)
        b = import_library(s, ids, 1)
        c = import_library(s, rdf, 1)
    assert (a.format, a.saved, a.without_id) == ("csl-json", 1, 1)
    assert (b.format, b.saved) == ("ids", 2) and b.problems == ["line 3: no arXiv id in 'not an id'; skipped"]
    assert (c.format, c.saved) == ("rdf", 1)
    with transaction(engine) as s:
        assert s.get(Paper, "1802.05365").authors == ["Matthew Peters"]
        assert {r.paper_id for r in s.query(Saved)} == {"1512.03385", "1706.03762", "1207.0580", "1802.05365"}


def test_bibtex_export_keeps_tex_splits_names_and_round_trips(engine) -> None:  # type: ignore[no-untyped-def]
    import bibtexparser

    from feedhub.search.saved import export

    with transaction(engine) as s:
        s.add(Paper(arxiv_id="2001.00001", title=r"Sparse $\ell_1$ recovery & 100% of {GANs}", abstract="",
                    authors=["Ludwig van Beethoven", "Martin Luther King Jr.", "José García"], categories=["cs.LG"]))  # fmt: skip
        save(s, "2001.00001", ["reading-group"], note="read for week 3")
    with transaction(engine) as s:
        bib = export(s, "bibtex")
    assert r"title = {{Sparse $\ell_1$ recovery \& 100\% of {GANs}}}" in bib
    assert "author = {van Beethoven, Ludwig and King, Jr., Martin Luther and García, José}" in bib
    assert "note = {read for week 3}" in bib and "keywords = {reading-group}" in bib
    lib = bibtexparser.parse_string(bib)
    assert not lib.failed_blocks and lib.entries[0].fields_dict["eprint"].value == "2001.00001"


# --- the learned ranking ---------------------------------------------------------------------------


def test_ranking_learns_from_saves_and_dismissals_and_never_scores_a_paper_against_itself() -> None:
    from feedhub.search import embedding, ranking

    topics = {
        "optim": "stochastic gradient descent optimizer learning rate momentum adaptive convergence",
        "vision": "convolutional image recognition pixels object detection segmentation camera",
        "speech": "audio speech recognition acoustic waveform phoneme speaker",
    }
    texts, ids = [], []
    for name, words in topics.items():
        w = words.split()
        for i in range(15):
            ids.append(f"{name}{i}")
            texts.append(" ".join(w[(i + j) % len(w)] for j in range(25)))
    enc = embedding.load().encode(texts)
    terms = ranking.hashed_terms(texts)
    docs = [ranking.Doc(ids[k], texts[k][:40], texts[k], [], [], [], enc.vectors[k], *terms[k]) for k in range(len(texts))]
    by = {d.id: d for d in docs}
    model = ranking.Model([by[f"optim{i}"] for i in range(4)], [by[f"speech{i}"] for i in range(4)], docs)
    scores = dict(zip(ids, model.score(docs)))
    assert min(scores[f"optim{i}"] for i in range(4, 15)) > max(scores[f"speech{i}"] for i in range(4, 15))
    assert min(scores[f"optim{i}"] for i in range(4, 15)) > max(scores[f"vision{i}"] for i in range(15))
    near = model.nearest_saved(by["optim0"])
    assert near and all(d.id != "optim0" for d, _ in near)  # a saved paper is not its own neighbour
    words = ranking.explain_words("See https://arxiv.org/abs/1706.03762 and arXiv: the proposed method with the attention")
    assert words == ["attention"]


def test_ranking_score_is_the_mean_of_the_full_and_the_words_only_logits() -> None:
    import numpy as np
    import scipy.sparse as sp

    from feedhub.search import embedding, ranking

    words = "stochastic gradient optimizer momentum convolutional image pixels detection audio speech phoneme speaker".split()
    texts = [" ".join(words[(i * 3 + j) % len(words)] for j in range(20)) for i in range(30)]
    ids = [f"p{i}" for i in range(30)]
    enc = embedding.load().encode(texts)
    terms = ranking.hashed_terms(texts)
    docs = [ranking.Doc(ids[k], texts[k][:30], texts[k], [f"Author {k % 4}"], ["cs.LG"], [], enc.vectors[k], *terms[k]) for k in range(30)]
    model = ranking.Model(docs[:5], docs[5:8], docs)
    assert model.clf is not None and model.words_clf is not None
    block = ranking._Block(docs, model.idf, model.categories, model.authors)
    full = model.clf.decision_function(model._matrix(block))
    alone = model.words_clf.decision_function(sp.csr_matrix(block.tfidf))
    z = (1 - ranking.WORDS_BLEND) * full + ranking.WORDS_BLEND * alone
    np.testing.assert_allclose(model.score(docs), 1 / (1 + np.exp(-z)), atol=1e-5)


def test_ranking_learns_the_category_a_member_reads_and_a_lone_save_does_not_count_itself() -> None:
    import random

    import numpy as np

    from feedhub.search import embedding, ranking

    rng = random.Random(0)
    words = [f"w{a}{b}" for a in "abcdefgh" for b in "abcdefgh"]
    texts = [" ".join(rng.sample(words, 12)) for _ in range(120)]
    cats = [["cs.LG", "cs.RO"] if i % 6 == 0 else ["cs.LG"] for i in range(120)]
    cats[1] = ["cs.LG", "cs.GR"]  # the only cs.GR paper
    enc = embedding.load().encode(texts)
    terms = ranking.hashed_terms(texts)
    docs = [ranking.Doc(f"p{k}", texts[k][:30], texts[k], [f"Author {k}"], cats[k], [], enc.vectors[k], *terms[k]) for k in range(120)]
    saved = [docs[k] for k in (0, 6, 12, 18, 24, 1)]  # five cs.RO papers and the one cs.GR paper
    model = ranking.Model(saved, [], docs[30:])
    # a new paper with the same words: the cs.RO copy ranks above the plain cs.LG one
    new = docs[40]
    twin_ro = ranking.Doc("new-ro", new.title, new.text, ["Someone"], ["cs.LG", "cs.RO"], [], new.vector, new.token_ids, new.token_counts)
    twin_lg = ranking.Doc("new-lg", new.title, new.text, ["Someone"], ["cs.LG"], [], new.vector, new.token_ids, new.token_counts)
    ro, lg = model.score([twin_ro, twin_lg])
    assert ro > lg
    block = ranking._Block([docs[1], docs[0], twin_lg], model.idf, model.categories, model.authors)
    lone, among_five, plain = model._category_lift(block)
    assert lone == 0.0  # the only cs.GR save is not evidence for itself
    assert among_five > 0.0 and plain == 0.0
    assert np.isfinite(model.score(docs)).all()
