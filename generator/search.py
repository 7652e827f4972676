"""The data behind in-browser search, split so that a query downloads only
what it needs, however large the archive.

- ``search-index.json``, the entry point: the list of term shards, topic
  names, stop words and how papers are numbered into blocks.
- ``search/terms/<key>.json``: the postings of every term that starts with
  ``key`` (two letters, more where a shard would be large): for each term, the
  papers with it in the title and those with it only in the abstract.
- ``search/papers/<n>.json``: what a result shows (title, URL name, days,
  topics) for a block of papers, fetched only for the results shown.

Papers are numbered by first day, so a higher number is a newer paper and
ranking needs no paper data at all. A term found in the abstracts of more
than a small share of the archive keeps only its title postings: alone it
would list a large part of the archive, and with other words it narrows
nothing.
"""

from __future__ import annotations

import functools
import itertools
import json
import re
import unicodedata
from collections import defaultdict
from typing import Any

from generator.model import Archive, Paper
from generator.topics import Topics

INDEX_VERSION = 2
#: Papers per display block: small, because the results of a query are spread
#: over the archive and each block is fetched whole for the one result in it.
BLOCK_SIZE = 4
#: A term shard larger than this (in characters) is split by one more letter.
SHARD_CHARS = 24_000
#: Terms in more abstracts than this share (and at least COMMON_MIN papers)
#: keep only title postings.
COMMON_SHARE = 0.05
COMMON_MIN = 200

_WORD = re.compile(r"[^\W_]+")
_PLAIN_KEY = re.compile(r"[a-z0-9]+")
#: Every byte that is not an ASCII letter or digit as a space.
_ASCII_GAPS = bytes(
    code if chr(code).isascii() and chr(code).isalnum() else 32 for code in range(256)
)
#: Words too common in abstracts to help find a paper.
STOP_WORDS = frozenset(
    """a an and are as at be been but by can do does for from has have how in into is it its
    of on or our such than that the their then these they this to via was we were what when
    which while with without""".split()
)


def words(text: str) -> list[str]:
    """Search words: lower case, marks (accents) removed, split at anything not
    a letter or digit, exactly as the page's script splits queries (NFKD, no
    \\p{M}, toLowerCase, [\\p{L}\\p{N}]+)."""
    if text.isascii():  # the usual case, in C: bytes.translate and split
        return text.lower().encode().translate(_ASCII_GAPS).decode().split()
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.category(c).startswith("M"))
    return _WORD.findall(text.lower())


def shard_name(key: str) -> str:
    """A file name for a shard key; the page's script computes the same."""
    if _PLAIN_KEY.fullmatch(key):
        return key
    return "u" + "_".join(f"{ord(c):x}" for c in key)


def _postings(terms: list[str], counts: list[int]) -> dict[str, tuple[str, int]]:
    """Per term, the papers that have it (as base-36 gaps between their
    sorted numbers: short, and quick to decode) and how many, given each paper's terms
    one paper after the other (``counts`` of them each). Grouped by sorting
    term numbers, as array operations: a Python step per term of each paper
    was most of the cost of the index."""
    import numpy as np  # here: a build of unchanged input never loads numpy

    index = {term: number for number, term in enumerate(dict.fromkeys(terms))}
    ids = np.fromiter(map(index.__getitem__, terms), np.int64, len(terms))
    order = np.argsort(ids, kind="stable")  # each term's papers stay in number order
    papers = np.repeat(np.arange(len(counts)), counts)[order]
    grouped = ids[order]
    starts = np.flatnonzero(np.concatenate([[len(order) > 0], grouped[1:] != grouped[:-1]]))
    previous = np.concatenate([[0], papers[:-1]])
    previous[starts] = 0
    gaps = papers - previous
    spelled = _spelled_gaps()
    texts = list(map(spelled.__getitem__, np.minimum(gaps, len(spelled) - 1).tolist()))
    for at in np.flatnonzero(gaps >= len(spelled)).tolist():
        texts[at] = _base36(int(gaps[at]))
    names = list(index)
    bounds = itertools.pairwise([*starts.tolist(), len(order)])
    return {
        names[term]: (",".join(texts[start:end]), end - start)
        for term, (start, end) in zip(grouped[starts].tolist(), bounds, strict=True)
    }


