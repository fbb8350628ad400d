"""Fuzzing the two readers of user files (issue 18): whatever config.toml or an OPML file holds, the
answer is settings or one ``FeedhubError`` line, never another exception; and what validation accepts,
the fetch and arXiv settings use without failing."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from feedhub.config import SCHEMA, ConfigError, Settings, load_settings, validate_config
from feedhub.errors import FeedhubError
from feedhub.fetch.http import FetchConfig
from feedhub.papers.enrich import ArxivApiConfig
from feedhub.subscriptions.opml import parse_opml

SECTIONS = [*SCHEMA, "fetchh", "misc"]
KEYS = sorted({k for rules in SCHEMA.values() for k in rules} | {"GITHUB_TOKEN", "bogus"})

scalars = st.one_of(
    st.integers(min_value=-(2**70), max_value=2**70), st.floats(allow_nan=True, allow_infinity=True), st.booleans(),
    st.text(max_size=30), st.sampled_from(["15MiB", "1 GB", "0", "-1", "127.0.0.1/32", "https://api.example.org", "ftp://x", "10 kb"]),
)
values = st.recursive(scalars, lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=8), inner, max_size=3)),
                      max_leaves=8)
configs = st.dictionaries(st.sampled_from(SECTIONS), st.one_of(st.dictionaries(st.sampled_from(KEYS), values, max_size=6), scalars),
                          max_size=4)


@settings(max_examples=400, deadline=None)
@given(configs)
def test_any_config_is_settings_or_one_line(data: dict[str, Any]) -> None:
    try:
        checked = validate_config(data)
    except ConfigError as exc:
        message = str(exc)
        assert message and "\n" not in message, message
        assert any(word in message for word in ("allowed", "unknown", "section")), message  # it says what is wrong
        return
    assert validate_config(checked) == checked  # what is accepted is accepted again unchanged (the fetch re-checks it)
    s = Settings(home=Path("/nonexistent"), db_url="sqlite://", file_config=checked)
    cfg = FetchConfig.from_settings(s)
    assert cfg.concurrency >= 1 and cfg.deadline > 0 and cfg.read_timeout > 0 and cfg.max_body >= 1024 and cfg.max_redirects >= 0
    arxiv = ArxivApiConfig.from_settings(s)
    assert arxiv.delay_seconds >= 0 and isinstance(arxiv.enabled, bool)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.one_of(st.binary(max_size=300), st.text(max_size=300).map(lambda t: t.encode("utf-8", "surrogatepass"))))
def test_any_config_file_bytes_are_settings_or_one_line(tmp_path: Path, raw: bytes) -> None:
    (tmp_path / "config.toml").write_bytes(raw)
    try:
        loaded = load_settings(home=tmp_path)
    except FeedhubError as exc:
        assert str(exc) and "\n" not in str(exc)
        return
    assert isinstance(loaded.file_config, dict)
    tomllib.loads(raw.decode("utf-8"))  # it was TOML indeed


names = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=12)
outline = st.fixed_dictionaries({}, optional={"text": names, "title": names, "xmlUrl": st.one_of(names, st.just("https://a.example/f.xml"),
                                                                                                 st.just("file:///dev/zero")),
                                              "htmlUrl": names, "feedhubKind": names, "feedhubSection": names})


def _xml(tree: Any) -> str:
    from xml.sax.saxutils import quoteattr

    attrs, children = tree
    inner = "".join(_xml(c) for c in children)
    return "<outline " + " ".join(f"{k}={quoteattr(v)}" for k, v in attrs.items()) + (f">{inner}</outline>" if inner else "/>")


trees = st.recursive(st.tuples(outline, st.just([])), lambda inner: st.tuples(outline, st.lists(inner, max_size=4)), max_leaves=25)


@settings(max_examples=300, deadline=None)
@given(st.lists(trees, max_size=5))
def test_any_opml_tree_reads_in_document_order(forest: list[Any]) -> None:
    body = "".join(_xml(t) for t in forest)
    try:
        feeds = parse_opml(f'<?xml version="1.0"?><opml version="2.0"><head/><body>{body}</body></opml>'.encode())
    except FeedhubError as exc:  # e.g. a name that XML 1.0 cannot hold
        assert "\n" not in str(exc)
        return

    expected: list[str] = []

    def walk(tree: Any) -> None:  # the reference: a plain recursive walk over small trees
        attrs, children = tree
        url = (attrs.get("xmlUrl") or "").strip()
        if url:
            expected.append(url)
        else:
            for c in children:
                walk(c)

    for t in forest:
        walk(t)
    assert [f.url for f in feeds] == expected


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.binary(max_size=400), st.text(max_size=400).map(str.encode),
                 st.builds(lambda a, b: b'<opml version="2.0"><body>' + a + b"</body></opml>" + b, st.binary(max_size=100), st.binary(max_size=20))))
def test_any_opml_bytes_are_feeds_or_one_line(raw: bytes) -> None:
    try:
        feeds = parse_opml(raw)
    except FeedhubError as exc:
        assert str(exc) and "\n" not in str(exc)
        return
    assert all(isinstance(f.url, str) and f.url for f in feeds)


@pytest.mark.parametrize("depth", [1000, 50_000])
def test_deep_opml_does_not_recurse(depth: int) -> None:
    data = b'<opml version="2.0"><body>' + b'<outline text="f">' * depth + b'<outline xmlUrl="https://a.example/f"/>' + b"</outline>" * depth + b"</body></opml>"
    (feed,) = parse_opml(data)
    assert len(feed.folder) == depth
