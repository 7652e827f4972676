"""Distinctive keywords of each paper, and the papers most like it.

Both come from one TF-IDF model over titles and abstracts, words and two-word
phrases. Similarity is the cosine of TF-IDF vectors, computed as a sparse
matrix product in blocks of rows (scipy), never as a Python loop over all
pairs: at 100,000 papers that loop would be 10^10 steps, while the blocked
product touches only pairs of papers that share a distinctive term.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from scipy import sparse

from generator.model import Archive, Paper
from generator.search import STOP_WORDS, words

KEYWORDS_PER_PAPER = 5
RELATED_PER_PAPER = 5
#: Terms kept per paper vector: the strongest ones carry the similarity, and
#: short vectors keep the matrix product sparse at any archive size.
TERMS_PER_VECTOR = 25
#: Terms in more than this share of papers say little about any one of them,
#: and would make every paper a candidate neighbour of every other.
MAX_SHARE = 0.05
BLOCK_ROWS = 1024
#: A phrase names a subject better than either of its words alone.
PHRASE_BOOST = 1.5

#: Words that say nothing about what a paper is about, on top of STOP_WORDS.
_GENERIC = frozenset(
    """also approach approaches based different existing experiments extensive first furthermore
    however improve improved improves method methods model models new novel paper performance
    present propose proposed provide recent results show shows significantly state study the
    this two use used using well work results achieve achieves demonstrate demonstrates via
    across among art challenging effective efficient enable enables et al often one three
    several significant therefore thus whether within without more most other only over same
    some both each many much not no so very between through under all any up out if able task
    tasks learning neural network networks deep data training trained large like etc look
    future further make makes even may including include includes expand given key""".split()
)
_IGNORED = STOP_WORDS | _GENERIC
_NUMBER = re.compile(r"\d+")


@dataclass(frozen=True, slots=True)
class Related:
    keywords: Mapping[str, tuple[str, ...]]
    """Per paper slug, its most distinctive terms, strongest first."""
    similar: Mapping[str, tuple[str, ...]]
    """Per paper slug, the slugs of the most similar papers, most similar first."""


def _terms(paper: Paper) -> list[str]:
    """Words and two-word phrases of a paper, without stop words or numbers;
    the title counts twice, as it says most about the paper."""
    text = f"{paper.title}. {paper.title}. {paper.abstract}"
    terms: list[str] = []
    for sentence in re.split(r"[.;:!?()\[\]]", text):
        tokens = [w for w in words(sentence) if len(w) > 1]
        for index, token in enumerate(tokens):
            if token in _IGNORED or _NUMBER.fullmatch(token):
                continue
            terms.append(token)
            following = tokens[index + 1] if index + 1 < len(tokens) else ""
            if following and following not in _IGNORED and not _NUMBER.fullmatch(following):
                terms.append(f"{token} {following}")
    return terms


class _Frequencies:
    """How many papers hold each term, kept as sorted arrays of the terms'
    hashes: a Counter of every word and phrase of 100,000 papers took most
    of a large build's memory. The hashes only need to agree within this
    process, and the result does not depend on them (barring a 64-bit
    collision)."""

    def __init__(self, papers: Sequence[Paper]) -> None:
        hashes = [np.fromiter(map(hash, set(_terms(p))), np.int64) for p in papers]
        self.hashes, self.counts = np.unique(
            np.concatenate(hashes) if hashes else np.zeros(0, np.int64), return_counts=True
        )

    def of(self, terms: Sequence[str]) -> dict[str, int]:
        found = np.searchsorted(self.hashes, np.fromiter(map(hash, terms), np.int64))
        return dict(zip(terms, self.counts[found].tolist(), strict=True))


def relate(archive: Archive) -> Related:
    papers = archive.papers
    if not papers:
        return Related({}, {})
    total = len(papers)
    frequencies = _Frequencies(papers)
    common = max(MAX_SHARE * total, 50)
    # A paper's terms are counted again here, one paper at a time, rather than
    # kept from the first pass: that is what keeps memory flat.
    rows, cols, values = [], [], []
    keywords: dict[str, tuple[str, ...]] = {}
    columns: dict[str, int] = {}
    for row, paper in enumerate(papers):
        counts = Counter(_terms(paper))
        frequency = frequencies.of(list(counts))
        # A phrase is a term only if it recurs in two papers; a word always is.
        weights = {
            term: (1 + math.log(count)) * (math.log((1 + total) / (1 + frequency[term])) + 1)
            for term, count in counts.items()
            if frequency[term] >= 2 or " " not in term
        }
        strongest = sorted(weights, key=lambda term: (-weights[term], term))
        telling = sorted(
            weights, key=lambda t: (-weights[t] * (PHRASE_BOOST if " " in t else 1), t)
        )
        keywords[paper.slug] = _distinct(telling, frequency)
        kept = [t for t in strongest if frequency[t] <= common][:TERMS_PER_VECTOR]
        norm = math.sqrt(sum(weights[term] ** 2 for term in kept)) or 1.0
        for term in kept:
            rows.append(row)
            cols.append(columns.setdefault(term, len(columns)))
            values.append(weights[term] / norm)
    matrix = sparse.csr_matrix(
        (np.array(values), (np.array(rows), np.array(cols))),
        shape=(total, max(len(columns), 1)),
    )
    return Related(keywords, _most_similar(matrix, [paper.slug for paper in papers]))


def _distinct(strongest: Sequence[str], frequency: Mapping[str, int]) -> tuple[str, ...]:
    """The strongest terms that recur elsewhere in the archive (a word found
    in one paper alone is more often a typo than a topic), without a word
    that a chosen phrase already contains."""
    chosen: list[str] = []
    for term in strongest:
        if frequency[term] < 2:
            continue
        if any(term in kept.split() or kept in term.split() for kept in chosen):
            continue
        chosen.append(term)
        if len(chosen) == KEYWORDS_PER_PAPER:
            break
    return tuple(chosen)


def _most_similar(matrix: sparse.csr_matrix, slugs: list[str]) -> dict[str, tuple[str, ...]]:
    """Per row, the columns of the highest products, ties broken by slug;
    numpy picks the few best of each row, Python only orders those."""
    similar: dict[str, tuple[str, ...]] = {}
    transposed = matrix.T.tocsr()
    for start in range(0, matrix.shape[0], BLOCK_ROWS):
        block = (matrix[start : start + BLOCK_ROWS] @ transposed).tocsr()
        block.setdiag(0, k=start)
        block.eliminate_zeros()
        for offset in range(block.shape[0]):
            begin, end = block.indptr[offset], block.indptr[offset + 1]
            columns, scores = block.indices[begin:end], np.round(block.data[begin:end], 9)
            if len(scores) > RELATED_PER_PAPER:
                # Keep every column that ties with the fifth best, then order by slug.
                threshold = np.partition(scores, -RELATED_PER_PAPER)[-RELATED_PER_PAPER]
                keep = scores >= threshold
                columns, scores = columns[keep], scores[keep]
            ranked = sorted(
                zip(scores.tolist(), columns.tolist(), strict=True),
                key=lambda c: (-c[0], slugs[c[1]]),
            )
            similar[slugs[start + offset]] = tuple(slugs[c] for _, c in ranked[:RELATED_PER_PAPER])
    return similar
