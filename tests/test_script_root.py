"""The scripts find the site's root where they are (the folder that holds
``static/``), not in the page: in a real browser (Chromium), on a site served
under a sub-path, from the home page, a paper's and a day's page two folders
down and the 404 page at any depth, the Save buttons share one library, the
BibTeX downloads find their papers, and the search form and author links go
to the site's search page. The same under a site's own ``base.html`` that
only loads the scripts from ``static/``, as a theme of its own would."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

from tests.conftest import SMALL_CONFIG, ServedSite, digest
from tests.pages_server import serve
from tests.test_bibtex import entry_on_page
from tests.test_bibtex_browser import downloaded, listed

#: A base.html of a site's own: none of the theme's markup, the scripts from static/.
OWN_BASE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{% block title %}{% endblock %}</title>
<link rel="stylesheet" href="{{ root }}static/style.css">
<script src="{{ root }}static/site.js" defer></script>
<script src="{{ root }}static/library.js" defer></script>
{% block head %}{% endblock %}
</head><body><header><div><a href="{{ root }}">Our lab's papers</a></div></header>
<main>{% block main %}{% endblock %}</main></body></html>
"""
DAY = "2025-03-11"
AUTHOR = "Ada Lovelace"


def paper(title: str) -> dict[str, Any]:
    abstract = f"We study {title.lower()} for neural networks and report results."
    return {"title": title, "abstract": abstract, "authors": [AUTHOR, "Alan Turing"]}


@pytest.fixture(scope="module", params=["theme", "own base.html"])
def site(request: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServedSite]:
    root = tmp_path_factory.mktemp("root")
    (root / "seeds").mkdir()
    for date, titles in [(DAY, ["Pruning Wide Nets", "Pruned Transformers"]),
                         ("2025-03-12", ["Transformer Pruning at Scale"])]:  # fmt: skip
        feed = {"format": "digest-papers/1", "source": {"kind": "arxiv", "name": "arXiv"},
                "date": date, "papers": [paper(title) for title in titles]}  # fmt: skip
        (root / "seeds" / f"{date}.json").write_text(json.dumps(feed), encoding="utf-8")
    (root / "digest.yaml").write_text(SMALL_CONFIG, encoding="utf-8")
    if request.param != "theme":
        (root / "templates").mkdir()
        (root / "templates" / "base.html").write_text(OWN_BASE, encoding="utf-8")
    out = root / "site"
    out.mkdir()
    with serve(out) as url:
        config = root / "digest.yaml"
        run = digest("build", "--seeds", root / "seeds", "--config", config, "--out", out,
                     "--base-url", url)  # fmt: skip
        assert run.code == 0, run.err
        yield ServedSite(out, url)


def test_a_paper_saved_on_the_home_page_is_saved_on_its_page_and_on_saved(page, site):
    page.goto(site.url)
    page.wait_for_function("document.querySelector('button.save[aria-label]') !== null")
    assert page.eval_on_selector("form.site-search", "form => form.action") == site.url + "search/"
    card = page.locator("article.paper-card").first
    title = card.locator("h3").inner_text()
    card.locator("button.save").click()
    assert card.locator("button.save").get_attribute("aria-pressed") == "true"

    card.locator("h3 a").click()  # a paper's page, two folders down
    assert page.locator("h1").inner_text() == title
    button = page.locator(".save-row button.save")
    page.wait_for_function("document.querySelector('.save-row button.save[aria-pressed]')")
    assert button.get_attribute("aria-pressed") == "true"
    assert page.eval_on_selector("form.site-search", "form => form.action") == site.url + "search/"
    author = page.get_by_role("link", name=AUTHOR, exact=True)
    assert author.evaluate("link => link.href") == f"{site.url}search/?author={quote(AUTHOR)}"
    folder = site.path / page.url.removeprefix(site.url)
    name, data = downloaded(page, "Download citation.bib")
    assert data.decode("utf-8") == entry_on_page(folder) and name.endswith(".bib")

    page.goto(site.url + "saved/")
    page.wait_for_function("document.querySelectorAll('#saved-list li h3').length === 1")
    assert page.locator("#saved-list li h3").inner_text() == title


def test_a_day_page_saves_the_bibtex_of_the_papers_it_lists(page, site):
    slugs = listed(site.path / "days" / DAY / "index.html")
    assert len(slugs) == 2
    page.goto(f"{site.url}days/{DAY}/")
    name, data = downloaded(page, "BibTeX of this day's papers")
    assert name == f"papers-{DAY}.bib"
    assert data.decode("utf-8") == "\n".join(entry_on_page(site.path / "papers" / s) for s in slugs)


def test_the_404_page_at_any_depth_knows_the_site_s_root(page, site):
    response = page.goto(site.url + "no/such/page/")
    assert response is not None and response.status == 404
    page.wait_for_function("window.DigestLibrary !== undefined")
    assert page.evaluate("new URL(DigestLibrary.root, location.href).href") == site.url
    assert page.eval_on_selector("form.site-search", "form => form.action") == site.url + "search/"


def test_no_page_says_the_root_itself(site):
    """The root is the scripts' to find: no page repeats it in an attribute."""
    for path in Path(site.path).rglob("*.html"):
        assert "data-root" not in path.read_text(encoding="utf-8"), path
