"""Fingerprints of rendering work: equal when the pages would be equal, and
different whenever anything a page shows differs (see ``site.fingerprints``)."""

from __future__ import annotations

import dataclasses
import pickle
from datetime import date
from functools import partial
from pathlib import Path
from typing import Any

import jinja2

from generator.core.errors import Source
from generator.reading.archive import Day, Paper
from generator.reading.entries import Link
from generator.site.fingerprints import (
    VOLATILE,
    Fingerprints,
    PaperHashes,
    names_used,
    paper_hashes,
)
from generator.site.views import (
    COPIED,
    DERIVED,
    GIVEN,
    PaperLink,
    PaperView,
    PaperViews,
    TopicTag,
    excerpt,
    short_authors,
)
from tests.conftest import PROJECT

DAY = date(2025, 3, 11)


def paper(slug: str, **changed: Any) -> Paper:
    made = Paper(
        slug, slug, slug.title(), "An abstract.", (DAY,), (Source("a.txt", 1),),
        authors=("Ada Lovelace",),
    )  # fmt: skip
    return dataclasses.replace(made, **changed)


#: What a view takes from beyond its paper (``views.GIVEN``), as ``views`` gives it.
GIVEN_HERE = {
    "topics": (TopicTag("pruning", "Pruning", "pruning"),),
    "keywords": ("pruning",),
    "related": ("other",),
    "number": 0,
}


def views(other: Paper | None = None, **changed: Any) -> PaperViews:
    """The views of a paper ``one`` and of the paper ``other`` related to
    it, with ``changed`` inputs: fields of ``one``'s paper, or of what
    ``GIVEN_HERE`` names (``related`` as slugs; ``number`` 0 or 1)."""
    given = GIVEN_HERE | {name: value for name, value in changed.items() if name in GIVEN_HERE}
    one = paper("one", **{name: value for name, value in changed.items() if name not in given})
    other = other or paper("other")
    papers = [other, one] if given["number"] else [one, other]
    return PaperViews(
        papers,
        {"one": given["topics"], "other": ()},
        {"one": given["keywords"], "other": ()},
        {"one": given["related"], "other": ()},
    )


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


def fingerprints(
    shown: PaperViews, listed: frozenset[str] | None, known: PaperHashes | None = None
) -> list[str]:
    """The fingerprints of ``one``'s page and of its day's page."""
    pages = Pages()
    extras = {Pages.paper: lambda paper: (), Pages.day: lambda day: ()}
    made = Fingerprints(["base"], shown, extras, {Pages.day: listed}, known)
    day = Day(DAY, (shown.papers["one"],))
    return [made(partial(pages.paper, paper=paper("one"))), made(partial(pages.day, day=day))]


def test_a_list_page_ignores_the_volatile_fields_its_templates_never_name():
    listed = frozenset({"title", "slug"})
    before = fingerprints(views(), listed)
    # Other keyphrases; other related papers; the related paper's title.
    changes = [views(keywords=()), views(related=()), views(other=paper("other", title="New"))]
    for field, changed in zip(("keywords", "related", "related"), changes, strict=True):
        after = fingerprints(changed, listed)
        assert after[0] != before[0], field  # the paper's own page shows it
        assert after[1] == before[1], field  # its day's page does not
        # Named by a list page's template, or with no list of names: seen.
        for named in (listed | {field}, None):
            assert fingerprints(changed, named)[1] != fingerprints(views(), named)[1], field


def test_a_list_page_sees_every_other_field_of_its_papers():
    listed = frozenset({"title"})
    before = fingerprints(views(), listed)
    steady = [name for name in (*COPIED, *GIVEN) if name not in VOLATILE and name != "slug"]
    for name in steady:
        value = GIVEN_HERE[name] if name in GIVEN_HERE else getattr(paper("one"), name)
        changed: Any = value + 1 if isinstance(value, int) else value + value[:1] or ONE[name]
        after = fingerprints(views(**{name: changed}), listed)
        assert after[0] != before[0] and after[1] != before[1], name


def test_a_view_is_made_of_what_its_fingerprint_covers():
    """Every field of a view is copied from its paper, made of such fields
    by digest's code alone, or given (topics, related papers, number): the
    fingerprints hash those, never the views (see ``fingerprints._hashed``)."""
    fields = [field.name for field in dataclasses.fields(PaperView)]
    assert sorted(fields) == sorted((*COPIED, *DERIVED, *GIVEN))
    made = views(arxiv_id="2503.00001", journal_ref="Nature 1 (2025)")
    one = made["one"]
    for name in COPIED:
        assert getattr(one, name) == getattr(made.papers["one"], name), name
    assert one.excerpt == excerpt(one.abstract)
    assert one.authors_short == short_authors(one.authors)
    assert (one.topics, one.keywords, one.number) == (
        GIVEN_HERE["topics"], GIVEN_HERE["keywords"], 0,
    )  # fmt: skip
    assert one.related == (PaperLink("other", "Other", 1),) and made["one"] is one


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
    """A paper holds the same string twice as one object or as two, as it
    was read from the feeds or from the cache of read feeds: pickle writes
    a second reference to one object as a back-reference, so the same
    pages had other fingerprints, and a build after one that missed a
    cache rendered every day and topic listing again."""
    name = "Ada"
    shared = views(authors=(name,), title=name, abstract=name)
    apart = views(
        authors=("".join(["A", "da"]),),
        title="".join(["A", "d", "a"]),
        abstract="".join(["Ad", "a"]),
    )
    assert shared["one"] == apart["one"]
    assert shared.papers["one"].title is not apart.papers["one"].title
    for listed in (frozenset({"title", "slug"}), None):
        assert fingerprints(shared, listed) == fingerprints(apart, listed)


def test_papers_hashed_in_another_process_give_the_same_fingerprints():
    """A build hashes what views are made of in a process of its own while
    it relates the papers (``prepared``), and the result comes back
    pickled: the fingerprints are those made in place, and they still
    change with each part of a view."""
    variants = [views(), views(title="New"), views(related=()), views(number=1)]
    variants += [views(other=paper("other", title="New")), views(keywords=())]
    for listed in (frozenset({"title", "slug"}), None):
        made = []
        for shown in variants:
            hashed = paper_hashes(list(shown.papers.values()), shown.tags)
            known = pickle.loads(pickle.dumps(hashed))
            made.append(fingerprints(shown, listed, known))
            assert made[-1] == fingerprints(shown, listed)
        assert len({page for pages in made for page in pages[:1]}) == len(variants)
