"""``digest fetch --source feed`` against a local server replaying RSS 2.0,
Atom and JSON Feed as journals, preprint servers and arXiv publish them."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import Project, Run, digest
from tests.pages_server import serve
from tests.replay import Replay, Reply, replaying
from tests.test_escaping import assert_inert

DAY = "2025-03-12"

#: An arXiv category's RSS as arXiv sends it: HTML in the descriptions,
#: ``dc:creator`` authors, and an item whose summary tries to run script.
RSS = b"""<?xml version="1.0" encoding="UTF-8"?>
<rss xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:arxiv="http://arxiv.org/schemas/atom" version="2.0">
  <channel>
    <title>cs.LG updates on arXiv.org</title>
    <link>http://rss.arxiv.org/rss/cs.LG</link>
    <description>cs.LG updates on the arXiv.org e-print archive.</description>
    <item>
      <title>Pruning Transformers, &lt;Fast&gt;</title>
      <link>https://arxiv.org/abs/2503.01234v2</link>
      <description><![CDATA[<p>arXiv:2503.01234v2 Announce Type: new
Abstract: We <b>prune</b> &amp; keep x &lt; 3 <script>window.__pwned = 1</script>accuracy.</p>]]></description>
      <guid isPermaLink="false">oai:arXiv.org:2503.01234v2</guid>
      <category>cs.LG</category>
      <pubDate>Wed, 12 Mar 2025 00:00:00 -0400</pubDate>
      <arxiv:announce_type>new</arxiv:announce_type>
      <dc:creator>Ada Lovelace, Grace Hopper</dc:creator>
    </item>
    <item>
      <title>A Journal Article</title>
      <link>https://doi.org/10.1038/s41586-025-01234-5</link>
      <description>&lt;img src=x onerror="window.__pwned = 2"&gt;Plain &amp;amp; simple.</description>
      <pubDate>Tue, 11 Mar 2025 09:30:00 GMT</pubDate>
    </item>
    <item><title>A Hostile Link</title><link>javascript:alert(1)</link><description>x</description></item>
    <item><description>An item without a title.</description></item>
  </channel>
</rss>
"""

ATOM = b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <title>bioRxiv Neuroscience</title>
  <id>urn:biorxiv:neuro</id>
  <updated>2025-03-12T00:00:00Z</updated>
  <entry>
    <title type="html">Grid cells &amp;lt;in&amp;gt; mice</title>
    <id>https://www.biorxiv.org/content/10.1101/2025.03.10.123456v1</id>
    <link href="https://www.biorxiv.org/content/10.1101/2025.03.10.123456v1"/>
    <updated>2025-03-11T08:00:00Z</updated>
    <author><name>R. Cajal</name></author>
    <summary type="html">&lt;p&gt;Grid cells &lt;i&gt;fire&lt;/i&gt;.&lt;/p&gt;</summary>
  </entry>
</feed>
"""

JSON_FEED = json.dumps(
    {
        "version": "https://jsonfeed.org/version/1.1",
        "title": "A lab's papers",
        "items": [
            {
                "id": "https://lab.example/p/1",
                "url": "https://lab.example/p/1",
                "title": "Lab paper on <Graphs>",
                "content_html": "<p>Lab <em>abstract</em>.</p>",
                "date_published": "2025-03-09T23:30:00-02:00",
                "authors": [{"name": "Lab Head"}],
            }
        ],
    }
).encode()

UNDATED = b"""<?xml version="1.0"?>
<rss version="2.0"><channel><title>No dates</title>
<item><title>Undated paper</title><link>https://example.org/undated</link><description>Text.</description></item>
</channel></rss>
"""


@pytest.fixture
def server() -> Iterator[Replay]:
    with replaying("/feed") as replay:
        replay.replies = [Reply(RSS, content_type="application/rss+xml")]
        yield replay


def fetch(server: Replay, seeds: Path, *extra: str) -> Run:
    return digest(
        "fetch", "--source", "feed", "--url", server.url, "--seeds", seeds, "--retries", "0", *extra
    )


def papers(path: Path) -> list[dict]:
    return json.loads(path.read_text(encoding="utf-8"))["papers"]


def test_rss_items_become_papers_with_html_turned_into_text(server: Replay, tmp_path: Path):
    run = fetch(server, tmp_path, "--name", "arxiv-cs-lg", "--date", DAY)
    path = tmp_path / f"arxiv-cs-lg-{DAY}.json"
    assert run.code == 0, run.err
    assert run.out == f"wrote {path}: 3 papers for {DAY}\n"
    assert run.err.startswith(f"{path}: warning: 1 item(s) without a title skipped\n")
    first, second, hostile = papers(path)
    assert (hostile["title"], hostile["url"]) == ("A Hostile Link", "")
    assert first["title"] == "Pruning Transformers, <Fast>"
    assert first["abstract"] == (
        "arXiv:2503.01234v2 Announce Type: new Abstract: We prune & keep x < 3 accuracy."
    )
    assert (first["id"], first["date"], first["authors"]) == (
        "2503.01234",
        "2025-03-12",
        ["Ada Lovelace", "Grace Hopper"],
    )
    assert (second["doi"], second["date"]) == ("10.1038/s41586-025-01234-5", "2025-03-11")
    assert second["abstract"] == "Plain & simple."
    stored = json.loads(path.read_text(encoding="utf-8"))
    assert stored["source"] == {"kind": "feed", "name": "arxiv-cs-lg", "url": server.url}


