"""What a reader's first search downloads and how soon it shows results, in
Chromium, for the site's own search and, with ``--pagefind``, for Pagefind
indexing the same built site.

    python3 bench/search.py --site DIR [--queries Q ...] [--typed Q ...] [--urls QS ...]
        [--runs N] [--pagefind [--pagefind-glob GLOB] [--pagefind-memory GB] [--work DIR]]

The site is served under ``/repo/`` on a free port of 127.0.0.1 by the tests'
GitHub-Pages-like server, which sends files uncompressed. Every query runs in
a fresh browser context (empty cache) on a freshly loaded search page, typed
into the search box as a reader types: ``--queries`` arrive as one input event
(a paste, or a fast typist), ``--typed`` one character at a time, so that
every search the page starts on the way counts. ``--urls`` are searches as a
shared address opens them, filters included: ``search/?`` plus each query
string (``q=pruning&topic=pruning-and-compression&from=2025-01-01``), loaded
in a fresh context with nothing typed (the default: a filtered query and a
filter without words for the first topic of the site and the year of its
newest papers). Where the site has authors, the defaults add searches for
its busiest author (the one on most papers, whose lists are the longest):
the name and the family name alone typed into the box, and ``author=`` with
and without words. Per query it reports:

- search bytes and requests: the bodies of every response the query
  triggered, plus search data the page fetched while loading (the site's
  ``search-index.json``): what a first query costs a reader. The page itself
  (HTML, JS, CSS) is reported apart. Bytes are bodies as sent, without HTTP
  headers; GitHub Pages would gzip both engines' files, so the gzip -6 size of
  the same bodies is given too (Pagefind's own files are compressed already).
- data -> DOM: from the later of the last search-data response's
  ``responseEnd`` (Resource Timing, in the page or in the worker that fetched
  it) and the query's last input event, to the last change of the results
  list (a MutationObserver): the script's own work of parsing, ranking and
  building the list, not the network. It stops at the DOM, before paint.
- query -> results: from the last input event (or, for Pagefind, the submit
  that stands for its UI's 300 ms debounce having elapsed; for ``--urls``,
  the start of the page's navigation) to that same last change of the
  results list: everything a reader waits for once they stop typing,
  network included.
- script: the part of query -> results when no search request was in flight
  (Resource Timing spans): the page's own work, ranking included, which
  data -> DOM leaves out when ranking happens before the last fetch (digest
  ranks, then fetches the display data of the results it shows).

Pagefind (``--pagefind``) is installed from npm into the work folder (a
temporary one unless ``--work`` is given, never the repository) and run on a
copy of the site. Its page is a minimal one that does what Pagefind's own UI
does: ``preload`` the words on every keystroke, ``search`` when the reader
stops, then ``data()`` of the first results shown. Nothing is written into
the repository.
"""

from __future__ import annotations

import argparse
import dataclasses
import gzip
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from measure import REPO, Run, run_command
from run import is_search_data, markdown, say

sys.dont_write_bytecode = True  # importing the tests' helpers must not write into the repo
sys.path.insert(0, str(REPO))
from playwright.sync_api import Browser, Page, Request, sync_playwright  # noqa: E402

from tests.conftest import CHROMIUM, CHROMIUM_ARGS  # noqa: E402
from tests.pages_server import serve  # noqa: E402

DEFAULT_QUERIES = ("learning", "hypernetwork", "pruning", "diffusion model")
DEFAULT_TYPED = ("transformer",)
PAGEFIND_VERSION = "1.6.0"
#: Results whose display data the Pagefind page loads: between its UI's 5 and
#: the site's 20.
PAGEFIND_SHOWN = 10
#: No request, DOM change or input for this long means a search is over.
QUIET_SECONDS = 0.5
TIMEOUT_SECONDS = 120
#: A folder with more files than this is reported as ``folder/*.ext``.
MANY_FILES = 20
#: Pagefind's folders of index chunks and of fragments (the display data).
PAGEFIND_PARTS = ("index", "fragment")
#: What Pagefind's own UI adds to a page.
PAGEFIND_UI = ("pagefind-ui.js", "pagefind-ui.css")

