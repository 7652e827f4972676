"""A cache of read feeds, one file per feed file, beside the site.

Reading a feed depends only on its bytes, its name (diagnostics and entries
say where they stand), the year for date lines without one, and digest's
code: so the cache file of a feed is named by a hash of those, and a feed
changed in any way is read again. At 100,000 papers, reading every feed
anew was 5 s of each build; a day adds one feed. Cache files that no feed of
the build needed are removed. A damaged one is said in a warning (one for
the build) and its feed read again.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from generator.commands.caches import Damaged, code_digest, read_checked, write_checked
from generator.core.errors import Diagnostic, Source
from generator.reading.captured import feed_of, read_feed
from generator.reading.entries import Entry, Feed, Link
from generator.reading.stored import api_feed_of, read_api_feed

#: The cache folder's subfolder of read feeds.
FOLDER = "feeds"


def read_bytes(data: bytes, name: str, year: int) -> Feed:
    """A feed file's bytes, read as its name's suffix says."""
    return api_feed_of(data, name) if name.endswith(".json") else feed_of(data, name, year)


class FeedCache:
    """The read feeds kept in a build's cache folder; ``None`` keeps none."""

    def __init__(self, folder: Path | None, year: int) -> None:
        self.folder = folder / FOLDER if folder is not None else None
        self.year = year
        self.used: set[str] = set()
        self.new: list[tuple[Path, Feed, str]] = []
        """The feeds read anew, kept by ``finish``."""
        self.problem: Diagnostic | None = None

    def read(self, path: Path) -> Feed:
        """The feed of ``path``, from the cache if it holds it."""
        name = str(path)
        try:
            data = path.read_bytes()
        except OSError:
            return read_bytes_of(path, self.year)  # which says what is wrong
        if self.folder is None:
            return read_bytes(data, name, self.year)
        key = hashlib.sha256(code_digest())
        key.update(f"{self.year}\0{name}\0".encode("utf-8", "surrogatepass"))
        key.update(data)
        file = self.folder / f"{key.hexdigest()[:32]}.json"
        self.used.add(file.name)
        try:
            return _decode(read_checked(file), name)
        except FileNotFoundError:
            pass
        except (OSError, ValueError, TypeError) as error:
            if self.problem is None:
                why = f"a cache of read feeds is damaged ({error}); reading its feed again"
                self.problem = Diagnostic(Source(str(file)), "warning", why)
        feed = read_bytes(data, name, self.year)
        self.new.append((file, feed, name))
        return feed

    def finish(self) -> None:
        """Keep the feeds read anew, and remove the cache files no feed of
        this build needed: only for a build that goes on (one stopped by
        errors in its input writes nothing)."""
        if self.folder is None:
            return
        for file, feed, name in self.new:
            write_checked(file, _encode(feed, name))
        self.new.clear()
        with contextlib.suppress(OSError):
            for file in self.folder.iterdir():
                if file.name not in self.used:
                    file.unlink(missing_ok=True)


def read_bytes_of(path: Path, year: int) -> Feed:
    """A feed file read by the reader of its kind, which says why it cannot be."""
    return read_api_feed(path) if path.suffix == ".json" else read_feed(path, year)


def _where(source: Source, name: str) -> list[Any]:
    return [None if source.path == name else source.path, source.line]


def _encode(feed: Feed, name: str) -> bytes:
    entries = [
        [
            entry.title,
            entry.abstract,
            entry.day.toordinal(),
            *_where(entry.source, name),
            entry.arxiv_id,
            entry.authors,
            entry.upvotes,
            [[link.rank, link.label, link.url] for link in entry.links],
            entry.categories,
            entry.journal_ref,
            entry.keywords,
        ]
        for entry in feed.entries
    ]
    problems = [[*_where(d.source, name), d.severity, d.message] for d in feed.diagnostics]
    text = json.dumps([entries, problems], ensure_ascii=False, separators=(",", ":"))
    return text.encode("utf-8", "surrogatepass")


def _decode(payload: bytes, name: str) -> Feed:
    """The feed ``_encode`` wrote: the file's check (see ``caches``) says it
    is as written, so its shape is not checked again."""
    try:
        entries, problems = json.loads(payload.decode("utf-8", "surrogatepass"))
    except (ValueError, UnicodeDecodeError) as error:
        raise Damaged("not JSON") from error
    day: Callable[[int], date] = date.fromordinal
    return Feed(
        tuple(
            Entry(
                title,
                abstract,
                day(ordinal),
                Source(name if path is None else path, line),
                arxiv_id,
                tuple(authors),
                upvotes,
                tuple(Link(*link) for link in links),
                tuple(categories),
                journal_ref,
                tuple(keywords),
            )
            for (
                title,
                abstract,
                ordinal,
                path,
                line,
                arxiv_id,
                authors,
                upvotes,
                links,
                categories,
                journal_ref,
                keywords,
            ) in entries
        ),
        tuple(
            Diagnostic(Source(name if path is None else path, line), severity, message)
            for path, line, severity, message in problems
        ),
    )
