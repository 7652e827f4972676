"""A cache of where papers were placed in the topics, beside the site.

Placing a paper reads only its title, abstract and keywords, and the rules
of the taxonomy: so a paper with the same text, placed by the same rules and
the same code, lands in the same topics. The cache maps a hash of a paper's
text to its topics, in one file per taxonomy and code (a stale one is never
read, and is removed when a new one is written). A damaged file is a warning
and a placement from scratch.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from pathlib import Path

from generator.analysis.topics import TopicMatch
from generator.commands.caches import code_digest, keep_only, read_checked, write_checked
from generator.config.digest_yaml import TopicRule
from generator.core.errors import Diagnostic, Source
from generator.reading.archive import Archive, Paper


def text_key(paper: Paper) -> str:
    """What placing ``paper`` reads, hashed."""
    text = "\0".join((paper.title, paper.abstract, "\x1f".join(paper.keywords)))
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=12).hexdigest()


def rules_key(rules: tuple[TopicRule, ...]) -> str:
    """The taxonomy and digest's code, hashed: the name of the cache file."""
    digest = hashlib.blake2b(repr(rules).encode("utf-8", "surrogatepass"), digest_size=12)
    digest.update(code_digest())
    return digest.hexdigest()


class Placements:
    """The cache file of one taxonomy in a cache folder."""

    def __init__(self, folder: Path, rules: tuple[TopicRule, ...]) -> None:
        self.folder = folder
        self.path = folder / f"placements-{rules_key(rules)}.json"
        self.stored: dict[str, list[list[str | int]]] = {}
        self.keys: dict[str, str] = {}
        """By paper slug, its ``text_key``: made once, for reading and writing."""
        self.known = 0
        """How many papers the cache placed."""
        self.problem: Diagnostic | None = None

    def read(self, archive: Archive) -> dict[str, tuple[TopicMatch, ...]]:
        """By paper slug, the topics the cache holds for the papers of ``archive``."""
        self.keys = {paper.slug: text_key(paper) for paper in archive.papers}
        try:
            stored = json.loads(read_checked(self.path))
            if not isinstance(stored, dict):
                raise ValueError("not an object")
            known: dict[str, tuple[TopicMatch, ...]] = {}
            for slug, key in self.keys.items():
                found = stored.get(key)
                if found is not None:
                    known[slug] = tuple(_match(item) for item in found)
        except FileNotFoundError:
            return {}
        except (OSError, ValueError, TypeError) as error:
            why = f"the topics cache is damaged ({error}); placing every paper again"
            self.problem = Diagnostic(Source(str(self.path)), "warning", why)
            return {}
        self.stored = stored
        self.known = len(known)
        return known

    def write(self, archive: Archive, matches: Mapping[str, tuple[TopicMatch, ...]]) -> None:
        """Keep the placements of ``archive``'s papers (only theirs: a paper
        gone from the feeds goes from the cache), if they are new. A paper
        the cache placed keeps what the cache said of it (``classify`` took
        that as its placement)."""
        keys = self.keys or {paper.slug: text_key(paper) for paper in archive.papers}
        if self.known == len(keys) and len(self.stored) == len(set(keys.values())):
            return  # every paper placed by the cache, and no other in it
        stored = self.stored
        placed = {
            key: stored[key]
            if key in stored
            else [[m.topic, m.keyword, m.score] for m in matches[slug]]
            for slug, key in keys.items()
        }
        text = json.dumps(placed, ensure_ascii=False, separators=(",", ":"))
        write_checked(self.path, text.encode())
        keep_only(self.path, "placements-*.json")


def _match(item: object) -> TopicMatch:
    if not (isinstance(item, list) and len(item) == 3):
        raise ValueError("not a placement")
    topic, keyword, score = item
    if not (isinstance(topic, str) and isinstance(keyword, str) and type(score) is int):
        raise ValueError("not a placement")
    return TopicMatch(topic, keyword, score)