#: Runs before any script of the page: records input and submit events and
#: every change of the results list or the status line (both are set in the
#: same task, and a query without results changes only the status), and keeps
#: every Resource Timing entry.
PROBE = """
(() => {
  performance.setResourceTimingBufferSize(1000000);
  const bench = (window.__bench = { events: [], changes: [] });
  for (const type of ["input", "submit"]) {
    document.addEventListener(type, () => bench.events.push(performance.now()), true);
  }
  document.addEventListener("DOMContentLoaded", () => {
    const changed = new MutationObserver(() => bench.changes.push(performance.now()));
    for (const id of ["results", "search-status"]) {
      changed.observe(document.getElementById(id), { childList: true, subtree: true });
    }
  });
})();
"""
#: Resource Timing of a page or a worker: [url, startTime, responseEnd], in ms
#: since the epoch.
RESOURCE_SPANS = """performance.getEntriesByType("resource").map((entry) => [
  entry.name, performance.timeOrigin + entry.startTime, performance.timeOrigin + entry.responseEnd,
])"""
#: What the page shows at the end; times in ms since the epoch.
PAGE_STATE = """() => ({
  origin: performance.timeOrigin,
  events: __bench.events.map((t) => performance.timeOrigin + t),
  changes: __bench.changes.map((t) => performance.timeOrigin + t),
  status: document.getElementById("search-status").textContent,
})"""
#: The Pagefind page: what Pagefind's UI does, minus its looks. It loads
#: pagefind.js on the first keystroke, as the UI does.
PAGEFIND_PAGE = """<!doctype html>
<html lang="en"><meta charset="utf-8"><title>Pagefind search</title>
<form id="search"><input id="q" type="search" autocomplete="off"></form>
<p id="search-status"></p><ol id="results"></ol>
<script type="module">
let loaded = null;
const pagefind = () => (loaded ??= import("../pagefind/pagefind.js"));
const input = document.getElementById("q");
input.addEventListener("input", async () => (await pagefind()).preload(input.value));
document.getElementById("search").addEventListener("submit", async (event) => {
  event.preventDefault();
  const search = await (await pagefind()).search(input.value);
  const shown = await Promise.all(search.results.slice(0, SHOWN).map((r) => r.data()));
  document.getElementById("results").replaceChildren(...shown.map((data) => {
    const item = document.createElement("li");
    item.textContent = data.meta.title || data.url;
    return item;
  }));
  document.getElementById("search-status").textContent = `${search.results.length} match`;
});
</script>
</html>
""".replace("SHOWN", str(PAGEFIND_SHOWN))


@dataclass(frozen=True, slots=True)
class Engine:
    """A search to measure: where its page is and which files are its data."""

    name: str
    site: Path
    """The folder served."""
    page: str
    """The search page, relative to the site's root URL."""
    is_data: Callable[[str], bool]
    """Whether a file (path relative to the site) is search data rather than page."""
    submit: bool
    """Whether the page searches on Enter (Pagefind's debounce) rather than on input."""


@dataclass(slots=True)
class Fetched:
    """Response bodies, in bytes, under names that group files alike."""

    sizes: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    gzipped: int = 0

    def add(self, name: str, body: bytes) -> None:
        self.sizes[name].append(len(body))
        self.gzipped += len(gzip.compress(body, compresslevel=6, mtime=0))

    @property
    def bytes(self) -> int:
        return sum(sum(sizes) for sizes in self.sizes.values())

    @property
    def requests(self) -> int:
        return sum(len(sizes) for sizes in self.sizes.values())

    def summary(self) -> str:
        """The groups, largest first: ``search/terms/*.json 12.3 (4)``."""
        groups = sorted(self.sizes.items(), key=lambda item: -sum(item[1]))
        return ", ".join(f"{name} {kb(sum(sizes))} ({len(sizes)})" for name, sizes in groups)


