"""Reading the feeds that ``digest fetch`` stored from a source.

They are JSON (format ``digest-papers/1``, or ``digest-hf-daily/1`` as stored
before there was more than one source) and, unlike captured pages, carry each
paper's ids, authors and links. A file someone edited by hand is checked as
strictly as a text feed: a wrong field is reported and left out, never shown.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

from generator.config.source_specs import KINDS
from generator.core.errors import Diagnostic, Source, unreadable
from generator.core.text import CONTROL_CHARACTERS, fold_spaces
from generator.reading.entries import Entry, Feed, Link
from generator.reading.stored_format import (
    ARXIV_ID,
    FORMAT,
    HF_DAILY_FORMAT,
    bare_arxiv_id,
    doi_in,
    web_link,
)

__all__ = ["FORMAT", "HF_DAILY_FORMAT", "api_feed_of", "parse_api_feed", "read_api_feed"]

ARXIV, PDF, HUGGING_FACE, DOI, FEED = range(5)


def _clean(text: str) -> str:
    return CONTROL_CHARACTERS.sub("\ufffd", text).strip()


def _string(paper: dict[str, Any], key: str) -> str:
    value = paper.get(key)
    return _clean(value) if isinstance(value, str) else ""


def _strings(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list):
        return ()
    return tuple(_clean(item) for item in value if isinstance(item, str) and item.strip())


def _links(kind: str, name: str, paper: dict[str, Any], arxiv_id: str) -> tuple[Link, ...]:
    """Where this source says the paper can be read, labelled for the paper page."""
    links = []
    if arxiv_id:
        links.append(Link(ARXIV, f"arXiv {arxiv_id}", f"https://arxiv.org/abs/{arxiv_id}"))
    url, pdf = web_link(_string(paper, "url")), web_link(_string(paper, "pdf"))
    if pdf:
        links.append(Link(PDF, "PDF", pdf))
    if kind == "hf" and (url or arxiv_id):
        links.append(Link(HUGGING_FACE, name, url or f"https://huggingface.co/papers/{arxiv_id}"))
    if doi := doi_in(_string(paper, "doi")):
        links.append(Link(DOI, f"DOI {doi}", f"https://doi.org/{doi}"))
    if kind == "feed" and url and not bare_arxiv_id(url.rsplit("/", 1)[-1]):
        links.append(Link(FEED, name, url))
    return tuple(links)


def _source(data: dict[str, Any]) -> tuple[str, str] | str:
    """The kind and name of the file's source, or what is wrong with them."""
    if data.get("format") == HF_DAILY_FORMAT:
        return "hf", "Hugging Face"
    if data.get("format") != FORMAT:
        return f'not a stored feed: expected "format": "{FORMAT}" (file skipped)'
    source = data.get("source")
    kind = source.get("kind") if isinstance(source, dict) else None
    name = source.get("name") if isinstance(source, dict) else None
    if kind not in KINDS or not isinstance(name, str) or not _clean(name):
        known = ", ".join(KINDS)
        return f'"source" needs a "kind" ({known}) and a "name" (file skipped)'
    return str(kind), fold_spaces(_clean(name))


def parse_api_feed(text: str, path: str) -> Feed:
    """Entries of one stored feed; each problem is a diagnostic."""

    def error(message: str, line: int = 1) -> Feed:
        return Feed((), (Diagnostic(Source(path, line), "error", message),))

    try:
        data = json.loads(text)
    except json.JSONDecodeError as problem:
        return error(f"not valid JSON: {problem.msg} (file skipped)", problem.lineno)
    except RecursionError:
        return error("not valid JSON: nested too deeply (file skipped)")
    if not isinstance(data, dict):
        return error(f'not a stored feed: expected "format": "{FORMAT}" (file skipped)')
    source = _source(data)
    if isinstance(source, str):
        return error(source)
    kind, name = source
    try:
        day = date.fromisoformat(str(data.get("date")))
    except ValueError:
        return error(f'"date" {data.get("date")!r} is not a YYYY-MM-DD day (file skipped)')
    papers = data.get("papers")
    if not isinstance(papers, list):
        return error('"papers" must be a list (file skipped)')

    entries: list[Entry] = []
    problems: list[Diagnostic] = []
    for index, paper in enumerate(papers, start=1):
        # Sources of JSON entries count papers, not lines: papers[0] is "line" 1.
        source_at = Source(path, index)

        def warn(message: str, at: Source = source_at) -> None:
            problems.append(Diagnostic(at, "warning", message))

        title = paper.get("title") if isinstance(paper, dict) else None
        if not isinstance(paper, dict) or not isinstance(title, str) or not title.strip():
            warn(f"paper {index} has no title (skipped)")
            continue
        abstract = _string(paper, "abstract")
        if not abstract:
            warn(f"paper {index} has no abstract (kept without one)")
        arxiv_id, upvotes = paper.get("id"), paper.get("upvotes")
        if not isinstance(upvotes, int) or isinstance(upvotes, bool):
            upvotes = 0
        if not isinstance(arxiv_id, str) or not ARXIV_ID.fullmatch(arxiv_id.strip()):
            if arxiv_id:
                warn(f"paper {index} has an id that is not an arXiv id: {arxiv_id!r} (ignored)")
            arxiv_id = ""
        arxiv_id = bare_arxiv_id(arxiv_id)
        listed = day
        if paper.get("date"):
            try:
                listed = date.fromisoformat(str(paper["date"]))
            except ValueError:
                warn(
                    f"paper {index} has a date that is not YYYY-MM-DD: {paper['date']!r} (ignored)"
                )
        entries.append(
            Entry(
                title=fold_spaces(_clean(title)),
                abstract=abstract,
                day=listed,
                source=source_at,
                arxiv_id=arxiv_id,
                authors=_strings(paper.get("authors")),
                upvotes=upvotes,
                links=_links(kind, name, paper, arxiv_id),
                categories=_strings(paper.get("categories")),
                journal_ref=fold_spaces(_string(paper, "journal_ref")),
                keywords=_strings(paper.get("keywords")),
            )
        )
    return Feed(tuple(entries), tuple(problems))


def read_api_feed(path: Path) -> Feed:
    try:
        data = path.read_bytes()
    except OSError as problem:
        return _unreadable(problem, str(path))
    return api_feed_of(data, str(path))


def api_feed_of(data: bytes, name: str) -> Feed:
    """The feed of the bytes of a stored feed file called ``name``: read as
    text is (lines end in a newline, whatever ended them in the file)."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as problem:
        return _unreadable(problem, name)
    return parse_api_feed(text.replace("\r\n", "\n").replace("\r", "\n"), name)


def _unreadable(problem: OSError | UnicodeDecodeError, name: str) -> Feed:
    reason = unreadable(problem)
    return Feed((), (Diagnostic(Source(name), "error", f"cannot read feed: {reason}"),))
