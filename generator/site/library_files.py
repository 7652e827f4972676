"""The data behind the reader's library: what the browser needs to rank the
papers of recent days by how much they are like the papers a reader saved
("For you", ``static/foryou.js``), with no server and little to download.

- ``library.json``, the entry point: how papers are numbered into blocks
  (these and the search data's display blocks, ``records``, which give a
  paper's title, URL name, days and topics),
  the topics (slug and name, as in the search entry point) and, for the
  newest ``RECENT_DAYS`` days, the number of each day's first
  paper and the papers listed again that day (older papers, whose numbers
  lie before the day's own).
- ``library/<n>.bin``: for a block of ``BLOCK_PAPERS`` papers by number,
  each paper's topics and its strongest TF-IDF terms, binary (see
  ``encode_paper``). Papers are numbered by first day as for search (see
  ``search_files.numbered``), so the papers of the last days are the last
  few blocks and a window of days is a range of numbers: a refresh fetches
  those blocks and the blocks of the saved papers, and nothing else.

The vectors are those that relate papers (``analysis.related``), cut to
their strongest ``TERMS_PER_PAPER`` terms: the papers For you finds are like
the saved ones in the same sense as a paper's related papers are like it.
Terms are numbered by how many papers of the related papers' reference set
keep them (``related.reference_papers``), most first so that common terms
get short numbers, then by their hash, which is the same in every build. No
new day changes those papers' vectors or this order, so a day rewrites the
blocks of its own papers (and of the few whose vectors it changed), not all
of them; the page only ever compares numbers within one build.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from generator.analysis.topics import Topics
from generator.reading.archive import Archive, Paper, numbered
from generator.site.search_files import BLOCK_SIZE

if TYPE_CHECKING:  # numpy and scipy: a build of unchanged input imports neither
    from generator.analysis.related import Related

LIBRARY_VERSION = 1
#: Papers per block: small enough that a saved paper costs a few KB, large
#: enough that a window of days is a handful of files.
BLOCK_PAPERS = 64
#: Terms kept per paper: in the quality replay (``bench/library.py``) 16
#: terms rank as well as the 25 that relate papers, in two thirds the bytes.
TERMS_PER_PAPER = 16
#: Days the entry point describes: the widest window but "everything".
RECENT_DAYS = 30
#: A term's weight in one byte, relative to the paper's strongest term.
WEIGHT_STEPS = 255


def _varint(value: int, into: bytearray) -> None:
    """``value`` (not negative) as a LEB128 varint."""
    while value >= 0x80:
        into.append(value & 0x7F | 0x80)
        value >>= 7
    into.append(value)


def encode_paper(topics: Sequence[int], terms: Sequence[tuple[int, int]], into: bytearray) -> None:
    """One paper of a block: how many topics and their numbers (primary
    first, places in the search entry point's list), how many terms, then
    per term, by number, the gap from the previous term's number and its
    weight (1 to ``WEIGHT_STEPS``, one byte); all counts, numbers and gaps
    as varints."""
    _varint(len(topics), into)
    for topic in topics:
        _varint(topic, into)
    _varint(len(terms), into)
    previous = 0
    for term, weight in terms:
        _varint(term - previous, into)
        into.append(weight)
        previous = term


def decode_block(data: bytes) -> list[tuple[list[int], list[tuple[int, int]]]]:
    """The papers ``encode_paper`` wrote, as the page's script reads them."""
    at = 0

    def varint() -> int:
        nonlocal at
        value, shift = 0, 0
        while True:
            byte = data[at]
            at += 1
            value |= (byte & 0x7F) << shift
            shift += 7
            if byte < 0x80:
                return value

    papers = []
    while at < len(data):
        topics = [varint() for _ in range(varint())]
        terms, term = [], 0
        for _ in range(varint()):
            term += varint()
            terms.append((term, data[at]))
            at += 1
        papers.append((topics, terms))
    return papers


def _strongest(related: Related, rows: Sequence[int]) -> tuple[list[int], list[int], list[int]]:
    """Of the rows of ``related.vectors`` in the order of ``rows``: their
    strongest terms (ties by column), by their new numbers, with weights in
    one byte, as flat lists of numbers and weights, row after row, and where
    each row's terms start (one more, for the end): no object per term.

    Each row's terms are sorted in a row of a table (a vector has few
    terms, empty cells last), not as one list of every term: at 100,000
    papers, 0.15 s instead of 1.9 s."""
    import numpy as np

    picked = np.asarray(rows, np.int64)
    matrix = related.vectors[picked].tocsr()
    count = matrix.shape[0]
    if not matrix.nnz:
        return [], [], [0] * (count + 1)
    lengths = np.diff(matrix.indptr)
    owner = np.repeat(np.arange(count), lengths)
    place = np.arange(len(owner)) - matrix.indptr[owner]
    shape = (count, int(lengths.max(initial=0)))
    negated = np.full(shape, np.inf)
    negated[owner, place] = -matrix.data
    by_column = np.full(shape, np.iinfo(np.int64).max)
    by_column[owner, place] = matrix.indices
    order = np.lexsort((by_column, negated), axis=-1)[:, :TERMS_PER_PAPER]
    kept = order < lengths[:, None]
    at = (order + matrix.indptr[:-1, None])[kept]  # row by row, strongest first
    columns, weights, owners = matrix.indices[at], matrix.data[at], owner[at]
    # Terms renumbered by how many reference papers keep them, most first,
    # then by hash (see the module's note).
    used, inverse = np.unique(columns, return_inverse=True)
    counted = np.bincount(inverse, related.reference[picked][owners], len(used))
    renumbered = np.empty(int(used.max(initial=-1)) + 1, np.int64)
    renumbered[used[np.lexsort((related.columns[used], -counted))]] = np.arange(len(used))
    strongest = -np.take_along_axis(negated, order[:, :1], -1)[:, 0]  # each row's first
    steps = np.maximum(1, np.rint(weights / strongest[owners] * WEIGHT_STEPS)).astype(np.int64)
    # Each row's terms by number: again a sort per row of a table.
    numbers = np.full(order.shape, np.iinfo(np.int64).max)
    numbers[kept] = renumbered[columns]
    stepped = np.zeros(order.shape, np.int64)
    stepped[kept] = steps
    by_number = np.argsort(numbers, axis=-1)
    numbers, stepped = (np.take_along_axis(t, by_number, -1) for t in (numbers, stepped))
    kept_now = np.arange(order.shape[1]) < kept.sum(axis=1)[:, None]
    bounds = np.concatenate([[0], np.cumsum(kept_now.sum(axis=1))])
    return numbers[kept_now].tolist(), stepped[kept_now].tolist(), bounds.tolist()


def library_files(archive: Archive, topics: Topics, related: Related | None) -> dict[str, Any]:
    """Every file of the library's data, by path in the site: bytes for the
    blocks, plain data for the entry point; ``related`` has the papers'
    TF-IDF rows, in the order of ``archive.papers``."""
    papers: list[Paper] = numbered(archive)
    number = {paper.slug: at for at, paper in enumerate(papers)}
    row = {paper.slug: at for at, paper in enumerate(archive.papers)}
    topic_numbers = {topic.slug: at for at, topic in enumerate(topics.topics)}
    numbers, weights, bounds = (
        _strongest(related, [row[paper.slug] for paper in papers])
        if papers and related is not None and related.vectors is not None
        else ([], [], [0] * (len(papers) + 1))
    )
    files: dict[str, Any] = {}
    for start in range(0, len(papers), BLOCK_PAPERS):
        block = bytearray()
        for at in range(start, min(start + BLOCK_PAPERS, len(papers))):
            placed = [topic_numbers[match.topic] for match in topics.matches[papers[at].slug]]
            begin, end = bounds[at], bounds[at + 1]
            encode_paper(
                placed, list(zip(numbers[begin:end], weights[begin:end], strict=True)), block
            )
        files[f"library/{start // BLOCK_PAPERS}.bin"] = bytes(block)
    days = []
    for day in reversed(archive.days[-RECENT_DAYS:]):
        own = [number[p.slug] for p in day.papers if p.days[0] == day.date]
        again = sorted(number[p.slug] for p in day.papers if p.days[0] < day.date)
        first = min(own) if own else None
        days.append([day.date.isoformat(), first, again])
    files["library.json"] = {
        "version": LIBRARY_VERSION,
        "papers": len(papers),
        "block": BLOCK_PAPERS,
        "records": BLOCK_SIZE,
        "days": days,
        "topics": [[topic.slug, topic.name] for topic in topics.topics],
    }
    return files
