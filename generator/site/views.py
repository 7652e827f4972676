"""What pages show of the archive: plain view data for the templates.

Built once per build in the parent process (a paper's view is on its page,
on the pages of its days and topics and in the feeds) and shared by every
worker that renders pages; templates never see raw feed text or the
configuration object. Kept apart from the rendering, which only walks these.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from generator.analysis.topics import Topics
from generator.reading.archive import Archive, Paper, numbered
from generator.reading.entries import Link

if TYPE_CHECKING:  # numpy and scipy load only when pages are rendered
    from generator.analysis.related import Related

_DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_MONTH_NAMES = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip
EXCERPT_CHARS = 280
#: Authors a card names before "… and N more".
AUTHORS_ON_CARDS = 2
#: Lower-case words that belong to a family name ("van der Waals").
_PARTICLES = frozenset("al bin da de del della der di dos du el la le van von zu".split())
#: Words that make a name a group's, shown whole ("Qwen Team").
_GROUP_WORDS = frozenset("ai collaboration consortium group inc lab labs team".split())
#: Papers on one page of a topic; long listings are split so that no page
#: grows with the archive.
PAGE_SIZE = 100


def long_date(day: date) -> str:
    """``Tuesday, 11 March 2025``, the same in every locale."""
    return f"{_DAY_NAMES[day.weekday()]}, {day.day} {_MONTH_NAMES[day.month - 1]} {day.year}"


def short_date(day: date) -> str:
    return f"{day.day} {_MONTH_NAMES[day.month - 1][:3]} {day.year}"


def excerpt(text: str, limit: int = EXCERPT_CHARS) -> str:
    """The start of ``text``, cut at a word boundary."""
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(None, 1)[0] if " " in text[:limit] else text[:limit]
    return cut.rstrip(" ,;:.") + "…"


@functools.cache
def short_name(name: str) -> str:
    """``A. Vaswani`` for ``Ashish Vaswani``: given names as initials, the
    family name (the last word, with any particle before it) whole. A name
    written ``Family, Given`` is read as such; a group's name, a single word
    or anything with a digit is shown as written. Cached: an author has
    many papers, and every paper's card and search entry names its authors."""
    family, comma, given = name.partition(",")
    parts = (given.split() + family.split()) if comma and given.strip() else name.split()
    if len(parts) < 2 or any(c.isdigit() for c in name):
        return " ".join(parts)
    if any(part.lower().strip(".") in _GROUP_WORDS for part in parts):
        return " ".join(parts)
    last = len(parts) - 1
    while last > 1 and parts[last - 1] in _PARTICLES:
        last -= 1
    initials = [_initials(part) for part in parts[:last]]
    return " ".join([*initials, *parts[last:]])


def _initials(given: str) -> str:
    """``J.-P.`` for ``Jean-Pierre``; a part without a letter as written."""
    pieces = []
    for piece in given.split("-"):
        letter = next((c for c in piece if c.isalpha()), "")
        pieces.append(f"{letter.upper()}." if letter else piece)
    return "-".join(pieces)


def short_authors(authors: Sequence[str]) -> str:
    """What a card says of a paper's authors: ``A. Vaswani, N. Shazeer, …
    and 6 more``; every name when there are few."""
    return _short_authors(tuple(authors))


@functools.cache
def _short_authors(authors: tuple[str, ...]) -> str:
    """Made once per process and list of authors: the views ask in the
    parent, and the workers that render pages and feeds inherit the
    answers. The search index asks again in its own process, forked
    before the views are made (see ``build._build``)."""
    if len(authors) <= AUTHORS_ON_CARDS + 1:
        return ", ".join(short_name(name) for name in authors)
    named = ", ".join(short_name(name) for name in authors[:AUTHORS_ON_CARDS])
    return f"{named}, … and {len(authors) - AUTHORS_ON_CARDS} more"


@dataclass(frozen=True, slots=True)
class TopicTag:
    slug: str
    name: str
    keyword: str
    """The keyword that placed the paper in this topic; empty for the catch-all."""


@dataclass(frozen=True, slots=True)
class PaperLink:
    slug: str
    title: str
    number: int
    """The paper's number in the search and library data (by first day)."""


