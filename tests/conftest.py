from __future__ import annotations

import contextlib
import io
import json
import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import sync_playwright

from generator.commands.cli import main
from tests.pages_server import serve

PROJECT = Path(__file__).resolve().parent.parent
SEEDS = PROJECT / "seeds"
CONFIG = PROJECT / "digest.yaml"

#: A small config for hand-written feeds: two topics, year 2025.
SMALL_CONFIG = """\
title: Test digest
base_url: https://example.org/repo/
year: 2025
topics:
  - name: Pruning
    keywords: [pruning, pruned]
  - name: Transformers
    keywords: [transformer, ViT]
"""

ABSTRACT = (
    "We study a method that does something useful for neural networks and report results "
    "on several benchmarks, where it improves accuracy while using less memory than before."
)


@dataclass
class Run:
    code: int
    out: str
    err: str


def digest(*args: str | Path) -> Run:
    """Run the command line in-process, as a user would type it."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main([str(a) for a in args])
    return Run(code, out.getvalue(), err.getvalue())


@dataclass
class Project:
    """A fork of the project in a temporary folder: seeds, config, output."""

    root: Path

    @property
    def seeds(self) -> Path:
        return self.root / "seeds"

    @property
    def config(self) -> Path:
        return self.root / "digest.yaml"

    @property
    def out(self) -> Path:
        return self.root / "site"

    def feed(self, name: str, text: str | bytes) -> Path:
        path = self.seeds / name
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(text, encoding="utf-8", newline="")
        return path

    def build(self, *extra: str | Path) -> Run:
        return digest(
            "build", "--seeds", self.seeds, "--config", self.config, "--out", self.out, *extra
        )

    def check(self, *extra: str | Path) -> Run:
        return digest("check", "--seeds", self.seeds, "--config", self.config, *extra)


@pytest.fixture
def project(tmp_path: Path) -> Project:
    project = Project(tmp_path)
    project.seeds.mkdir()
    project.config.write_text(SMALL_CONFIG, encoding="utf-8")
    return project


@dataclass
class ServedSite:
    path: Path
    url: str


@contextlib.contextmanager
def built_and_served(seeds: Path, site: Path) -> Iterator[ServedSite]:
    """``seeds`` built into ``site`` with the base URL of the server that
    serves it under a sub-path, as GitHub Pages serves a project site."""
    site.mkdir()
    with serve(site) as url:
        run = digest(
            "build", "--seeds", seeds, "--config", CONFIG, "--out", site, "--base-url", url
        )
        assert run.code == 0, run.err
        yield ServedSite(site, url)


@pytest.fixture(scope="session")
def seeds_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServedSite]:
    """The shipped seeds, built once and served under a sub-path like GitHub Pages."""
    with built_and_served(SEEDS, tmp_path_factory.mktemp("seeds") / "site") as site:
        yield site


#: A paper whose title would run script if it were ever inserted as HTML.
SCRIPT_TITLE = (
    'Pruning <script>window.__pwned = 1</script> <img src=x onerror="window.__pwned = 2">'
)
#: Titles whose words fold differently in naive Python and JavaScript, with a
#: query that must find each.
FOLDED_TITLES = {
    "Straße Networks for Street Maps": "straße",
    "ΟΔΥΣΣΕΥΣ: A Greek Benchmark": "οδυσσευς",
    "हिन्दी Language Models": "हिन्दी",
    "Crème Brûlée Optimisers": "creme brulee",
    # Letters beyond the BMP, two to a JavaScript character, in shard keys
    # that share their first letter (front-coded in the index).
    "\U00020000\U00020001 Graph Study": "\U00020000\U00020001",
    "\U00020000\U00020002 Tree Study": "\U00020000\U00020002",
}
#: A search page once every result it shows is in: they arrive one by one,
#: and the count is said when the last is shown.
RESULTS_SHOWN = (
    "document.querySelectorAll('#results li').length > 0"
    " && / match(es)?\\.$/.test(document.getElementById('search-status').textContent)"
)
CHROMIUM = Path("/usr/bin/chromium")
#: What Chromium needs on a machine without a network or a sandbox (see the env notes).
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip


@pytest.fixture(scope="session")
def browser_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServedSite]:
    """The shipped seeds plus a hostile title and an about page, served under a
    sub-path, for the browser tests."""
    root = tmp_path_factory.mktemp("browser")
    seeds = copy_seeds(root / "seeds")
    papers = [SCRIPT_TITLE, *FOLDED_TITLES]
    feed = "Apr 4\n\n" + "".join(f"{title}\n\n{ABSTRACT}\n\n" for title in papers)
    (seeds / "zz-hostile.txt").write_text(feed.rstrip() + "\n", encoding="utf-8")
    with built_and_served(seeds, root / "site") as site:
        yield site


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Debian's Chromium driven by Playwright; no browser is downloaded."""
    if not CHROMIUM.exists():
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing: .ci/run installs Debian's chromium")
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def search_papers(site: Path) -> list[dict[str, Any]]:
    """The papers of a built site's split search index, as dicts with title,
    url, days, topics, authors (as a card names them), the words found only
    in their abstract and the words of their authors' names."""
    index = json.loads((site / "search-index.json").read_text(encoding="utf-8"))
    papers: list[dict[str, Any]] = []
    for block in range(-(-index["papers"] // index["block_size"])):
        records = json.loads((site / f"search/papers/{block}.json").read_text(encoding="utf-8"))
        for title, slug, days, topics, *authors in records:
            papers.append(
                {
                    "title": title,
                    "url": f"papers/{slug}/",
                    "days": days,
                    "topics": [index["topics"][topic][0] for topic in topics],
                    "authors": authors[0] if authors else "",
                    "words": [],
                    "author_words": [],
                }
            )
    for shard in (site / "search" / "terms").iterdir():
        for term, lists in json.loads(shard.read_text(encoding="utf-8")).items():
            for number in decode_postings(lists[1]):
                papers[number]["words"].append(term)
            for number in decode_postings(lists[2] if len(lists) > 2 else ""):
                papers[number]["author_words"].append(term)
    for paper in papers:
        paper["words"] = " ".join(sorted(paper["words"]))
        paper["author_words"] = " ".join(sorted(paper["author_words"]))
    assert len(papers) == index["papers"]
    return papers


def decode_postings(postings: str | None) -> list[int]:
    """Paper numbers from base-36 gaps, as the page's script reads them."""
    numbers, number = [], 0
    for gap in postings.split(",") if postings else []:
        number += int(gap, 36)
        numbers.append(number)
    return numbers


def copy_seeds(target: Path) -> Path:
    shutil.copytree(SEEDS, target)
    return target
