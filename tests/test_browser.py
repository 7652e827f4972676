"""What readers do, in a real browser: Debian's Chromium, the site served under
a sub-path by a real HTTP server, with 404.html for missing pages."""

from __future__ import annotations

import json
import re
from collections import Counter
from typing import Any

import pytest

from generator.analysis.terms import words
from generator.site.search_files import shard_keys
from tests.conftest import (
    FOLDED_TITLES,
    RESULTS_SHOWN,
    SCRIPT_TITLE,
    SEEDS,
    ServedSite,
    built_and_served,
    search_papers,
)
from tests.test_bibtex import entry_on_page


def index_of(site: ServedSite) -> dict[str, Any]:
    return {"papers": search_papers(site.path)}


def result_titles(page: Any) -> list[str]:
    return page.locator("#results li h2").all_inner_texts()


def said(count: int) -> str:
    """What the status line says of ``count`` results."""
    return "1 paper matches." if count == 1 else f"{count} papers match."


def search(page: Any, site: ServedSite, query: str) -> None:
    """``query`` typed into the search page, once every result it shows is in."""
    page.goto(site.url + "search/")
    page.fill("#q", query)
    page.wait_for_function(RESULTS_SHOWN)


def test_search_as_you_type_finds_title_words_first_and_highlights(page, browser_site):
    page.goto(browser_site.url + "search/")
    page.locator("#q").press_sequentially("lottery", delay=20)
    page.wait_for_function(RESULTS_SHOWN)
    titles = result_titles(page)
    in_title = [t for t in titles if "lottery" in t.lower()]
    assert in_title and titles[: len(in_title)] == in_title
    marks = page.locator("#results li mark").all_inner_texts()
    assert marks and all(m.lower().startswith("lottery") for m in marks)
    assert "q=lottery" in page.url


def test_search_finds_a_word_only_in_an_abstract(page, browser_site):
    index = index_of(browser_site)
    title_words = {w for p in index["papers"] for w in re.findall(r"\w+", p["title"].lower())}
    counts = Counter(w for p in index["papers"] for w in p["words"].split())
    word = next(
        w
        for w, n in sorted(counts.items())
        if n == 1 and w not in title_words and len(w) > 8 and w.isalpha()
    )
    (paper,) = [p for p in index["papers"] if word in p["words"].split()]
    search(page, browser_site, word)
    assert result_titles(page) == [paper["title"]]
    assert "matched in the abstract" in page.locator("#results li .meta").inner_text()


def test_clicking_a_result_opens_the_paper(page, browser_site):
    search(page, browser_site, "pointer networks")
    first = page.locator("#results li a").first
    title = first.inner_text()
    first.click()
    page.wait_for_url(re.compile(r"/repo/papers/[a-z0-9-]+/$"))
    assert page.locator("h1").inner_text() == title


def test_query_in_the_url_restores_the_search(page, browser_site):
    page.goto(browser_site.url + "search/?q=diffusion%20models")
    page.wait_for_function(RESULTS_SHOWN)
    assert page.input_value("#q") == "diffusion models"
    assert "diffusion" in result_titles(page)[0].lower()
    assert "match" in page.locator("#search-status").inner_text()


def test_header_search_form_works_from_a_deep_page(page, browser_site):
    paper = index_of(browser_site)["papers"][0]
    page.goto(browser_site.url + paper["url"])
    page.fill("#site-search-q", "transformer")
    page.press("#site-search-q", "Enter")
    page.wait_for_url(re.compile(r"/repo/search/\?q=transformer$"))
    page.wait_for_function(RESULTS_SHOWN)
    assert page.input_value("#q") == "transformer"


def test_keyboard_alone_reaches_every_result(page, browser_site):
    page.goto(browser_site.url + "search/")
    page.keyboard.press("/")
    assert page.evaluate("document.activeElement.id") == "q"
    page.keyboard.type("hypernetwork")
    page.wait_for_function(RESULTS_SHOWN)
    links = page.locator("#results li a")
    hrefs = [links.nth(i).get_attribute("href") for i in range(links.count())]
    reached = []
    # Past the filters (topics, year, dates, sort) and each result's Save button.
    for _ in range(2 * len(hrefs) + 15):
        page.keyboard.press("Tab")
        href = page.evaluate("document.activeElement.getAttribute('href')")
        if href in hrefs:
            reached.append(href)
    assert reached[: len(hrefs)] == hrefs
    page.locator("#results li a").first.focus()
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/repo/papers/"))


