"""Authors: shown on paper pages (each linked to a search for them) and cards,
and searchable apart from title and abstract words, from an arXiv fixture
with accented, repeated and hostile names."""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterator
from datetime import date
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator.analysis.postings import author_postings
from generator.analysis.terms import STOP_WORDS, author_key
from generator.reading.archive import Paper
from generator.site.search_files import shard_keys
from generator.site.views import short_authors, short_name
from generator.sources import http
from tests.arxiv_atom import Preprint, page
from tests.conftest import (
    RESULTS_SHOWN,
    SMALL_CONFIG,
    Project,
    ServedSite,
    built_and_served,
    decode_postings,
    digest,
    search_papers,
)
from tests.replay import Reply, replaying
from tests.test_accessibility import violations
from tests.test_browser import wait_for_status
from tests.test_escaping import assert_inert

SCHOLKOPF = "Bernhard Schölkopf"
DAY = date(2025, 3, 11)
SCRIPT_NAME = "<script>window.__pwned = 1</script>"
QUOTE_NAME = '"Quoted" O\'Brien <img src=x onerror="window.__pwned = 2">'
LONG_NAME = "Y" + "o" * 498 + "!"
HOSTILE_NAMES = [SCRIPT_NAME, QUOTE_NAME, "Ampersand &amp; & Sons", LONG_NAME]
MANY = [f"Coauthor {family}" for family in "Abe Bo Cy Di Ed Fa Gu Hu Io Jo Ka Lu".split()]
ABOUT = (
    "We study {0} with a method that is simple to state and report results on several "
    "benchmarks, where it does better than earlier work while using less memory."
)


def preprint(number: int, title: str, authors: list[str], subject: str) -> Preprint:
    return Preprint(
        id=f"2503.{10000 + number}v1", title=title, abstract=ABOUT.format(subject), authors=authors
    )


#: Per day, what the arXiv API announces: Schölkopf on four papers, spelled
#: three ways; two different people whose names share both words; a paper
#: with twelve authors; and one with hostile names.
DAYS: dict[str, list[Preprint]] = {
    "2025-03-10": [
        preprint(1, "Pruning Kernels by Margin", [SCHOLKOPF, "Zoë Ångström", "Wei Zhang"],
                 "pruning of kernel machines"),
        preprint(2, "Street Maps as Graphs", ["Zhang Wei", "Jean-Pierre Dupont"], "street maps"),
    ],
    "2025-03-11": [
        preprint(3, "Pruning Sparse Transformers Again", ["Bernhard Scholkopf", "Ada Lovelace"],
                 "pruning of sparse transformers"),
        preprint(4, "Kernel Means of Molecules", ["BERNHARD SCHÖLKOPF", *MANY], "molecules"),
    ],
    "2025-03-12": [
        preprint(5, "Scholkopf Embeddings Revisited", ["Ada Lovelace"], "embeddings"),
        preprint(6, "Pruning at Scale", ["Zoë Ångström", SCHOLKOPF], "pruning at scale"),
        preprint(7, "A Paper with Hostile Names", HOSTILE_NAMES, "hostile names"),
    ],
}  # fmt: skip
PAPERS = {paper.title: paper for papers in DAYS.values() for paper in papers}
BY_SCHOLKOPF = [
    "Pruning Kernels by Margin",
    "Pruning Sparse Transformers Again",
    "Kernel Means of Molecules",
    "Pruning at Scale",
]


def fetch_arxiv(seeds: Path) -> None:
    """Each day of ``DAYS`` as ``digest fetch --source arxiv`` stores it, from
    a local server that answers as the arXiv API does."""
    with pytest.MonkeyPatch.context() as patch, replaying() as api:
        patch.setattr(http, "sleep", lambda seconds: None)
        for day, papers in DAYS.items():
            api.route = lambda query, papers=papers: Reply(page(papers, len(papers)))
            run = digest("fetch", "--source", "arxiv", "--category", "cs.LG", "--api-url",
                         api.url, "--seeds", seeds, "--date", day, "--backoff", "0")  # fmt: skip
            assert run.code == 0, run.err


@pytest.fixture(scope="module")
def authors_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServedSite]:
    root = tmp_path_factory.mktemp("authors")
    seeds = root / "seeds"
    seeds.mkdir()
    fetch_arxiv(seeds)
    with built_and_served(seeds, root / "site") as site:
        yield site


