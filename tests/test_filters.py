"""The data behind search filters: topic members and the first paper of each
year and day (the page's reading of them is in test_browser)."""

from __future__ import annotations

from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from generator.analysis.topics import classify
from generator.config.digest_yaml import TopicRule
from generator.core.errors import Source
from generator.reading.archive import merge
from generator.reading.entries import Entry
from generator.site import search_filters as filters
from generator.site.search_filters import filter_files, members, membership
from generator.site.views import numbered

numbers_of_an_archive = st.integers(1, 3000).flatmap(
    lambda papers: st.tuples(st.just(papers), st.sets(st.integers(0, papers - 1)))
)


@settings(max_examples=300, deadline=None)
@given(numbers_of_an_archive)
def test_topic_members_read_back_in_the_shorter_form(case):
    papers, numbers = case
    piece = membership(sorted(numbers), papers)
    assert members(piece) == sorted(numbers)
    assert len(piece) <= 1 + (papers + 7) // 8  # never more than a bit per paper


def test_a_large_topic_is_a_bitmap_and_a_small_one_gaps():
    assert membership(range(0, 1000, 2), 1000)[0] == 0
    # Gaps 5, 35 and 1260: one byte each below 128, then 7 bits a byte.
    assert membership([5, 40, 1300], 16_384) == bytes([1, 5, 35, 0xEC, 0x09])
    assert membership([], 10) == bytes([1])


def test_topic_members_by_pieces_and_the_first_papers_of_each_year_and_day(monkeypatch):
    monkeypatch.setattr(filters, "TOPIC_PIECE", 3)
    rules = (TopicRule("Pruning", "pruning", "", ("pruning",), ()),)
    days = [date(2024, 12, 30), date(2025, 1, 2), date(2025, 3, 11), date(2025, 3, 11)]
    entries = [
        Entry(f"{'Pruning' if n % 2 else 'Graphs'} paper {n}", "", day, Source("f.txt", n))
        for n, day in enumerate(days, start=1)
    ]
    archive, _ = merge(entries)
    papers = numbered(archive)
    files, entry_point = filter_files(papers, classify(archive, rules))
    assert entry_point == {"years": {"2024": 0, "2025": 1}, "topic_piece": 3}
    assert files["search/days/2024.json"] == "12300"
    assert files["search/days/2025.json"] == "01021 03112"

    def topic(slug: str) -> list[int]:
        pieces = [files[f"search/topics/{slug}/{piece}.bin"] for piece in (0, 1)]
        assert f"search/topics/{slug}/2.bin" not in files
        return [*members(pieces[0]), *(3 + n for n in members(pieces[1]))]

    pruning = [n for n, paper in enumerate(papers) if paper.title.startswith("Pruning")]
    assert topic("pruning") == pruning
    assert topic("other") == sorted({0, 1, 2, 3} - set(pruning))