def test_atom_and_json_feeds(tmp_path: Path):
    with replaying("/atom") as atom, replaying("/feed.json") as feed:
        atom.replies = [Reply(ATOM)]
        feed.replies = [Reply(JSON_FEED, content_type="application/feed+json")]
        assert fetch(atom, tmp_path, "--name", "biorxiv", "--date", DAY).code == 0
        assert fetch(feed, tmp_path, "--date", DAY).code == 0
    [grid] = papers(tmp_path / f"biorxiv-{DAY}.json")
    assert (grid["title"], grid["abstract"], grid["doi"], grid["date"]) == (
        "Grid cells <in> mice",
        "Grid cells fire.",
        "10.1101/2025.03.10.123456v1",
        "2025-03-11",
    )
    # The default name comes from the host; the day is the UTC day of the date.
    [lab] = papers(tmp_path / f"127-0-0-1-{DAY}.json")
    assert (lab["title"], lab["abstract"], lab["date"], lab["authors"]) == (
        "Lab paper on <Graphs>",
        "Lab abstract.",
        "2025-03-10",
        ["Lab Head"],
    )


def test_a_feed_without_dates_lists_papers_on_the_day_first_fetched(server: Replay, tmp_path: Path):
    server.replies = [Reply(UNDATED, content_type="application/rss+xml")]
    run = fetch(server, tmp_path, "--name", "undated", "--date", "2025-03-10")
    assert run.code == 0, run.err
    assert run.err.endswith("1 item(s) without a date listed on the day first fetched\n")
    later = fetch(server, tmp_path, "--name", "undated", "--date", "2025-03-12")
    assert later.code == 0, later.err
    for day in ("2025-03-10", "2025-03-12"):
        [paper] = papers(tmp_path / f"undated-{day}.json")
        assert paper["date"] == "2025-03-10"


FAILURES = {
    "malformed XML": (Reply(RSS.replace(b"</title>", b"</titel>", 1)), "malformed XML at line 4: mismatched tag"),
    "an HTML page": (Reply(b"<!doctype html><html><body><p>Sign in</p></body></html>"), "not an RSS, Atom or JSON feed"),
    "JSON that is not a feed": (Reply(b'{"error": "rate limited"}'), "not a JSON Feed"),
    "404": (Reply(b"", status=404), "HTTP 404 Not Found"),
    "empty feed": (Reply(b'<rss version="2.0"><channel><title>T</title></channel></rss>'), "the feed lists no papers"),
}  # fmt: skip


@pytest.mark.parametrize("case", FAILURES, ids=list(FAILURES))
def test_failures_are_one_line_and_leave_seeds_untouched(case: str, server: Replay, tmp_path: Path):
    reply, message = FAILURES[case]
    server.replies = [reply]
    (tmp_path / f"journal-{DAY}.json").write_text("an older fetch\n", encoding="utf-8")
    run = fetch(server, tmp_path, "--name", "journal", "--date", DAY)
    assert run.code == (3 if case == "empty feed" else 1)
    assert run.out == ""
    [line] = run.err.splitlines()
    assert line.startswith(f"{server.url}: error: ") and message in line
    assert [p.name for p in tmp_path.iterdir()] == [f"journal-{DAY}.json"]
    assert (tmp_path / f"journal-{DAY}.json").read_text(encoding="utf-8") == "an older fetch\n"


def test_the_page_shows_feed_html_as_text_and_links_the_feed(server: Replay, project: Project):
    assert fetch(server, project.seeds, "--name", "arxiv-cs-lg", "--date", DAY).code == 0
    run = project.build()
    assert run.code == 0, run.err
    pages = {
        p.parent.name: p.read_text(encoding="utf-8")
        for p in project.out.glob("papers/*/index.html")
    }
    pruning = next(html for html in pages.values() if "Pruning Transformers" in html)
    assert "<h1>Pruning Transformers, &lt;Fast&gt;</h1>" in pruning
    assert "We prune &amp; keep x &lt; 3 accuracy." in pruning
    assert 'href="https://arxiv.org/abs/2503.01234">arXiv 2503.01234</a>' in pruning
    journal = next(html for html in pages.values() if "A Journal Article" in html)
    assert (
        'href="https://doi.org/10.1038/s41586-025-01234-5">DOI 10.1038/s41586-025-01234-5'
        in journal
    )
    assert "Plain &amp; simple." in journal
    for html in pages.values():
        assert "<script>window" not in html and "onerror" not in html
    assert_inert(project.out)


def test_script_in_a_feed_summary_never_runs_in_a_browser(server: Replay, project: Project, page):
    """The feed's ``<script>`` and ``onerror`` are text on the page a browser shows."""
    assert fetch(server, project.seeds, "--name", "arxiv-cs-lg", "--date", DAY).code == 0
    project.out.mkdir()
    with serve(project.out) as root:
        assert project.build("--base-url", root).code == 0
        for paper in project.out.glob("papers/*/index.html"):
            page.goto(f"{root}papers/{paper.parent.name}/", wait_until="networkidle")
            assert page.evaluate("window.__pwned") is None, paper
        pruning = next(p for p in project.out.glob("papers/*/") if p.name.startswith("pruning"))
        page.goto(f"{root}papers/{pruning.name}/", wait_until="networkidle")
        assert page.locator("p.abstract").inner_text() == (
            "arXiv:2503.01234v2 Announce Type: new Abstract: We prune & keep x < 3 accuracy."
        )
