"""Fingerprints of rendering work: equal when the pages would be equal, and
different whenever anything a page shows differs (see ``site.fingerprints``)."""

from __future__ import annotations

import dataclasses
from datetime import date
from functools import partial
from pathlib import Path
from typing import Any

import jinja2

from generator.core.errors import Source
from generator.reading.archive import Day, Paper
from generator.reading.entries import Link
from generator.site.fingerprints import VOLATILE, Fingerprints, names_used
from generator.site.views import PaperLink, PaperView, TopicTag
from tests.conftest import PROJECT

DAY = date(2025, 3, 11)


def paper(slug: str) -> Paper:
    return Paper(slug, slug, slug.title(), "An abstract.", (DAY,), (Source("a.txt", 1),))


def view(slug: str, **changed: Any) -> PaperView:
    shown = PaperView(
        slug=slug,
        title=slug.title(),
        abstract="An abstract.",
        excerpt="An abstract.",
        days=(DAY,),
        topics=(TopicTag("pruning", "Pruning", "pruning"),),
        arxiv_id="",
        authors=("Ada Lovelace",),
        authors_short="A. Lovelace",
        links=(),
        categories=(),
        journal_ref="",
        keywords=("pruning",),
        related=(PaperLink("other", "Other", 1),),
        number=0,
    )
    return dataclasses.replace(shown, **changed)


#: A value for each field that ``view`` leaves empty.
ONE = {
    "arxiv_id": "2503.00001",
    "links": (Link(0, "arXiv", "https://arxiv.org/abs/2503.00001"),),
    "categories": ("cs.LG",),
    "journal_ref": "Nature 1 (2025)",
}


class Pages:
    """Stands for the renderer: jobs are its methods, as ``render``'s are."""

    def paper(self, paper: Paper) -> None: ...

    def day(self, day: Day) -> None: ...


def fingerprints(views: dict[str, PaperView], listed: frozenset[str] | None) -> list[str]:
    """The fingerprints of a paper's page and of its day's page."""
    pages = Pages()
    extras = {Pages.paper: lambda paper: (), Pages.day: lambda day: ()}
    made = Fingerprints(["base"], views, extras, {Pages.day: listed})
    day = Day(DAY, (paper("one"),))
    return [made(partial(pages.paper, paper=paper("one"))), made(partial(pages.day, day=day))]


def test_a_list_page_ignores_the_volatile_fields_its_templates_never_name():
    listed = frozenset({"title", "slug"})
    before = fingerprints({"one": view("one")}, listed)
    for field in VOLATILE:
        changed = {field: ()}
        after = fingerprints({"one": view("one", **changed)}, listed)
        assert after[0] != before[0], field  # the paper's own page shows it
        assert after[1] == before[1], field  # its day's page does not
        # Named by a list page's template, or with no list of names: seen.
        for named in (listed | {field}, None):
            with_it = fingerprints({"one": view("one")}, named)
            assert fingerprints({"one": view("one", **changed)}, named)[1] != with_it[1]


def test_a_list_page_sees_every_other_field_of_its_papers():
    listed = frozenset({"title"})
    before = fingerprints({"one": view("one")}, listed)
    for field in dataclasses.fields(PaperView):
        if field.name in VOLATILE or field.name == "slug":
            continue
        value = getattr(view("one"), field.name)
        changed: Any = value + 1 if isinstance(value, int) else value + value[:1] or ONE[field.name]
        after = fingerprints({"one": view("one", **{field.name: changed})}, listed)
        assert after[0] != before[0] and after[1] != before[1], field.name


def test_the_themes_list_pages_name_no_related_papers():
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(Path(PROJECT) / "templates"))
    for template in ("day.html", "topic.html"):
        named = names_used(env, [template])
        assert named is not None
        assert "related" not in named and "title" in named
    # A day's page names no keywords (a topic's page names its topic's).
    assert "keywords" not in (names_used(env, ["day.html"]) or {"keywords"})
    # The paper page names them; a template that cannot be read names anything.
    assert "related" in (names_used(env, ["paper.html"]) or ())
    assert names_used(env, ["no-such-template.html"]) is None


def test_a_field_named_only_in_a_string_counts_as_named(tmp_path: Path):
    (tmp_path / "day.html").write_text(
        '{% for p in papers %}{{ p | attr("related") }}{% endfor %}', encoding="utf-8"
    )
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(tmp_path))
    assert "related" in (names_used(env, ["day.html"]) or ())


def test_equal_views_have_equal_fingerprints_however_their_values_are_shared():
    """A view holds the same string twice as one object or as two, as its
    papers were read from the feeds or from the cache of read feeds: pickle
    writes a second reference to one object as a back-reference, so the
    same pages had other fingerprints, and a build after one that missed a
    cache rendered every day and topic listing again."""
    name = "Ada"
    shared = view("one", authors=(name,), authors_short=name, title=name)
    apart = view(
        "one",
        authors=("".join(["A", "da"]),),
        authors_short="".join(["Ad", "a"]),
        title="".join(["A", "d", "a"]),
    )
    assert shared == apart and shared.authors_short is not apart.authors_short
    for listed in (frozenset({"title", "slug"}), None):
        assert fingerprints({"one": shared}, listed) == fingerprints({"one": apart}, listed)
