"""Keyphrases of each paper, and the papers most like it.

Both come from one TF-IDF model over titles and abstracts, words and two- and
three-word phrases (see ``paper_terms``). Keyphrases are the terms that may
be one (``keyphrase_words``) and recur in the archive, title phrases first,
phrases before words. Similarity is the cosine of TF-IDF vectors of words and
two-word phrases, computed as a sparse
matrix product in blocks of rows (scipy), never as a Python loop over all
pairs: at 100,000 papers that loop would be 10^10 steps, while the blocked
product touches only pairs of papers that share a distinctive term.
"""

from __future__ import annotations

import contextlib
import itertools
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import sparse

from generator.analysis.counted_runs import CountedRuns, KeptRuns
from generator.analysis.paper_terms import RunCounts, RunTerms
from generator.analysis.postings import SearchWords, searchable
from generator.analysis.related_state import (
    RelatedState,
    Weighed,
    changed_terms,
    combined,
    holders,
    kept_lists,
    reusable,
    text_keys,
    weights_key,
)
from generator.analysis.similar_papers import (
    RELATED_PER_PAPER,
    blocks_of,
    most_similar,
    rows_to_redo,
)
from generator.analysis.vocabulary import group_starts
from generator.core.workers import Progress, run_chunks, told
from generator.reading.archive import Archive

KEYWORDS_PER_PAPER = 5
#: Terms kept per paper vector: the strongest ones carry the similarity, and
#: short vectors keep the matrix product sparse at any archive size.
TERMS_PER_VECTOR = 25
#: Terms in more than this share of papers say little about any one of them,
#: and would make every paper a candidate neighbour of every other.
MAX_SHARE = 0.05
#: ... and never more than this many papers: each paper with such a term is a
#: candidate neighbour of every other, work that grows with the square of the
#: archive (at 100,000 papers, 5% made the similarity product most of a build).
MAX_PAPERS = 1000
#: Papers per piece of work given to a worker process.
CHUNK_PAPERS = 500
#: A phrase names a subject better than either of its words alone, and a
#: three-word phrase better than the two-word ones it holds.
PHRASE_BOOST = 1.5
TRIGRAM_BOOST = 1.8
#: A word of the title counts this much more towards being a keyphrase ...
TITLE_WORD_BOOST = 2.0
#: ... and a phrase of the title comes before any other term: a weight is at
#: most (1 + ln 63) * (1 + ln papers), 64 at 100,000 papers, 230 boosted, so
#: that this puts title phrases first and keeps every key of ``_ranked``
#: below its 1,000.
TITLE_PHRASE_BONUS = 300.0


@dataclass(frozen=True, slots=True)
class Related:
    keywords: Mapping[str, tuple[str, ...]]
    """Per paper slug, its keyphrases, title phrases first, then strongest first."""
    similar: Mapping[str, tuple[str, ...]]
    """Per paper slug, the slugs of the most similar papers, most similar first."""
    search_words: SearchWords = field(default_factory=SearchWords, compare=False)
    """Every paper's search words, for the search index."""
    vectors: Any = field(default=None, compare=False)
    """Every paper's TF-IDF vector (a scipy CSR matrix, a row per paper in
    the archive's order, unit rows): the reader's library ranks by them in
    the browser (see ``site.library_files``)."""
    columns: Any = field(default=None, compare=False)
    """Per column of ``vectors``, its term's hash (``paper_terms.stable_hash``):
    the same term has the same hash in every build."""
    reference: Any = field(default=None, compare=False)
    """Per paper, in the archive's order, whether the weights count it (see
    ``reference_papers``)."""
    state: RelatedState | None = field(default=None, compare=False)
    """What the next build may reuse (see ``related_state``) ..."""
    runs: tuple[str, ...] = field(default=(), compare=False)
    """... and the keys of the runs of papers whose counts it may reuse
    (see ``counted_runs``): those of this build."""


@dataclass(frozen=True, slots=True)
class _Vectors:
    """What the model makes of a run of papers, as a few arrays: cheap to
    send back from a worker."""

    keywords: list[tuple[str, ...]]
    sizes: np.ndarray
    """Per paper, how many terms carry its similarity."""
    terms: np.ndarray
    """Hashes of those terms, paper after paper."""
    weights: np.ndarray
    """Their weights, each paper's normalised to a unit vector."""


