"""Items 4, 5 and 6 of issue 18 through real processes: what `feedhub fetch` stores from real-shaped feeds
(distinct GUID-less items sharing a link, a JSON Feed written the way the wild writes it, a Korean feed
with one bad byte), and that a second fetch matches every item again."""

from __future__ import annotations

import json
from pathlib import Path

from .conftest import assert_clean, feedhub

PHD = ('<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>PHD Comics</title><link>https://phd.example/</link>'
       + "".join(f"<item><title>Comic {n}</title><link>https://phd.example/</link><pubDate>Mon, 0{n} Jan 2018 10:00:00 GMT</pubDate></item>"
                 for n in (1, 2, 3)) + "</channel></rss>")
PODCAST = ('<?xml version="1.0"?><rss version="2.0"><channel><title>Europe 1</title><link>https://radio.example/</link>'
           + "".join(f"<item><title>La chronique</title><link>https://radio.example/show</link>"
                     f"<enclosure url='https://radio.example/ep{n}.mp3' type='audio/mpeg' length='1'/></item>" for n in (1, 2, 3))
           + "</channel></rss>")
JSONFEED = json.dumps({"version": "http://jsonfeed.org/version/1", "title": "Elastic blog", "items": [
    {"url": "https://blog.example/a", "title": "A", "content_text": "a"},
    {"url": "https://blog.example/b", "title": "B", "content_text": "b"},
    {"url": "https://blog.example/c", "title": "C", "content_text": "c"}]})
KOREAN = "딥러닝 논문 리뷰".encode()


def test_what_fetch_stores_from_real_shaped_feeds(tmp_path: Path) -> None:
    home = tmp_path / "home"
    files = {"phd.xml": PHD.encode(), "podcast.xml": PODCAST.encode(), "elastic.json": JSONFEED.encode(),
             "korean.xml": b'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>K</title><item><guid>k1</guid><title>'
                           + KOREAN[:6] + b"\xff" + KOREAN[6:] + b"</title></item></channel></rss>"}
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
        assert_clean(feedhub(home, "source", "add", str(tmp_path / name), "--name", name))
    first = feedhub(home, "fetch", "--json")
    assert_clean(first)
    report = {r["name"]: r for r in json.loads(first.stdout)}
    assert {n: r["new"] for n, r in report.items()} == {"phd.xml": 3, "podcast.xml": 3, "elastic.json": 3, "korean.xml": 1}
    assert "3 of 3 items have no id" in (report["elastic.json"]["warning"] or "")
    assert "1 invalid utf-8 byte" in (report["korean.xml"]["warning"] or "")
    titles = sorted(e["title"] for e in json.loads(feedhub(home, "entries", "--json", "--limit", "50").stdout))
    assert titles == ["A", "B", "C", "Comic 1", "Comic 2", "Comic 3", "La chronique", "La chronique", "La chronique", "딥러\ufffd닝 논문 리뷰"]
    again = feedhub(home, "fetch", "--force", "--json")
    assert_clean(again)
    assert all((r["new"], r["updated"]) == (0, 0) for r in json.loads(again.stdout)), again.stdout
