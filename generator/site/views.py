"""What pages show of the archive: plain view data for the templates.

A paper's view is made when a page first shows it (on its page, the pages
of its days and topics, the feeds), in the process that renders that page
(see ``PaperViews``); templates never see raw feed text or the
configuration object. Kept apart from the rendering, which only walks these.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, Mapping, Sequence
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
    """Made once per process and list of authors: a worker asks for every
    view of the pages it renders, and the search index for every paper."""
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


#: What a paper's view copies from the paper, field by field ...
COPIED = (
    "slug", "title", "abstract", "days", "arxiv_id", "authors", "links", "categories",
    "journal_ref",
)  # fmt: skip
#: ... what it makes of those alone, by digest's code (every fingerprint
#: covers the code) ...
DERIVED = ("excerpt", "authors_short")
#: ... and what it takes from the topics and the related papers' model.
GIVEN = ("topics", "keywords", "related", "number")


class PaperViews(Mapping[str, PaperView]):
    """Per paper slug, its view, made when first asked for, from what
    ``COPIED`` and ``GIVEN`` name: the fingerprints hash those (see
    ``fingerprints``), so a build makes only the views of the pages it
    renders. Making all 100,000 views took 2.4 s of every day's build."""

    def __init__(
        self,
        papers: Sequence[Paper],
        tags: Mapping[str, tuple[TopicTag, ...]],
        keywords: Mapping[str, tuple[str, ...]],
        similar: Mapping[str, tuple[str, ...]],
    ) -> None:
        """``papers`` in the order of their numbers (``numbered``); per
        slug, its topics' tags (primary first), its keyphrases and the slugs
        of its related papers."""
        self.papers = {paper.slug: paper for paper in papers}
        self.numbers = {paper.slug: at for at, paper in enumerate(papers)}
        self.tags, self.keywords, self.similar = tags, keywords, similar
        self._links: dict[str, PaperLink] = {}
        self._made: dict[str, PaperView] = {}

    def __getitem__(self, slug: str) -> PaperView:
        view = self._made.get(slug)
        if view is None:
            paper = self.papers[slug]
            view = self._made[slug] = PaperView(
                slug=paper.slug,
                title=paper.title,
                abstract=paper.abstract,
                excerpt=excerpt(paper.abstract),
                days=paper.days,
                topics=self.tags[slug],
                arxiv_id=paper.arxiv_id,
                authors=paper.authors,
                authors_short=short_authors(paper.authors),
                links=paper.links,
                categories=paper.categories,
                journal_ref=paper.journal_ref,
                keywords=self.keywords[slug],
                related=tuple([self.link(other) for other in self.similar[slug]]),
                number=self.numbers[slug],
            )
        return view

    def link(self, slug: str) -> PaperLink:
        """How the papers related to another one name this one."""
        link = self._links.get(slug)
        if link is None:
            paper = self.papers[slug]
            link = self._links[slug] = PaperLink(slug, paper.title, self.numbers[slug])
        return link

    def __iter__(self) -> Iterator[str]:
        return iter(self.papers)

    def __len__(self) -> int:
        return len(self.papers)


def paper_tags(topics: Topics) -> dict[str, tuple[TopicTag, ...]]:
    """Per paper slug, its topics' tags, primary first: made once and shared
    by every view that shows them."""
    names = {t.slug: t.name for t in topics.topics}
    tags = {
        (m.topic, m.keyword): TopicTag(m.topic, names[m.topic], m.keyword)
        for matches in topics.matches.values()
        for m in matches
    }
    return {
        slug: tuple([tags[m.topic, m.keyword] for m in matches])
        for slug, matches in topics.matches.items()
    }


def paper_views(archive: Archive, topics: Topics, related: Related) -> PaperViews:
    """The views of an archive's papers."""
    return PaperViews(numbered(archive), paper_tags(topics), related.keywords, related.similar)