class _Model:
    """TF-IDF over the archive. How many papers hold each term is kept as
    sorted arrays of the terms' hashes: a Counter of every word and phrase of
    100,000 papers took most of a large build's memory. The result does not
    depend on the hashes (barring a 64-bit collision)."""

    def __init__(self, counted: Sequence[RunCounts], reference: int) -> None:
        """The model of an archive, from the terms of all its runs, with
        weights from the ``reference`` papers of it (see ``reference_papers``)."""
        # Each run's distinct terms and their numbers of papers, counted in
        # the workers, summed here: fewer hashes to sort (a fifth, at 10k)
        # in a step that no worker shares.
        hashes = np.concatenate([terms.distinct for terms in counted])
        order = np.argsort(hashes, kind="stable")
        starts = group_starts(hashes[order])
        self.hashes = hashes[order][starts]
        self.counts, self.reference_counts = (
            # In 64 bits: a run's counts come narrow, and their sums are larger.
            np.add.reduceat(np.concatenate(per_run).astype(np.int64)[order], starts)
            if len(starts)
            else np.zeros(0, np.int64)
            for per_run in (
                [t.papers_with for t in counted],
                [t.reference_with for t in counted],
            )
        )
        self.common = min(max(MAX_SHARE * reference, 50), MAX_PAPERS)
        # Weights from tables, as a term's weight depends only on two small
        # integers: how often it is in the paper, and in how many papers.
        self.idf = np.array([math.log((1 + reference) / (1 + f)) + 1 for f in range(reference + 1)])
        self.tf = np.array([0.0] + [1 + math.log(count) for count in range(1, 64)])

    def vectors(self, terms: RunTerms, papers: int, chosen: np.ndarray) -> _Vectors:
        """The vectors of the ``chosen`` of a run of ``papers`` papers (their
        places in it), given their terms, the arithmetic done on all of
        their terms at once: numpy's cost per call outweighs the work on the
        few hundred terms of one paper."""
        times, phrase, trigram, owner = terms.times, terms.phrase, terms.trigram, terms.owner
        # The run's distinct terms are sorted: a search far faster than one per term.
        found = np.searchsorted(self.hashes, terms.distinct)
        frequency = self.counts[found][terms.local]
        in_reference = self.reference_counts[found][terms.local]
        tf = self.tf
        if times.max(initial=0) >= len(tf):
            tf = np.array([0.0] + [1 + math.log(c) for c in range(1, int(times.max()) + 1)])
        weights = tf[times] * self.idf[in_reference]
        # A phrase is a term only if it recurs in two papers; a word always is.
        valid = (frequency >= 2) | ~phrase
        # Per paper, strongest first; of equal weights, the term the paper
        # names first (words before phrases). Three-word phrases are left to
        # keyphrases: in vectors they only repeat their two-word ones. Too
        # common a term is too common in the reference set or since: never
        # by the count of all papers, which each new day moves.
        since = frequency - in_reference
        similar = valid & (in_reference <= self.common) & (since <= self.common) & ~trigram
        strongest = _ranked(owner, weights, similar, papers)
        boosted = weights * np.where(trigram, TRIGRAM_BOOST, np.where(phrase, PHRASE_BOOST, 1.0))
        boosted *= np.where(terms.in_title, TITLE_WORD_BOOST, 1.0)
        boosted += TITLE_PHRASE_BONUS * (terms.in_title & phrase)
        telling = _ranked(owner, boosted, terms.keyable & (frequency >= 2), papers)
        title_phrase = terms.in_title & phrase
        picked = chosen.tolist()
        kept = [strongest[at][:TERMS_PER_VECTOR] for at in picked]
        norms = []
        for chosen in kept:
            # Summed in order, in Python: the same float whichever way the
            # papers were split into runs.
            norms.append(math.sqrt(sum(weight**2 for weight in weights[chosen].tolist())) or 1.0)
        sizes = np.array([len(chosen) for chosen in kept], np.int64)
        every = np.concatenate(kept) if kept else np.zeros(0, np.int64)
        return _Vectors(
            [
                _distinct(map(terms.text, ranked.tolist()), int(title_phrase[ranked].sum()))
                for ranked in (telling[at] for at in picked)
            ],
            sizes,
            terms.distinct[terms.local[every]],
            weights[every] / np.repeat(norms, sizes),
        )