@dataclass(frozen=True, slots=True)
class Measurement:
    """One first query on a freshly loaded page, in a fresh context."""

    engine: str
    query: str
    typed: bool
    search: Fetched
    page: Fetched
    matches: str
    data_to_dom_ms: float
    query_to_results_ms: float
    script_ms: float
    """Of query -> results, the time no search request was in flight."""


class Network:
    """Every request of a browser context (workers included), and whether it
    started while the page was loading or after the query began."""

    def __init__(self, page: Page) -> None:
        self.querying = False
        self.started: dict[Request, bool] = {}
        self.done: list[Request] = []
        self.last_event = time.monotonic()
        page.context.on("request", self._start)
        page.context.on("requestfinished", self._end)
        page.context.on("requestfailed", self._end)

    def _start(self, request: Request) -> None:
        self.started[request] = self.querying
        self.last_event = time.monotonic()

    def _end(self, request: Request) -> None:
        self.done.append(request)
        self.last_event = time.monotonic()

    @property
    def in_flight(self) -> int:
        return len(self.started) - len(self.done)


# -- One query ----------------------------------------------------------------


def measure(
    browser: Browser, root: str, engine: Engine, query: str, typed: bool, delay: float
) -> Measurement:
    """``query`` as a reader's first search: a fresh context, the search page
    loaded and idle, the query typed, and everything it set off finished.
    A query starting with ``?`` is an address opened instead (``--urls``)."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        page = context.new_page()
        page.set_default_timeout(TIMEOUT_SECONDS * 1000)
        page.add_init_script(PROBE)
        network = Network(page)
        if query.startswith("?"):
            page.goto(root + engine.page + query)
            state = wait_until_quiet(page, network, answered=True)
            return collect(page, network, engine, root, query, typed, state)
        page.goto(root + engine.page)
        wait_until_quiet(page, network)
        network.querying = True
        box = page.locator("#q")
        if typed:
            box.press_sequentially(query, delay=delay)
        else:
            box.fill(query)
        if engine.submit:
            box.press("Enter")
        state = wait_until_quiet(page, network, answered=True)
        return collect(page, network, engine, root, query, typed, state)
    finally:
        context.close()


def wait_until_quiet(page: Page, network: Network, answered: bool = False) -> dict[str, Any]:
    """The page's state once no request is in flight and nothing has happened
    for QUIET_SECONDS (and, with ``answered``, once the query has changed the
    results or the status): a search page says nowhere that it is done."""
    deadline = time.monotonic() + TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        page.wait_for_timeout(50)  # lets Playwright deliver the network events
        state: dict[str, Any] = page.evaluate(PAGE_STATE)
        last = max(state["events"] + state["changes"], default=0.0) / 1000
        idle = min(time.monotonic() - network.last_event, time.time() - last)
        asked = state["events"][0] if state["events"] else state["origin"]
        changed = max(state["changes"], default=0) > asked
        if network.in_flight == 0 and idle >= QUIET_SECONDS and (changed or not answered):
            return state
    raise SystemExit(f"bench: {page.url} was still busy after {TIMEOUT_SECONDS} s")


def collect(
    page: Page,
    network: Network,
    engine: Engine,
    root: str,
    query: str,
    typed: bool,
    state: dict[str, Any],
) -> Measurement:
    """Every response body, as search or page, and the timings, all read
    from the page's clock (``performance.timeOrigin`` plus ``now()``)."""
    search, page_load = Fetched(), Fetched()
    search_urls = set()
    for request in network.done:
        path = site_path(root, request.url)
        response = request.response()
        body = response.body() if response else b""
        if network.started[request] or engine.is_data(path):
            search.add(group_name(engine.site, path), body)
            search_urls.add(request.url)
        else:
            page_load.add(request.resource_type, body)
    spans = [(start, end) for url, start, end in resource_spans(page) if url in search_urls]
    # An address opened (--urls) asks at the start of its navigation.
    asked = state["events"][-1] if state["events"] else state["origin"]
    shown = state["changes"][-1]
    data_end = max((end for _, end in spans), default=0.0)
    matches = re.search(r"\d[\d,]*", state["status"])
    return Measurement(
        engine=engine.name,
        query=query,
        typed=typed,
        search=search,
        page=page_load,
        matches=matches[0] if matches else state["status"].strip(),
        data_to_dom_ms=shown - max(data_end, asked),
        query_to_results_ms=shown - asked,
        script_ms=shown - asked - covered(spans, asked, shown),
    )


