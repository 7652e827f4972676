"""Which papers have each search word: the postings of the term shards.

The words of a run of papers are found where they are split for related
papers (in a worker, see ``related``), as pairs of a word and a paper, and
the words of all runs are numbered once; the search index then only sorts
the pairs, with numpy. Splitting every text again, and a Python step per
word and paper, was most of the cost of the search index.

A word's postings are its papers' numbers, sorted, as base-36 gaps.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field

import numpy as np

from generator.analysis.terms import BASE36_DIGITS, STOP_WORDS, author_key
from generator.analysis.vocabulary import gathering, group_starts, narrow, number_words
from generator.reading.archive import Paper


@dataclass(frozen=True, slots=True)
class RunWords:
    """The search words of a run of papers, each pair of a word and a paper
    with it as one number: the word's number times ``papers``, plus the
    paper's place in the run."""

    start: int
    """The first paper's number (see ``archive.numbered``): runs are of
    papers in the order of their numbers."""
    papers: int
    titles: np.ndarray
    abstracts: np.ndarray
    """Pairs of a word found only in the abstract; stop words left out."""


@dataclass(frozen=True, slots=True)
class SearchWords:
    """Every paper's search words, by runs of papers, the words numbered by
    their place in ``spelled``."""

    spelled: list[str] = field(default_factory=list)
    runs: list[RunWords] = field(default_factory=list)


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
    whether it is one of a title's or an abstract's search words (an
    abstract's stop words are none)."""
    pairs = ids.astype(np.int64) * papers + owner
    titles = _distinct(pairs[in_title])
    abstracts = _distinct(pairs[in_abstract])
    if len(titles):
        at = np.minimum(np.searchsorted(titles, abstracts), len(titles) - 1)
        abstracts = abstracts[titles[at] != abstracts]
    # Narrow: they go back from a worker.
    bound = len(spelled) * papers
    return RunWords(start, papers, narrow(titles, bound), narrow(abstracts, bound))


def searchable(runs: Sequence[tuple[RunWords, list[str]]]) -> SearchWords:
    """Runs of search words, each with the words its numbers stand for, as
    one list of words for them all. Kept until the search index is written:
    one copy of each word, not one per run, and the pairs as narrow as the
    numbers allow (at 10,000 papers, 6 MB in 32 bits, against 12 MB)."""
    spelled, ids = number_words([word for _, words in runs for word in words])
    renumbered = []
    offset = 0
    for run, words in runs:
        numbers = ids[offset : offset + len(words)]
        pairs = [
            narrow(_renumbered(local, run.papers, numbers), len(spelled) * run.papers)
            for local in (run.titles, run.abstracts)
        ]
        renumbered.append(RunWords(run.start, run.papers, *pairs))
        offset += len(words)
    return SearchWords(spelled, renumbered)


def _renumbered(pairs: np.ndarray, papers: int, numbers: np.ndarray) -> np.ndarray:
    """Pairs with each word's number in its run replaced by ``numbers[word]``."""
    words, places = np.divmod(pairs, papers)
    renumbered: np.ndarray = numbers[words] * papers + places
    return renumbered


def term_postings(words: SearchWords, count: int, common: float) -> dict[str, list[str | None]]:
    """Per search word, the postings of the papers with it in the title,
    then of those with it only in the abstract, the latter ``None`` for a
    word in more than ``common`` abstracts; ``count`` papers in all."""

    def merged(pairs_of: Callable[[RunWords], np.ndarray]) -> np.ndarray:
        """The pairs of every run as one sorted array, each pair now of the
        word's number and the paper's number."""
        pairs = np.empty(sum(len(pairs_of(run)) for run in words.runs), np.int64)
        filled = 0
        for run in words.runs:
            word, paper = np.divmod(pairs_of(run).astype(np.int64), run.papers)
            end = filled + len(word)
            pairs[filled:end] = word * count + run.start + paper
            filled = end
        # Timsort: it merges the stretches already in order, which words
        # numbered as they first appear leave many of. 0.5 s against
        # quicksort's 1.0 s for the 14 million pairs of 100,000 papers (and
        # slower than it for pairs in random order).
        pairs.sort(kind="stable")
        return pairs

    entries: dict[str, list[str | None]] = {}
    for term, postings, _ in _grouped(merged(lambda run: run.titles), count):
        entries[words.spelled[term]] = [postings, ""]
    for term, postings, papers_with in _grouped(merged(lambda run: run.abstracts), count):
        entry = entries.setdefault(words.spelled[term], ["", ""])
        entry[1] = None if papers_with > common else postings
    return entries


def author_postings(papers: Sequence[Paper]) -> tuple[dict[str, str], dict[str, str]]:
    """The postings of every word of an author's name (for words typed in
    the search box) and of every author (for ``author=``, by ``author_key``),
    ``papers`` in number order. Names repeat across papers, so each is
    folded once, and its pairs with its papers are made with numpy: a
    Python step per author of each paper took 1.1 s at 100,000 papers,
    against 0.75 s."""
    keys: dict[str, int] = {}
    """Per author key, and per word of one (after a space), its number."""
    names: dict[str, int] = {}
    """Per name as written, its place among the names, in the order met."""
    written = list(itertools.chain.from_iterable(paper.authors for paper in papers))
    met = np.array([names.setdefault(name, len(names)) for name in written], np.int64)
    owner = np.repeat(np.arange(len(papers)), [len(paper.authors) for paper in papers])
    name_ids, word_ids, word_counts = [], [], []
    for name in names:
        key = author_key(name)
        words = [word for word in key.split("-") if word not in STOP_WORDS]
        word_ids += [keys.setdefault(f" {word}", len(keys)) for word in words]
        word_counts.append(len(words))
        name_ids.append(keys.setdefault(key, len(keys)) if key else -1)
    count = len(papers)
    ids = np.array(name_ids, np.int64)[met]
    with_key = ids >= 0
    # Each name's words, repeated for every paper the name is on.
    per_name = np.array(word_counts, np.int64)
    counts, firsts = per_name[met], (np.cumsum(per_name) - per_name)[met]
    said = np.array(word_ids, np.int64)[gathering(firsts, counts)]
    pairs = np.concatenate(
        [ids[with_key] * count + owner[with_key], said * count + np.repeat(owner, counts)]
    )
    spelled = list(keys)
    found_words: dict[str, str] = {}
    authors: dict[str, str] = {}
    for number, postings, _ in _grouped(_distinct(pairs), count):
        if spelled[number].startswith(" "):
            found_words[spelled[number][1:]] = postings
        else:
            authors[spelled[number]] = postings
    return found_words, authors


def _distinct(numbers: np.ndarray) -> np.ndarray:
    """The distinct numbers, sorted: ``np.unique`` hashes them since numpy
    2.3, sixteen times slower than a sort for 4 million distinct int64
    (4.0 s against 0.24 s)."""
    ordered = np.sort(numbers)
    distinct: np.ndarray = ordered[group_starts(ordered)]
    return distinct


#: Pairs spelled at a time, so that the arrays of a slice take a few MB
#: however large the archive: at 10,000 papers, spelling all 1.4 million
#: abstract pairs at once more than doubled the search index's peak memory
#: (58 MB against 24, by tracemalloc).
SLICE_PAIRS = 1 << 17


def _grouped(pairs: np.ndarray, count: int) -> Iterator[tuple[int, str, int]]:
    """Sorted pair numbers as, per word, its number, its postings and how
    many papers it has; in slices of whole words."""
    start = 0
    while start < len(pairs):
        end = min(start + SLICE_PAIRS, len(pairs))
        if end < len(pairs):  # on to the end of the last word
            end = int(np.searchsorted(pairs, (pairs[end - 1] // count + 1) * count))
        terms, numbers = np.divmod(pairs[start:end], count)
        starts = group_starts(terms)
        gaps = np.diff(numbers, prepend=0)
        gaps[starts] = numbers[starts]
        spelled = spelled_gaps(gaps)
        bounds = [*starts.tolist(), len(gaps)]
        for term, (begin, stop) in zip(
            terms[starts].tolist(), itertools.pairwise(bounds), strict=True
        ):
            yield term, ",".join(spelled[begin:stop]), stop - begin
        start = end


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
