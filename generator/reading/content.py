"""Markdown pages kept beside the feeds: ``about.md`` and per-day curator notes
(``YYYY-MM-DD.md``), rendered with raw HTML off and only safe link schemes."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from generator.core.errors import Diagnostic, Source, unreadable
from generator.core.text import CONTROL_CHARACTERS

if TYPE_CHECKING:
    from markdown_it import MarkdownIt

ABOUT_FILE = "about.md"
_NOTE_NAME = re.compile(r"(\d{4})-(\d{2})-(\d{2})\.md")
_SAFE_SCHEME = re.compile(r"(?:https?|mailto):", re.IGNORECASE)
_ANY_SCHEME = re.compile(r"[a-z][a-z0-9+.-]*:", re.IGNORECASE)
_IGNORED_IN_URL = re.compile(r"[\x00-\x20\x7f]+")


@dataclass(frozen=True, slots=True)
class Content:
    about: str | None = None
    """The about page's HTML, if ``about.md`` exists."""
    notes: dict[date, str] = field(default_factory=dict)
    """Curator notes' HTML by day."""


def is_safe_link(url: str) -> bool:
    """Only web and mail links, or links with no scheme (relative ones).

    Browsers ignore control characters and spaces inside a scheme
    (``java\\tscript:``), so those are removed before looking."""
    cleaned = _IGNORED_IN_URL.sub("", url)
    return bool(_SAFE_SCHEME.match(cleaned)) or not _ANY_SCHEME.match(cleaned)


def _markdown() -> MarkdownIt:
    # Imported here: a build of unchanged input reads no page.
    from markdown_it import MarkdownIt

    md = MarkdownIt("commonmark", {"html": False, "typographer": False})
    md.validateLink = is_safe_link  # type: ignore[method-assign]
    return md


def read_content(paths: Iterable[Path], days: set[date]) -> tuple[Content, list[Diagnostic]]:
    """The about page and the notes of days that exist; every other Markdown
    file is reported rather than silently ignored."""
    md = _markdown()
    about: str | None = None
    notes: dict[date, str] = {}
    problems: list[Diagnostic] = []
    for path in sorted(paths, key=lambda p: p.name):
        source = Source(str(path))
        try:
            text = path.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as error:
            reason = unreadable(error)
            problems.append(Diagnostic(source, "error", f"cannot read page: {reason}"))
            continue
        if CONTROL_CHARACTERS.search(text):
            message = "control characters replaced by U+FFFD"
            problems.append(Diagnostic(source, "warning", message))
            text = CONTROL_CHARACTERS.sub("\ufffd", text)
        if path.name == ABOUT_FILE:
            about = md.render(text)
            continue
        match = _NOTE_NAME.fullmatch(path.name)
        day = _date(match) if match else None
        if day is None:
            message = (
                f"Markdown file is neither {ABOUT_FILE} nor a note named YYYY-MM-DD.md (ignored)"
            )
            problems.append(Diagnostic(source, "warning", message))
        elif day not in days:
            message = f"note for {day.isoformat()}, a day with no papers (ignored)"
            problems.append(Diagnostic(source, "warning", message))
        else:
            notes[day] = md.render(text)
    return Content(about, notes), problems


def _date(match: re.Match[str]) -> date | None:
    try:
        return date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        return None
