"""The reader's library in a real browser (Chromium, the seeds served under a
sub-path): saving from any list of papers, the saved/ page with its exports
and imports, For you, and what happens when the browser's storage fails."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from pybtex.database import parse_string

from tests.conftest import RESULTS_SHOWN, ServedSite
from tests.test_accessibility import violations
from tests.test_bibtex import entry_on_page

SAVED_TITLES = "[...document.querySelectorAll('#saved-list li h3')].map((h) => h.textContent)"


def saved_titles(page: Any) -> list[str]:
    titles: list[str] = page.evaluate(SAVED_TITLES)
    return titles


def stored(page: Any) -> list[dict[str, Any]]:
    """The library as this browser stores it."""
    text = page.evaluate(
        "Object.keys(localStorage).filter((k) => k.startsWith('digest-library-v1:'))"
        ".map((k) => localStorage.getItem(k))[0] || null"
    )
    papers: list[dict[str, Any]] = json.loads(text)["papers"] if text else []
    return papers


def first_day(site: ServedSite) -> str:
    days = [p.name for p in (site.path / "days").iterdir() if re.fullmatch(r"[\d-]{10}", p.name)]
    return min(days)


def ready(page: Any) -> None:
    """Waits for the library's script to have named the page's Save buttons."""
    page.wait_for_function("document.querySelector('button.save[aria-label]') !== null")


def save_first_card(page: Any, site: ServedSite) -> str:
    """Saves the first paper of the oldest day; its title."""
    page.goto(f"{site.url}days/{first_day(site)}/")
    ready(page)
    card = page.locator("article.paper-card").first
    button = card.locator("button.save")
    assert button.get_attribute("aria-pressed") == "false"
    button.click()
    assert button.get_attribute("aria-pressed") == "true"
    title: str = card.locator("h3").inner_text()
    return title


def save_search_result(page: Any, site: ServedSite, query: str) -> str:
    page.goto(f"{site.url}search/?q={query}")
    page.wait_for_function(RESULTS_SHOWN)
    ready(page)
    item = page.locator("#results li").first
    item.locator("button.save").click()
    assert item.locator("button.save").get_attribute("aria-pressed") == "true"
    title: str = item.locator("h2").inner_text()
    return title


def open_saved(page: Any, site: ServedSite, count: int) -> None:
    page.goto(f"{site.url}saved/")
    page.wait_for_function(f"document.querySelectorAll('#saved-list li').length === {count}")


#: What Chromium logs for a page the site does not have: expected only where
#: a test asks the site about a paper it never had.
NOT_FOUND = "Failed to load resource: the server responded with a status of 404 (Not Found)"


@pytest.fixture
def watched(page: Any, browser_site: ServedSite, request: Any) -> Any:
    """The page, with every request it makes and every error it logs
    checked when the test ends: none leaves the site's origin, none fails
    (but a 404 in a test marked ``asks_for_a_missing_paper``)."""
    origin = "{0.scheme}://{0.netloc}".format(urlsplit(browser_site.url))
    requests: list[str] = []
    errors: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    yield page
    outside = [url for url in requests if not url.startswith((origin, "blob:", "data:"))]
    assert outside == []
    if request.node.get_closest_marker("asks_for_a_missing_paper"):
        errors = [error for error in errors if error != NOT_FOUND]
    assert errors == []


def test_save_from_a_day_and_a_search_result_then_see_both_on_saved(watched, browser_site):
    page = watched
    day_title = save_first_card(page, browser_site)
    found_title = save_search_result(page, browser_site, "lottery")
    open_saved(page, browser_site, 2)
    assert saved_titles(page) == [found_title, day_title]  # most recently saved first
    # Each with its first day and topics, from the site's data.
    page.wait_for_function(
        "[...document.querySelectorAll('#saved-list .meta')].every((m) => /^\\d{4}-\\d\\d-\\d\\d · /.test(m.textContent))"
    )
    assert page.locator("#library-status").inner_text() == "2 saved papers."
    # Unsave from the day page: the button shows it, saved/ no longer lists it.
    page.goto(f"{browser_site.url}days/{first_day(browser_site)}/")
    ready(page)
    button = page.locator("article.paper-card").first.locator("button.save")
    assert button.get_attribute("aria-pressed") == "true"
    button.click()
    assert button.get_attribute("aria-pressed") == "false"
    open_saved(page, browser_site, 1)
    assert saved_titles(page) == [found_title]
    # Remove the other from saved/ itself.
    page.locator("#saved-list button.remove").click()
    page.wait_for_function("document.querySelectorAll('#saved-list li').length === 0")
    assert "No saved papers yet" in page.locator("#library-status").inner_text()


def test_the_save_button_works_from_the_keyboard_on_a_paper_page(watched, browser_site):
    page = watched
    page.goto(f"{browser_site.url}days/{first_day(browser_site)}/")
    page.locator("article.paper-card h3 a").first.click()
    ready(page)
    button = page.locator(".save-row button.save")
    title = page.locator("h1").inner_text()
    assert button.get_attribute("aria-label") == f"Save “{title}”"
    button.focus()
    page.keyboard.press("Enter")
    assert button.get_attribute("aria-pressed") == "true"
    page.keyboard.press("Space")
    assert button.get_attribute("aria-pressed") == "false"
    # Related papers have theirs.
    page.locator(".related button.save").first.click()
    assert [paper["title"] for paper in stored(page)] == [
        page.locator(".related li a").first.inner_text()
    ]


def bib_keys(text: str) -> list[str]:
    return list(parse_string(text, "bibtex").entries.keys())


def test_export_bibtex_and_json_clear_and_import_back(watched, browser_site, tmp_path):
    page = watched
    titles = [save_first_card(page, browser_site)]
    titles.insert(0, save_search_result(page, browser_site, "pruning"))
    titles.insert(0, save_search_result(page, browser_site, "diffusion"))
    open_saved(page, browser_site, 3)
    library = stored(page)
    # BibTeX: the very entries and keys of the papers' own pages.
    with page.expect_download() as bib:
        page.click("#export-bib")
    text = Path(bib.value.path()).read_text(encoding="utf-8")
    own = [entry_on_page(browser_site.path / f"papers/{paper['slug']}") for paper in library]
    assert bib_keys(text) == [key for entry in own for key in bib_keys(entry)]
    assert text == "\n".join(own)
    # JSON, then clear (the page asks first), then import it back.
    with page.expect_download() as exported:
        page.click("#export-json")
    saved_file = tmp_path / "library.json"
    exported.value.save_as(saved_file)
    page.once("dialog", lambda dialog: dialog.dismiss())
    page.click("#clear-library")
    assert len(stored(page)) == 3  # dismissed: nothing removed
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("#clear-library")
    page.wait_for_function("document.querySelectorAll('#saved-list li').length === 0")
    assert stored(page) == []
    page.set_input_files("#import-json", saved_file)
    page.wait_for_function("document.querySelectorAll('#saved-list li').length === 3")
    assert stored(page) == library
    assert saved_titles(page) == titles
    assert page.locator("#library-message").inner_text() == "Imported 3 papers."


@pytest.mark.asks_for_a_missing_paper
def test_import_merges_and_skips_papers_the_site_no_longer_has(watched, browser_site, tmp_path):
    page = watched
    kept = save_first_card(page, browser_site)
    library = stored(page)
    other = {"slug": "a-paper-this-site-never-had-abc123", "n": 5, "title": "Gone", "saved": 1}
    again = dict(library[0], saved=2)
    exported = {"format": "digest-library", "version": 1, "papers": [other, again]}
    path = tmp_path / "other.json"
    path.write_text(json.dumps(exported), encoding="utf-8")
    open_saved(page, browser_site, 1)
    page.set_input_files("#import-json", path)
    page.wait_for_function("document.getElementById('library-message').textContent !== ''")
    assert page.locator("#library-message").inner_text() == (
        "Imported 0 papers; 1 already saved; 1 no longer on this site, skipped."
    )
    assert stored(page) == library
    assert saved_titles(page) == [kept]


@pytest.mark.parametrize(
    ("content", "said"),
    [
        ("{not json", "That file is not a library exported from this site (it is not JSON); nothing was changed."),
        ('{"papers": []}', "That file is not a library exported from this site; nothing was changed."),
        ('{"format": "digest-library", "version": 9, "papers": []}', "That library is of version 9, which this site cannot read; nothing was changed."),
        ('{"format": "digest-library", "version": 1, "papers": [{"slug": "../../x"}]}', "That library has papers this site cannot read; nothing was changed."),
    ],
)  # fmt: skip
def test_a_broken_or_foreign_file_keeps_the_library(watched, browser_site, tmp_path, content, said):
    page = watched
    save_first_card(page, browser_site)
    library = stored(page)
    path = tmp_path / "broken.json"
    path.write_text(content, encoding="utf-8")
    open_saved(page, browser_site, 1)
    page.set_input_files("#import-json", path)
    page.wait_for_function("document.getElementById('library-message').textContent !== ''")
    assert page.locator("#library-message").inner_text() == said
    assert stored(page) == library


def test_for_you_lists_papers_of_recent_days_with_their_reason(watched, browser_site):
    page = watched
    page.goto(browser_site.url)
    assert page.locator("#for-you").is_hidden()  # nothing saved yet
    saved = {save_first_card(page, browser_site), save_search_result(page, browser_site, "pruning")}
    page.goto(browser_site.url)
    page.wait_for_function("document.querySelectorAll('#for-you-list li').length === 10")
    items = page.locator("#for-you-list li")
    titles = items.locator("h3").all_inner_texts()
    assert not saved & set(titles)
    for at in range(10):
        reason = items.nth(at).locator(".meta a")
        assert reason.inner_text() in saved
    # The window: the 7 newest days of the archive (all four of the seeds').
    entry = json.loads((browser_site.path / "library.json").read_text(encoding="utf-8"))
    newest = {day for day, _, _ in entry["days"][:7]}
    days = items.locator(".meta").all_inner_texts()
    assert all(re.match(r"\d{4}-\d\d-\d\d", text) for text in days)
    records = {
        record[0]: record[2]
        for block in (browser_site.path / "search" / "papers").iterdir()
        for record in json.loads(block.read_text(encoding="utf-8"))
    }
    assert all(newest & set(records[title]) for title in titles)
    # On saved/ too, with the control to widen it.
    page.goto(f"{browser_site.url}saved/")
    page.wait_for_function("document.querySelectorAll('#for-you-list li').length === 10")
    page.select_option("#for-you-window", "all")
    page.wait_for_function("document.querySelectorAll('#for-you-list li').length === 10")


def test_a_full_storage_says_so_on_the_page(watched, browser_site):
    page = watched
    page.goto(f"{browser_site.url}days/{first_day(browser_site)}/")
    ready(page)
    page.evaluate(
        """() => {
          const chunk = 'x'.repeat(1 << 20);
          for (let i = 0; ; i++) {
            try { localStorage.setItem('filler' + i, chunk); } catch { break; }
          }
          let small = 'x'.repeat(1 << 10);
          for (let i = 0; ; i++) {
            try { localStorage.setItem('small' + i, small); } catch { break; }
          }
        }"""
    )
    button = page.locator("article.paper-card").first.locator("button.save")
    button.click()
    message = page.locator("#library-message")
    assert message.inner_text() == (
        "This browser's storage for this site is full: the change was not saved."
    )
    assert message.is_visible()
    assert button.get_attribute("aria-pressed") == "false"


def test_a_storage_turned_off_says_so_on_the_page(browser, browser_site):
    context = browser.new_context()
    context.add_init_script(
        "Object.defineProperty(window, 'localStorage', {get() {"
        " throw new DOMException('The operation is insecure.', 'SecurityError'); }})"
    )
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{browser_site.url}days/{first_day(browser_site)}/")
    ready(page)
    page.locator("article.paper-card").first.locator("button.save").click()
    assert "storage, which is turned off" in page.locator("#library-message").inner_text()
    page.goto(f"{browser_site.url}saved/")
    assert "storage, which is turned off" in page.locator("#library-status").inner_text()
    assert errors == []
    context.close()


def test_without_javascript_no_save_button_shows_and_saved_says_why(browser, browser_site):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{browser_site.url}days/{first_day(browser_site)}/")
    assert page.locator("article.paper-card[data-n]").count() > 1
    assert page.locator("button.save").count() == 0  # library.js makes them
    page.goto(f"{browser_site.url}saved/")
    assert "Turn it on to see them" in page.locator("main").inner_text()
    assert page.locator("#for-you").is_hidden()
    context.close()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_axe_finds_nothing_on_a_full_library_and_for_you(browser, browser_site, scheme):
    context = browser.new_context(color_scheme=scheme)
    page = context.new_page()
    save_first_card(page, browser_site)
    save_search_result(page, browser_site, "pruning")
    page.locator("#results li button.save").nth(1).click()
    page.goto(browser_site.url)
    page.wait_for_function("document.querySelectorAll('#for-you-list li').length === 10")
    assert violations(page) == []
    open_saved(page, browser_site, 3)
    page.wait_for_function("document.querySelectorAll('#for-you-list li').length === 10")
    page.locator("#saved-list button.remove").first.click()  # and a message shown
    page.wait_for_function("document.querySelectorAll('#saved-list li').length === 2")
    assert page.locator("#library-message").is_visible()
    assert violations(page) == []
    context.close()


@pytest.fixture(scope="module")
def many_days(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """Ten days of papers, two a day: one about pruning, one about graphs;
    the pruning paper of the first day is listed again on the last."""
    from tests.conftest import built_and_served

    root = tmp_path_factory.mktemp("days")
    seeds = root / "seeds"
    seeds.mkdir()
    pruning = "Pruning the weights of sparse networks with magnitude masks, day {n}"
    graphs = "Message passing graph networks for molecules, day {n}"
    for n in range(1, 11):
        text = f"2025-03-{n:02d}\n\n"
        for title in (pruning, graphs):
            about = title.format(n=n).rsplit(",", 1)[0]
            text += f"{title.format(n=n)}\n\n{about}: a study of {about.lower()} number {n}.\n\n"
        if n == 10:
            text += f"{pruning.format(n=1)}\n\n{pruning.format(n=1).rsplit(',', 1)[0]}: again.\n\n"
        (seeds / f"day-{n:02d}.txt").write_text(text, encoding="utf-8")
    with built_and_served(seeds, root / "site") as site:
        yield site


def for_you_titles(page: Any) -> list[str]:
    titles: list[str] = page.locator("#for-you-list li h3").all_inner_texts()
    return titles


def test_for_you_keeps_to_the_newest_days_until_widened(page, many_days):
    page.goto(f"{many_days.url}days/2025-03-05/")
    ready(page)
    card = page.locator("article.paper-card", has_text="Pruning")
    card.locator("button.save").click()
    page.goto(many_days.url)
    page.wait_for_function("document.querySelectorAll('#for-you-list li').length > 0")
    titles = for_you_titles(page)
    saved = "Pruning the weights of sparse networks with magnitude masks, day 5"
    # The 7 newest days are 4 to 10, and day 1's pruning paper is listed
    # again on day 10: the other pruning papers of those days come first.
    days = [int(title.rsplit(" ", 1)[1]) for title in titles]
    assert len(titles) == 10 and saved not in titles
    assert set(days) <= {1, *range(4, 11)}
    assert sorted(days[:7]) == [1, 4, 6, 7, 8, 9, 10]
    assert all(title.startswith("Pruning") for title in titles[:7])
    page.select_option("#for-you-window", "all")
    page.wait_for_function(
        "[...document.querySelectorAll('#for-you-list h3')].some((h) => / day [23]$/.test(h.textContent))"
    )
    titles = for_you_titles(page)
    assert saved not in titles
    assert sorted(int(t.rsplit(" ", 1)[1]) for t in titles[:9]) == [1, 2, 3, 4, 6, 7, 8, 9, 10]


def test_a_paper_whose_number_changed_is_found_through_its_page(watched, browser_site):
    """A library saved before the site numbered its papers afresh (a paper
    added to an older day) still shows and ranks the right papers."""
    page = watched
    title = save_first_card(page, browser_site)
    (paper,) = stored(page)
    wrong = dict(paper, n=(paper["n"] + 7) % 50)
    page.evaluate(
        "(papers) => { const key = Object.keys(localStorage).find((k) => k.startsWith('digest-library-v1:'));"
        " localStorage.setItem(key, JSON.stringify({version: 1, papers})); }",
        [wrong],
    )
    open_saved(page, browser_site, 1)
    assert saved_titles(page) == [title]
    page.wait_for_function(
        "/^\\d{4}-/.test(document.querySelector('#saved-list .meta').textContent)"
    )
    page.wait_for_function("document.querySelectorAll('#for-you-list li').length === 10")
    reasons = page.locator("#for-you-list .meta a").all_inner_texts()
    assert reasons == [title] * 10