def paper_html(site: ServedSite, title: str) -> tuple[str, str]:
    """The slug and the page of the paper titled ``title``."""
    for found in search_papers(site.path):
        if found["title"] == title:
            return found["url"], (site.path / found["url"] / "index.html").read_text("utf-8")
    raise AssertionError(f"no paper titled {title!r}")


class _Names(HTMLParser):
    """The names of a page's list of authors, and the tags inside its items
    (none: site.js makes each name a link to a search for it)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.inside = False
        self.names: list[str] = []
        self.tags: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "ul" and ("class", "authors") in attrs:
            self.inside = True
        elif tag == "li" and self.inside:
            self.names.append("")
        elif self.inside:
            self.tags.append(tag)

    def handle_endtag(self, tag: str) -> None:
        self.inside = self.inside and tag != "ul"

    def handle_data(self, data: str) -> None:
        if self.inside and self.names:
            self.names[-1] += data


def author_names(html: str) -> list[str]:
    parser = _Names()
    parser.feed(html)
    assert parser.tags == []
    return parser.names


# The short form cards show.


@pytest.mark.parametrize(
    ("name", "short"),
    [
        ("Ashish Vaswani", "A. Vaswani"),
        ("Jean-Pierre Dupont", "J.-P. Dupont"),
        ("Vaswani, Ashish", "A. Vaswani"),
        ("Johannes van der Waals", "J. van der Waals"),
        ("Zoë  Ångström", "Z. Ångström"),
        ("Łukasz Kaiser", "Ł. Kaiser"),
        ("Plato", "Plato"),
        ("Qwen Team", "Qwen Team"),
        ("GPT-4 Authors", "GPT-4 Authors"),
    ],
)
def test_a_card_names_an_author_by_initials_and_family_name(name, short):
    assert short_name(name) == short


def test_a_card_names_two_authors_and_counts_the_rest():
    eight = ["Ashish Vaswani", "Noam Shazeer", *[f"Ann {n}-Bee" for n in "CDEFGH"]]
    assert short_authors(eight) == "A. Vaswani, N. Shazeer, … and 6 more"
    assert short_authors(eight[:3]) == "A. Vaswani, N. Shazeer, A. C-Bee"
    assert short_authors([]) == ""


@given(
    st.lists(st.text(min_size=1), min_size=1, max_size=4), st.sampled_from([" ", "  ", ", ", ". "])
)
def test_an_author_key_ignores_spacing_punctuation_and_composition(parts, gap):
    name = " ".join(parts)
    key = author_key(name)
    assert not any(c.isspace() for c in key)
    assert key == "" or "" not in key.split("-")
    assert author_key(gap.join(name.split())) == key
    assert author_key(unicodedata.normalize("NFD", name)) == key


@given(
    st.lists(
        st.lists(
            st.sampled_from(["Ada Lovelace", "ada  LOVELACE", "Zoë Ångström", "van der Waals",
                             "Qwen Team", "A. B.", "Lovelace, Ada", "The And", "?"]),
            max_size=3,
        ),
        max_size=8,
    )
)  # fmt: skip
def test_each_author_and_each_word_of_a_name_lists_exactly_its_papers(authors):
    papers = [
        Paper(f"{number}", f"p{number}", "T", "A.", (DAY,), (), authors=tuple(names))
        for number, names in enumerate(authors)
    ]
    words, keys = author_postings(papers)
    expected_words: dict[str, set[int]] = {}
    expected_keys: dict[str, set[int]] = {}
    for number, names in enumerate(authors):
        for name in names:
            key = author_key(name)
            if key:
                expected_keys.setdefault(key, set()).add(number)
            for word in key.split("-"):
                if word not in STOP_WORDS:
                    expected_words.setdefault(word, set()).add(number)
    assert {key: decode_postings(found) for key, found in keys.items()} == {
        key: sorted(numbers) for key, numbers in expected_keys.items()
    }
    assert {word: decode_postings(found) for word, found in words.items()} == {
        word: sorted(numbers) for word, numbers in expected_words.items()
    }


def test_an_author_key_ignores_case_and_accents():
    assert (
        author_key("Bernhard  SCHÖLKOPF")
        == author_key("bernhard scholkopf")
        == ("bernhard-scholkopf")
    )
    assert author_key("Jean-Pierre Dupont") == author_key("jean pierre dupont")
    assert author_key("Zoë Ångström") == "zoe-angstrom"


# Pages and the search index of the arXiv fixture.


def test_a_paper_page_lists_every_author(authors_site):
    """As text: the links to a search for each (which runs only with
    JavaScript) are made by site.js, tested in the browser below."""
    _, html = paper_html(authors_site, "Kernel Means of Molecules")
    assert author_names(html) == ["BERNHARD SCHÖLKOPF", *MANY]


def test_cards_and_search_results_name_authors_in_short(authors_site):
    day = (authors_site.path / "days/2025-03-11/index.html").read_text("utf-8")
    assert '<p class="authors">B. Scholkopf, A. Lovelace<p>' in day
    assert '<p class="authors">B. SCHÖLKOPF, C. Abe, … and 11 more<p>' in day
    shown = {p["title"]: p["authors"] for p in search_papers(authors_site.path)}
    assert shown["Kernel Means of Molecules"] == "B. SCHÖLKOPF, C. Abe, … and 11 more"
    assert shown["Street Maps as Graphs"] == "Z. Wei, J.-P. Dupont"


def test_the_index_lists_each_authors_papers_by_folded_name(authors_site):
    site = authors_site.path
    index = json.loads((site / "search-index.json").read_text("utf-8"))
    titles = [p["title"] for p in search_papers(site)]
    listed: dict[str, list[str]] = {}
    for key in shard_keys(index["authors"]):
        name = "u" + "_".join(f"{ord(c):x}" for c in key) if not key.isalnum() else key
        shard = json.loads((site / f"search/authors/{name}.json").read_text("utf-8"))
        for author, postings in shard.items():
            assert author.startswith(key)
            listed[author] = [titles[n] for n in decode_postings(postings)]
    expected: dict[str, list[str]] = {}
    for title in titles:
        for name in PAPERS[title].authors:
            expected.setdefault(author_key(name), []).append(title)
    assert listed == expected
    assert listed["bernhard-scholkopf"] == sorted(BY_SCHOLKOPF, key=titles.index)
    # Two people whose names share both words are two authors.
    assert listed["wei-zhang"] == ["Pruning Kernels by Margin"]
    assert listed["zhang-wei"] == ["Street Maps as Graphs"]


def test_words_of_names_are_indexed_apart_from_titles_and_abstracts(authors_site):
    for paper in search_papers(authors_site.path):
        names = {w for name in PAPERS[paper["title"]].authors for w in author_key(name).split("-")}
        assert set(paper["author_words"].split()) == names - {"a", "an", "and", "of", "the"}
        assert "scholkopf" not in paper["words"].split()


def test_hostile_names_are_text_on_every_page(authors_site):
    assert_inert(authors_site.path)
    _, html = paper_html(authors_site, "A Paper with Hostile Names")
    assert author_names(html) == HOSTILE_NAMES
    assert "<script>window" not in html and "<img src=x" not in html


_NAME = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=1, max_size=60)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(_NAME.filter(str.strip), min_size=1, max_size=4))
def test_any_author_name_is_shown_and_linked_as_written(tmp_path_factory, names):
    """A stored feed's names, whatever they hold, come out as text on the
    paper page (which site.js makes links of, as the page reads them), and
    nothing in them runs."""
    project = Project(tmp_path_factory.mktemp("names"))
    project.seeds.mkdir()
    project.config.write_text(SMALL_CONFIG, encoding="utf-8")
    feed = {"format": "digest-papers/1", "source": {"kind": "arxiv", "name": "arXiv"},
            "date": "2025-03-11",
            "papers": [{"title": "Pruning Names", "abstract": "An abstract.", "authors": names}]}  # fmt: skip
    project.feed("names.json", json.dumps(feed))
    run = project.build()
    assert run.code == 0, run.err
    assert_inert(project.out)
    [paper] = (project.out / "papers").iterdir()
    stored = [
        re.sub("[\x00-\x08\x0b-\x1f\x7f-\x9f\ufffe\uffff]", "\ufffd", n).strip() for n in names
    ]
    assert author_names((paper / "index.html").read_text("utf-8")) == stored


# In the browser.


def result_titles(page: Any) -> list[str]:
    return page.locator("#results li h2").all_inner_texts()  # type: ignore[no-any-return]


def test_an_author_link_opens_a_search_for_exactly_their_papers(page, authors_site):
    url, _ = paper_html(authors_site, "Pruning at Scale")
    page.goto(authors_site.url + url)
    page.get_by_role("link", name=SCHOLKOPF, exact=True).click()
    page.wait_for_function(RESULTS_SHOWN)
    assert page.url.startswith(authors_site.url + "search/?author=")
    assert page.input_value("#author") == SCHOLKOPF
    # Every spelling of the name, and no one else's paper; newest first.
    numbered = [p["title"] for p in search_papers(authors_site.path)]
    assert sorted(result_titles(page)) == sorted(BY_SCHOLKOPF)
    assert result_titles(page) == sorted(BY_SCHOLKOPF, key=numbered.index, reverse=True)
    assert page.locator("#search-status").inner_text() == "4 papers match."


def test_the_author_filter_combines_with_a_topic_dates_and_words(page, authors_site):
    papers = search_papers(authors_site.path)
    topic = "pruning-and-compression"
    expected = [
        p["title"]
        for p in reversed(papers)
        if p["title"] in BY_SCHOLKOPF and topic in p["topics"] and p["days"][0] >= "2025-03-11"
    ]
    assert expected == ["Pruning at Scale", "Pruning Sparse Transformers Again"]
    page.goto(authors_site.url + f"search/?author=scholkopf%2C+bernhard&topic={topic}"
              "&from=2025-03-11&to=2025-03-12")  # fmt: skip
    # "Scholkopf, Bernhard" is not "Bernhard Scholkopf": no papers.
    assert wait_for_status(page, "match") == "No papers match."
    page.goto(authors_site.url + f"search/?author=BERNHARD+SCHOLKOPF&topic={topic}"
              "&from=2025-03-11&to=2025-03-12")  # fmt: skip
    page.wait_for_function(RESULTS_SHOWN)
    assert result_titles(page) == expected
    page.goto(authors_site.url + "search/?author=Bernhard+Sch%C3%B6lkopf&q=kernel")
    page.wait_for_function(RESULTS_SHOWN)
    assert sorted(result_titles(page)) == ["Kernel Means of Molecules", "Pruning Kernels by Margin"]


def test_a_name_typed_in_the_box_finds_the_papers_below_title_matches(page, authors_site):
    page.goto(authors_site.url + "search/")
    page.fill("#q", "Schölkopf")
    page.wait_for_function(RESULTS_SHOWN)
    titles = result_titles(page)
    assert titles[0] == "Scholkopf Embeddings Revisited"
    assert sorted(titles[1:]) == sorted(BY_SCHOLKOPF)
    assert (
        page.locator("#results li")
        .nth(1)
        .locator(".meta")
        .inner_text()
        .endswith("matched an author")
    )


def test_hostile_names_are_shown_as_text_in_the_browser(page, authors_site):
    url, _ = paper_html(authors_site, "A Paper with Hostile Names")
    page.goto(authors_site.url + url)
    assert page.locator("ul.authors a").all_inner_texts() == HOSTILE_NAMES
    # Each link, relative to the page (the site may be under a sub-path),
    # searches for exactly its name.
    hrefs = page.eval_on_selector_all(
        "ul.authors a", "links => links.map(a => a.getAttribute('href'))"
    )
    assert all(href.startswith("../../search/?author=") for href in hrefs)
    assert [unquote(href.removeprefix("../../search/?author=")) for href in hrefs] == HOSTILE_NAMES
    page.locator("ul.authors a").nth(1).click()
    page.wait_for_function(RESULTS_SHOWN)
    assert result_titles(page) == ["A Paper with Hostile Names"]
    assert page.input_value("#author") == QUOTE_NAME
    shown = page.locator("#results .authors").inner_text()
    assert shown.startswith(f"{SCRIPT_NAME}, {QUOTE_NAME}, … and 2 more")
    assert page.evaluate("window.__pwned") is None


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_author_lists_and_the_author_search_have_no_accessibility_violations(
    browser, authors_site, scheme
):
    url, _ = paper_html(authors_site, "Kernel Means of Molecules")
    context = browser.new_context(color_scheme=scheme)
    page = context.new_page()
    found = []
    for path in (url, "days/2025-03-11/", "search/?author=Bernhard+Scholkopf&q=kernel"):
        page.goto(authors_site.url + path, wait_until="networkidle")
        if path.startswith("search/"):
            page.wait_for_function(RESULTS_SHOWN)
        found += violations(page)
    context.close()
    assert found == []
