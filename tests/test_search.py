from __future__ import annotations

from datetime import date
from unittest.mock import patch

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from generator.analysis import postings, related
from generator.analysis.paper_terms import BREAK, text_tokens
from generator.analysis.postings import spelled_gaps
from generator.analysis.related import relate
from generator.analysis.terms import STOP_WORDS, words
from generator.analysis.topics import classify
from generator.core.errors import Source
from generator.reading.archive import merge, numbered
from generator.reading.entries import Entry
from generator.site import search_files as search
from generator.site.search_files import front_coded, search_files, shard_keys


def decode(gaps: str) -> list[int]:
    """What the page's script does with a postings list."""
    numbers, previous = [], 0
    for gap in gaps.split(",") if gaps else []:
        previous += int(gap, 36)
        numbers.append(previous)
    return numbers


def gap_list(numbers: list[int]) -> str:
    return ",".join(spelled_gaps(np.diff(np.array(numbers, np.int64), prepend=0)))


@settings(max_examples=200, deadline=None)
@given(st.sets(st.integers(0, 200_000)))
def test_postings_decode_to_the_sorted_paper_numbers(numbers):
    assert decode(gap_list(sorted(numbers))) == sorted(numbers)


def test_gaps_beyond_three_base36_digits_are_spelled_out():
    assert gap_list([0, 99_999, 99_999 + 46_656]) == "0,255r,1000"


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",))))
def test_the_words_counted_for_related_papers_are_the_search_words(text):
    assert [token for token in text_tokens(text) if token != BREAK] == words(text)


_VOCABULARY = ("graph", "Graphs", "pruning", "of", "the", "naïve", "x", "2024", "(LLM)", "llm.")


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.lists(st.sampled_from(_VOCABULARY), min_size=1, max_size=4),
            st.lists(st.sampled_from(_VOCABULARY), max_size=12),
            st.integers(1, 5),
        ),
        max_size=12,
    )
)
def test_postings_name_every_paper_with_the_word(papers):
    """A word in the abstracts of more than two papers (here) keeps its title
    postings only. Papers are split into runs of three, and the postings
    spelled three pairs at a time, so that every seam is crossed."""
    entries = [
        Entry(" ".join(title), " ".join(abstract), date(2025, 3, day), Source("f.txt", line))
        for line, (title, abstract, day) in enumerate(papers, start=1)
    ]
    archive, _ = merge(entries)
    topics = classify(archive, ())
    with (
        patch.object(search, "COMMON_MIN", 2),
        patch.object(search, "COMMON_SHARE", 0.0),
        patch.object(postings, "SLICE_PAIRS", 3),
        patch.object(related, "CHUNK_PAPERS", 3),
    ):
        files = search_files(archive, topics, relate(archive).search_words)
    found = {
        term: (decode(in_title), None if in_abstract is None else decode(in_abstract))
        for path, shard in files.items()
        if path.startswith("search/terms/")
        for term, (in_title, in_abstract) in shard.items()
    }
    expected: dict[str, tuple[list[int], list[int]]] = {}
    for number, paper in enumerate(numbered(archive)):
        title = set(words(paper.title))
        for term in title:
            expected.setdefault(term, ([], []))[0].append(number)
        for term in set(words(paper.abstract)) - title - STOP_WORDS:
            expected.setdefault(term, ([], []))[1].append(number)
    assert found == {
        term: (in_title, None if len(in_abstract) > 2 else in_abstract)
        for term, (in_title, in_abstract) in expected.items()
    }


@settings(max_examples=200, deadline=None)
@given(st.sets(st.text(alphabet="abz0\U00020000\U00020001é", min_size=1, max_size=9)))
def test_front_coded_shard_keys_read_back_as_written(keys):
    coded = front_coded(sorted(keys))
    assert shard_keys(coded) == sorted(keys)
    assert len(coded) <= len(" ".join(keys)) + len(keys)


@settings(max_examples=100, deadline=None)
@given(
    st.lists(st.tuples(st.text("abcé ", min_size=1, max_size=6), st.integers(1, 4)), max_size=15)
)
def test_papers_are_numbered_by_first_day_then_url_name(papers):
    """The numbers of the search and library data: a new day's papers come
    after every earlier paper, and a day's own papers go by URL name."""
    entries = [
        Entry(title, "", date(2025, 3, day), Source("f.txt", line))
        for line, (title, day) in enumerate(papers, start=1)
    ]
    archive, _ = merge(entries)
    order = [(paper.days[0], paper.slug) for paper in numbered(archive)]
    assert order == sorted(order) and len(order) == len(archive.papers)
