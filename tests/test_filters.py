"""The data behind search filters: topic members and the first paper of each
year and day (the page's reading of them is in test_browser)."""

from __future__ import annotations

from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from generator.config import TopicRule
from generator.errors import Source
from generator.feeds import Entry
from generator.filters import filter_files, members, membership
from generator.model import merge
from generator.search import numbered
from generator.topics import classify

numbers_of_an_archive = st.integers(1, 3000).flatmap(
    lambda papers: st.tuples(st.just(papers), st.sets(st.integers(0, papers - 1)))
)


@settings(max_examples=300, deadline=None)
@given(numbers_of_an_archive)
def test_topic_members_read_back_in_the_shorter_spelling(case):
    papers, numbers = case
    spelled = membership(sorted(numbers), papers)
    assert members(spelled) == sorted(numbers)
    bitmap = -(-((papers + 7) // 8) // 3) * 4  # base 64 of one bit per paper
    assert len(next(iter(spelled.values()))) <= bitmap


def test_a_large_topic_is_a_bitmap_and_a_small_one_a_list():
    assert "bits" in membership(range(0, 1000, 2), 1000)
    assert membership([5, 40, 1300], 100_000) == {"gaps": "5,z,z0"}  # gaps 5, 35, 1260
    assert membership([], 10) == {"gaps": ""}


def test_topic_members_and_first_papers_of_each_year_and_day():
    rules = (TopicRule("Pruning", "pruning", "", ("pruning",), ()),)
    days = [date(2024, 12, 30), date(2025, 1, 2), date(2025, 3, 11), date(2025, 3, 11)]
    entries = [
        Entry(f"{'Pruning' if n % 2 else 'Graphs'} paper {n}", "", day, Source("f.txt", n))
        for n, day in enumerate(days, start=1)
    ]
    archive, _ = merge(entries)
    papers = numbered(archive)
    files, years = filter_files(papers, classify(archive, rules))
    assert years == {"2024": 0, "2025": 1}
    assert files["search/days/2024.json"] == {"2024-12-30": 0}
    assert files["search/days/2025.json"] == {"2025-01-02": 1, "2025-03-11": 2}
    pruning = [n for n, paper in enumerate(papers) if paper.title.startswith("Pruning")]
    assert members(files["search/topics/pruning.json"]) == pruning
    assert members(files["search/topics/other.json"]) == sorted({0, 1, 2, 3} - set(pruning))
