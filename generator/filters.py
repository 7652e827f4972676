"""The data behind search filters (by topic, by date), made so that a
filtered query downloads little more than the same query without a filter,
and a filter without words needs no term shard at all.

- ``search/topics/<slug>.json``: the numbers of a topic's papers (every
  topic a paper is in, not only its primary one), as base-36 gaps or, where
  that would be longer, as a bitmap of the archive in base 64: at most one
  bit per paper, 17 KB at 100,000 papers, however large the topic.
- ``years`` in the entry point: the number of the first paper of each year.
- ``search/days/<year>.json``: the number of the first paper of each day of
  that year, fetched only for a date that is not the first of a year.

Papers are numbered by first day (see ``search``), so a date filter is a range
of numbers: from the first paper of the first day on or after ``from`` up to
the first paper of the first day after ``to``. A paper is in a date range when
the day it first appeared is.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from datetime import date
from typing import Any

from generator.model import Paper
from generator.terms import BASE36_DIGITS
from generator.topics import Topics


def membership(numbers: Sequence[int], papers: int) -> dict[str, str]:
    """Sorted paper numbers out of ``papers``, in the shorter of two
    spellings: ``{"gaps": "0,3,1z"}`` or ``{"bits": base64}`` (bit ``n % 8``
    of byte ``n // 8`` for paper ``n``)."""
    spelled, previous = [], 0
    for number in numbers:
        spelled.append(base36(number - previous))
        previous = number
    gaps = ",".join(spelled)
    if len(gaps) <= -(-((papers + 7) // 8) // 3) * 4:
        return {"gaps": gaps}
    bits = bytearray((papers + 7) // 8)
    for number in numbers:
        bits[number >> 3] |= 1 << (number & 7)
    return {"bits": base64.b64encode(bytes(bits)).decode("ascii")}


def members(spelled: dict[str, str]) -> list[int]:
    """The paper numbers that ``membership`` wrote, as the page's script reads them."""
    if "gaps" in spelled:
        numbers, previous = [], 0
        for gap in spelled["gaps"].split(",") if spelled["gaps"] else []:
            previous += int(gap, 36)
            numbers.append(previous)
        return numbers
    bits = base64.b64decode(spelled["bits"])
    return [n for n in range(len(bits) * 8) if bits[n >> 3] >> (n & 7) & 1]


def base36(number: int) -> str:
    digits = ""
    while True:
        number, digit = divmod(number, 36)
        digits = BASE36_DIGITS[digit] + digits
        if not number:
            return digits


def first_days(papers: Sequence[Paper]) -> dict[date, int]:
    """Per first day, the number of its first paper (``papers`` in number order)."""
    starts: dict[date, int] = {}
    for number, paper in enumerate(papers):
        if paper.days:
            starts.setdefault(paper.days[0], number)
    return starts


def filter_files(papers: Sequence[Paper], topics: Topics) -> tuple[dict[str, Any], dict[str, int]]:
    """The topic and day files of the search index, by path, and the
    entry point's ``years``; ``papers`` in number order."""
    number = {paper.slug: at for at, paper in enumerate(papers)}
    files: dict[str, Any] = {
        f"search/topics/{topic.slug}.json": membership(
            sorted(number[paper.slug] for paper in topic.papers), len(papers)
        )
        for topic in topics.topics
    }
    years: dict[str, int] = {}
    by_year: dict[int, dict[str, int]] = {}
    for day, start in first_days(papers).items():
        years.setdefault(str(day.year), start)
        by_year.setdefault(day.year, {})[day.isoformat()] = start
    for year, days in by_year.items():
        files[f"search/days/{year}.json"] = days
    return files, years
