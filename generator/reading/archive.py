"""The archive: the same paper from several feeds merged into one, and the days.

Two entries are the same paper when they carry the same arXiv id, or, where an
id is not known (text feeds, most journals' feeds), when their titles are equal
after normalising. Merging depends only on the entries, never on the order
files were read in, so the same feeds always give the same archive.
"""

from __future__ import annotations

import hashlib
import os
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from generator.core.errors import Diagnostic, Source, shorten
from generator.core.slugs import slug_words, stable_suffix
from generator.core.text import fold_spaces
from generator.reading.entries import Entry, Link


@dataclass(frozen=True, slots=True)
class Paper:
    key: str
    """The normalised title of the paper's first entry (with its arXiv id when
    another paper has the same title): what its slug is made from."""
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
    links: tuple[Link, ...] = ()
    """Where every source says the paper can be read, each place once."""
    categories: tuple[str, ...] = ()
    journal_ref: str = ""
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


def numbered(archive: Archive) -> list[Paper]:
    """Papers in the order of their numbers in the search and library data:
    by first day, then URL name. A new day's papers come last, so every
    earlier paper keeps its number. Sorted by first day alone: the sort
    keeps the papers' own order, by slug, among those of one day."""
    return sorted(archive.papers, key=lambda paper: paper.days[0])


def text_key(paper: Paper) -> bytes:
    """What placing a paper in topics and relating it to others read of it
    (its title, its abstract, its source's keywords), hashed: their caches
    know a paper's text by it, made once a build (``build.Checked``)."""
    text = "\0".join((paper.title, paper.abstract, "\x1f".join(paper.keywords)))
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=12).digest()


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
    by_key = _same_papers(in_order)
    keys = [""] * len(in_order)
    for key, members in by_key.items():
        for number in members:
            keys[number] = key

    papers: dict[str, Paper] = {}
    slugs: dict[str, str] = {}
    for key, members in by_key.items():
        group = [in_order[number] for number in members]
        first = group[0]
        slug = paper_slug(first.title, key)
        if slug in slugs and slugs[slug] != key:
            slug = f"{slug}-{stable_suffix(key, 16)}"
        slugs[slug] = key
        if len(group) == 1:  # most papers: nothing to choose between
            papers[key] = Paper(
                key=key,
                slug=slug,
                title=first.title,
                abstract=first.abstract,
                days=(first.day,),
                sources=(first.source,),
                arxiv_id=first.arxiv_id,
                authors=first.authors,
                upvotes=first.upvotes,
                links=_links(group),
                categories=first.categories,
                journal_ref=first.journal_ref,
                keywords=first.keywords,
            )
            continue
        abstracts = sorted({e.abstract for e in group if e.abstract}, key=lambda a: (-len(a), a))
        abstract = abstracts[0] if abstracts else ""
        for other in abstracts[1:]:
            where = next(e for e in group if e.abstract == other)
            message = (
                f"{shorten(first.title)!r} also appears with a different abstract; "
                f"the longest one (from {_source_of(group, abstract)}) is kept"
            )
            problems.append(Diagnostic(where.source, "warning", message))
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
            links=_links(group),
            categories=next((e.categories for e in group if e.categories), ()),
            journal_ref=next((e.journal_ref for e in group if e.journal_ref), ""),
            keywords=next((e.keywords for e in group if e.keywords), ()),
        )

    days: dict[date, dict[str, Paper]] = defaultdict(dict)
    for key, entry in zip(keys, in_order, strict=True):
        days[entry.day].setdefault(key, papers[key])
    ordered_days = [Day(day, tuple(days[day].values())) for day in sorted(days)]
    archive = Archive(tuple(sorted(papers.values(), key=lambda p: p.slug)), tuple(ordered_days))
    return archive, sorted(problems)


def _same_papers(entries: list[Entry]) -> dict[str, list[int]]:
    """The entries (their numbers, in reading order) of each paper, by its key.

    Entries with one arXiv id are one paper; so are entries with one title,
    unless they carry different ids (two papers may share a title), in which
    case an entry without an id joins the first paper with that title."""
    parent = list(range(len(entries)))

    def root(number: int) -> int:
        while parent[number] != number:
            parent[number] = parent[parent[number]]
            number = parent[number]
        return number

    def join(one: int, other: int) -> None:
        low, high = sorted((root(one), root(other)))
        parent[high] = low

    title_keys = [paper_key(entry.title) for entry in entries]  # once: it is dear
    by_id: dict[str, int] = {}
    by_title: dict[str, list[int]] = defaultdict(list)
    for number, entry in enumerate(entries):
        if entry.arxiv_id:
            join(by_id.setdefault(entry.arxiv_id, number), number)
        by_title[title_keys[number]].append(number)
    for members in by_title.values():
        if len(members) == 1:  # most titles: nothing to join
            continue
        with_id = [n for n in members if entries[n].arxiv_id]
        ids = {entries[n].arxiv_id for n in with_id}
        for number in members if len(ids) <= 1 else set(members) - set(with_id):
            join(with_id[0] if with_id else members[0], number)

    groups: dict[int, list[int]] = defaultdict(list)
    for number in range(len(entries)):
        groups[root(number)].append(number)
    titles = [title_keys[members[0]] for members in groups.values()]
    shared = {key for key, count in Counter(titles).items() if count > 1}
    by_key: dict[str, list[int]] = {}
    for key, members in zip(titles, groups.values(), strict=True):
        arxiv_id = next((entries[n].arxiv_id for n in members if entries[n].arxiv_id), "")
        by_key[f"{key} arxiv:{arxiv_id}" if key in shared and arxiv_id else key] = members
    return by_key


def _links(group: list[Entry]) -> tuple[Link, ...]:
    """Every source's links, each URL once, arXiv first and feeds last."""
    unique: dict[str, Link] = {}
    for entry in group:
        for link in entry.links:
            unique.setdefault(link.url, link)
    return tuple(sorted(unique.values(), key=lambda link: link.rank))


def _source_of(group: list[Entry], abstract: str) -> Source:
    return next(e.source for e in group if e.abstract == abstract)
