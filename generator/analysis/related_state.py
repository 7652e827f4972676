"""What one build's related papers leave for the next, so that a new day
costs the work of its own papers, not of the whole archive.

Within a month the model's weights do not move (see
``related.reference_papers``), so a paper's vector and keyphrases depend
only on its own text and, per term, on two facts about the archive: whether
the term recurs (is in two papers or more) and whether it is too common
since the month began. A new day can change those facts only for the terms
of its own papers. So the next build recomputes the new papers' vectors and
those of the papers that share a term whose facts changed, and keeps the
rest; then it finds related papers again only for the papers whose lists
the changed vectors can reach (see ``similar_papers.rows_to_redo``).
What the terms of the papers not weighed again add to the model comes from
the runs kept by earlier builds (see ``counted_runs``).

A build that removes or edits a paper, or whose model's weights differ
(a new month, an earlier day added), recomputes everything: the removed
paper's terms are not kept, so their facts cannot be updated.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from generator.analysis.paper_terms import RunTerms
from generator.analysis.similar_papers import RELATED_PER_PAPER
from generator.analysis.vocabulary import gathering
from generator.reading.archive import Archive, text_key


@dataclass(frozen=True, slots=True)
class RelatedState:
    """Every paper's keyphrases, vector and related papers, as arrays: what
    a cache file holds (see ``commands.related_cache``)."""

    weights_key: str
    """Which papers the model's weights came from, and their texts."""
    slugs: tuple[str, ...]
    texts: np.ndarray
    """Per paper, a hash of its title and abstract (``text_keys``)."""
    keywords: tuple[tuple[str, ...], ...]
    sizes: np.ndarray
    """Per paper, how many terms its vector has ..."""
    terms: np.ndarray
    """... their hashes, paper after paper ..."""
    weights: np.ndarray
    """... and their weights."""
    similar: np.ndarray
    """Per paper, its related papers as places in ``slugs``, -1 where it has fewer."""
    lowest: np.ndarray
    """Per paper, the rounded score of its last related paper, or -1 if it
    has fewer than the most it may have (any paper may then come in)."""


def text_keys(archive: Archive, hashes: Sequence[bytes] | None = None) -> np.ndarray:
    """Per paper, a 64-bit hash of what its terms are made of: the start of
    its ``text_key``, one of ``hashes`` if given (a build has made them)."""
    hashes = hashes if hashes is not None else [text_key(paper) for paper in archive.papers]
    starts = b"".join([hashed[:8] for hashed in hashes])
    return np.frombuffer(starts, np.dtype("<u8")).astype(np.uint64)


def weights_key(texts: np.ndarray, reference: np.ndarray) -> str:
    """A hash of which papers the weights count and their texts: equal keys,
    equal weights for every term."""
    return hashlib.blake2b(texts[reference].tobytes(), digest_size=16).hexdigest()


def reusable(previous: RelatedState | None, archive: Archive, texts: np.ndarray, key: str) -> bool:
    """Whether ``previous`` describes a subset of this archive's papers with
    the same texts, under the same weights: papers were only added."""
    if previous is None or previous.weights_key != key:
        return False
    place = {paper.slug: at for at, paper in enumerate(archive.papers)}
    for slug, text in zip(previous.slugs, previous.texts.tolist(), strict=True):
        at = place.get(slug)
        if at is None or int(texts[at]) != text:
            return False
    return True


def changed_terms(
    runs: Sequence[tuple[RunTerms, np.ndarray]],
    added: np.ndarray,
    counts: tuple[np.ndarray, np.ndarray, np.ndarray],
    common: float,
) -> np.ndarray:
    """The terms whose facts (recurs; too common since the month began) the
    ``added`` papers changed, given the ``runs`` that hold them, each with
    its papers' places in the archive. ``counts``: the model's term hashes,
    papers with each, and reference papers with each."""
    hashes, papers_with, in_reference = counts
    # How many of the added papers have each term: a paper lists a term once.
    theirs = [run.distinct[run.local[added[places[run.owner]]]] for run, places in runs]
    mine, new = np.unique(np.concatenate([np.zeros(0, np.int64), *theirs]), return_counts=True)
    found = np.searchsorted(hashes, mine)
    now, reference = papers_with[found], in_reference[found]
    before = now - new

    def facts(count: np.ndarray) -> np.ndarray:
        recurs: np.ndarray = count >= 2
        both: np.ndarray = recurs | ((count - reference <= common) << 1)
        return both

    changed: np.ndarray = mine[facts(now) != facts(before)]
    return changed


