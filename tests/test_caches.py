"""Work a build keeps for the next one, outside the site: the topics of
papers (placing is a fifth of a large build) and the pages themselves."""

from __future__ import annotations

import pytest

from generator.analysis import topics
from generator.reading.archive import Paper
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
