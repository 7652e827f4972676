"""The taxonomy as plain-text tables, for the maintainer who tunes it."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence

from generator.analysis.topics import Topics


def topic_table(topics: Topics, papers: int, samples: int = 2) -> list[str]:
    """Lines of a plain-text table that shows a maintainer, at a glance, how
    the taxonomy divides the archive: size, share, the keywords doing the
    work and a few titles, the catch-all last."""
    rows = [("topic", "papers", "share", "top keywords", "sample titles")]
    for topic in topics.topics:
        keywords: Counter[str] = Counter(
            match.keyword
            for paper in topic.papers
            for match in topics.matches[paper.slug]
            if match.topic == topic.slug and match.keyword
        )
        score = {
            paper.slug: next(m.score for m in topics.matches[paper.slug] if m.topic == topic.slug)
            for paper in topic.papers
        }
        strongest = sorted(topic.papers, key=lambda p: (-score[p.slug], p.slug))[:samples]
        rows.append(
            (
                topic.name,
                str(len(topic.papers)),
                f"{len(topic.papers) / max(papers, 1):.0%}",
                ", ".join(k for k, _ in keywords.most_common(3)),
                " | ".join(p.title[:40] for p in strongest),
            )
        )
    return text_table(rows, right=(1, 2))


def text_table(rows: Sequence[tuple[str, ...]], right: Iterable[int] = ()) -> list[str]:
    """Lines of a plain-text table: columns padded to their widest cell (the
    ``right`` ones on the right), the last one running on."""
    aligned = set(right)
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return [
        "  ".join(
            cell.rjust(width) if i in aligned else cell.ljust(width) if i < len(row) - 1 else cell
            for i, (cell, width) in enumerate(zip(row, widths, strict=True))
        ).rstrip()
        for row in rows
    ]