def site_path(root: str, url: str) -> str:
    """The file a URL of the served site names: ``search/`` is ``search/index.html``."""
    path = urlsplit(url).path.removeprefix(urlsplit(root).path)
    return path + "index.html" if path.endswith("/") or not path else path


def covered(spans: list[tuple[float, float]], start: float, end: float) -> float:
    """How much of ``start``..``end`` the spans cover: the rest is the page
    working (parsing, ranking, building the list) or idle between tasks."""
    total, reached = 0.0, start
    for span_start, span_end in sorted(spans):
        span_start, span_end = max(span_start, reached), min(span_end, end)
        if span_end > span_start:
            total += span_end - span_start
            reached = span_end
    return total


def resource_spans(page: Page) -> list[tuple[str, float, float]]:
    """Resource Timing of the page and of its workers (Pagefind fetches its
    index in a web worker, whose entries the page does not see)."""
    entries = page.evaluate(RESOURCE_SPANS)
    for worker in page.workers:
        entries += worker.evaluate(RESOURCE_SPANS)
    return [(str(url), float(start), float(end)) for url, start, end in entries]


def group_name(site: Path, path: str) -> str:
    """``folder/*.ext`` for a file among many alike (shards, blocks,
    fragments), ``folder/*/*.ext`` for one in a folder among many alike (the
    pieces of each topic), else the file's own path."""
    file = Path(path)
    if files_in(site / file.parent) > MANY_FILES:
        return f"{file.parent.as_posix()}/*{file.suffix}"
    if files_in(site / file.parent.parent) > MANY_FILES:  # a topic's pieces
        return f"{file.parent.parent.as_posix()}/*/*{file.suffix}"
    return path


@cache
def files_in(folder: Path) -> int:
    return sum(1 for _ in os.scandir(folder)) if folder.is_dir() else 0


def run_queries(
    engines: list[Engine], queries: list[tuple[str, bool]], delay: float, runs: int
) -> tuple[list[Measurement], str]:
    """Every query on every engine ``runs`` times, each engine's site served
    while it runs, and the browser's version."""
    results: list[Measurement] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        for engine in engines:
            with serve(engine.site) as root:
                for query, typed in queries:
                    if query.startswith("?") and engine.name != "digest":
                        continue  # filters are the site's own
                    say(f"{engine.name}: {query!r}{' typed' if typed else ''}")
                    each = [
                        measure(browser, root, engine, query, typed, delay) for _ in range(runs)
                    ]
                    results.append(combined(each))
        version = browser.version
        browser.close()
    order = {query: i for i, query in enumerate(queries)}
    results.sort(key=lambda r: (order[r.query, r.typed], r.engine != "digest"))
    return results, version


def combined(runs: list[Measurement]) -> Measurement:
    """Runs of one query as one: the median timings, and the most bytes any
    run fetched (what a typed query fetches can depend on timing)."""
    most = max(runs, key=lambda run: run.search.bytes)
    return dataclasses.replace(
        most,
        data_to_dom_ms=statistics.median(run.data_to_dom_ms for run in runs),
        query_to_results_ms=statistics.median(run.query_to_results_ms for run in runs),
        script_ms=statistics.median(run.script_ms for run in runs),
    )