def _ranked(
    owner: np.ndarray, weights: np.ndarray, chosen: np.ndarray, papers: int
) -> list[np.ndarray]:
    """Per paper, its chosen terms (positions in the arrays), the heaviest
    first and ties in the order of the arrays."""
    picked = np.flatnonzero(chosen)
    # One sort key, the paper in the integer part: weights are below 1,000
    # (at most (1 + ln count) * (1 + ln papers)), and the sort is stable.
    key = owner[picked] * 1000.0 - weights[picked]
    order = picked[np.argsort(key, kind="stable")]
    bounds = np.searchsorted(owner[order], np.arange(papers + 1))
    return [order[start:end] for start, end in itertools.pairwise(bounds.tolist())]


def relate(
    archive: Archive,
    workers: int = 1,
    progress: Progress | None = None,
    previous: RelatedState | None = None,
    kept: KeptRuns | None = None,
    text_hashes: Sequence[bytes] | None = None,
) -> Related:
    """Keywords, similar papers and search words of every paper; ``workers``
    processes share the per-paper work (the result is the same however many).
    What ``previous`` (the state of an earlier build) and ``kept`` (the
    counts of runs of papers, see ``counted_runs``) hold is reused where it
    must be the same (see ``related_state``): the result is the same with
    them or without. ``kept`` is given the counts of the runs split anew.
    ``text_hashes``: per paper, its ``archive.text_key``, if made already."""
    papers = archive.papers
    if not papers:
        return Related({}, {})
    reference = reference_papers(archive)
    texts = text_keys(archive, text_hashes)
    key = weights_key(texts, reference)
    if previous is not None and not reusable(previous, archive, texts, key):
        previous = None
    # Counts kept by earlier builds are of use only where few papers are
    # weighed again: weighing a paper needs its run's terms.
    runs = CountedRuns(
        archive, CHUNK_PAPERS, texts, reference, workers, progress, kept, previous is not None
    )
    search_words = searchable([(counts.search_words, counts.spelled) for counts in runs.counts])
    model = _Model(runs.counts, int(reference.sum()))
    slugs = [paper.slug for paper in papers]
    if previous is not None:
        before = set(previous.slugs)
        added = np.array([slug not in before for slug in slugs])
        runs.split(number for number, places in enumerate(runs.places) if added[places].any())
        counts = (model.hashes, model.counts, model.reference_counts)
        touched_terms = changed_terms(runs.with_terms(), added, counts, model.common)
        runs.split(runs.holding(touched_terms))
        redo = added | holders(runs.with_terms(), touched_terms, len(papers))
    else:
        redo = np.ones(len(papers), bool)
    # The second pass, over the runs with papers to weigh, for those papers.
    todo = [number for number, places in enumerate(runs.places) if redo[places].any()]
    chosen = {number: np.flatnonzero(redo[runs.places[number]]) for number in todo}
    terms = runs.terms
    second_pass = run_chunks(
        lambda number: model.vectors(terms[number], len(runs.places[number]), chosen[number]),
        todo,
        workers,
    )
    with contextlib.closing(second_pass):
        weighed = list(told(progress, "weighing words", second_pass, map(len, chosen.values())))
    terms.clear()
    # Each with an empty array of its type: a day may leave nothing to weigh.
    fresh = Weighed(
        np.concatenate([np.zeros(0, np.int64)] + [runs.places[n][chosen[n]] for n in todo]),
        list(itertools.chain.from_iterable(v.keywords for v in weighed)),
        np.concatenate([np.zeros(0, np.int64)] + [v.sizes for v in weighed]),
        np.concatenate([np.zeros(0, np.int64)] + [v.terms for v in weighed]),
        np.concatenate([np.zeros(0, np.float64)] + [v.weights for v in weighed]),
    )
    keywords, sizes, vector_terms, weights, changed = combined(slugs, fresh, previous)
    # Columns numbered in the order terms first appear, never by hash value:
    # the order of a sum must not depend on a hash function.
    distinct, first, inverse = np.unique(vector_terms, return_index=True, return_inverse=True)
    rank = np.empty(len(first), np.int64)
    rank[np.argsort(first)] = np.arange(len(first))
    columns = np.empty(len(first), np.int64)
    columns[rank] = distinct
    matrix = sparse.csr_matrix(
        (weights, (np.repeat(np.arange(len(papers)), sizes), rank[inverse])),
        shape=(len(papers), max(len(first), 1)),
    )
    transposed = matrix.T.tocsr()
    kept_similar, lowest = kept_lists(slugs, previous)
    rows = (
        np.flatnonzero(rows_to_redo(matrix, transposed, changed, kept_similar, lowest))
        if previous is not None
        else np.arange(len(papers))
    )
    blocks = blocks_of(rows)
    third_pass = run_chunks(
        lambda block: most_similar(matrix, transposed, block, slugs), blocks, workers
    )
    with contextlib.closing(third_pass):
        found = told(progress, "finding related papers", third_pass, map(len, blocks))
        results = list(itertools.chain.from_iterable(found))
    # Each row's list, its columns, -1 after the last.
    padded = [similar + [-1] * (RELATED_PER_PAPER - len(similar)) for similar, _ in results]
    kept_similar[rows] = np.array(padded, np.int64).reshape(len(rows), RELATED_PER_PAPER)
    lowest[rows] = [last for _, last in results]
    state = RelatedState(
        key, tuple(slugs), texts, keywords, sizes, vector_terms, weights, kept_similar, lowest
    )
    similar_slugs = (tuple(slugs[at] for at in row if at >= 0) for row in kept_similar.tolist())
    return Related(
        dict(zip(slugs, keywords, strict=True)),
        dict(zip(slugs, similar_slugs, strict=True)),
        search_words,
        matrix,
        columns,
        reference,
        state,
        tuple(runs.keys),
    )