def test_slash_focuses_the_header_search_on_other_pages(page, browser_site):
    page.goto(browser_site.url + "topics/")
    page.keyboard.press("/")
    assert page.evaluate("document.activeElement.id") == "site-search-q"


def test_skip_link_is_the_first_stop_and_moves_to_main(page, browser_site):
    page.goto(browser_site.url)
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip-link"
    assert page.locator(".skip-link").is_visible()
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"


def test_previous_and_next_day_links(page, browser_site):
    page.goto(browser_site.url + "days/2025-03-11/")
    assert page.locator("a[rel=prev]").count() == 0
    page.locator("a[rel=next]").first.click()
    page.wait_for_url(re.compile(r"/repo/days/2025-03-13/$"))
    page.locator("a[rel=prev]").first.click()
    page.wait_for_url(re.compile(r"/repo/days/2025-03-11/$"))


def test_missing_page_shows_404_with_working_links(page, browser_site):
    response = page.goto(browser_site.url + "no/such/page/here")
    assert response.status == 404
    assert page.locator("h1").inner_text() == "Page not found"
    assert page.evaluate("getComputedStyle(document.body).backgroundColor") != "rgba(0, 0, 0, 0)"
    page.get_by_role("link", name="All days", exact=True).click()
    page.wait_for_url(browser_site.url + "days/")
    assert page.locator("h1").inner_text() == "All days"


PAGE_KINDS = {
    "home": "",
    "days": "days/",
    "day": "days/2025-03-11/",
    "topics": "topics/",
    "topic": "topics/pruning-and-compression/",
    "paper": None,
    "search": "search/?q=graph",
    "about": "about/",
    "404": "missing/deep/page/",
}


@pytest.mark.parametrize("kind", PAGE_KINDS)
def test_no_console_errors_or_failed_requests(page, browser_site, kind):
    path = (
        PAGE_KINDS[kind]
        if PAGE_KINDS[kind] is not None
        else index_of(browser_site)["papers"][0]["url"]
    )
    problems: list[str] = []
    page.on(
        "console",
        lambda m: m.type in ("error", "warning") and problems.append(f"console: {m.text}"),
    )
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    page.on("requestfailed", lambda r: problems.append(f"failed: {r.url}"))
    page.on(
        "response",
        lambda r: (
            r.status >= 400
            and r.request.resource_type != "document"
            and problems.append(f"{r.status}: {r.url}")
        ),
    )
    page.goto(browser_site.url + path, wait_until="networkidle")
    if kind == "404":  # Chromium logs the page's own 404 status; sub-resources are checked above.
        problems.remove(
            "console: Failed to load resource: the server responded with a status of 404 (Not Found)"
        )
    assert problems == []


def test_script_in_a_title_is_shown_as_text_and_never_runs(page, browser_site):
    (paper,) = [p for p in index_of(browser_site)["papers"] if p["title"] == SCRIPT_TITLE]
    for path in [paper["url"], "days/2025-04-04/", "", "topics/pruning-and-compression/"]:
        page.goto(browser_site.url + path, wait_until="networkidle")
        assert page.evaluate("window.__pwned") is None, path
        assert page.get_by_text(SCRIPT_TITLE, exact=True).count() >= 1, path
    search(page, browser_site, "pwned")
    page.wait_for_load_state("networkidle")
    assert result_titles(page) == [SCRIPT_TITLE]
    assert page.evaluate("window.__pwned") is None
    assert page.locator("#results img, #results script").count() == 0


@pytest.mark.parametrize("path", ["", "days/2025-03-11/", None, "search/?q=learning", "topics/"])
def test_no_horizontal_overflow_on_a_phone(browser, browser_site, path):
    context = browser.new_context(viewport={"width": 375, "height": 800}, device_scale_factor=2)
    page = context.new_page()
    path = path if path is not None else index_of(browser_site)["papers"][0]["url"]
    page.goto(browser_site.url + path, wait_until="networkidle")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    context.close()