# -- Pagefind -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PagefindIndex:
    """Pagefind's index of a copy of the site, and what making it took."""

    site: Path
    """The copy of the site, with ``pagefind/`` and the test page in it."""
    version: str
    pages: str
    """What it indexed: its ``--glob``, or the whole site."""
    memory_gb: float
    """The limit of its address space."""
    run: Run
    error: str | None = None
    """Why it failed (from its log), or None."""
    files: int = 0
    bytes: int = 0
    parts: str = ""
    """Bytes of the index chunks and of the fragments (display data)."""
    ui: str = ""
    """The sizes of what Pagefind's own UI would add to the page."""


def index_with_pagefind(
    site: Path, work: Path, version: str, glob: str | None, memory_gb: float
) -> PagefindIndex:
    """Pagefind run on a copy of the site, timed, with the test page added
    after indexing so that it is not indexed itself. Its address space is
    limited (``prlimit --as``): on the whole 100,000-paper site it grows past
    the machine's 24 GB, and the kernel's OOM killer would pick any process."""
    npm = install_pagefind(work, version)
    copy = work / "pagefind-site"
    shutil.rmtree(copy, ignore_errors=True)
    say(f"copying {site} to {copy}")
    link_copy(site, copy)
    say(f"indexing {copy} with pagefind {version}")
    argv = ["prlimit", f"--as={int(memory_gb * 2**30)}", "--"]
    argv += ["npx", "--no-install", "pagefind", "--site", str(copy)]
    argv += ["--glob", glob] if glob else []
    run = run_command(argv, work / "pagefind.log", cwd=npm)
    index = PagefindIndex(copy, version, glob or "the whole site", memory_gb, run)
    if run.returncode:
        return dataclasses.replace(index, error=failure(run.log))
    page = copy / "pagefind-bench" / "index.html"
    page.parent.mkdir()
    page.write_text(PAGEFIND_PAGE, encoding="utf-8")
    folder = copy / "pagefind"
    files, size = folder_bytes(folder)
    parts = ", ".join(f"{name}/ {kb(folder_bytes(folder / name)[1])}" for name in PAGEFIND_PARTS)
    ui = " and ".join(f"{name} {kb((folder / name).stat().st_size)}" for name in PAGEFIND_UI)
    return dataclasses.replace(index, files=files, bytes=size, parts=parts, ui=ui)


def failure(log: Path) -> str:
    """The line of a log that says what failed: the last that says "failed"
    or "error" (a backtrace follows Rust's), else the last with words."""
    lines = [line.strip() for line in log.read_text(errors="replace").splitlines()]
    said = [line for line in lines if re.search("[A-Za-z]", line)] or ["no output"]
    failed = [line for line in said if re.search("failed|error", line, re.IGNORECASE)]
    return (failed or said)[-1]


def install_pagefind(work: Path, version: str) -> Path:
    """The npm folder with ``pagefind@version`` installed (kept across runs
    with the same ``--work``)."""
    folder = work / "pagefind-npm"
    installed = folder / "node_modules" / "pagefind" / "package.json"
    if installed.is_file() and json.loads(installed.read_text())["version"] == version:
        return folder
    argv = ["npm", "view", f"pagefind@{version}", "version"]
    found = subprocess.run(argv, capture_output=True, text=True, check=False)
    if found.returncode or found.stdout.strip() != version:
        raise SystemExit(f"bench: npm has no pagefind {version}: {found.stderr.strip()}")
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "package.json").write_text('{"private": true}\n', encoding="utf-8")
    say(f"installing pagefind {version} into {folder}")
    argv = ["npm", "install", "--no-audit", "--no-fund", f"pagefind@{version}"]
    run_command(argv, work / "npm-install.log", cwd=folder).check()
    return folder


def link_copy(source: Path, target: Path) -> None:
    """A copy made of hard links, quick even for 100,000 pages: Pagefind only
    adds its own ``pagefind/`` folder and never rewrites a page. A plain copy
    where links cannot be made (another file system)."""
    try:
        shutil.copytree(source, target, copy_function=os.link)
    except OSError:
        shutil.rmtree(target, ignore_errors=True)
        shutil.copytree(source, target)


