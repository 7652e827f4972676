"""Any feed of papers: RSS 2.0, Atom or JSON Feed (a journal's table of
contents, bioRxiv, an arXiv category's RSS).

XML is parsed by feedparser, which knows the dialects and their quirks; JSON
Feed is plain JSON. A feed is what it holds now, not a day, so each fetch
stores a snapshot named by the day it was made; each paper is listed on the
day the feed dates it, and a paper the feed gives no date is listed on the day
it was first fetched (an earlier snapshot of the same feed), else today.
Summaries are often HTML: they are turned into text here, so nothing a feed
sends can ever run on the site.
"""

from __future__ import annotations

import calendar
import json
import time
import xml.sax
from collections.abc import Iterable
from dataclasses import replace
from datetime import UTC, date, datetime
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import feedparser

from generator.config.source_specs import SourceSpec
from generator.core.text import fold_spaces
from generator.reading.archive import paper_key
from generator.reading.stored_format import (
    FORMAT,
    Stored,
    StoredPaper,
    arxiv_id_in,
    bare_arxiv_id,
    doi_in,
    web_link,
)
from generator.sources.http import Client, FetchError, NoPapers

ACCEPT = (
    "application/feed+json, application/atom+xml, application/rss+xml, "
    "application/xml;q=0.9, text/xml;q=0.9, */*;q=0.1"
)
_BLOCKS = {"p", "br", "div", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote"}
_HIDDEN = {"script", "style", "template", "noscript"}


class _Text(HTMLParser):
    """The text a browser would show of an HTML fragment, without any markup."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _HIDDEN:
            self.hidden += 1
        elif tag in _BLOCKS:
            self.parts.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in _HIDDEN:
            self.hidden = max(0, self.hidden - 1)
        elif tag in _BLOCKS:
            self.parts.append(" ")

    def handle_data(self, data: str) -> None:
        if not self.hidden:
            self.parts.append(data)


def html_text(html: str) -> str:
    """``html`` as plain text: tags dropped, entities resolved, spaces folded."""
    parser = _Text()
    parser.feed(html)
    parser.close()
    return fold_spaces("".join(parser.parts))


def parse_xml(body: bytes, url: str) -> Any:
    """An RSS or Atom document as feedparser reads it; malformed XML is an error,
    not a best guess (a guess could store half a feed as if it were all)."""
    parsed = feedparser.parse(body)
    problem = parsed.get("bozo_exception")
    if not parsed.get("version"):
        raise FetchError("body is not an RSS, Atom or JSON feed", url)
    if isinstance(problem, xml.sax.SAXParseException):
        where = f" at line {problem.getLineNumber()}" if problem.getLineNumber() else ""
        raise FetchError(f"malformed XML{where}: {problem.getMessage()}", url)
    return parsed


def detail_text(entry: Any, name: str) -> str:
    """A text construct (``title``, ``summary``) as plain text, whatever its type."""
    detail = entry.get(f"{name}_detail") or {}
    value = entry.get(name) or ""
    if not isinstance(value, str):
        return ""
    if "html" in str(detail.get("type", "text/html")):
        return html_text(value)
    return fold_spaces(value)


def _day(parsed: time.struct_time | None) -> str:
    if parsed is None:
        return ""
    return datetime.fromtimestamp(calendar.timegm(parsed), UTC).date().isoformat()


def _split_names(names: str) -> list[str]:
    """``Ada Lovelace, Grace Hopper`` (one ``dc:creator`` for all, as arXiv's RSS
    sends them) as two names; ``Lovelace, Ada`` stays one."""
    parts = [part.strip() for part in names.replace(" and ", ", ").split(",")]
    return parts if len(parts) > 1 and all(" " in part for part in parts) else [names]


def _xml_paper(entry: Any) -> StoredPaper | None:
    title = detail_text(entry, "title")
    if not title:
        return None
    content = entry.get("content") or []
    abstract = detail_text(entry, "summary") or (
        detail_text(content[0], "value") if content else ""
    )
    link = web_link(entry.get("link") or "")
    identifiers = " ".join(
        str(entry.get(key) or "") for key in ("prism_doi", "dc_identifier", "id", "arxiv_doi")
    )
    authors = [fold_spaces(str(a.get("name") or "")) for a in entry.get("authors") or []]
    if len(authors) == 1:
        authors = _split_names(authors[0])
    when = entry.get("published_parsed") or entry.get("updated_parsed")
    return StoredPaper(
        title=title,
        abstract=abstract,
        authors=tuple(name for name in authors if name),
        id=arxiv_id_in(link) or arxiv_id_in(str(entry.get("id") or "")),
        doi=doi_in(link) or doi_in(identifiers),
        url=link,
        date=_day(when),
        published=entry.get("published") or entry.get("updated") or "",
    )


def _json_day(value: Any) -> str:
    if not isinstance(value, str):
        return ""
    try:
        when = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return ""
    return (when.astimezone(UTC) if when.tzinfo else when).date().isoformat()


def _json_paper(item: Any) -> StoredPaper | None:
    """One JSON Feed item (1.0 or 1.1)."""
    if not isinstance(item, dict):
        return None
    # Titles and summaries of JSON Feed are plain text; only content_html is HTML.
    title = fold_spaces(item["title"]) if isinstance(item.get("title"), str) else ""
    if not title:
        return None
    text = item.get("summary") or item.get("content_text")
    abstract = fold_spaces(text) if isinstance(text, str) else ""
    if not abstract and isinstance(item.get("content_html"), str):
        abstract = html_text(item["content_html"])
    link = web_link(str(item.get("url") or item.get("external_url") or ""))
    people = item.get("authors") or ([item["author"]] if item.get("author") else [])
    authors = (
        [fold_spaces(str(p.get("name") or "")) for p in people if isinstance(p, dict)]
        if isinstance(people, list)
        else []
    )
    return StoredPaper(
        title=title,
        abstract=abstract,
        authors=tuple(name for name in authors if name),
        id=arxiv_id_in(link) or arxiv_id_in(str(item.get("id") or "")),
        doi=doi_in(link) or doi_in(str(item.get("id") or "")),
        url=link,
        date=_json_day(item.get("date_published") or item.get("date_modified")),
        published=str(item.get("date_published") or ""),
    )


def _json_items(body: bytes, url: str) -> list[Any]:
    try:
        data = json.loads(body)
    except (ValueError, RecursionError) as error:
        raise FetchError(f"body is not JSON ({error})", url) from None
    version = data.get("version", "") if isinstance(data, dict) else ""
    if not isinstance(version, str) or not version.startswith("https://jsonfeed.org/version/"):
        raise FetchError('not a JSON Feed: no "version": "https://jsonfeed.org/version/…"', url)
    items = data.get("items")
    if not isinstance(items, list):
        raise FetchError('not a JSON Feed: "items" is not a list', url)
    return items


def papers_of(body: bytes, url: str) -> tuple[list[StoredPaper], int]:
    """The papers of a feed, and how many items had no title."""
    if body.lstrip()[:1] == b"{":
        items = _json_items(body, url)
        found = [_json_paper(item) for item in items]
    else:
        items = parse_xml(body, url).entries
        found = [_xml_paper(entry) for entry in items]
    papers = [paper for paper in found if paper is not None]
    return papers, len(items) - len(papers)


def first_seen(seeds: Path, spec: SourceSpec, today: date) -> dict[str, str]:
    """The day each undated paper was first stored from this feed, by arXiv id
    or title, read from the feed's earlier snapshots."""
    seen: dict[str, str] = {}
    for path in sorted(seeds.glob(f"{spec.name}-????-??-??.json")):
        if path.name == spec.file_name(today):
            continue
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            continue
        for paper in data.get("papers") or []:
            if isinstance(paper, dict) and isinstance(paper.get("title"), str):
                day = paper.get("date") or data.get("date")
                for key in _keys(paper.get("id") or "", paper["title"]):
                    seen.setdefault(key, str(day))
    return seen


def _keys(arxiv_id: str, title: str) -> Iterable[str]:
    if arxiv_id:
        yield f"arxiv:{arxiv_id}"
    yield paper_key(title)


def fetch(spec: SourceSpec, day: date, client: Client, seeds: Path) -> tuple[Stored, int, int]:
    """The feed as it is now: the papers, how many items had no title, and how
    many had no date (listed on the day they were first fetched)."""
    body = client.get(spec.url).body
    papers, skipped = papers_of(body, spec.url)
    if not papers:
        if skipped:
            raise FetchError(f"none of the {skipped} items has a title", spec.url)
        raise NoPapers("the feed lists no papers", spec.url)
    seen = first_seen(seeds, spec, day)
    undated = 0
    dated = []
    for paper in papers:
        if not paper.date:
            undated += 1
            keys = list(_keys(bare_arxiv_id(paper.id), paper.title))
            first = next((seen[key] for key in keys if key in seen), day.isoformat())
            paper = replace(paper, date=first)
        dated.append(paper)
    return Stored("feed", spec.name, spec.url, day, tuple(dated)), skipped, undated
