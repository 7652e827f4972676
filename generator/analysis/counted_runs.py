"""The first pass of relating papers: the terms of every run of papers,
split from their texts only where no earlier build kept what is needed of
them.

Runs are of papers in the order of their numbers (by first day, see
``archive.numbered``), so a new day's papers come last and every run before
them holds what it held in the build before. What the model and the search
index need of a run (``RunCounts``) depends only on its papers' texts and on
which of them the weights count, so it is kept between builds under a hash
of those (``KeptRuns``). A run's full terms, needed to weigh any of its
papers again, are split anew only for the runs that hold such a paper: on a
day's build, the new papers' runs and the few whose terms the new papers
changed. At 100,000 papers, splitting every text was 14 s of CPU of each
day's build.
"""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Iterable
from typing import Protocol

import numpy as np

from generator.analysis.paper_terms import RunCounts, RunTerms, run_terms
from generator.core.workers import Progress, run_chunks, runs, told
from generator.reading.archive import Archive, numbered


class KeptRuns(Protocol):
    """What builds keep of runs, by ``run_key``."""

    def get(self, key: str, start: int, papers: int) -> RunCounts | None:
        """The counts kept under ``key`` for a run of ``papers`` papers whose
        first has the number ``start``, if any."""

    def put(self, key: str, counts: RunCounts) -> None:
        """Keep the counts of a run split in this build."""


def run_key(texts: np.ndarray, reference: np.ndarray) -> str:
    """What a run's counts are made of: its papers' texts (``text_keys``),
    in order, and which of them the model's weights count."""
    digest = hashlib.blake2b(texts.tobytes(), digest_size=16)
    digest.update(np.asarray(reference, bool).tobytes())
    return digest.hexdigest()


class CountedRuns:
    """The runs of an archive's papers with their counts, and the full
    terms of those split in this build."""

    def __init__(
        self,
        archive: Archive,
        size: int,
        texts: np.ndarray,
        reference: np.ndarray,
        workers: int,
        progress: Progress | None,
        kept: KeptRuns | None,
        reuse: bool,
    ) -> None:
        """Runs of ``size`` papers, their counts from ``kept`` where it has
        them and may be read (``reuse``), else from their terms, split by
        ``workers`` processes and given to ``kept``."""
        place = {paper.slug: at for at, paper in enumerate(archive.papers)}
        order = np.array([place[paper.slug] for paper in numbered(archive)], np.int64)
        self.spans = runs(len(order), size)
        self.places = [order[span.start : span.stop] for span in self.spans]
        """Per run, its papers' places in the archive."""
        self.archive = archive
        self.reference = [reference[places] for places in self.places]
        self.keys = [
            run_key(texts[places], flags)
            for places, flags in zip(self.places, self.reference, strict=True)
        ]
        self.workers, self.progress = workers, progress
        self.terms: dict[int, RunTerms] = {}
        found = [
            kept.get(key, span.start, len(span)) if kept is not None and reuse else None
            for key, span in zip(self.keys, self.spans, strict=True)
        ]
        self.split(number for number, counts in enumerate(found) if counts is None)
        self.counts = [
            counts if counts is not None else self.terms[number].counts
            for number, counts in enumerate(found)
        ]
        if kept is not None:
            for number, counts in enumerate(found):
                if counts is None:
                    kept.put(self.keys[number], self.counts[number])

    def split(self, numbers: Iterable[int]) -> None:
        """Split the texts of the runs ``numbers`` whose terms are not yet known."""
        todo = [number for number in numbers if number not in self.terms]
        spans, places, reference = self.spans, self.places, self.reference
        papers = self.archive.papers

        def split_run(number: int) -> RunTerms:
            run = [papers[at] for at in places[number].tolist()]
            return run_terms(run, spans[number].start, reference[number])

        done = run_chunks(split_run, todo, self.workers)
        # Closed on the way out of a stop or a failure, so its workers end with it.
        with contextlib.closing(done):
            sizes = (len(spans[number]) for number in todo)
            found = told(self.progress, "counting words", done, sizes)
            for number, terms in zip(todo, found, strict=True):
                self.terms[number] = terms

    def with_terms(self) -> list[tuple[RunTerms, np.ndarray]]:
        """The runs whose terms are known, each with its papers' places."""
        return [(terms, self.places[number]) for number, terms in sorted(self.terms.items())]

    def holding(self, hashes: np.ndarray) -> list[int]:
        """The runs with one of the terms ``hashes``: a binary search in
        each run's distinct terms, which are sorted."""
        found = []
        for number, counts in enumerate(self.counts):
            distinct = counts.distinct
            at = np.minimum(np.searchsorted(distinct, hashes), len(distinct) - 1)
            if len(distinct) and (distinct[at] == hashes).any():
                found.append(number)
        return found
