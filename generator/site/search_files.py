"""The data behind in-browser search, split so that a query downloads only
what it needs, however large the archive.

- ``search-index.json``, the entry point: the keys of the term shards
  (front-coded, see ``front_coded``), the topics (slug and name, in taxonomy
  order), stop words and how papers are numbered into blocks.
- ``search/terms/<key>.json``: the postings of every term that starts with
  ``key`` (two letters, more where a shard would be large): for each term, the
  papers with it in the title and those with it only in the abstract.
- ``search/papers/<n>.json``: what a result shows (title, URL name, days,
  topics by their place in the entry point's list, authors as a card names
  them, if any) for a block of papers, fetched only for the results shown.
- Authors, apart from the words of titles and abstracts: a term shard's
  entry has a third list, the papers with the term as a word of an author's
  name (only where there are any: most terms have none); and
  ``search/authors/<key>.json`` (keys in the entry point's ``authors``,
  front-coded, sharded as terms are) gives the papers of each author, by
  ``terms.author_key`` (case, accents and punctuation folded), for
  ``search/?author=<name>``.
- ``search/topics/<slug>/*.bin``, ``search/days/*.json`` and the entry
  point's ``years`` and ``topic_piece``: what filters by topic and by date
  need (see ``filters``).

Papers are numbered by first day, so a higher number is a newer paper and
ranking needs no paper data at all. A term found in the abstracts of more
than a small share of the archive keeps only its title postings: alone it
would list a large part of the archive, and with other words it narrows
nothing.
"""

from __future__ import annotations

import json
import os
import re
from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from generator.analysis.terms import BASE36_DIGITS, STOP_WORDS
from generator.analysis.topics import Topics
from generator.reading.archive import Archive, Paper, numbered
from generator.site.search_filters import filter_files
from generator.site.views import short_authors

if TYPE_CHECKING:
    from generator.analysis.postings import SearchWords

INDEX_VERSION = 5
#: Papers per display block: small, because the results of a query are spread
#: over the archive and each block is fetched whole for the one result in it.
BLOCK_SIZE = 4
#: A term shard larger than this (in characters) is split by one more letter.
SHARD_CHARS = 24_000
#: Terms in more abstracts than this share (and at least COMMON_MIN papers)
#: keep only title postings.
COMMON_SHARE = 0.05
COMMON_MIN = 200

_PLAIN_KEY = re.compile(r"[a-z0-9]+")


def shard_name(key: str) -> str:
    """A file name for a shard key; the page's script computes the same."""
    if _PLAIN_KEY.fullmatch(key):
        return key
    return "u" + "_".join(f"{ord(c):x}" for c in key)


def _chars(value: str | list[str | None]) -> int:
    return len(value) if isinstance(value, str) else sum(len(p or "") for p in value)


_Entry = TypeVar("_Entry", str, list[str | None])


def _shards(entries: dict[str, _Entry]) -> dict[str, dict[str, _Entry]]:
    """Terms grouped by their first two letters, a group split by one more
    letter while it is too large (a term shorter than the key keeps its own)."""
    done: dict[str, dict[str, _Entry]] = {}
    pending = [(2, sorted(entries))]
    while pending:
        depth, terms = pending.pop()
        groups: dict[str, list[str]] = defaultdict(list)
        for term in terms:
            groups[term[:depth]].append(term)
        for key, members in groups.items():
            size = sum(len(t) + _chars(entries[t]) for t in members)
            longer = [t for t in members if len(t) > depth]
            if size > SHARD_CHARS and longer and depth < 8:
                shorter = [t for t in members if len(t) <= depth]
                if shorter:
                    done[key] = {t: entries[t] for t in shorter}
                pending.append((depth + 1, longer))
            else:
                done[key] = {t: entries[t] for t in members}
    return done


def search_files(archive: Archive, topics: Topics, found: SearchWords) -> dict[str, Any]:
    """Every file of the search index but the blocks of papers (see
    ``paper_block``), by path in the site, given the search words
    ``found`` in every paper (see ``postings``)."""
    # Here: numpy loads with it, and a build of unchanged input never needs it.
    from generator.analysis.postings import author_postings, term_postings

    papers = numbered(archive)
    common = max(COMMON_SHARE * len(papers), COMMON_MIN)
    entries = term_postings(found, len(papers), common)
    name_words, authors = author_postings(papers)
    for word, postings in name_words.items():
        entries.setdefault(word, ["", ""]).append(postings)
    shards = _shards(entries)
    author_shards = _shards(authors)
    files: dict[str, Any] = {
        f"search/terms/{shard_name(key)}.json": terms for key, terms in shards.items()
    }
    for key, names in author_shards.items():
        files[f"search/authors/{shard_name(key)}.json"] = names
    filters, filtering = filter_files(papers, topics)
    files.update(filters)
    files["search-index.json"] = {
        "version": INDEX_VERSION,
        "papers": len(papers),
        "block_size": BLOCK_SIZE,
        "shards": front_coded(sorted(shards)),
        "authors": front_coded(sorted(author_shards)),
        "topics": [[topic.slug, topic.name] for topic in topics.topics],
        "stop_words": sorted(STOP_WORDS),
        **filtering,
    }
    return files


def paper_block(
    papers: Sequence[Paper], topic_numbers: Mapping[str, int], topics: Topics
) -> list[list[Any]]:
    """What a result shows of each of ``papers``, a block of them (see
    ``BLOCK_SIZE``): title, URL name, days, topics by their place in the
    entry point's list (``topic_numbers``: a block names each topic in a
    digit or two, not a slug) and, if any, the authors as a card names them.
    Apart from the rest of the index: it needs nothing of the related
    papers' model, so a build makes the blocks while it makes that (see
    ``prepared``)."""
    return [
        [
            paper.title,
            paper.slug,
            [day.isoformat() for day in paper.days],
            [topic_numbers[match.topic] for match in topics.matches[paper.slug]],
            *([short_authors(paper.authors)] if paper.authors else []),
        ]  # fmt: skip
        for paper in papers
    ]


def block_path(number: int) -> str:
    """The file of the ``number``-th block of papers."""
    return f"search/papers/{number}.json"


def front_coded(keys: list[str]) -> str:
    """Sorted shard keys in one string, each as how many characters it
    shares with the one before (a base-36 digit) and the rest: two fifths of
    a JSON list (11 KB instead of 28 KB at 100,000 papers), in the entry
    point that every first query loads."""
    items, previous = [], ""
    for key in keys:
        shared = len(os.path.commonprefix([previous, key]))
        items.append(BASE36_DIGITS[min(shared, 35)] + key[min(shared, 35) :])
        previous = key
    return " ".join(items)


def shard_keys(coded: str) -> list[str]:
    """The keys that ``front_coded`` wrote, as the page's script reads them."""
    keys: list[str] = []
    for item in coded.split(" ") if coded else []:
        shared = int(item[0], 36)
        keys.append((keys[-1][:shared] if keys else "") + item[1:])
    return keys


def to_json(data: object) -> str:
    """Compact, sorted JSON; ``<``, ``>`` and ``&`` escaped so the text stays
    inert even if it is ever placed inside a ``<script>`` element."""
    text = json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
