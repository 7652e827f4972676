"""A cache of where papers were placed in the topics, beside the site.

Placing a paper reads only its title, abstract and keywords, and the rules
of the taxonomy: so a paper with the same text, placed by the same rules and
the same code, lands in the same topics. The cache maps a hash of a paper's
text to its topics, in one file per taxonomy and code (a stale one is never
read, and is removed when a new one is written), and a small one beside it
of the papers placed since. A damaged file is a warning and a placement
from scratch.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from collections.abc import Mapping
from pathlib import Path

from generator.analysis.topics import TopicMatch
from generator.commands.caches import code_digest, keep_only, read_checked, write_checked
from generator.config.digest_yaml import TopicRule
from generator.core.errors import Diagnostic, Source
from generator.reading.archive import Archive, text_key


def rules_key(rules: tuple[TopicRule, ...]) -> str:
    """The taxonomy and digest's code, hashed: the name of the cache file."""
    digest = hashlib.blake2b(repr(rules).encode("utf-8", "surrogatepass"), digest_size=12)
    digest.update(code_digest())
    return digest.hexdigest()


#: Papers placed since the whole cache was last written go to a file of
#: their own while they are at most this share of the others: a day writes
#: its own papers' placements, not the 15 MB of 100,000 papers' (1.3 s).
RECENT_SHARE = 0.125


class Placements:
    """The cache files of one taxonomy in a cache folder: every paper's
    placement, and those of the papers placed since (see ``RECENT_SHARE``)."""

    def __init__(self, folder: Path, rules: tuple[TopicRule, ...]) -> None:
        self.folder = folder
        key = rules_key(rules)
        self.path = folder / f"placements-{key}.json"
        self.recent_path = folder / f"placements-{key}-recent.json"
        self.stored: dict[str, list[list[str | int]]] = {}
        """What both files hold."""
        self.recent: dict[str, list[list[str | int]]] = {}
        """What the file of recent placements holds."""
        self.texts: list[bytes] = []
        """Per paper of the archive read, its ``text_key``."""
        self.keys: dict[str, str] = {}
        """By paper slug, its ``text_key`` as the cache files name it."""
        self.known = 0
        """How many papers the cache placed."""
        self.problem: Diagnostic | None = None

    def read(self, archive: Archive) -> dict[str, tuple[TopicMatch, ...]]:
        """By paper slug, the topics the cache holds for the papers of ``archive``."""
        self.texts = [text_key(paper) for paper in archive.papers]
        self.keys = {p.slug: key.hex() for p, key in zip(archive.papers, self.texts, strict=True)}
        reading = self.path  # the file a warning names
        try:
            stored = _load(self.path)
            reading = self.recent_path
            try:
                recent = _load(self.recent_path)
            except FileNotFoundError:
                recent = {}
            stored.update(recent)
            known: dict[str, tuple[TopicMatch, ...]] = {}
            # Equal placements share one match: 277,000 placements of
            # 106,000 papers are 2,400 different ones.
            matches: dict[tuple[object, ...], TopicMatch] = {}
            for slug, key in self.keys.items():
                found = stored.get(key)
                if found is not None:
                    known[slug] = tuple(_match(item, matches) for item in found)
        except FileNotFoundError:
            return {}
        except (OSError, ValueError, TypeError) as error:
            why = f"the topics cache is damaged ({error}); placing every paper again"
            self.problem = Diagnostic(Source(str(reading)), "warning", why)
            return {}
        self.stored, self.recent = stored, recent
        self.known = len(known)
        return known

    def write(self, archive: Archive, matches: Mapping[str, tuple[TopicMatch, ...]]) -> None:
        """Keep the placements of ``archive``'s papers (only theirs: a paper
        gone from the feeds goes from the cache), if they are new. A paper
        the cache placed keeps what the cache said of it (``classify`` took
        that as its placement). Papers only added are written to the file
        of recent placements, until it holds too many (``RECENT_SHARE``)."""
        keys = self.keys or {paper.slug: text_key(paper).hex() for paper in archive.papers}
        wanted = set(keys.values())
        stored = self.stored
        if self.known == len(keys) and len(stored) == len(wanted):
            return  # every paper placed by the cache, and no other in it
        new: dict[str, list[list[str | int]]] = {
            key: [[m.topic, m.keyword, m.score] for m in matches[slug]]
            for slug, key in keys.items()
            if key not in stored
        }
        older = len(stored) - len(self.recent)
        only_added = len(stored) + len(new) == len(wanted)
        if only_added and older and len(self.recent) + len(new) <= RECENT_SHARE * older:
            write_checked(self.recent_path, _dumps({**self.recent, **new}))
        else:
            placed = {key: stored[key] if key in stored else new[key] for key in keys.values()}
            write_checked(self.path, _dumps(placed))
            with contextlib.suppress(OSError):  # a read-only disk: see ``write_checked``
                self.recent_path.unlink(missing_ok=True)
        keep_only(self.path, "placements-*.json", self.recent_path)


def _load(path: Path) -> dict[str, list[list[str | int]]]:
    stored = json.loads(read_checked(path))
    if not isinstance(stored, dict):
        raise ValueError("not an object")
    return stored


def _dumps(placed: dict[str, list[list[str | int]]]) -> bytes:
    return json.dumps(placed, ensure_ascii=False, separators=(",", ":")).encode()


def _match(item: object, made: dict[tuple[object, ...], TopicMatch]) -> TopicMatch:
    """The match a stored placement says, checked the first time it is met."""
    if not isinstance(item, list):
        raise ValueError("not a placement")
    as_read = tuple(item)
    match = made.get(as_read)
    if match is None:
        if len(as_read) != 3:
            raise ValueError("not a placement")
        topic, keyword, score = as_read
        if not (isinstance(topic, str) and isinstance(keyword, str) and type(score) is int):
            raise ValueError("not a placement")
        match = made[as_read] = TopicMatch(topic, keyword, score)
    elif type(as_read[2]) is not int:  # equal to an int (True, 1.0), not one
        raise ValueError("not a placement")
    return match