@pytest.mark.parametrize(
    ("query", "files"),
    [
        ("q=pruning", 1 + 2 + 20),  # index, shards of the word, a block per result shown
        # ... and a topic's members; a day file for a date not the first of a year
        ("q=pruning&topic=pruning-and-compression&topic=graph-neural-networks", 1 + 2 + 2 + 20),
        ("q=diffusion%20model&from=2025-03-12&to=2025-12-31&sort=new", 1 + 4 + 1 + 20),
        ("topic=large-language-models&from=2025-01-01&to=2025-12-31", 1 + 1 + 20),
    ],
)
def test_a_first_query_downloads_little(page, browser_site, query, files):
    """The split index: the search page plus a first query, filters or not,
    fetch at most 50 KB (uncompressed; GitHub Pages compresses it further)
    for the seeds; the reader's library script, which every page loads for
    its Save buttons (and which makes them, rather than every card and paper
    page carrying one), is held to its own 6.3 KB."""
    sizes: dict[str, int] = {}
    page.on("response", lambda r: sizes.__setitem__(r.url, len(r.body())))
    page.goto(browser_site.url + f"search/?{query}", wait_until="networkidle")
    page.wait_for_function(RESULTS_SHOWN)
    page.wait_for_load_state("networkidle")
    data = {url: size for url, size in sizes.items() if url.endswith(".json")}
    assert any(url.endswith("search-index.json") for url in data)
    library = {url: size for url, size in sizes.items() if url.endswith("/static/library.js")}
    assert len(library) == 1 and sum(library.values()) <= 6_300
    # 50 KB before the reader's library, whose Save buttons on results (their
    # styles and the few lines that add them) take 1.5 KB of it.
    assert sum(sizes.values()) - sum(library.values()) <= 52_000, sizes
    assert len(data) <= files, data
    assert not any("/search/terms/" in url for url in data) or "q=" in query


def test_show_more_adds_the_next_results(page, browser_site):
    search(page, browser_site, "learning")
    first = result_titles(page)
    assert len(first) == 20
    page.click("#more-results")
    page.wait_for_function("document.querySelectorAll('#results li').length > 20")
    assert result_titles(page)[:20] == first


@pytest.mark.parametrize("title", FOLDED_TITLES)
def test_words_fold_alike_in_the_build_and_the_browser(page, browser_site, title):
    search(page, browser_site, FOLDED_TITLES[title])
    assert result_titles(page) == [title]


def test_prefix_search_spans_split_shards(page, tmp_path, monkeypatch):
    """With tiny shards, a prefix such as "con" spans many of them; the page
    must find every paper a word starting with it is in."""
    import generator.site.search_files

    monkeypatch.setattr(generator.site.search_files, "SHARD_CHARS", 300)
    with built_and_served(SEEDS, tmp_path / "site") as served:
        site, url = served.path, served.url
        coded = json.loads((site / "search-index.json").read_text(encoding="utf-8"))["shards"]
        shards = shard_keys(coded)
        assert len([key for key in shards if key.startswith("con")]) > 3
        expected = [
            p for p in search_papers(site)
            if any(w.startswith("con") for w in [*words(p["title"]), *p["words"].split()])
        ]  # fmt: skip
        page.goto(url + "search/?q=con")
        assert wait_for_status(page, "match") == said(len(expected))


def wait_for_status(page: Any, pattern: str) -> str:
    """The status line once it says ``pattern`` (a regular expression)."""
    page.wait_for_function(
        "pattern => new RegExp(pattern).test(document.getElementById('search-status').textContent)",
        arg=pattern,
    )
    return str(page.locator("#search-status").inner_text())


def in_dates(paper: dict[str, Any], start: str, end: str) -> bool:
    """A date filter keeps a paper whose first day is in the range."""
    return start <= paper["days"][0] <= end


def test_a_topic_and_dates_without_words_list_that_slice_newest_first(page, browser_site):
    topic, start, end = "pruning-and-compression", "2025-03-12", "2025-03-14"
    newest_first = reversed(search_papers(browser_site.path))  # numbered oldest first
    expected = [
        p["title"] for p in newest_first if topic in p["topics"] and in_dates(p, start, end)
    ]
    page.goto(browser_site.url + f"search/?topic={topic}&from={start}&to={end}")
    assert wait_for_status(page, "match") == said(len(expected))
    assert len(expected) > 20 and result_titles(page) == expected[:20]
    assert page.input_value("#q") == ""
    assert page.is_checked(f"input[value={topic}]")
    assert page.locator("input[name=topic]:checked").count() == 1
    # Folded, so that nothing moves; its summary names the chosen topic.
    assert page.locator("#topic-filter summary").inner_text() == "Topics: Pruning and compression"
    assert (page.input_value("#from"), page.input_value("#to")) == (start, end)
    assert page.input_value("#year") == ""
    page.click("#more-results")
    page.wait_for_function(f"document.querySelectorAll('#results li').length === {len(expected)}")
    assert result_titles(page) == expected


