"""The archive: the same paper from several feeds merged into one, and the days.

Merging depends only on the entries, never on the order files were read in, so
the same feeds always give the same archive.
"""

from __future__ import annotations

import os
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from generator.errors import Diagnostic, Source, shorten
from generator.feeds import Entry, fold_spaces
from generator.slugs import slug_words, stable_suffix


@dataclass(frozen=True, slots=True)
class Paper:
    key: str
    """The normalised title that says two entries are the same paper."""
    slug: str
    """The paper's permanent URL name: readable words plus a hash of ``key``."""
    title: str
    abstract: str
    days: tuple[date, ...]
    """Every day the paper appeared on, oldest first."""
    sources: tuple[Source, ...]
    """Every feed entry merged into this paper."""
    arxiv_id: str = ""
    authors: tuple[str, ...] = ()
    upvotes: int = 0
    keywords: tuple[str, ...] = ()
    """The source's own keywords of the paper, where a feed gave them."""


@dataclass(frozen=True, slots=True)
class Day:
    date: date
    papers: tuple[Paper, ...]
    """In the order the feeds list them (the site's own ranking that day)."""


@dataclass(frozen=True, slots=True)
class Archive:
    papers: tuple[Paper, ...]
    """Sorted by slug."""
    days: tuple[Day, ...]
    """Oldest first."""


def paper_key(title: str) -> str:
    """What makes two titles the same paper: equal after Unicode normalisation,
    white-space folding and case folding."""
    return fold_spaces(unicodedata.normalize("NFKC", title)).casefold()


def paper_slug(title: str, key: str) -> str:
    """Readable, bounded, never empty, and stable: it depends on this paper
    alone, so papers added later can never change it."""
    words = slug_words(title) or "paper"
    return f"{words}-{stable_suffix(key)}"


def _reading_order(entry: Entry) -> tuple[date, str, int]:
    """Entries in a fixed order whatever order the files were read in."""
    return entry.day, os.path.basename(entry.source.path), entry.source.line


def merge(entries: Iterable[Entry]) -> tuple[Archive, list[Diagnostic]]:
    """Entries grouped into papers and days.

    The title shown is the one of the earliest entry; of different abstracts,
    the longest is kept (captures cut abstracts short, never lengthen them),
    and the others are reported."""
    problems: list[Diagnostic] = []
    in_order = sorted(entries, key=_reading_order)
    keys = [paper_key(entry.title) for entry in in_order]
    by_key: dict[str, list[Entry]] = defaultdict(list)
    for key, entry in zip(keys, in_order, strict=True):
        by_key[key].append(entry)

    papers: dict[str, Paper] = {}
    slugs: dict[str, str] = {}
    for key, group in by_key.items():
        first = group[0]
        abstracts = sorted({e.abstract for e in group if e.abstract}, key=lambda a: (-len(a), a))
        abstract = abstracts[0] if abstracts else ""
        for other in abstracts[1:]:
            where = next(e for e in group if e.abstract == other)
            message = (
                f"{shorten(first.title)!r} also appears with a different abstract; "
                f"the longest one (from {_source_of(group, abstract)}) is kept"
            )
            problems.append(Diagnostic(where.source, "warning", message))
        slug = paper_slug(first.title, key)
        if slug in slugs and slugs[slug] != key:
            slug = f"{slug}-{stable_suffix(key, 16)}"
        slugs[slug] = key
        papers[key] = Paper(
            key=key,
            slug=slug,
            title=first.title,
            abstract=abstract,
            days=tuple(sorted({e.day for e in group})),
            sources=tuple(e.source for e in group),
            arxiv_id=next((e.arxiv_id for e in group if e.arxiv_id), ""),
            authors=next((e.authors for e in group if e.authors), ()),
            upvotes=max(e.upvotes for e in group),
            keywords=next((e.keywords for e in group if e.keywords), ()),
        )

    days: dict[date, dict[str, Paper]] = defaultdict(dict)
    for key, entry in zip(keys, in_order, strict=True):
        days[entry.day].setdefault(key, papers[key])
    ordered_days = [Day(day, tuple(days[day].values())) for day in sorted(days)]
    archive = Archive(tuple(sorted(papers.values(), key=lambda p: p.slug)), tuple(ordered_days))
    return archive, sorted(problems)


def _source_of(group: list[Entry], abstract: str) -> Source:
    return next(e.source for e in group if e.abstract == abstract)
