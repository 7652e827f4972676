"""The shipped seeds, built and served under a sub-path as GitHub Pages serves a project site."""

from __future__ import annotations

import gzip
import json
import re
import urllib.error
import urllib.request
import xml.etree.ElementTree as ET
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urldefrag, urljoin

import pytest

from tests.conftest import ABSTRACT, CONFIG, SEEDS, Project, ServedSite, digest, search_papers

ATOM = "{http://www.w3.org/2005/Atom}"


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if values.get("id"):
            self.ids.add(values["id"] or "")
        for name in ("href", "src", "action"):
            if values.get(name) is not None:
                self.links.append(values[name] or "")


def fetch(url: str) -> tuple[int, bytes, str]:
    try:
        with urllib.request.urlopen(url) as response:
            return response.status, response.read(), response.headers.get_content_type()
    except urllib.error.HTTPError as error:
        return error.code, error.read(), error.headers.get_content_type()


def parse(html: bytes) -> _Links:
    parser = _Links()
    parser.feed(html.decode("utf-8"))
    return parser


def test_page_counts(seeds_site: ServedSite):
    site = seeds_site.path
    assert len(list((site / "papers").glob("*/index.html"))) == 295
    assert sorted(p.parent.name for p in (site / "days").glob("????-??-??/index.html")) == [
        "2025-03-11",
        "2025-03-13",
        "2025-03-14",
        "2025-04-03",
    ]
    for name in [
        "index.html",
        "days/index.html",
        "topics/index.html",
        "search/index.html",
        "404.html",
        "feed.xml",
        "sitemap.xml",
        "robots.txt",
        ".nojekyll",
        "search-index.json",
    ]:
        assert (site / name).is_file(), name


def test_day_pages_list_every_paper_of_the_day(seeds_site: ServedSite):
    expected = {"2025-03-11": 98, "2025-03-13": 104, "2025-03-14": 78, "2025-04-03": 86}
    for day, count in expected.items():
        page = parse((seeds_site.path / "days" / day / "index.html").read_bytes())
        papers = {link for link in page.links if link.startswith("../../papers/")}
        assert len(papers) == count, day


def test_papers_in_several_feeds_carry_every_day(seeds_site: ServedSite):
    by_title = {paper["title"].casefold(): paper for paper in search_papers(seeds_site.path)}
    appearances: dict[str, set[str]] = {}
    feeds_of: Counter[str] = Counter()
    for feed in sorted(SEEDS.glob("*.txt")):
        lines = [line for line in feed.read_text(encoding="utf-8").splitlines() if line.strip()]
        day = {
            "Mar 11": "2025-03-11",
            "Mar 13": "2025-03-13",
            "Mar 14": "2025-03-14",
            "Apr 3": "2025-04-03",
        }[lines[4]]
        for title in lines[5::2]:
            appearances.setdefault(title.casefold(), set()).add(day)
            feeds_of[title.casefold()] += 1
    several = [t for t, n in feeds_of.items() if n > 1]
    assert len(several) == 58
    for title in several:
        assert set(by_title[title]["days"]) == appearances[title], title


def test_search_index_urls_resolve(seeds_site: ServedSite):
    index = json.loads((seeds_site.path / "search-index.json").read_text(encoding="utf-8"))
    assert index["papers"] == 295
    for paper in search_papers(seeds_site.path):
        assert set(paper) >= {"title", "url", "days", "topics"}
        assert not paper["url"].startswith("/")
        assert (seeds_site.path / paper["url"] / "index.html").is_file()
        assert set(paper["topics"]) <= {slug for slug, _ in index["topics"]}


def test_every_internal_link_resolves_under_a_sub_path(seeds_site: ServedSite):
    """Crawl from the home page over HTTP; every page must be reachable and every
    link, script, stylesheet and #fragment must resolve. The search page is
    reached through the header's search form, which site.js makes (the search
    needs scripts; tests/test_browser.py submits it), so the crawl starts there too."""
    root = seeds_site.url
    queue, seen, pages = [root, root + "search/"], {root, root + "search/"}, 0
    while queue:
        url = queue.pop()
        status, body, kind = fetch(url)
        assert status == 200, url
        if kind != "text/html":
            continue
        pages += 1
        page = parse(body)
        for link in page.links:
            assert not link.startswith("/"), f"{url}: bare leading slash in {link!r}"
            target, fragment = urldefrag(urljoin(url, link))
            if not target.startswith(root):
                assert target.startswith(("https://arxiv.org/", "https://huggingface.co/")), link
                continue
            if fragment and target == url:
                assert fragment in page.ids, f"{url}: no #{fragment}"
            target = target.split("?")[0]
            if target not in seen:
                seen.add(target)
                queue.append(target)
    html_files = [p for p in seeds_site.path.rglob("*.html") if p.name != "404.html"]
    assert pages == len(html_files)