@dataclass(frozen=True, slots=True)
class PaperView:
    """What any page shows of a paper."""

    slug: str
    title: str
    abstract: str
    excerpt: str
    days: tuple[date, ...]
    topics: tuple[TopicTag, ...]
    """Primary topic first."""
    arxiv_id: str
    authors: tuple[str, ...]
    authors_short: str
    """The authors as a card names them (see ``short_authors``)."""
    links: tuple[Link, ...]
    """Where every source says the paper can be read."""
    categories: tuple[str, ...]
    journal_ref: str
    keywords: tuple[str, ...]
    """Distinctive terms of this paper within the archive."""
    related: tuple[PaperLink, ...]
    """The most similar papers, most similar first."""
    number: int
    """The paper's number in the search and library data (by first day):
    where the reader's library finds it (its Save button says)."""

    @property
    def primary(self) -> TopicTag:
        return self.topics[0]


@dataclass(frozen=True, slots=True)
class Pager:
    """Links to the neighbouring pages of a split listing, relative to this page."""

    newer: str | None
    older: str | None


@dataclass(frozen=True, slots=True)
class Listing:
    """One page of a topic: its path, its papers (newest first) and its pager."""

    path: str
    papers: tuple[Paper, ...]
    pager: Pager


def topic_listings(slug: str, papers: Sequence[Paper], size: int = PAGE_SIZE) -> list[Listing]:
    """A topic's papers in pages of ``size``, counted from the oldest, so that a
    full page keeps its URL and its papers while new papers arrive; the topic's
    own page shows the newest ones (at least half a page, so it may repeat the
    newest numbered page) and links to the page of papers just older."""
    oldest_first = list(reversed(papers))
    chunks = [oldest_first[i : i + size] for i in range(0, len(oldest_first), size)] or [[]]
    shown = 2 if len(chunks) > 1 and len(chunks[-1]) < size // 2 else 1
    first_shown = len(chunks) - shown  # 0-based index of the oldest chunk on the topic page
    listings = [
        Listing(
            f"topics/{slug}/index.html",
            tuple(reversed([p for chunk in chunks[first_shown:] for p in chunk])),
            Pager(None, f"page/{first_shown}/" if first_shown else None),
        )
    ]
    if not first_shown:  # the topic's page shows every paper
        return listings
    for number in range(1, len(chunks)):
        newer = f"../{number + 1}/" if number + 1 < len(chunks) else "../../"
        older = f"../{number - 1}/" if number > 1 else None
        listings.append(
            Listing(
                f"topics/{slug}/page/{number}/index.html",
                tuple(reversed(chunks[number - 1])),
                Pager(newer, older),
            )
        )
    return listings


@dataclass(frozen=True, slots=True)
class Group:
    """Papers under one heading: a topic on day pages, a day on topic pages."""

    key: str
    label: str
    papers: tuple[PaperView, ...]


def paper_views(archive: Archive, topics: Topics, related: Related) -> dict[str, PaperView]:
    """Per paper slug, its view. Tags and related links are made once and
    shared by every view that shows them: this runs in the parent, before
    the workers start."""
    names = {t.slug: t.name for t in topics.topics}
    tags = {
        (m.topic, m.keyword): TopicTag(m.topic, names[m.topic], m.keyword)
        for matches in topics.matches.values()
        for m in matches
    }
    numbers = {paper.slug: at for at, paper in enumerate(numbered(archive))}
    links = {
        paper.slug: PaperLink(paper.slug, paper.title, numbers[paper.slug])
        for paper in archive.papers
    }
    return {
        paper.slug: PaperView(
            slug=paper.slug,
            title=paper.title,
            abstract=paper.abstract,
            excerpt=excerpt(paper.abstract),
            days=paper.days,
            topics=tuple([tags[m.topic, m.keyword] for m in topics.matches[paper.slug]]),
            arxiv_id=paper.arxiv_id,
            authors=paper.authors,
            authors_short=short_authors(paper.authors),
            links=paper.links,
            categories=paper.categories,
            journal_ref=paper.journal_ref,
            keywords=related.keywords[paper.slug],
            related=tuple([links[slug] for slug in related.similar[paper.slug]]),
            number=numbers[paper.slug],
        )
        for paper in archive.papers
    }
