"""Each paper's most similar papers, from the products of unit TF-IDF
vectors (``related``): for all papers, or for the few whose lists a change
of some vectors can reach.

A paper's list depends only on its own vector and the vectors of the
others, and each product is summed in the order of the paper's own terms,
so a list found again is the list a full build finds.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy import sparse

RELATED_PER_PAPER = 5
#: Rows of the matrix multiplied at once: a block's product is its rows
#: times every paper, so its size bounds the memory a worker takes.
BLOCK_ROWS = 1024
#: Products are compared at 9 decimals; a product summed in another order
#: differs by far less than this, which decides whether a list is found again.
MARGIN = 1e-8


def most_similar(
    matrix: sparse.csr_matrix, transposed: sparse.csr_matrix, rows: np.ndarray, slugs: list[str]
) -> list[tuple[list[int], float]]:
    """For some rows, the columns of the highest products, ties broken by
    slug, and the (rounded) product of the last one kept, or -1 if fewer
    than ``RELATED_PER_PAPER``; numpy picks the few best of each row,
    Python only orders those."""
    found = []
    block = (matrix[rows] @ transposed).tocsr()
    # A paper is not related to itself: its own product goes.
    owner = np.repeat(np.arange(len(rows)), np.diff(block.indptr))
    block.data[block.indices == rows[owner]] = 0
    block.eliminate_zeros()
    for offset in range(len(rows)):
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
        )[:RELATED_PER_PAPER]
        lowest = ranked[-1][0] if len(ranked) == RELATED_PER_PAPER else -1.0
        found.append(([column for _, column in ranked], lowest))
    return found


def rows_to_redo(
    matrix: sparse.csr_matrix,
    transposed: sparse.csr_matrix,
    changed: np.ndarray,
    kept: np.ndarray,
    lowest: np.ndarray,
) -> np.ndarray:
    """Per paper, whether its list must be found again now that the vectors
    of the ``changed`` papers (their rows) are new: theirs, those that hold
    one of them (``kept``: each paper's list before, as rows, -1 for none),
    and those one of them now scores at least the last of (``lowest``)."""
    redo = np.zeros(matrix.shape[0], bool)
    redo[changed] = True
    held = kept >= 0
    redo |= (redo[np.where(held, kept, 0)] & held).any(axis=1)
    if len(changed):
        reach = np.asarray((matrix[changed] @ transposed).max(axis=0).todense()).ravel()
        redo |= (reach > 0) & (reach >= lowest - MARGIN)
    return redo


def blocks_of(rows: np.ndarray) -> Sequence[np.ndarray]:
    """``rows`` in blocks of at most ``BLOCK_ROWS``."""
    return [rows[at : at + BLOCK_ROWS] for at in range(0, len(rows), BLOCK_ROWS)]
