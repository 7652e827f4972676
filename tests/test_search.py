from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from generator.search import _postings


def decode(gaps: str) -> list[int]:
    """What the page's script does with a postings list."""
    numbers, previous = [], 0
    for gap in gaps.split(",") if gaps else []:
        previous += int(gap, 36)
        numbers.append(previous)
    return numbers


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sets(st.sampled_from("abcdefg")), max_size=40))
def test_postings_list_every_paper_of_each_term_in_order(papers):
    terms = [term for paper in papers for term in sorted(paper)]
    found = _postings(terms, [len(paper) for paper in papers])
    expected = {
        term: [number for number, paper in enumerate(papers) if term in paper]
        for term in set(terms)
    }
    assert {term: decode(text) for term, (text, _) in found.items()} == expected
    assert {term: count for term, (_, count) in found.items()} == {
        term: len(numbers) for term, numbers in expected.items()
    }


def test_gaps_beyond_three_base36_digits_are_spelled_out():
    counts = [1] + [0] * 99_998 + [1]
    ((text, count),) = _postings(["rare", "rare"], counts).values()
    assert text == "0,255r"  # 99,999 is 255r in base 36
    assert decode(text) == [0, 99_999] and count == 2
