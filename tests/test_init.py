"""``digest init``: a new site that fetches, builds and deploys on its own."""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urldefrag, urljoin

import pytest

from generator.commands.init import installed_from
from generator.config.digest_yaml import load_config
from generator.core.errors import DigestError
from generator.sources import arxiv
from tests.arxiv_atom import Preprint, page
from tests.conftest import ABSTRACT, PROJECT, digest
from tests.pages_server import serve
from tests.replay import Replay, Reply, replaying
from tests.test_site import fetch as get
from tests.test_site import parse

PIN = "git+https://github.com/example/digest@0123456789abcdef0123456789abcdef01234567"
OUR_WORKFLOW = PROJECT / ".github" / "workflows" / "pages.yml"
DAY = "2025-03-10"


def init(folder: Path, *extra: str):
    return digest("init", folder, "--package", PIN, *extra)


@pytest.fixture
def arxiv_api(monkeypatch: pytest.MonkeyPatch) -> Iterator[Replay]:
    monkeypatch.setattr(arxiv, "PAUSE", 0.0)
    papers = [
        Preprint("2503.00001v1", "Diffusion Models for Protein Design", ABSTRACT, ["Ada"], ["q-bio.BM", "cs.LG"]),
        Preprint("2503.00002v2", "Reinforcement Learning with <Sparse> Rewards", ABSTRACT, ["Grace"]),
        Preprint("2503.00003v1", "A Paper No Topic Takes", "Nothing to match here.", ["Alan"]),
    ]  # fmt: skip
    with replaying() as replay:
        replay.replies = [Reply(page(papers, len(papers)))]
        yield replay


def test_init_fetch_build_and_crawl_under_a_sub_path(arxiv_api: Replay, tmp_path: Path):
    site = tmp_path / "my-digest"
    run = init(site, "--title", "Proteins & Policies", "--source", "arxiv:cs.LG,q-bio.BM")
    assert run.code == 0, run.err
    assert sorted(str(p.relative_to(site)) for p in site.rglob("*") if p.is_file()) == [
        ".github/workflows/pages.yml",
        ".gitignore",
        "README.md",
        "digest.yaml",
        "seeds/.gitkeep",
    ]
    config = load_config(site / "digest.yaml")
    assert config.title == "Proteins & Policies"
    assert [(s.kind, s.categories) for s in config.sources] == [("arxiv", ("cs.LG", "q-bio.BM"))]
    assert {"Reinforcement learning", "Proteins", "Surveys"} <= {t.name for t in config.topics}

    config_args = ("--config", site / "digest.yaml", "--seeds", site / "seeds")
    fetched = digest("fetch", *config_args, "--api-url", arxiv_api.url, "--date", DAY)
    assert fetched.code == 0, fetched.err
    assert arxiv_api.requests[0]["search_query"].startswith("(cat:cs.LG OR cat:q-bio.BM) AND")
    assert (site / "seeds" / f"arxiv-cs.LG+q-bio.BM-{DAY}.json").is_file()

    (site / "site").mkdir()
    with serve(site / "site") as root:
        built = digest("build", *config_args, "--out", site / "site", "--base-url", root)
        assert built.code == 0, built.err
        assert "3 papers, 1 days" in built.out
        pages = crawl(root)
    html = [p for p in (site / "site").rglob("*.html") if p.name != "404.html"]
    assert len(pages) == len(html)
    papers = [url for url in pages if "/papers/" in url and not url.endswith("/papers/")]
    assert len(papers) == 3
    home = (site / "site" / "index.html").read_text(encoding="utf-8")
    assert "Proteins &amp; Policies" in home


def crawl(root: str) -> set[str]:
    """Every page reachable from ``root`` and from the search page (which the
    header's form, made by site.js, leads to); every internal link must resolve."""
    queue, seen, pages = [root, root + "search/"], {root, root + "search/"}, set()
    while queue:
        url = queue.pop()
        status, body, kind = get(url)
        assert status == 200, url
        if kind != "text/html":
            continue
        pages.add(url)
        for link in parse(body).links:
            assert not link.startswith("/"), f"{url}: bare leading slash in {link!r}"
            target = urldefrag(urljoin(url, link))[0].split("?")[0]
            if target.startswith(root) and target not in seen:
                seen.add(target)
                queue.append(target)
    return pages


