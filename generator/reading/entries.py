"""What every reader of feeds gives the merge: entries, their links, and the
diagnostics of one feed file. Plain data, so that captured pages and stored
feeds meet in one shape and the merge knows neither.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from generator.core.errors import Diagnostic, Source


@dataclass(frozen=True, slots=True, order=True)
class Link:
    """A place to read a paper, as a source gave it."""

    rank: int
    """Where it stands among a paper's links: arXiv, PDF, Hugging Face, DOI, feeds."""
    label: str
    url: str


@dataclass(frozen=True, slots=True)
class Entry:
    """One paper as one feed lists it on one day."""

    title: str
    """The title with runs of white space folded to one space."""
    abstract: str
    """The abstract exactly as written, stripped at both ends; empty if missing."""
    day: date
    source: Source
    """Where the title stands."""
    arxiv_id: str = ""
    """Known for papers fetched from the API; text feeds do not carry it."""
    authors: tuple[str, ...] = ()
    upvotes: int = 0
    links: tuple[Link, ...] = ()
    categories: tuple[str, ...] = ()
    """arXiv categories, the primary one first."""
    journal_ref: str = ""
    keywords: tuple[str, ...] = ()
    """The source's own keywords of the paper (Hugging Face's ``ai_keywords``)."""


@dataclass(frozen=True, slots=True)
class Feed:
    """What one feed file held, and everything that was wrong with it."""

    entries: tuple[Entry, ...]
    diagnostics: tuple[Diagnostic, ...]
