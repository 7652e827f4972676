"""A site's ``templates/`` and ``static/`` override the built-in theme file by
file: a file there wins, every other one comes from the theme, and a site's
template can extend the built-in one it replaces as ``theme/NAME``."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from generator.commands.build import STATIC
from tests.conftest import ABSTRACT, Project
from tests.test_incremental import snapshot

#: What the site's own base.html adds to every page, inside the theme's own.
NOTE = '<p class="our-note">Curated by the lab.</p>'
BASE = (
    '{% extends "theme/base.html" %}\n{% block footer %}{{ super() }}' + NOTE + "{% endblock %}\n"
)
STYLE = "body { color: teal }\n"


def site_with_papers(project: Project) -> Project:
    project.feed(
        "a.txt",
        f"Mar 11\n\nPruning Things\n\n{ABSTRACT}\n\nTransformers Everywhere\n\n{ABSTRACT}\n",
    )
    return project


def overrides(project: Project) -> None:
    """A site overriding only ``templates/base.html`` and ``static/style.css``."""
    (project.root / "templates").mkdir()
    (project.root / "templates" / "base.html").write_text(BASE, encoding="utf-8")
    (project.root / "static").mkdir()
    (project.root / "static" / "style.css").write_text(STYLE, encoding="utf-8")


def test_a_site_overrides_one_template_and_one_static_file_and_inherits_the_rest(
    project: Project, tmp_path: Path
):
    site_with_papers(project)
    plain = tmp_path / "plain"
    assert project.build("--out", plain).code == 0
    overrides(project)
    run = project.build()
    assert run.code == 0, run.err
    ours, theirs = snapshot(project.out), snapshot(plain)
    assert ours.keys() == theirs.keys()
    pages = [name for name in ours if name.endswith(".html")]
    assert len(pages) > 5
    for name, data in ours.items():
        if name == ".digest-build.json":
            continue
        if name == "static/style.css":
            assert data == STYLE.encode()
        elif name.startswith("static/"):  # byte for byte the built-in theme's file
            assert data == (STATIC / name.removeprefix("static/")).read_bytes(), name
        elif name.endswith(".html"):  # the theme's page, with what base.html adds
            assert data.count(NOTE.encode()) == 1, name
            assert data.replace(NOTE.encode(), b"") == theirs[name], name
        else:
            assert data == theirs[name], name
    assert {name.removeprefix("static/") for name in ours if name.startswith("static/")} == {
        path.relative_to(STATIC).as_posix() for path in STATIC.rglob("*") if path.is_file()
    }


def test_a_theme_template_uses_a_site_s_override_of_a_partial(project: Project):
    """The theme's day page takes its paper cards from ``partials/paper_card.html``
    by name, so a site's own card is used there, and can wrap the theme's."""
    site_with_papers(project)
    (project.root / "templates" / "partials").mkdir(parents=True)
    (project.root / "templates" / "partials" / "paper_card.html").write_text(
        '{% import "theme/partials/paper_card.html" as theme %}\n'
        "{% macro paper_card(paper, root, primary_shown) %}"
        '<div class="our-card">{{ theme.paper_card(paper, root, primary_shown) }}</div>'
        "{% endmacro %}\n",
        encoding="utf-8",
    )
    run = project.build()
    assert run.code == 0, run.err
    day = (project.out / "days" / "2025-03-11" / "index.html").read_text("utf-8")
    assert day.count('<div class="our-card"><article class="paper-card" data-n="') == 2


def test_changing_an_override_rebuilds_and_removing_it_brings_the_theme_back(
    project: Project,
):
    site_with_papers(project)
    overrides(project)
    assert project.build().code == 0
    style = project.root / "static" / "style.css"
    style.write_text("body { color: navy }\n", encoding="utf-8")
    run = project.build()
    assert run.code == 0 and "up to date" not in run.out, run.out
    assert (project.out / "static" / "style.css").read_text("utf-8") == "body { color: navy }\n"
    style.unlink()
    (project.root / "templates" / "base.html").unlink()
    run = project.build()
    assert run.code == 0 and "up to date" not in run.out, run.out
    assert (project.out / "static" / "style.css").read_bytes() == (
        STATIC / "style.css"
    ).read_bytes()
    assert NOTE not in (project.out / "index.html").read_text("utf-8")


def test_a_new_built_in_template_reaches_the_pages_a_site_does_not_override(
    project: Project, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """Pages are kept between builds by what they read: the built-in theme
    is part of that beside the site's own templates, so a new digest's
    theme reaches every page the site leaves to it."""
    from generator.commands import build

    theme = tmp_path / "theme"
    shutil.copytree(build.TEMPLATES, theme)
    monkeypatch.setattr(build, "TEMPLATES", theme)
    site_with_papers(project)
    overrides(project)
    assert project.build().code == 0
    paper = theme / "paper.html"
    paper.write_text(
        paper.read_text(encoding="utf-8").replace("<h1>", '<p class="new-theme">new</p><h1>', 1),
        encoding="utf-8",
    )
    run = project.build()
    assert run.code == 0, run.err
    pages = sorted((project.out / "papers").glob("*/index.html"))
    assert len(pages) == 2
    for page in pages:
        assert 'class="new-theme"' in page.read_text(encoding="utf-8")