def test_words_with_filters_keep_only_matching_papers_of_those_topics_and_dates(page, browser_site):
    topics = ["pruning-and-compression", "graph-neural-networks"]
    start, end = "2025-03-13", "2025-04-03"
    papers = search_papers(browser_site.path)
    expected = [
        number
        for number, p in enumerate(papers)
        if set(topics) & set(p["topics"])
        and in_dates(p, start, end)
        and any(w.startswith("learn") for w in [*words(p["title"]), *p["words"].split()])
    ]
    query = "&".join(f"topic={t}" for t in topics)
    page.goto(browser_site.url + f"search/?q=learn&{query}&from={start}&to={end}&sort=new")
    assert wait_for_status(page, "match") == said(len(expected))
    assert all(page.is_checked(f"input[value={t}]") for t in topics)
    assert page.input_value("#sort") == "new"
    # Newest first: in the order of the papers' numbers, highest first.
    newest = sorted(expected, reverse=True)[:20]
    assert result_titles(page) == [papers[number]["title"] for number in newest]


def test_a_year_in_the_url_shows_in_the_year_control(page, browser_site):
    page.goto(
        browser_site.url + "search/?topic=graph-neural-networks&from=2025-01-01&to=2025-12-31"
    )
    wait_for_status(page, "match")
    assert page.input_value("#year") == "2025"
    expected = [
        p for p in search_papers(browser_site.path) if "graph-neural-networks" in p["topics"]
    ]
    assert page.locator("#search-status").inner_text() == said(len(expected))


def matching(site: ServedSite, prefix: str, topic: str = "", start: str = "", end: str = "9"):
    """What the page should say for a query of one word of at least three letters."""
    found = [
        p
        for p in search_papers(site.path)
        if (not topic or topic in p["topics"])
        and in_dates(p, start, end)
        and any(w.startswith(prefix) for w in [*words(p["title"]), *p["words"].split()])
    ]
    return said(len(found))


def test_changing_a_control_updates_the_url_and_the_results(page, browser_site):
    topic = "graph-neural-networks"
    page.goto(browser_site.url + "search/?q=graph")
    wait_for_status(page, matching(browser_site, "graph"))
    page.locator("#topic-filter summary").click()
    page.check(f"input[value={topic}]")
    page.wait_for_url(re.compile(rf"\?q=graph&topic={topic}$"))
    wait_for_status(page, matching(browser_site, "graph", topic))
    page.select_option("#year", "2025")
    page.wait_for_url(re.compile(r"&from=2025-01-01&to=2025-12-31$"))
    page.select_option("#sort", "new")
    page.wait_for_url(re.compile(r"&sort=new$"))
    page.fill("#from", "2025-04-01")
    page.wait_for_url(re.compile(r"&from=2025-04-01&to=2025-12-31&sort=new$"))
    assert page.input_value("#year") == ""  # no longer the whole year
    wait_for_status(page, matching(browser_site, "graph", topic, "2025-04-01"))
    assert all(m.startswith("2025-04") for m in page.locator("#results .meta").all_inner_texts())
    page.select_option("#year", "")
    page.uncheck(f"input[value={topic}]")
    page.wait_for_url(re.compile(r"/search/\?q=graph&sort=new$"))
    wait_for_status(page, matching(browser_site, "graph"))


def test_filters_work_from_the_keyboard_alone(page, browser_site):
    page.goto(browser_site.url + "search/")
    page.keyboard.press("/")
    page.keyboard.type("learning")
    wait_for_status(page, "match")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "author"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.tagName") == "SUMMARY"
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    first_topic = page.evaluate("document.activeElement.value")
    page.keyboard.press("Space")
    page.wait_for_url(re.compile(rf"&topic={first_topic}$"))
    for _ in range(page.locator("input[name=topic]").count()):
        page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "year"
    page.keyboard.press("ArrowDown")
    page.wait_for_url(re.compile(r"&from=2025-01-01&to=2025-12-31$"))
    passed = []  # a date field is a stop per part (day, month, year)
    while page.evaluate("document.activeElement.id") != "sort" and len(passed) < 12:
        page.keyboard.press("Tab")
        passed.append(page.evaluate("document.activeElement.id"))
    assert {"from", "to", "sort"} <= set(passed)
    page.keyboard.press("ArrowDown")
    page.wait_for_url(re.compile(r"&sort=new$"))
    status = wait_for_status(page, "match")
    assert (
        page.evaluate("document.getElementById('search-status').getAttribute('role')") == "status"
    )
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.closest('#results') !== null")
    assert (
        int(status.split()[0]) == len(result_titles(page))
        or page.locator("#more-results").is_visible()
    )