def reference_papers(archive: Archive) -> np.ndarray:
    """Per paper, whether the model's term weights (IDF) count it: the
    papers first listed before the month of the newest day, or every paper
    while the archive has no earlier month. Weights from all papers would
    shift with each new day, and reorder the related papers and keyphrases
    of papers the day has nothing to do with: at 10,000 papers, a day of 60
    changed those of 2,200 papers, all but 270 through weights alone. With
    this set a day changes no weight: only a paper's own new neighbours, and
    a phrase that now recurs, change its page, and the weights take in the
    month just ended once, on the first day of the next."""
    first = np.array([paper.days[0].toordinal() for paper in archive.papers], np.int64)
    cutoff = archive.days[-1].date.replace(day=1).toordinal() if archive.days else 0
    earlier: np.ndarray = first < cutoff
    return earlier if earlier.any() else np.ones(len(first), bool)


def _distinct(strongest: Iterable[str], title_phrases: int = 0) -> tuple[str, ...]:
    """The strongest terms, none of whose words are all in another (a plural
    and its singular counted as one word). A term that extends chosen ones
    (holds each as a run of its words) takes the place of the first of them
    ("graph neural network" of "graph neural", or of "graph"); any other term
    that shares all of its words with a chosen one, or holds all of a chosen
    one's words, is left out ("pretrained transformer model" beside
    "pretrained models"). Given only terms that recur elsewhere in the
    archive: a word found in one paper alone is more often a typo than a
    topic. The first ``title_phrases`` terms are the title's phrases, which
    come first: no later term takes the place of one ("object detection
    tasks" of the title's "object detection")."""
    chosen: list[tuple[str, tuple[str, ...], frozenset[str]]] = []
    titled = 0  # how many of the chosen are the title's: they come first
    for number, term in enumerate(strongest):
        mine = tuple(map(_singular, term.split()))
        words = frozenset(mine)
        covered = [n for n, (_, _, theirs) in enumerate(chosen) if theirs <= words]
        in_title = number < title_phrases
        if (
            covered
            and (in_title or covered[0] >= titled)
            and all(_runs_in(chosen[n][1], mine) for n in covered)
        ):
            chosen[covered[0]] = (term, mine, words)
            for removed in reversed(covered[1:]):
                del chosen[removed]
                titled -= removed < titled
        elif covered or any(words <= theirs for _, _, theirs in chosen):
            continue
        elif len(chosen) == KEYWORDS_PER_PAPER:
            break
        else:
            chosen.append((term, mine, words))
            titled += in_title
    return tuple(term for term, _, _ in chosen)


def _runs_in(part: tuple[str, ...], whole: tuple[str, ...]) -> bool:
    """Whether ``part`` is a run of consecutive words of ``whole``."""
    return any(whole[at : at + len(part)] == part for at in range(len(whole) - len(part) + 1))


def _singular(word: str) -> str:
    """``model`` for ``models``, near enough to tell two keyphrases apart."""
    return word[:-1] if len(word) > 3 and word.endswith("s") and not word.endswith("ss") else word