def holders(
    runs: Sequence[tuple[RunTerms, np.ndarray]], terms: np.ndarray, count: int
) -> np.ndarray:
    """Per paper of an archive of ``count``, whether it is in one of ``runs``
    (each with its papers' places in the archive) and has one of ``terms``."""
    held = np.zeros(count, bool)
    for run, places in runs:
        hit = np.isin(run.distinct, terms)[run.local]
        held[places[run.owner[hit]]] = True
    return held


@dataclass(frozen=True, slots=True)
class Weighed:
    """Vectors and keyphrases just computed, of some papers."""

    rows: np.ndarray
    """Their places in the archive."""
    keywords: list[tuple[str, ...]]
    sizes: np.ndarray
    terms: np.ndarray
    weights: np.ndarray


def combined(
    slugs: Sequence[str], fresh: Weighed, previous: RelatedState | None
) -> tuple[tuple[tuple[str, ...], ...], np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Every paper's keyphrases and vector, in the archive's order, from
    ``fresh`` where it has them, else from ``previous``; and the places of
    the papers whose vectors are new or differ from ``previous``'s."""
    if previous is None:  # every paper is fresh, in the order it was weighed
        order = np.argsort(fresh.rows, kind="stable")
        sizes = fresh.sizes[order]
        index = gathering((np.cumsum(fresh.sizes) - fresh.sizes)[order], sizes)
        every = np.arange(len(slugs))
        return (
            tuple(fresh.keywords[at] for at in order.tolist()),
            sizes,
            fresh.terms[index],
            fresh.weights[index],
            every,
        )
    # Every paper's vector, gathered at once from the previous vectors and
    # the fresh ones after them: a step per paper took 0.8 s at 100,000
    # papers, for a day that weighs a few hundred again.
    old_at = {slug: at for at, slug in enumerate(previous.slugs)}
    old = np.array([old_at.get(slug, -1) for slug in slugs], np.int64)
    number = np.full(len(slugs), -1, np.int64)
    number[fresh.rows] = np.arange(len(fresh.rows))
    weighed = number >= 0
    kept = ~weighed
    assert (old[kept] >= 0).all()  # a paper not weighed again was there before
    old_starts = np.cumsum(previous.sizes) - previous.sizes
    sizes = np.empty(len(slugs), np.int64)
    starts = np.empty(len(slugs), np.int64)
    sizes[kept], starts[kept] = previous.sizes[old[kept]], old_starts[old[kept]]
    fresh_starts = np.cumsum(fresh.sizes) - fresh.sizes + len(previous.terms)
    sizes[weighed], starts[weighed] = fresh.sizes[number[weighed]], fresh_starts[number[weighed]]
    gathered = gathering(starts, sizes)
    terms = np.concatenate([previous.terms, fresh.terms])[gathered]
    weights = np.concatenate([previous.weights, fresh.weights])[gathered]
    keywords = tuple(
        fresh.keywords[at] if at >= 0 else previous.keywords[before]
        for at, before in zip(number.tolist(), old.tolist(), strict=True)
    )
    ends = np.cumsum(sizes)
    changed = []
    for at in np.flatnonzero(weighed).tolist():
        before, new = int(old[at]), slice(int(ends[at] - sizes[at]), int(ends[at]))
        if before >= 0:
            was = slice(int(old_starts[before]), int(old_starts[before] + previous.sizes[before]))
            if np.array_equal(terms[new], previous.terms[was]) and np.array_equal(
                weights[new], previous.weights[was]
            ):
                continue
        changed.append(at)
    return keywords, sizes, terms, weights, np.array(changed, np.int64)


def kept_lists(
    slugs: Sequence[str], previous: RelatedState | None
) -> tuple[np.ndarray, np.ndarray]:
    """Per paper, its related papers in ``previous`` as places in ``slugs``
    (-1 for none: every paper new to this build has none yet), and the
    product of the last of them (``RelatedState.lowest``)."""
    kept = np.full((len(slugs), RELATED_PER_PAPER), -1, np.int64)
    lowest = np.full(len(slugs), -1.0)
    if previous is not None:
        place = {slug: at for at, slug in enumerate(slugs)}
        now_at = np.array([place[slug] for slug in previous.slugs], np.int64)
        known = previous.similar >= 0
        kept[now_at] = np.where(known, now_at[np.where(known, previous.similar, 0)], -1)
        lowest[now_at] = previous.lowest
    return kept, lowest
