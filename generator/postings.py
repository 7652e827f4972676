"""Which papers have each search word: the postings of the term shards.

The words of a run of papers are found where they are split for related
papers (in a worker, see ``related``), as pairs of a word and a paper; the
search index then only numbers the words of all runs and sorts the pairs,
with numpy. Splitting every text again, and a Python step per word and
paper, was most of the cost of the search index.

A word's postings are its papers' numbers, sorted, as base-36 gaps.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from generator.search import BASE36_DIGITS, STOP_WORDS
from generator.vocabulary import number_words


@dataclass(frozen=True, slots=True)
class RunWords:
    """The search words of a run of papers, each pair of a word and a paper
    with it as one number: the word's place in ``spelled`` times ``papers``,
    plus the paper's place in the run; sorted, so by word, then paper."""

    start: int
    """The first paper's place in the archive."""
    papers: int
    spelled: list[str]
    titles: np.ndarray
    abstracts: np.ndarray
    """Pairs of a word found only in the abstract; stop words left out."""


def run_words(
    start: int,
    spelled: list[str],
    ids: np.ndarray,
    owner: np.ndarray,
    in_title: np.ndarray,
    in_abstract: np.ndarray,
    papers: int,
) -> RunWords:
    """The search words of a run of ``papers`` papers from its words, given
    as places in ``spelled`` (``ids``), the paper of each (``owner``) and
    whether it is one of a title's or an abstract's search words."""
    pairs = ids.astype(np.int64) * papers + owner
    titles = _distinct(pairs[in_title])
    stop = np.fromiter(map(STOP_WORDS.__contains__, spelled), bool, len(spelled))
    abstracts = _distinct(pairs[in_abstract & ~stop[ids]])
    if len(titles):
        at = np.minimum(np.searchsorted(titles, abstracts), len(titles) - 1)
        abstracts = abstracts[titles[at] != abstracts]
    return RunWords(start, papers, spelled, titles, abstracts)


def term_postings(
    runs: Sequence[RunWords], numbers: np.ndarray, common: float
) -> dict[str, list[str | None]]:
    """Per search word, the postings of the papers with it in the title,
    then of those with it only in the abstract, the latter ``None`` for a
    word in more than ``common`` abstracts. ``numbers`` gives each paper's
    number by its place in the archive."""
    spelled, ids = number_words([word for run in runs for word in run.spelled])
    offsets = itertools.accumulate((len(run.spelled) for run in runs), initial=0)
    count = len(numbers)
    titles: list[np.ndarray] = []
    abstracts: list[np.ndarray] = []
    for run, offset in zip(runs, offsets, strict=False):
        for pairs, into in ((run.titles, titles), (run.abstracts, abstracts)):
            words, papers = np.divmod(pairs, run.papers)
            into.append(ids[offset + words] * count + numbers[run.start + papers])
    entries: dict[str, list[str | None]] = {}
    for term, postings, _ in _grouped(_joined(titles), count):
        entries[spelled[term]] = [postings, ""]
    for term, postings, papers_with in _grouped(_joined(abstracts), count):
        entry = entries.setdefault(spelled[term], ["", ""])
        entry[1] = None if papers_with > common else postings
    return entries


def _joined(parts: list[np.ndarray]) -> np.ndarray:
    joined: np.ndarray = np.sort(np.concatenate(parts)) if parts else np.zeros(0, np.int64)
    return joined


def _distinct(numbers: np.ndarray) -> np.ndarray:
    """The distinct numbers, sorted: ``np.unique`` hashes them since numpy
    2.3, twenty times slower than this for millions of distinct values."""
    ordered = np.sort(numbers)
    keep = np.ones(len(ordered), bool)
    keep[1:] = ordered[1:] != ordered[:-1]
    distinct: np.ndarray = ordered[keep]
    return distinct


def _grouped(pairs: np.ndarray, count: int) -> Iterable[tuple[int, str, int]]:
    """Sorted pair numbers as, per word, its number, its postings and how many papers it has."""
    terms, numbers = np.divmod(pairs, count)
    starts = np.flatnonzero(np.diff(terms, prepend=-1))
    gaps = np.diff(numbers, prepend=0)
    gaps[starts] = numbers[starts]
    spelled = spelled_gaps(gaps)
    bounds = [*starts.tolist(), len(pairs)]
    return zip(
        terms[starts].tolist(),
        [",".join(spelled[start:end]) for start, end in itertools.pairwise(bounds)],
        np.diff(bounds).tolist(),
        strict=True,
    )


def spelled_gaps(gaps: np.ndarray) -> list[str]:
    """Each gap in base 36, the usual ones (up to three digits) by table lookup."""
    table = _gap_table()
    spelled = table[np.minimum(gaps, len(table) - 1)]
    for at in np.flatnonzero(gaps >= len(table)).tolist():
        spelled[at] = np.base_repr(int(gaps[at]), 36).lower()
    listed: list[str] = spelled.tolist()
    return listed


@functools.cache
def _gap_table() -> np.ndarray:
    """Every number of up to three base-36 digits, spelled once, at first use."""
    two = [a + b for a in BASE36_DIGITS[1:] for b in BASE36_DIGITS]
    three = [a + b for a in two for b in BASE36_DIGITS]
    return np.array([*BASE36_DIGITS, *two, *three], dtype=object)