def test_missing_pages_at_any_depth_get_a_404_page_with_working_links(seeds_site: ServedSite):
    for missing in ["nope", "papers/nope/", "a/b/c/d/e.html"]:
        status, body, _ = fetch(seeds_site.url + missing)
        assert status == 404
        page = parse(body)
        assert all(link[1:] in page.ids for link in page.links if link.startswith("#"))
        links = [urljoin(seeds_site.url, link) for link in page.links if not link.startswith("#")]
        assert links and all(link.startswith(seeds_site.url) for link in links)
        for link in links:
            assert fetch(link)[0] == 200, link


def test_feed_links_are_where_a_reader_looks_for_a_feed(seeds_site: ServedSite):
    """The site's feed is announced on the home page, days and topics (a
    topic's page also its own), not on each paper's page (bytes on every one
    of them); every page's footer still links to it."""
    site = seeds_site.path
    feed = '<link rel="alternate" type="application/atom+xml" title="'
    some_day = next(p for p in sorted((site / "days").iterdir()) if p.is_dir())
    topic = next(p for p in sorted((site / "topics").iterdir()) if p.is_dir())
    for page in (site / "index.html", some_day / "index.html", site / "days" / "index.html"):
        assert page.read_text(encoding="utf-8").count(feed) == 1, page
    assert (topic / "index.html").read_text(encoding="utf-8").count(feed) == 2
    papers = list((site / "papers").glob("*/index.html"))
    assert papers
    for page in papers:
        html = page.read_text(encoding="utf-8")
        assert 'rel="alternate"' not in html
        assert '<a href="../../feed.xml">Atom feed</a>' in html


def page_urls(site: Path, base: str) -> set[str]:
    """The URL of every page of ``site``, served at ``base``, as a sitemap lists them."""
    return {
        base + "".join(f"{part}/" for part in p.parent.relative_to(site).parts)
        for p in site.rglob("index.html")
    }


def test_atom_feed_and_sitemap_parse(seeds_site: ServedSite):
    feed = ET.parse(seeds_site.path / "feed.xml").getroot()
    assert feed.tag == f"{ATOM}feed"
    entries = feed.findall(f"{ATOM}entry")
    assert len(entries) == 50
    for entry in entries:
        link = entry.find(f"{ATOM}link").get("href")
        assert link.startswith(seeds_site.url)
        assert (seeds_site.path / link.removeprefix(seeds_site.url) / "index.html").is_file()
    sitemap = ET.parse(seeds_site.path / "sitemap.xml").getroot()
    locations = [
        loc.text for loc in sitemap.iter("{http://www.sitemaps.org/schemas/sitemap/0.9}loc")
    ]
    pages = page_urls(seeds_site.path, seeds_site.url)
    assert len(locations) == len(set(locations)) == len(pages)
    assert set(locations) == pages


def test_abstract_is_shown_exactly_as_written(seeds_site: ServedSite):
    lines = [
        line
        for feed in sorted(SEEDS.glob("*.txt"))
        for line in feed.read_text(encoding="utf-8").splitlines()
    ]
    abstracts = sorted({line for line in lines if "<" in line or "_{" in line})
    assert abstracts, "the seeds hold abstracts with markup-like text"
    pages = {paper["url"]: paper for paper in search_papers(seeds_site.path)}
    found = 0
    for url in pages:
        html = (seeds_site.path / url / "index.html").read_text(encoding="utf-8")
        for abstract in abstracts:
            escaped = abstract.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            escaped = escaped.replace('"', "&#34;").replace("'", "&#39;")
            found += f'<p class="abstract">{escaped}</section>' in html  # no </p> needed
    assert found == len(abstracts)


def test_building_twice_gives_identical_bytes(tmp_path: Path):
    def snapshot(out: Path) -> dict[str, bytes]:
        run = digest("build", "--seeds", SEEDS, "--config", CONFIG, "--out", out, "--quiet")
        assert run.code == 0, run.err
        return {
            str(p.relative_to(out)): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()
        }

    first = snapshot(tmp_path / "one")
    assert first == snapshot(tmp_path / "two")


def test_topic_feeds_list_only_papers_of_their_topic(seeds_site: ServedSite):
    index = json.loads((seeds_site.path / "search-index.json").read_text(encoding="utf-8"))
    topics_of = {
        seeds_site.url + p["url"]: set(p["topics"]) for p in search_papers(seeds_site.path)
    }
    for topic, _ in index["topics"]:
        feed = ET.parse(seeds_site.path / "topics" / topic / "feed.xml").getroot()
        links = [e.find(f"{ATOM}link").get("href") for e in feed.findall(f"{ATOM}entry")]
        assert links and all(topic in topics_of[link] for link in links), topic
        page = (seeds_site.path / "topics" / topic / "index.html").read_text(encoding="utf-8")
        assert f'href="../../topics/{topic}/feed.xml"' in page