def folder_bytes(folder: Path) -> tuple[int, int]:
    """Files and bytes under ``folder``."""
    sizes = [path.stat().st_size for path in folder.rglob("*") if path.is_file()]
    return len(sizes), sum(sizes)


# -- Reporting ----------------------------------------------------------------


def kb(size: float) -> str:
    return f"{size / 1000:,.1f}"


def index_table(site: Path, pagefind: PagefindIndex | None) -> str:
    """Both indexes on disk, and what Pagefind's indexing took."""
    ours = [
        path.stat().st_size
        for path in [site / "search-index.json", *(site / "search").rglob("*")]
        if path.is_file() and is_search_data(path.relative_to(site).as_posix())
    ]
    rows = [["digest", f"{len(ours):,}", kb(sum(ours)), "part of `digest build`"]]
    if pagefind:
        name = f"Pagefind {pagefind.version}, {pagefind.pages}"
        took = f"{pagefind.run.seconds:,.1f} s, peak {pagefind.run.peak_mb:,.0f} MB"
        if pagefind.error:
            failed = f"failed (exit {pagefind.run.returncode}) after {took}"
            failed += f", limit {pagefind.memory_gb:g} GB: {pagefind.error}"
            rows.append([name, "-", "-", failed])
        else:
            size = f"{kb(pagefind.bytes)} ({pagefind.parts})"
            rows.append([name, f"{pagefind.files:,}", size, took])
    return markdown(["search index", "files", "KB", "indexing"], rows)


def query_table(results: list[Measurement]) -> str:
    header = ["query", "engine", "requests", "search KB", "gzip -6 KB", "matches"]
    header += ["data → DOM ms", "script ms", "query → results ms", "fetched: KB (files)"]
    rows = [
        [
            f"`{r.query}`" + (" typed" if r.typed else ""),
            r.engine,
            str(r.search.requests),
            kb(r.search.bytes),
            kb(r.search.gzipped),
            r.matches,
            f"{r.data_to_dom_ms:.1f}",
            f"{r.script_ms:.1f}",
            f"{r.query_to_results_ms:.1f}",
            r.search.summary(),
        ]
        for r in results
    ]
    return markdown(header, rows)


def page_table(results: list[Measurement]) -> str:
    """The search page's own load, once per engine: it is the same for every query."""
    first: dict[str, Fetched] = {}
    for r in results:
        first.setdefault(r.engine, r.page)
    rows = [
        [engine, str(page.requests), kb(page.bytes), kb(page.gzipped), page.summary()]
        for engine, page in first.items()
    ]
    return markdown(["search page load", "requests", "KB", "gzip -6 KB", "by type"], rows)


def report(
    site: Path, results: list[Measurement], pagefind: PagefindIndex | None, browser: str
) -> str:
    papers = json.loads((site / "search-index.json").read_text(encoding="utf-8"))["papers"]
    parts = [
        f"### First search on `{site}`: {papers:,} papers, Chromium {browser}",
        index_table(site, pagefind),
        query_table(results),
        page_table(results),
        "KB: 1,000 bytes of response bodies as the server sent them (uncompressed, no headers);"
        " GitHub Pages would send both engines' files gzipped.",
    ]
    if pagefind and not pagefind.error:
        parts.append(
            f"The Pagefind page is minimal: Pagefind's own UI would add {pagefind.ui} KB to its"
            f" load, and shows 5 results where this page loads {PAGEFIND_SHOWN} and digest's 20."
        )
    return "\n\n".join(parts)


