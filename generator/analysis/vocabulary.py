"""Words as numbers, for the steps that count words over the whole archive
(related papers, the search index): numpy then sorts and groups the numbers,
where a Python step per word was most of the cost of those steps.

numpy loads only with this module, which a build of unchanged input never needs.
"""

from __future__ import annotations

import itertools

import numpy as np


def number_words(words: list[str]) -> tuple[list[str], np.ndarray]:
    """The distinct words, in the order they first appear, and per word its
    place in that list: numbered in one C loop (``dict.setdefault`` mapped
    over the words), then the numbers made dense."""
    first_at: dict[str, int] = {}
    seen = np.fromiter(map(first_at.setdefault, words, itertools.count()), np.int64, len(words))
    dense = np.zeros(len(words), np.int64)
    dense[np.fromiter(first_at.values(), np.int64, len(first_at))] = np.arange(len(first_at))
    ids: np.ndarray = dense[seen]
    return list(first_at), ids


def narrow(numbers: np.ndarray, bound: int) -> np.ndarray:
    """``numbers``, none negative and each below ``bound``, in the narrowest
    integer type that holds them all: fewer bytes to send between processes."""
    for kind in (np.uint8, np.uint16, np.int32):
        if bound <= np.iinfo(kind).max + 1:
            narrowed: np.ndarray = numbers.astype(kind)
            return narrowed
    return numbers.astype(np.int64)


def group_starts(ordered: np.ndarray) -> np.ndarray:
    """Where each run of equal values starts in the sorted ``ordered``."""
    starts: np.ndarray = np.flatnonzero(
        np.concatenate([[len(ordered) > 0], ordered[1:] != ordered[:-1]])
    )
    return starts


def gathering(starts: np.ndarray, sizes: np.ndarray) -> np.ndarray:
    """The places of runs of ``sizes`` items from ``starts``, run after run:
    indexing an array with them gathers the runs into one, with no step per
    run in Python."""
    ends = np.cumsum(sizes)
    return np.repeat(starts - (ends - sizes), sizes) + np.arange(int(ends[-1]) if len(ends) else 0)
