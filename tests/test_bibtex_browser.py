"""The .bib downloads, made in a real browser (Chromium) from the entries on
the papers' own pages, on a site served under a sub-path by a real server on
127.0.0.1: a paper's, a day's and a topic page's, byte for byte; a hostile
title; a paper page that fails to load; and no control without JavaScript."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ABSTRACT, ServedSite, built_and_served
from tests.test_bibtex import entry_on_page, parsed, plain

#: A title that would end the <pre>, run script, or break a BibTeX field.
HOSTILE = 'Pruning </pre><script>window.__pwned = 1</script> "quoted" {braces} back\\slash'
DAY = "2025-04-04"
#: Links to the paper pages a page lists (cards and titles), in its order.
_PAPER_LINK = re.compile(r'<(?:h3|li)><a href="(?:\.\./)*papers/([a-z0-9-]+)/"')
#: A paper that a day's notes link to.
NOTED = "a-paper-of-another-day-123abc"


def feed(day: str, titles: list[str]) -> str:
    return f"{day}\n\n" + "".join(f"{title}\n\n{ABSTRACT}\n\n" for title in titles).rstrip() + "\n"


def small_site(root: Path) -> Iterator[ServedSite]:
    seeds = root / "seeds"
    seeds.mkdir()
    (seeds / "a.txt").write_text(
        feed("2025-04-03", ["Structured Pruning of Wide Nets", "Pruning at Initialisation"]),
        encoding="utf-8",
    )
    titles = [HOSTILE, "Magnitude Pruning Revisited", "Diffusion Models for Maps"]
    (seeds / "b.txt").write_text(feed(DAY, titles), encoding="utf-8")
    # A paper the curator's notes link to is not one the day lists.
    (seeds / f"{DAY}.md").write_text(f"See [{NOTED}](../../papers/{NOTED}/).\n", encoding="utf-8")
    with built_and_served(seeds, root / "site") as site:
        yield site


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServedSite]:
    yield from small_site(tmp_path_factory.mktemp("bib"))


def listed(page_file: Path) -> list[str]:
    """The slugs of the papers a day or topic page lists, once each, in order."""
    slugs = _PAPER_LINK.findall(page_file.read_text(encoding="utf-8"))
    return list(dict.fromkeys(slugs))


def downloaded(page: Any, control: str) -> tuple[str, bytes]:
    with page.expect_download() as download:
        page.get_by_role("button", name=control).click()
    return download.value.suggested_filename, Path(download.value.path()).read_bytes()


def hostile_slug(site: ServedSite) -> str:
    (slug,) = [p.name for p in (site.path / "papers").iterdir() if p.name.startswith("pruning-pre")]
    return slug


def test_a_paper_page_saves_its_own_entry(page, site):
    folder = site.path / "papers" / hostile_slug(site)
    page.goto(f"{site.url}papers/{folder.name}/")
    name, data = downloaded(page, "Download citation.bib")
    text = data.decode("utf-8")
    assert text == entry_on_page(folder) == page.locator("#bibtex").inner_text()
    ((key, only),) = parsed(text).entries.items()
    assert name == f"{key}.bib"
    assert plain(only.fields["title"]) == HOSTILE
    assert page.evaluate("window.__pwned") is None
    assert page.locator("h1").inner_text() == HOSTILE


def test_a_day_page_saves_the_entries_of_its_papers_in_its_order(page, site):
    day = site.path / "days" / DAY / "index.html"
    slugs = listed(day)
    assert len(slugs) == 3 and hostile_slug(site) in slugs
    page.goto(f"{site.url}days/{DAY}/")
    name, data = downloaded(page, "BibTeX of this day's papers")
    assert name == f"papers-{DAY}.bib"
    expected = "\n".join(entry_on_page(site.path / "papers" / slug) for slug in slugs)
    assert data.decode("utf-8") == expected
    assert len(parsed(expected).entries) == 3
    assert page.locator(".bib-status").inner_text() == "Saved the BibTeX of 3 papers."
    assert page.evaluate("window.__pwned") is None


def test_a_topic_page_saves_the_entries_of_its_papers(page, site):
    topic = site.path / "topics/pruning-and-compression/index.html"
    slugs = listed(topic)
    assert len(slugs) == 4  # from two days
    page.goto(f"{site.url}topics/pruning-and-compression/")
    name, data = downloaded(page, "BibTeX of the papers on this page")
    assert name == "pruning-and-compression.bib"
    expected = "\n".join(entry_on_page(site.path / "papers" / slug) for slug in slugs)
    assert data.decode("utf-8") == expected


def test_a_paper_that_fails_to_load_is_said_not_dropped(page, tmp_path):
    for served in small_site(tmp_path):
        slugs = listed(served.path / "days" / DAY / "index.html")
        gone = served.path / "papers" / slugs[1]
        title = page_title(gone)
        (gone / "index.html").unlink()  # the server answers 404
        page.goto(f"{served.url}days/{DAY}/")
        _, data = downloaded(page, "BibTeX of this day's papers")
        kept = [slug for slug in slugs if slug != slugs[1]]
        expected = "\n".join(entry_on_page(served.path / "papers" / slug) for slug in kept)
        assert data.decode("utf-8") == expected
        assert page.locator(".bib-status").inner_text() == (
            f"1 of 3 papers could not be loaded and are not in the file: “{title}” (HTTP 404)."
        )


def page_title(folder: Path) -> str:
    found = re.search(r"<h1>(.*?)</h1>", (folder / "index.html").read_text(encoding="utf-8"))
    assert found
    return html.unescape(found[1])


def test_without_javascript_no_download_control_shows_and_the_entry_stays(browser, site):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{site.url}papers/{hostile_slug(site)}/")
    assert not page.get_by_role("button", name="Download citation.bib").is_visible()
    assert page.locator("#bibtex").is_visible()
    page.goto(f"{site.url}days/{DAY}/")
    assert not page.get_by_role("button", name="BibTeX of this day's papers").is_visible()
    assert page.get_by_text("3 papers").is_visible()
    context.close()
