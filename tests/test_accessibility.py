"""axe-core (from the npm registry, see package.json) on every page kind, in
light and dark colour schemes: no violations at all (the bar is "no serious or
critical ones"; the site has none of any impact, and this keeps it so)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import PROJECT, RESULTS_SHOWN, ServedSite

AXE = PROJECT / "node_modules" / "axe-core" / "axe.min.js"
PAGE_KINDS = {
    "home": "",
    "day": "days/2025-03-11/",
    "days": "days/",
    "topic": "topics/pruning-and-compression/",
    "topics": "topics/",
    "paper": "papers/{paper}/",
    "search": "search/?q=pruning",
    "saved": "saved/",
    "about": "about/",
    "404": "no/such/page/",
}


def axe_path() -> Path:
    if not AXE.exists():
        if os.environ.get("CI"):
            pytest.fail(f"{AXE} is missing: .ci/run installs it with npm ci")
        pytest.skip("axe-core is not installed (npm ci)")
    return AXE


def violations(page: Any) -> list[str]:
    page.add_script_tag(path=str(axe_path()))
    result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    return [
        f"{v['impact']}: {v['id']}: {node['target']} {node.get('failureSummary', '')}"
        for v in result["violations"]
        for node in v["nodes"]
    ]


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("kind", PAGE_KINDS)
def test_no_serious_accessibility_violations(browser, browser_site: ServedSite, kind, scheme):
    paper = next((browser_site.path / "papers").iterdir()).name
    context = browser.new_context(color_scheme=scheme)
    page = context.new_page()
    page.goto(browser_site.url + PAGE_KINDS[kind].format(paper=paper), wait_until="networkidle")
    if kind == "search":
        page.wait_for_function(RESULTS_SHOWN)
    found = violations(page)
    context.close()
    assert found == []
