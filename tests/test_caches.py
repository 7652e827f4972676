"""Work a build keeps for the next one, outside the site: the topics of
papers (placing is a fifth of a large build) and the pages themselves."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from generator.analysis import topics
from generator.commands import feed_cache
from generator.reading.archive import Paper
from generator.reading.entries import Feed
from generator.reading.stored import FORMAT, read_api_feed
from generator.site.render import Renderer
from generator.site.writer import Site
from tests.conftest import Project
from tests.test_incremental import day_feed


def count_placed(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    placed: list[str] = []
    place = topics.Placer.__call__

    def counted(self: topics.Placer, paper: topics.Paper) -> tuple[topics.TopicMatch, ...]:
        placed.append(paper.title)
        return place(self, paper)

    monkeypatch.setattr(topics.Placer, "__call__", counted)
    return placed


def test_a_build_places_only_papers_it_has_not_placed_before(
    project: Project, monkeypatch: pytest.MonkeyPatch
):
    placed = count_placed(monkeypatch)
    # With a warning (a title without an abstract): placements are kept all the same.
    project.feed("a.txt", day_feed("2025-03-11", "Pruning One", "Pruning Two") + "\nLonely\n")
    assert "no abstract" in project.build().err
    assert sorted(placed) == ["Lonely", "Pruning One", "Pruning Two"]
    placed.clear()
    project.feed("b.txt", day_feed("2025-03-12", "Transformer Three"))
    assert project.build().code == 0
    assert placed == ["Transformer Three"]
    placed.clear()
    # New rules place every paper again; so does --force.
    project.config.write_text(
        project.config.read_text(encoding="utf-8").replace("[pruning, pruned]", "[pruning]"),
        encoding="utf-8",
    )
    assert project.build().code == 0
    assert len(placed) == 4
    placed.clear()
    assert project.build("--force").code == 0
    assert len(placed) == 4


def test_a_build_renders_only_pages_whose_input_changed(
    project: Project, monkeypatch: pytest.MonkeyPatch
):
    rendered: list[str] = []
    render_paper = Renderer.render_paper

    def counted(self: Renderer, site: Site, paper: Paper) -> None:
        rendered.append(paper.title)
        render_paper(self, site, paper)

    monkeypatch.setattr(Renderer, "render_paper", counted)
    project.feed("a.txt", day_feed("2025-03-11", *[f"Pruning Paper {i}" for i in range(6)]))
    assert project.build().code == 0
    assert len(rendered) == 6
    rendered.clear()
    # A paper about something else: no other paper's page changes.
    project.feed("c.txt", "2025-03-13\n\nSourdough Starters\n\nYeast ferments flour and water.\n")
    assert project.build().code == 0
    assert rendered == ["Sourdough Starters"]
    rendered.clear()
    assert project.build("--force").code == 0
    assert len(rendered) == 7


def count_read(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    read: list[str] = []
    original = feed_cache.read_bytes

    def counted(data: bytes, name: str, year: int) -> Feed:
        read.append(Path(name).name)
        return original(data, name, year)

    monkeypatch.setattr(feed_cache, "read_bytes", counted)
    return read


def test_a_build_reads_only_feeds_it_has_not_read_before(
    project: Project, monkeypatch: pytest.MonkeyPatch
):
    read = count_read(monkeypatch)
    project.feed("a.txt", day_feed("2025-03-11", "Pruning One", "Pruning Two"))
    project.feed("b.txt", day_feed("2025-03-12", "Transformer Three"))
    assert project.build().code == 0
    assert sorted(read) == ["a.txt", "b.txt"]
    read.clear()
    project.feed("c.txt", day_feed("2025-03-13", "Sourdough Starters"))
    assert project.build().code == 0
    assert read == ["c.txt"]
    read.clear()
    # An edited feed is read again; --force reads every one.
    project.feed("a.txt", day_feed("2025-03-11", "Pruning One", "Pruning Three"))
    assert project.build().code == 0
    assert read == ["a.txt"]
    read.clear()
    assert project.build("--force").code == 0
    assert sorted(read) == ["a.txt", "b.txt", "c.txt"]


def test_a_feed_gone_takes_its_cache_file_with_it(project: Project):
    project.feed("a.txt", day_feed("2025-03-11", "Pruning One"))
    project.feed("b.txt", day_feed("2025-03-12", "Transformer Three"))
    assert project.build().code == 0
    cached = project.root / ".digest-cache" / feed_cache.FOLDER
    assert len(list(cached.iterdir())) == 2
    (project.seeds / "b.txt").unlink()
    assert project.build().code == 0
    assert len(list(cached.iterdir())) == 1


def test_a_cached_feed_says_its_problems_under_its_own_name(project: Project):
    """The same bytes under another name: the diagnostics name the new file."""
    text = day_feed("2025-03-11", "Pruning One") + "\nLonely\n"
    project.feed("a.txt", text)
    assert "a.txt:" in project.build().err
    (project.seeds / "a.txt").rename(project.seeds / "renamed.txt")
    run = project.build()
    assert run.code == 0, run.err
    assert "renamed.txt:" in run.err and "a.txt:" not in run.err


@pytest.mark.parametrize("ending", [b"\r\n", b"\r"])
def test_a_stored_feed_reads_the_same_whatever_ends_its_lines(tmp_path: Path, ending: bytes):
    """The cache reads a feed's bytes once (the ones it hashed): a stored feed
    read from them is the feed read as text, as before there was a cache."""
    paper = {"title": "T\u00e9st\rline", "abstract": "An abstract.", "arxiv_id": "2501.00001"}
    data = json.dumps(
        {
            "format": FORMAT,
            "source": {"kind": "hf", "name": "Hugging Face"},
            "date": "2025-03-11",
            "papers": [paper],
        },
        indent=1,
    ).encode()
    path = tmp_path / "feed.json"
    path.write_bytes(data.replace(b"\n", ending))
    assert feed_cache.read_bytes(path.read_bytes(), str(path), 2025) == read_api_feed(path)
    assert read_api_feed(path).entries
    # A line number counts the lines as text does.
    path.write_bytes(data.replace(b"\n", ending)[:-40] + b"oops" + ending)
    feed = feed_cache.read_bytes(path.read_bytes(), str(path), 2025)
    assert feed == read_api_feed(path)
    assert feed.diagnostics[0].source.line > 1


def test_a_build_stopped_by_errors_keeps_no_read_feed(project: Project):
    project.feed("a.txt", day_feed("2025-03-11", "Pruning One"))
    project.feed("b.json", "{not json")
    run = project.build()
    assert run.code == 1, run.err
    assert not (project.root / ".digest-cache" / feed_cache.FOLDER).exists()
