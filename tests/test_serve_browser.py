"""``digest serve`` in a real browser: an open page reloads after a change,
and a broken build shows its errors over the page until it is fixed."""

from __future__ import annotations

from tests.conftest import ABSTRACT, SMALL_CONFIG, Project
from tests.test_serve import Served, served  # noqa: F401 - the fixture

WAIT_MS = 20_000


def test_open_page_reloads_after_a_change_and_shows_build_errors(
    page, project: Project, served: Served
):
    page.goto(served.url, wait_until="networkidle")
    page.evaluate("window.__before_reload = true")

    feed = project.seeds / "a.txt"
    feed.write_text(feed.read_text() + f"\nTransformers Everywhere\n\n{ABSTRACT}\n")
    page.wait_for_function(
        "!window.__before_reload && document.body.innerText.includes('Transformers Everywhere')",
        timeout=WAIT_MS,
    )

    project.config.write_text(SMALL_CONFIG.replace("year: 2025", "year: soon"), encoding="utf-8")
    page.wait_for_function(
        "document.body.innerText.includes(\"'year' must be a whole number\")", timeout=WAIT_MS
    )
    assert page.get_by_text("Transformers Everywhere").count() >= 1, "the last good site stays"

    project.config.write_text(SMALL_CONFIG, encoding="utf-8")
    page.wait_for_function(
        "!document.body.innerText.includes(\"'year' must be a whole number\")", timeout=WAIT_MS
    )
    assert served.stop() in (0, 130)
