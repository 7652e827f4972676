from __future__ import annotations

import dataclasses
import re
from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from generator.core.errors import Source
from generator.reading.archive import merge, paper_key, paper_slug
from generator.reading.entries import Entry, Link

SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")


def entry(
    title: str, abstract: str = "An abstract.", day: int = 11, path: str = "a.txt", line: int = 1
):
    return Entry(title, abstract, date(2025, 3, day), Source(path, line))


def test_same_title_with_other_spacing_case_and_normalisation_is_one_paper():
    archive, problems = merge(
        [
            entry("Pointer Networks", day=11),
            entry("pointer  NETWORKS", day=13, path="b.txt"),
            entry("Pointer\u00a0Networks", day=14, path="c.txt"),
        ]
    )
    assert len(archive.papers) == 1
    paper = archive.papers[0]
    assert paper.title == "Pointer Networks"
    assert paper.days == (date(2025, 3, 11), date(2025, 3, 13), date(2025, 3, 14))
    assert [str(s) for s in paper.sources] == ["a.txt:1", "b.txt:1", "c.txt:1"]
    assert problems == []


def test_composed_and_decomposed_accents_are_the_same_paper():
    assert paper_key("Fr\u00e9chet Net") == paper_key("Fre\u0301chet net")


def test_same_day_in_two_feeds_counts_once():
    archive, _ = merge([entry("A", path="a.txt"), entry("A", path="b.txt")])
    assert [len(d.papers) for d in archive.days] == [1]
    assert archive.papers[0].days == (date(2025, 3, 11),)


def test_two_abstracts_keep_the_longest_and_warn():
    archive, problems = merge(
        [
            entry("A", "Short.", path="a.txt", line=3),
            entry("A", "Much longer abstract.", path="b.txt", line=5),
        ]
    )
    assert archive.papers[0].abstract == "Much longer abstract."
    assert [str(p) for p in problems] == [
        "a.txt:3: warning: 'A' also appears with a different abstract; "
        "the longest one (from b.txt:5) is kept"
    ]


def test_missing_abstract_is_filled_from_another_feed_without_a_warning():
    archive, problems = merge([entry("A", ""), entry("A", "Here it is.", path="b.txt")])
    assert archive.papers[0].abstract == "Here it is."
    assert problems == []


def test_days_keep_feed_order_and_are_sorted():
    archive, _ = merge(
        [entry("Z", day=13, line=1), entry("B", day=11, line=9), entry("C", day=11, line=2)]
    )
    assert [(d.date.day, [p.title for p in d.papers]) for d in archive.days] == [
        (11, ["C", "B"]),
        (13, ["Z"]),
    ]


def test_merge_does_not_depend_on_input_order():
    entries = [
        entry(t, day=d, path=p, line=n)
        for n, (t, d, p) in enumerate(
            [("A", 11, "x.txt"), ("b", 12, "y.txt"), ("B", 11, "z.txt"), ("C", 13, "x.txt")],
            start=1,
        )
    ]
    assert merge(entries) == merge(list(reversed(entries)))


def test_slugs_are_readable_bounded_and_never_empty():
    assert paper_slug("Pointer Networks", "pointer networks").startswith("pointer-networks-")
    for title in ["???", "漢字だけ", "😀😀", "", "../../etc/passwd", "/abs/path", "CON", "index"]:
        slug = paper_slug(title, paper_key(title))
        assert SLUG.fullmatch(slug), slug
        assert slug not in {"con", "index"}
    assert len(paper_slug("word " * 200, "k")) <= 70


def test_titles_that_slugify_alike_get_different_slugs():
    archive, _ = merge([entry("C++ Models"), entry("C Models"), entry("c-models!")])
    slugs = [p.slug for p in archive.papers]
    assert len(set(slugs)) == 3
    assert all(s.startswith("c-models-") for s in slugs)


