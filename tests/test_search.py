from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from generator.search import _postings, front_coded, shard_keys


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


@settings(max_examples=200, deadline=None)
@given(st.sets(st.text(alphabet="abz0\U00020000\U00020001é", min_size=1, max_size=9)))
def test_front_coded_shard_keys_read_back_as_written(keys):
    coded = front_coded(sorted(keys))
    assert shard_keys(coded) == sorted(keys)
    assert len(coded) <= len(" ".join(keys)) + len(keys)
