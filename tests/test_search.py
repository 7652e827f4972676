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
@given(st.sets(st.integers(0, 200_000)))
def test_postings_decode_to_the_sorted_paper_numbers(numbers):
    assert decode(_postings(sorted(numbers))) == sorted(numbers)


def test_gaps_beyond_three_base36_digits_are_spelled_out():
    assert _postings([0, 99_999, 99_999 + 46_656]) == "0,255r,1000"
