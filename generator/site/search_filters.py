"""The data behind search filters (by topic, by date), made so that a
filtered query downloads little more than the same query without a filter,
and a filter without words needs no term shard at all.

- ``search/topics/<slug>/<k>.bin``: which of the papers numbered from
  ``k * TOPIC_PIECE`` up to the next piece are in the topic (every topic a
  paper is in, not only its primary one). Binary, in the shorter of two
  forms: a byte 0 and a bitmap (bit ``n % 8`` of byte ``n // 8``), at most
  one bit per paper however large the topic; or a byte 1 and the gaps
  between members as LEB128 varints, for a small topic. Pieces, so that a
  date filter fetches only those its range of papers spans.
- ``years`` in the entry point: the number of the first paper of each year.
- ``search/days/<year>.json``: the first paper of each day of that year, as
  one string of ``MMDD`` and the number in base 36, space apart; fetched only
  for a date that is not the first of a year.

Papers are numbered by first day (see ``search``), so a date filter is a range
of numbers: from the first paper of the first day on or after ``from`` up to
the first paper of the first day after ``to``. A paper is in a date range when
the day it first appeared is.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

from generator.analysis.terms import BASE36_DIGITS
from generator.analysis.topics import Topics
from generator.reading.archive import Paper

#: Papers per piece of a topic's members: 2 KB of bitmap.
TOPIC_PIECE = 16_384
_BITMAP, _GAPS = 0, 1


def membership(numbers: Iterable[int], papers: int) -> bytes:
    """Sorted paper numbers below ``papers``, as a topic piece holds them."""
    gaps = bytearray([_GAPS])
    previous = 0
    members = list(numbers)
    for number in members:
        gap, previous = number - previous, number
        while gap >= 0x80:
            gaps.append(gap & 0x7F | 0x80)
            gap >>= 7
        gaps.append(gap)
    if len(gaps) <= 1 + (papers + 7) // 8:
        return bytes(gaps)
    bits = bytearray(1 + (papers + 7) // 8)
    bits[0] = _BITMAP
    for number in members:
        bits[1 + (number >> 3)] |= 1 << (number & 7)
    return bytes(bits)


def members(piece: bytes) -> list[int]:
    """The paper numbers that ``membership`` wrote, as the page's script reads them."""
    if piece[0] == _BITMAP:
        return [n for n in range((len(piece) - 1) * 8) if piece[1 + (n >> 3)] >> (n & 7) & 1]
    numbers, number, gap, shift = [], 0, 0, 0
    for byte in piece[1:]:
        gap |= (byte & 0x7F) << shift
        shift += 7
        if byte < 0x80:
            number += gap
            numbers.append(number)
            gap = shift = 0
    return numbers


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


def filter_files(papers: Sequence[Paper], topics: Topics) -> tuple[dict[str, Any], dict[str, Any]]:
    """The topic and day files of the search index, by path, and what the
    entry point says of them (``years``, ``topic_piece``); ``papers`` in
    number order."""
    number = {paper.slug: at for at, paper in enumerate(papers)}
    files: dict[str, Any] = {}
    for topic in topics.topics:
        pieces: list[list[int]] = [[] for _ in range(0, len(papers), TOPIC_PIECE)]
        for paper in topic.papers:
            piece, at = divmod(number[paper.slug], TOPIC_PIECE)
            pieces[piece].append(at)
        for piece, numbers in enumerate(pieces):
            size = min(TOPIC_PIECE, len(papers) - piece * TOPIC_PIECE)
            files[f"search/topics/{topic.slug}/{piece}.bin"] = membership(sorted(numbers), size)
    years: dict[str, int] = {}
    by_year: dict[int, list[str]] = {}
    for day, start in first_days(papers).items():
        years.setdefault(str(day.year), start)
        by_year.setdefault(day.year, []).append(f"{day:%m%d}{base36(start)}")
    for year, days in by_year.items():
        files[f"search/days/{year}.json"] = " ".join(days)
    return files, {"years": years, "topic_piece": TOPIC_PIECE}
