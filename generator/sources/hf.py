"""Hugging Face Daily Papers: the papers of a day, from its JSON API.

The API lists a day page by page (``p``), each item a ``paper`` object with
some fields at the item's own level instead; it has moved fields between the
two before, so each is looked for in both.
"""

from __future__ import annotations

import json
import re
from datetime import date
from typing import Any
from urllib.parse import urlencode

from generator.config.source_specs import SourceSpec
from generator.core.text import fold_spaces
from generator.reading.stored_format import Stored, StoredPaper, bare_arxiv_id
from generator.sources.http import Client, FetchError, NoPapers

NAME = "Hugging Face"
ACCEPT = "application/json"
#: Papers asked for per request; a longer day is read page by page (``p``).
PAGE_SIZE = 100
#: A bound on pages, so a misbehaving API cannot turn one run into thousands of requests.
MAX_PAGES = 10

_NEXT_PAGE = re.compile(r"""rel="?next"?""")
_KINDS: dict[type, str] = {dict: "an object", str: "a string", bool: "a boolean"}


def _pick(item: dict[str, Any], name: str) -> Any:
    """A field from the nested ``paper`` object, else from the item itself."""
    paper = item.get("paper")
    if isinstance(paper, dict) and paper.get(name) not in (None, "", []):
        return paper[name]
    return item.get(name)


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def _names(value: Any) -> tuple[str, ...]:
    """Author names, without the authors Hugging Face hides on the paper page."""
    if not isinstance(value, list):
        return ()
    names = (
        author.get("name")
        if isinstance(author, dict) and author.get("hidden") is not True
        else author
        for author in value
    )
    return tuple(name for name in (fold_spaces(_text(n)) for n in names) if name)


def _keywords(value: Any) -> tuple[str, ...]:
    words = [_text(word) for word in value] if isinstance(value, list) else []
    return tuple(dict.fromkeys(word for word in words if word))


def parse_paper(item: Any) -> StoredPaper | None:
    """A stored paper from one API item; ``None`` when it has no title."""
    if not isinstance(item, dict):
        return None
    title = fold_spaces(_text(_pick(item, "title")))
    if not title:
        return None
    upvotes = _pick(item, "upvotes")
    github = _text(_pick(item, "githubRepo"))
    arxiv_id = bare_arxiv_id(_text(_pick(item, "id")))
    return StoredPaper(
        id=arxiv_id,
        title=title,
        abstract=_text(_pick(item, "summary")),
        authors=_names(_pick(item, "authors")),
        url=f"https://huggingface.co/papers/{arxiv_id}" if arxiv_id else "",
        upvotes=upvotes if type(upvotes) is int and upvotes > 0 else 0,
        published=_text(_pick(item, "publishedAt")),
        keywords=_keywords(_pick(item, "ai_keywords")),
        github=github if github.startswith(("https://", "http://")) else "",
    )


def _decode(body: bytes, url: str) -> list[Any]:
    try:
        data = json.loads(body)
    except (ValueError, RecursionError) as error:
        raise FetchError(f"body is not JSON ({error})", url) from None
    if not isinstance(data, list):
        kind = _KINDS.get(type(data), "a number or null")
        raise FetchError(f"expected a JSON list of papers, got {kind}", url)
    return data


def _key(item: Any) -> str:
    paper = parse_paper(item)
    return (paper.id or paper.title) if paper else json.dumps(item, sort_keys=True)


def download(api_url: str, day: date, client: Client) -> tuple[list[Any], str]:
    """Every item the API lists for ``day``, page by page, and the first page's URL."""
    items: list[Any] = []
    seen: set[str] = set()
    first = ""
    for page in range(MAX_PAGES):
        query = urlencode({"date": day.isoformat(), "limit": PAGE_SIZE, "p": page})
        url = f"{api_url}{'&' if '?' in api_url else '?'}{query}"
        first = first or url
        response = client.get(url)
        new = [item for item in _decode(response.body, url) if _key(item) not in seen]
        # An API that ignores ``p`` would repeat the first page forever.
        if not new:
            break
        items.extend(new)
        seen.update(_key(item) for item in new)
        if not _NEXT_PAGE.search(response.headers.get("Link", "")):
            break
    return items, first


def fetch(spec: SourceSpec, day: date, client: Client) -> tuple[Stored, int]:
    """The papers of ``day`` and how many items had no title."""
    items, url = download(spec.url, day, client)
    if not items:
        raise NoPapers(f"no papers for {day} (a weekend, or not published yet)", url)
    papers = [paper for paper in map(parse_paper, items) if paper]
    if not papers:
        raise FetchError(f"none of the {len(items)} items for {day} has a title", url)
    stored = Stored("hf", NAME, spec.url, day, tuple(papers))
    return stored, len(items) - len(papers)
