"""What pages show of the archive: plain view data for the templates.

Built once per build in the parent process (a paper's view is on its page,
on the pages of its days and topics and in the feeds) and shared by every
worker that renders pages; templates never see raw feed text or the
configuration object. Kept apart from the rendering, which only walks these.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from generator.analysis.topics import Topics
from generator.reading.archive import Archive, Paper
from generator.reading.entries import Link

if TYPE_CHECKING:  # numpy and scipy load only when pages are rendered
    from generator.analysis.related import Related

_DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_MONTH_NAMES = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip
EXCERPT_CHARS = 280
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
    links: tuple[Link, ...]
    """Where every source says the paper can be read."""
    categories: tuple[str, ...]
    journal_ref: str
    keywords: tuple[str, ...]
    """Distinctive terms of this paper within the archive."""
    related: tuple[PaperLink, ...]
    """The most similar papers, most similar first."""

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
    links = {paper.slug: PaperLink(paper.slug, paper.title) for paper in archive.papers}
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
            links=paper.links,
            categories=paper.categories,
            journal_ref=paper.journal_ref,
            keywords=related.keywords[paper.slug],
            related=tuple([links[slug] for slug in related.similar[paper.slug]]),
        )
        for paper in archive.papers
    }