def test_paper_pages_link_related_papers(seeds_site: ServedSite):
    for page in list((seeds_site.path / "papers").glob("*/index.html"))[:20]:
        html = page.read_text(encoding="utf-8")
        related = html.split('<section class="related">', 1)[1]
        links = re.findall(r'href="\.\./([^/]+)/"', related)  # a sibling folder
        assert 1 <= len(links) <= 5
        assert page.parent.name not in links


def test_topic_pages_are_split_with_stable_numbered_pages():
    from generator.reading.archive import Paper
    from generator.site.views import topic_listings

    def papers(count: int) -> list[Paper]:
        # Newest first, as topics list them.
        return [Paper(f"k{i}", f"p{i:03d}", "T", "", (), ()) for i in reversed(range(count))]

    small = topic_listings("t", papers(30), size=10)
    assert [(x.path, len(x.papers)) for x in small] == [
        ("topics/t/index.html", 10),
        ("topics/t/page/1/index.html", 10),
        ("topics/t/page/2/index.html", 10),
    ]
    assert small[0].pager.older == "page/2/" and small[2].pager.newer == "../../"
    assert small[1].pager.older is None and small[2].pager.older == "../1/"
    grown = topic_listings("t", papers(32), size=10)
    assert grown[0].papers[0].slug == "p031" and len(grown[0].papers) == 12
    assert [x.papers for x in grown[1:4]] == [x.papers for x in small[1:3]] + [small[0].papers]


def test_older_topic_pages_list_titles_and_the_newest_shows_cards(
    project: Project, monkeypatch: pytest.MonkeyPatch
):
    """A paper is on the pages of each of its topics: full cards on every one
    of them made a 100,000-paper site larger than GitHub Pages allows."""
    from generator.site import render

    monkeypatch.setattr(render, "PAGE_SIZE", 4)
    days = [f"2025-03-{day:02d}" for day in range(10, 14)]
    for day in days:
        titles = [f"Pruning Method {day[-2:]}{n}" for n in range(3)]
        project.feed(f"{day}.txt", day + "".join(f"\n\n{t}\n\n{ABSTRACT}" for t in titles) + "\n")
    assert project.build().code == 0
    topic = project.out / "topics" / "pruning"
    newest = (topic / "index.html").read_text(encoding="utf-8")
    excerpt = ABSTRACT[:40]  # what a card shows of the abstract
    assert newest.count('class="paper-card"') == 4 and newest.count(excerpt) == 4
    for number in (1, 2):
        older = (topic / "page" / str(number) / "index.html").read_text(encoding="utf-8")
        assert excerpt not in older and 'class="paper-card"' not in older
        assert len(re.findall(r'<li><a href="\.\./\.\./\.\./\.\./papers/', older)) == 4


def test_past_the_protocol_s_limit_the_sitemap_is_an_index_of_sitemaps(
    project: Project, monkeypatch: pytest.MonkeyPatch
):
    """A 100,000-paper site has more pages than one sitemap may list: its
    ``sitemap.xml`` is then an index of gzipped sitemaps that, together,
    list every page once, each within the limit and valid against the schema."""
    from lxml import etree

    from generator.site import machine_files

    monkeypatch.setattr(machine_files, "SITEMAP_URLS", 4)
    titles = [f"Pruning Method {n}" for n in range(5)]
    project.feed("2025-03-11.txt", "2025-03-11" + "".join(f"\n\n{t}\n\n{ABSTRACT}" for t in titles))
    base = "https://example.org/digest/"
    assert project.build("--base-url", base).code == 0
    space = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
    index = ET.parse(project.out / "sitemap.xml").getroot()
    assert index.tag == f"{space}sitemapindex"
    parts = [loc.text or "" for loc in index.iter(f"{space}loc")]
    assert parts == [f"{base}sitemap-{n}.xml.gz" for n in range(1, len(parts) + 1)]
    schema = etree.XMLSchema(etree.parse(str(Path(__file__).parent / "fixtures" / "sitemap.xsd")))
    listed: list[str] = []
    for part in parts:
        data = (project.out / part.removeprefix(base)).read_bytes()
        assert data[4:8] == bytes(4)  # no time in the gzip header: the same bytes each build
        sitemap = gzip.decompress(data)
        assert schema.validate(etree.fromstring(sitemap)), schema.error_log
        urls = [loc.text or "" for loc in ET.fromstring(sitemap).iter(f"{space}loc")]
        assert 0 < len(urls) <= 4
        listed += urls
    pages = page_urls(project.out, base)
    assert len(pages) > 8 and len(listed) == len(set(listed)) and set(listed) == pages
    assert f"Sitemap: {base}sitemap.xml" in (project.out / "robots.txt").read_text("utf-8")