# -- Command line -------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--site", type=Path, required=True, help="a site built by digest build")
    parser.add_argument(
        "--queries", nargs="*", help=f"typed at once (default: {', '.join(DEFAULT_QUERIES)})"
    )
    parser.add_argument("--typed", nargs="*", default=list(DEFAULT_TYPED))
    parser.add_argument(
        "--urls", nargs="*", help="query strings of search/ to open (default: with filters)"
    )
    parser.add_argument("--delay", type=float, default=150, help="ms between typed keys")
    parser.add_argument("--runs", type=int, default=3, help="runs of each query (median times)")
    parser.add_argument("--pagefind", action="store_true", help="also measure Pagefind")
    parser.add_argument("--pagefind-version", default=PAGEFIND_VERSION)
    parser.add_argument("--pagefind-glob", help="pages Pagefind indexes (default: all)")
    parser.add_argument(
        "--pagefind-memory", type=float, default=14, help="GB Pagefind may take (default 14)"
    )
    parser.add_argument("--work", type=Path, help="folder for Pagefind (default: temp)")
    args = parser.parse_args(argv)
    site = args.site.absolute()
    if not (site / "search-index.json").is_file() or not (site / "search").is_dir():
        parser.error(f"{site} is not a site built by digest build")
    if not CHROMIUM.exists():
        parser.error(f"{CHROMIUM} is missing: apt-get install chromium")
    work = args.work.absolute() if args.work else Path(tempfile.mkdtemp(prefix="digest-search-"))
    if work.is_relative_to(REPO):
        parser.error("--work must be outside the repository")
    work.mkdir(parents=True, exist_ok=True)
    names, author_urls = author_searches(site)
    typed_at_once = args.queries if args.queries is not None else [*DEFAULT_QUERIES, *names]
    queries = [(query, False) for query in typed_at_once]
    queries += [(query, True) for query in args.typed]
    urls = args.urls if args.urls is not None else filtered_urls(site) + author_urls
    queries += [("?" + query.removeprefix("?"), False) for query in urls]
    try:
        engines, pagefind = engines_for(site, work, args)
        results, browser = run_queries(engines, queries, args.delay, args.runs)
    finally:
        if not args.work:
            shutil.rmtree(work, ignore_errors=True)
    print(report(site, results, pagefind, browser))
    return 0


def engines_for(
    site: Path, work: Path, args: argparse.Namespace
) -> tuple[list[Engine], PagefindIndex | None]:
    """The site's own search, and Pagefind's if asked for and it could index."""
    engines = [Engine("digest", site, "search/", is_search_data, submit=False)]
    if not args.pagefind:
        return engines, None
    pagefind = index_with_pagefind(
        site, work, args.pagefind_version, args.pagefind_glob, args.pagefind_memory
    )
    if not pagefind.error:
        engines.append(Engine("Pagefind", pagefind.site, "pagefind-bench/", is_pagefind, True))
    return engines, pagefind


def filtered_urls(site: Path) -> list[str]:
    """Searches with filters, for the site's first topic and the year of its
    newest papers: words with a topic, words with a year, and the slice of
    that topic and year without words (newest first)."""
    index = json.loads((site / "search-index.json").read_text(encoding="utf-8"))
    if "years" not in index or not index["topics"] or not index["years"]:
        return []
    topic, year = index["topics"][0][0], max(index["years"])
    dates = f"from={year}-01-01&to={year}-12-31"
    query = DEFAULT_QUERIES[0]
    return [f"q={query}&topic={topic}", f"q={query}&{dates}&sort=new", f"topic={topic}&{dates}"]


def author_searches(site: Path) -> tuple[list[str], list[str]]:
    """For the author on most papers, if the site has authors: their name
    and family name as typed queries, and ``author=`` as a filter alone and
    with a word."""
    busiest, most = "", 0
    for shard in sorted((site / "search" / "authors").glob("*.json")):
        for key, postings in json.loads(shard.read_text(encoding="utf-8")).items():
            papers = postings.count(",") + 1
            if papers > most:
                busiest, most = key, papers
    if not busiest:
        return [], []
    name = busiest.replace("-", " ")
    author = f"author={name.replace(' ', '+')}"
    return [name, name.split()[-1]], [author, f"q={DEFAULT_QUERIES[0]}&{author}"]


def is_pagefind(path: str) -> bool:
    return path.startswith("pagefind/")


if __name__ == "__main__":
    sys.exit(main())