def _tool(name: str) -> str:
    executable = shutil.which(name)
    if executable is None:
        pytest.skip(f"{name} is not installed")
    return executable


@pytest.mark.parametrize("source", ["hf", "arxiv:cs.CV,math.PR"])
def test_the_workflow_is_valid_and_passes_zizmor(source: str, tmp_path: Path):
    assert init(tmp_path / "site", "--source", source).code == 0
    workflow = tmp_path / "site" / ".github" / "workflows" / "pages.yml"
    for command in (
        [_tool("check-jsonschema"), "--builtin-schema", "vendor.github-workflows"],
        [_tool("zizmor"), "--offline"],
    ):
        done = subprocess.run(
            [*command, str(workflow)], capture_output=True, text=True, timeout=120, cwd=tmp_path
        )
        assert done.returncode == 0, done.stdout + done.stderr


def test_the_workflow_installs_the_pinned_digest_with_our_action_pins(tmp_path: Path):
    assert init(tmp_path / "site").code == 0
    text = (tmp_path / "site" / ".github" / "workflows" / "pages.yml").read_text("utf-8")
    assert f"python -m pip install '{PIN}'" in text
    readme = (tmp_path / "site" / "README.md").read_text("utf-8")
    assert f"python3 -m pip install '{PIN}'" in readme
    assert "[digest](https://github.com/example/digest)" in readme
    uses = re.compile(r"^\s*(?:- )?uses: (\S+\s+# v[\d.]+)$", re.MULTILINE)
    assert uses.findall(text) == uses.findall(OUR_WORKFLOW.read_text("utf-8"))
    assert "permissions: {}" in text and "persist-credentials: false" in text


def test_init_overwrites_nothing(tmp_path: Path):
    site = tmp_path / "site"
    site.mkdir()
    (site / "README.md").write_text("mine\n", encoding="utf-8")
    run = init(site)
    assert (run.code, run.out) == (1, "")
    assert run.err == (
        f"{site / 'README.md'}: error: already exists; "
        "digest init writes a new site and overwrites nothing\n"
    )
    assert [p.name for p in site.iterdir()] == ["README.md"]
    assert (site / "README.md").read_text(encoding="utf-8") == "mine\n"


@pytest.mark.parametrize(
    "args",
    [
        ["--source", "arxiv:"],
        ["--source", "arxiv:cs LG"],
        ["--source", "rss"],
        ["--title", "two\nlines"],
        ["--package", "digest"],
        ["--package", "git+https://github.com/example/digest@main"],
    ],
)
def test_usage_errors_exit_2_and_write_nothing(args: list[str], tmp_path: Path):
    run = digest(
        "init", tmp_path / "site", *(["--package", PIN] if "--package" not in args else []), *args
    )
    assert run.code == 2, run.err
    assert len(run.err.splitlines()) == 1
    assert not (tmp_path / "site").exists()


def test_the_pin_comes_from_a_git_checkout_without_credentials(tmp_path: Path):
    checkout = tmp_path / "digest"
    checkout.mkdir()

    def git(*args: str) -> str:
        done = subprocess.run(
            ["git", "-C", str(checkout), *args], capture_output=True, text=True, check=True
        )
        return done.stdout.strip()

    git("init", "-q")
    git(
        "-c",
        "user.name=A",
        "-c",
        "user.email=a@example.org",
        "commit",
        "-q",
        "--allow-empty",
        "-m",
        "x",
    )
    git("remote", "add", "origin", "https://someone:ghp_secret@github.com/someone/digest.git")
    commit = git("rev-parse", "HEAD")
    pin = installed_from(checkout)
    assert pin == f"git+https://github.com/someone/digest.git@{commit}"
    git("remote", "set-url", "origin", "git@github.com:someone/digest.git")
    with pytest.raises(DigestError, match="cannot tell where the workflow should install digest"):
        installed_from(checkout)