def _base36(number: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    text = ""
    while True:
        number, rest = divmod(number, 36)
        text = digits[rest] + text
        if not number:
            return text


@functools.cache
def _spelled_gaps() -> list[str]:
    """Every gap of up to three base-36 digits, spelled once (at first use:
    a build of unchanged input never needs them)."""
    return [_base36(number) for number in range(36**3)]


def numbered(archive: Archive) -> list[Paper]:
    """Papers in the order of their numbers: by first day, then URL name."""
    return sorted(archive.papers, key=lambda p: (p.days[0] if p.days else None, p.slug))


def _shards(entries: dict[str, list[str | None]]) -> dict[str, dict[str, list[str | None]]]:
    """Terms grouped by their first two letters, a group split by one more
    letter while it is too large (a term shorter than the key keeps its own)."""
    done: dict[str, dict[str, list[str | None]]] = {}
    pending = [(2, sorted(entries))]
    while pending:
        depth, terms = pending.pop()
        groups: dict[str, list[str]] = defaultdict(list)
        for term in terms:
            groups[term[:depth]].append(term)
        for key, members in groups.items():
            size = sum(len(t) + sum(len(p or "") for p in entries[t]) for t in members)
            longer = [t for t in members if len(t) > depth]
            if size > SHARD_CHARS and longer and depth < 8:
                shorter = [t for t in members if len(t) <= depth]
                if shorter:
                    done[key] = {t: entries[t] for t in shorter}
                pending.append((depth + 1, longer))
            else:
                done[key] = {t: entries[t] for t in members}
    return done


def search_files(archive: Archive, topics: Topics) -> dict[str, Any]:
    """Every file of the search index, by path in the site."""
    papers = numbered(archive)
    title_terms: list[str] = []
    abstract_terms: list[str] = []
    title_counts, abstract_counts = [], []
    for paper in papers:
        in_title = set(words(paper.title))
        in_abstract = set(words(paper.abstract)) - in_title - STOP_WORDS
        title_terms += in_title
        abstract_terms += in_abstract
        title_counts.append(len(in_title))
        abstract_counts.append(len(in_abstract))
    in_titles = _postings(title_terms, title_counts)
    in_abstracts = _postings(abstract_terms, abstract_counts)
    common = max(COMMON_SHARE * len(papers), COMMON_MIN)
    entries: dict[str, list[str | None]] = {}
    for term in in_titles.keys() | in_abstracts.keys():
        title, _ = in_titles.get(term, ("", 0))
        abstract, count = in_abstracts.get(term, ("", 0))
        # A common term's abstract postings would be long, and narrow nothing.
        entries[term] = [title, None if count > common else abstract]
    shards = _shards(entries)
    files: dict[str, Any] = {
        f"search/terms/{shard_name(key)}.json": terms for key, terms in shards.items()
    }
    for start in range(0, len(papers), BLOCK_SIZE):
        block = [
            [
                paper.title,
                paper.slug,
                [day.isoformat() for day in paper.days],
                [match.topic for match in topics.matches[paper.slug]],
            ]  # fmt: skip
            for paper in papers[start : start + BLOCK_SIZE]
        ]
        files[f"search/papers/{start // BLOCK_SIZE}.json"] = block
    files["search-index.json"] = {
        "version": INDEX_VERSION,
        "papers": len(papers),
        "block_size": BLOCK_SIZE,
        "shards": sorted(shards),
        "topics": {topic.slug: topic.name for topic in topics.topics},
        "stop_words": sorted(STOP_WORDS),
    }
    return files


def to_json(data: object) -> str:
    """Compact, sorted JSON; ``<``, ``>`` and ``&`` escaped so the text stays
    inert even if it is ever placed inside a ``<script>`` element."""
    text = json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
