"""The data behind in-browser search: one JSON object, ``search-index.json``.

Each paper carries its title and the distinct words of its abstract (not the
abstract itself, which would make the file several times larger), so the page
can rank title matches above abstract matches without fetching anything else.
"""

from __future__ import annotations

import json
import re
import unicodedata
from typing import Any

from generator.model import Archive
from generator.topics import Topics

_WORD = re.compile(r"[^\W_]+")
#: Words too common in abstracts to help find a paper.
STOP_WORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "been",
        "but",
        "by",
        "can",
        "do",
        "does",
        "for",
        "from",
        "has",
        "have",
        "how",
        "in",
        "into",
        "is",
        "it",
        "its",
        "of",
        "on",
        "or",
        "our",
        "such",
        "than",
        "that",
        "the",
        "their",
        "then",
        "these",
        "they",
        "this",
        "to",
        "via",
        "was",
        "we",
        "were",
        "what",
        "when",
        "which",
        "while",
        "with",
        "without",
    ]
)


def words(text: str) -> list[str]:
    """Search words: lower case, accents removed, split at anything not a letter or digit.
    The page's script splits queries the same way."""
    if not text.isascii():
        text = unicodedata.normalize("NFKD", text)
        text = "".join(c for c in text if not unicodedata.combining(c))
    return _WORD.findall(text.casefold())


def search_index(archive: Archive, topics: Topics) -> dict[str, Any]:
    """Papers sorted by slug; ``topics`` maps topic slugs to names for display."""
    papers = []
    for paper in archive.papers:
        title_words = set(words(paper.title))
        abstract_words = sorted(set(words(paper.abstract)) - title_words - STOP_WORDS)
        papers.append(
            {
                "title": paper.title,
                "url": f"papers/{paper.slug}/",
                "days": [day.isoformat() for day in paper.days],
                "topics": [m.topic for m in topics.matches[paper.slug]],
                "words": " ".join(abstract_words),
            }
        )
    names = {topic.slug: topic.name for topic in topics.topics}
    return {"version": 1, "papers": papers, "topics": names, "stop_words": sorted(STOP_WORDS)}


def to_json(data: object) -> str:
    """Compact, sorted JSON; ``<``, ``>`` and ``&`` escaped so the text stays
    inert even if it is ever placed inside a ``<script>`` element."""
    text = json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