def test_the_copy_button_copies_the_bibtex_entry_without_a_mouse(browser, browser_site):
    context = browser.new_context(permissions=["clipboard-read", "clipboard-write"])
    page = context.new_page()
    paper = index_of(browser_site)["papers"][0]
    page.goto(browser_site.url + paper["url"])
    for _ in range(60):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.textContent") == "Copy BibTeX":
            break
    page.keyboard.press("Enter")
    page.wait_for_function("document.querySelector('.cite [role=status]').textContent !== ''")
    assert page.locator(".cite [role=status]").inner_text() == "Copied."
    copied = page.evaluate("navigator.clipboard.readText()")
    bib = entry_on_page(browser_site.path / paper["url"])
    assert copied == bib == page.locator("#bibtex").inner_text()
    context.close()


def test_topic_members_in_many_pieces(page, tmp_path, monkeypatch):
    """With pieces of 16 papers, a topic's members span many files, and a date
    range fetches only the pieces it spans."""
    import generator.site.search_filters

    monkeypatch.setattr(generator.site.search_filters, "TOPIC_PIECE", 16)
    topic, start, end = "pruning-and-compression", "2025-03-13", "2025-03-13"
    with built_and_served(SEEDS, tmp_path / "site") as served:
        papers = search_papers(served.path)
        expected = [p for p in papers if topic in p["topics"] and in_dates(p, start, end)]
        fetched: list[str] = []
        page.on("request", lambda r: "/search/topics/" in r.url and fetched.append(r.url))
        page.goto(served.url + f"search/?topic={topic}&from={start}&to={end}")
        assert wait_for_status(page, "match") == said(len(expected))
        numbers = [n for n, p in enumerate(papers) if p["days"][0] == start]
        assert len(fetched) == numbers[-1] // 16 - numbers[0] // 16 + 1 < len(papers) // 16
        page.goto(served.url + f"search/?topic={topic}")
        everything = [p for p in papers if topic in p["topics"]]
        assert wait_for_status(page, "match") == said(len(everything))
        page.click("#more-results")
        page.wait_for_function("document.querySelectorAll('#results li').length > 20")


#: Where the parts of a page are, in CSS pixels: what a control that a script
#: makes must not move (Lighthouse's layout shift, and a reader's place).
BOXES = """(selectors) => selectors.flatMap((selector) =>
  [...document.querySelectorAll(selector)].map((e) => {
    const box = e.getBoundingClientRect();
    return [selector, Math.round(box.top * 10) / 10, Math.round(box.height * 10) / 10];
  }))"""


@pytest.mark.parametrize("width", [412, 1350])
def test_controls_that_scripts_make_move_nothing(browser, browser_site, width):
    """The header's search form, the Save buttons and a paper's Copy and
    Download buttons are made by the scripts that make them work, in room the
    page keeps for them: every part of a paper page and of a day page is where
    it is without scripts, and the controls are there with them."""
    paper = index_of(browser_site)["papers"][0]["url"]
    day = f"days/{min(p['days'][0] for p in index_of(browser_site)['papers'])}/"
    parts = {
        paper: [
            "body > header",
            "h1",
            ".authors",
            ".abstract",
            ".facts",
            "#bibtex",
            ".cite-actions",
        ],
        day: ["body > header", "h1", ".paper-card", "footer"],
    }
    found: dict[bool, dict[str, Any]] = {}
    for scripts in (False, True):
        context = browser.new_context(
            java_script_enabled=scripts, viewport={"width": width, "height": 800}
        )
        page = context.new_page()
        found[scripts] = {}
        for url, selectors in parts.items():
            page.goto(browser_site.url + url)
            if scripts:
                page.wait_for_function("document.querySelector('button.save[aria-pressed]')")
            found[scripts][url] = page.evaluate(BOXES, selectors)
            controls = [
                page.locator("form[role=search] #site-search-q").count(),
                page.locator(".save-row button.save").count(),
                page.get_by_role("button", name="Copy BibTeX").count(),
                page.get_by_role("button", name="Download citation.bib").count(),
            ]
            cards = page.locator(".paper-card").count()
            if url == paper:
                assert controls == ([1, 1, 1, 1] if scripts else [0, 0, 0, 0])
            else:
                assert cards > 1 and page.locator(".paper-card button.save").count() == (
                    cards if scripts else 0
                )
        context.close()
    assert found[True] == found[False]