def test_adding_papers_never_changes_existing_slugs():
    before, _ = merge([entry("Pointer Networks"), entry("Pointer-Networks?")])
    after, _ = merge(
        [entry("Pointer Networks"), entry("Pointer-Networks?"), entry("Pointer Networks!", day=12)]
    )
    old = {p.key: p.slug for p in before.papers}
    assert all(p.slug == old[p.key] for p in after.papers if p.key in old)


@given(st.lists(st.text(min_size=1, max_size=80), max_size=30))
def test_slugs_are_unique_safe_and_short_for_any_titles(titles):
    titles = [t for t in titles if t.strip()]
    archive, _ = merge([entry(t, line=i + 1) for i, t in enumerate(titles)])
    slugs = [p.slug for p in archive.papers]
    assert len(slugs) == len(set(slugs)) == len({paper_key(t) for t in titles})
    for slug in slugs:
        assert SLUG.fullmatch(slug) and len(slug.encode()) <= 100


def test_equal_length_abstracts_are_chosen_by_a_fixed_rule():
    one, two = entry("A", "Alpha abstract."), entry("A", "Betaa abstract.", path="b.txt")
    assert (
        merge([one, two])[0].papers[0].abstract
        == merge([two, one])[0].papers[0].abstract
        == "Alpha abstract."
    )


def with_id(title: str, arxiv_id: str, day: int = 11, path: str = "a.json") -> Entry:
    return Entry(title, "An abstract.", date(2025, 3, day), Source(path, 1), arxiv_id=arxiv_id)


def test_entries_with_one_arxiv_id_are_one_paper_whatever_their_titles():
    archive, _ = merge(
        [
            with_id("MM-Eureka: Exploring", "2503.07365", day=10, path="arxiv.json"),
            with_id("MM-Eureka (another title)", "2503.07365", day=11, path="hf.json"),
            entry("mm-eureka (another TITLE)", day=12, path="c.txt"),
        ]
    )
    [paper] = archive.papers
    assert (paper.title, paper.arxiv_id, len(paper.days)) == (
        "MM-Eureka: Exploring",
        "2503.07365",
        3,
    )
    # The slug is the one a title-only merge gave, so no URL changes.
    assert paper.slug == paper_slug(paper.title, paper_key(paper.title))


def test_one_title_with_two_arxiv_ids_is_two_papers_with_distinct_slugs():
    archive, _ = merge(
        [
            with_id("Attention Is All You Need", "1706.03762", path="a.json"),
            with_id("Attention is all you need", "2501.00001", path="b.json"),
            entry("Attention is all you need", path="c.txt"),
        ]
    )
    assert sorted(len(p.sources) for p in archive.papers) == [1, 2]
    assert len({p.slug for p in archive.papers}) == 2
    joined = next(p for p in archive.papers if len(p.sources) == 2)
    assert joined.arxiv_id == "1706.03762"


_words = st.text(alphabet="ab ", max_size=6)
_links = st.lists(
    st.builds(Link, st.integers(0, 3), st.sampled_from(["arXiv", "PDF"]), st.sampled_from("uvw")),
    max_size=4,
)


@given(
    st.builds(
        Entry,
        title=st.text(alphabet="ab", min_size=1, max_size=4),
        abstract=_words,
        day=st.dates(date(2025, 1, 1), date(2025, 1, 9)),
        source=st.just(Source("a.txt", 1)),
        arxiv_id=st.sampled_from(["", "2501.00001"]),
        authors=st.lists(_words, max_size=2).map(tuple),
        upvotes=st.integers(0, 3),
        links=_links.map(tuple),
        categories=st.lists(_words, max_size=2).map(tuple),
        journal_ref=_words,
        keywords=st.lists(_words, max_size=2).map(tuple),
    )
)
def test_a_paper_of_one_entry_is_what_the_rule_for_several_makes_of_it(alone: Entry):
    """Most papers have one entry, and skip choosing between entries: the
    paper is the one that the same entry read twice (same day, another
    line) makes, but for its sources."""
    [paper] = merge([alone])[0].papers
    twice = dataclasses.replace(alone, source=Source("a.txt", 2))
    [rule] = merge([alone, twice])[0].papers
    assert paper == dataclasses.replace(rule, sources=(alone.source,))
