"""arXiv: the new submissions of some categories on one day, from the arXiv API.

The API answers Atom with arXiv's and OpenSearch's namespaces: one page of
entries at a time (``start``, ``max_results``) and the total the query has,
so a day is read page by page until the total. arXiv asks for a pause of at
least three seconds between requests, which ``PAUSE`` keeps (tests shorten it).
Its errors come back as an entry titled "Error", and it sometimes answers a
page with no entries although the total says there are more: that page is
asked for again, and a day is stored only when all of it has been read.
"""

from __future__ import annotations

from datetime import date
from typing import Any
from urllib.parse import urlencode

from generator.config.source_specs import SourceSpec
from generator.core.text import fold_spaces
from generator.reading.stored_format import Stored, StoredPaper, arxiv_id_in, doi_in
from generator.sources.feed import detail_text, parse_xml
from generator.sources.http import Client, FetchError, NoPapers

#: Seconds between two requests; arXiv's terms of use ask for at least 3.
PAUSE = 3.0
PAGE_SIZE = 200
#: 10,000 papers: more than any day of all of arXiv.
MAX_PAGES = 50
ACCEPT = "application/atom+xml"


def query(categories: tuple[str, ...], day: date) -> str:
    """The search of a day's submissions (times are GMT, to the minute)."""
    cats = " OR ".join(f"cat:{category}" for category in categories)
    stamp = day.strftime("%Y%m%d")
    return f"({cats}) AND submittedDate:[{stamp}0000 TO {stamp}2359]"


def page_url(api_url: str, categories: tuple[str, ...], day: date, start: int) -> str:
    parameters = {
        "search_query": query(categories, day),
        "start": start,
        "max_results": PAGE_SIZE,
        "sortBy": "submittedDate",
        "sortOrder": "ascending",
    }
    return f"{api_url}{'&' if '?' in api_url else '?'}{urlencode(parameters)}"


def parse_entry(entry: Any) -> StoredPaper | None:
    """A stored paper from one Atom entry; ``None`` without an id or title."""
    arxiv_id = arxiv_id_in(str(entry.get("id") or ""))
    title = detail_text(entry, "title")
    if not arxiv_id or not title:
        return None
    primary = (entry.get("arxiv_primary_category") or {}).get("term") or ""
    terms = [str(tag.get("term") or "") for tag in entry.get("tags") or []]
    categories = tuple(dict.fromkeys(term for term in (primary, *terms) if term))
    doi = str(entry.get("arxiv_doi") or "")
    return StoredPaper(
        id=arxiv_id,
        title=title,
        # Plain text with hard line breaks; ``<`` in it is text, not markup.
        abstract=fold_spaces(str(entry.get("summary") or "")),
        authors=tuple(
            name
            for name in (fold_spaces(str(a.get("name") or "")) for a in entry.get("authors") or [])
            if name
        ),
        doi=doi_in(doi) or fold_spaces(doi),
        url=f"https://arxiv.org/abs/{arxiv_id}",
        pdf=f"https://arxiv.org/pdf/{arxiv_id}",
        published=str(entry.get("published") or ""),
        categories=categories,
        journal_ref=fold_spaces(str(entry.get("arxiv_journal_ref") or "")),
    )


def _page(client: Client, url: str) -> tuple[int, list[Any]]:
    """The total the query has and the entries of one page."""
    parsed = parse_xml(client.get(url).body, url)
    total = str(parsed.feed.get("opensearch_totalresults", "")).strip()
    entries = list(parsed.entries)
    for entry in entries:
        if "/api/errors" in str(entry.get("id") or ""):
            raise FetchError(f"arXiv says: {fold_spaces(str(entry.get('summary')))}", url)
    if not total.isdigit():
        raise FetchError("not an arXiv API answer: no opensearch:totalResults", url)
    return int(total), entries


def fetch(spec: SourceSpec, day: date, client: Client) -> tuple[Stored, int]:
    """The day's papers in the categories, and how many entries were unusable."""
    first = page_url(spec.url, spec.categories, day, 0)
    papers: dict[str, StoredPaper] = {}
    skipped = start = 0
    total = None
    for _ in range(MAX_PAGES):
        url = page_url(spec.url, spec.categories, day, start)
        total, entries = _page(client, url)
        for _ in range(client.retries):
            if entries or start >= total:
                break
            total, entries = _page(client, url)
        if not entries:
            if start < total:
                listed = f"{start} of {total}"
                raise FetchError(f"page came back empty after {listed} papers were read", url)
            break
        for paper in map(parse_entry, entries):
            if paper is None:
                skipped += 1
            else:
                papers.setdefault(paper.id, paper)
        start += len(entries)
        if start >= total:
            break
    else:
        raise FetchError(f"more than {MAX_PAGES} pages of {PAGE_SIZE} papers", first)
    if not papers:
        if skipped:
            raise FetchError(f"none of the {skipped} entries has an arXiv id and a title", first)
        raise NoPapers(f"no papers for {day} (a weekend, or not announced yet)", first)
    name = "arXiv " + ", ".join(spec.categories)
    return Stored("arxiv", name, spec.url, day, tuple(papers.values())), skipped
