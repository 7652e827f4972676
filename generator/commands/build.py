"""The whole pipeline, top to bottom: read, merge, classify, render, swap in.

Everything is read and checked before anything is written, and the new site
is built in a temporary folder beside the output that replaces it only when
complete, so a failed or killed build leaves the previous site as it was.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from generator.analysis.topics import Topics, classify
from generator.commands.feed_cache import FeedCache
from generator.commands.placements import Placements
from generator.commands.site_swap import SITE_MARKER, not_a_site, recover, swap
from generator.config.digest_yaml import Config
from generator.core.errors import Diagnostic, DigestError, InputError, Source
from generator.core.lock import site_lock
from generator.core.stops import stage
from generator.core.workers import Progress, begun, collector_paused
from generator.reading.archive import Archive, merge
from generator.reading.content import Content, read_content
from generator.reading.entries import Entry, Feed
from generator.site.manifest import (
    NOTHING,
    Previous,
    cache_folder,
    inodes,
    previous_site,
    spare_path,
    write_manifest,
)
from generator.site.writer import Site

if TYPE_CHECKING:  # numpy and scipy: a build of unchanged input imports neither
    from generator.analysis.related import Related
    from generator.commands.terms_cache import TermsCache

#: The ``generator`` package: its code is part of every build's input key.
PACKAGE = Path(__file__).resolve().parent.parent


def _built_in(name: str) -> Path:
    """A folder of the built-in theme: inside the package when digest is
    installed (the wheel carries it there), else at the top of this repository."""
    installed = PACKAGE / name
    return installed if installed.is_dir() else PACKAGE.parent / name


TEMPLATES = _built_in("templates")
STATIC = _built_in("static")
#: Papers from which worker processes pay for their start.
PARALLEL_FROM = 2000


def theme(config: Path) -> tuple[Path, Path]:
    """The ``templates/`` and ``static/`` folders beside the config file (a
    site's own, whose files override the built-in theme's file by file: the
    rest comes from the theme), else the built-in ones."""
    root = config.absolute().parent
    templates, static = root / "templates", root / "static"
    return (
        templates if templates.is_dir() else TEMPLATES,
        static if static.is_dir() else STATIC,
    )


@dataclass(frozen=True, slots=True)
class Checked:
    """The input, read, merged and classified, with every problem found."""

    archive: Archive
    topics: Topics
    content: Content
    diagnostics: tuple[Diagnostic, ...]
    cache_problems: tuple[Diagnostic, ...] = ()
    """Warnings about damaged caches: said once, never repeated as the input's."""
    text_keys: tuple[bytes, ...] | None = None
    """Per paper of the archive, its ``text_key``, if the check made them."""

    @property
    def errors(self) -> int:
        return sum(d.is_error for d in self.diagnostics)


@dataclass(frozen=True, slots=True)
class Report:
    pages: int
    files: int
    bytes: int
    written: int
    """Files whose bytes changed since the previous build (all, on a first build)."""
    removed: int
    seconds: float
    problems: tuple[Diagnostic, ...] = ()
    """Warnings about damaged caches."""


def _seed_files(seeds: Path) -> tuple[list[Path], list[Path], list[Diagnostic]]:
    """Feeds and Markdown pages in ``seeds``; anything else is reported."""
    if not seeds.is_dir():
        raise DigestError("no such folder of feeds", source=Source(str(seeds)))
    feeds, pages, problems = [], [], []
    for path in sorted(seeds.iterdir()):
        if path.name.startswith("."):
            continue
        if path.is_file() and path.suffix in (".txt", ".json"):
            feeds.append(path)
        elif path.is_file() and path.suffix == ".md":
            pages.append(path)
        else:
            message = "not a feed (.txt, .json) or a page (.md): ignored"
            problems.append(Diagnostic(Source(str(path)), "warning", message))
    if not feeds:  # a new site, before its first fetch: an empty site, to see the theme
        message = "no feed files (*.txt, *.json) in it yet: the site has no papers"
        problems.append(Diagnostic(Source(str(seeds)), "warning", message))
    return feeds, pages, problems


def read_feeds(
    paths: list[Path],
    year: int,
    progress: Progress | None = None,
    cache: FeedCache | None = None,
) -> Feed:
    """Every feed, text or JSON, in file-name order so that output never
    depends on the order the file system lists them in; through ``cache``
    (see ``feed_cache``) if given."""
    entries: list[Entry] = []
    problems: list[Diagnostic] = []
    cache = cache if cache is not None else FeedCache(None, year)
    for number, path in enumerate(sorted(paths, key=lambda p: p.name), start=1):
        feed = cache.read(path)
        entries.extend(feed.entries)
        problems.extend(feed.diagnostics)
        if progress is not None:
            progress("reading feeds", number, len(paths))
    return Feed(tuple(entries), tuple(problems))


def check(
    seeds: Path,
    config: Config,
    workers: int = 1,
    progress: Progress | None = None,
    cache: Path | None = None,
) -> Checked:
    """Read and check all input; diagnostics come back, none is raised.
    ``workers`` processes may share the classifying of a large archive;
    ``cache``, a build's cache folder, keeps the papers' topics between builds."""
    with collector_paused():
        feed_paths, page_paths, problems = _seed_files(seeds)
        feed_cache = FeedCache(cache, config.year)
        feeds = read_feeds(feed_paths, config.year, progress, feed_cache)
        archive, merge_problems = merge(feeds.entries)
        content, content_problems = read_content(page_paths, {day.date for day in archive.days})
        placements = Placements(cache, config.topics) if cache is not None else None
        known = placements.read(archive) if placements is not None else {}
        topics = classify(archive, config.topics, _workers(archive, workers), progress, known)
    diagnostics = (*problems, *feeds.diagnostics, *merge_problems, *content_problems)
    # Kept only for a build that goes on: one stopped by errors writes nothing.
    if placements is not None and not any(d.is_error for d in diagnostics):
        placements.write(archive, topics.matches)
        feed_cache.finish()
    damaged = (feed_cache.problem, placements.problem if placements else None)
    cache_problems = tuple(problem for problem in damaged if problem is not None)
    texts = tuple(placements.texts) if placements is not None else None
    return Checked(archive, topics, content, diagnostics, cache_problems, texts)


def _workers(archive: Archive, workers: int) -> int:
    """No more than one process for an archive too small to pay for more."""
    return workers if len(archive.papers) >= PARALLEL_FROM else 1


def input_key(paths: Iterable[Path], base_url: str, updated: datetime | None = None) -> str:
    """A hash of everything a build reads: the files (names and bytes), the
    base URL, the build time the pages show (``SOURCE_DATE_EPOCH``) and
    digest's own code. Equal keys mean an identical site."""
    stamp = updated.isoformat() if updated is not None else ""
    digest = hashlib.blake2b(f"{base_url}\0{stamp}".encode(), digest_size=16)
    # The built-in theme too: a site's templates and static files override it file by file.
    for number, root in enumerate((PACKAGE, TEMPLATES, STATIC, *paths)):
        files = [root] if root.is_file() else sorted(p for p in root.rglob("*") if p.is_file())
        for path in files:
            if "__pycache__" in path.parts or path.name.startswith("."):
                continue
            name = path.name if path == root else path.relative_to(root).as_posix()
            digest.update(f"{number}:{name}\0".encode())
            # SHA-256, not BLAKE2: where the processor computes it (most do
            # now), twice as fast, and a build of unchanged input hashes
            # every feed (240 MB at 100,000 papers).
            digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def up_to_date(previous: Previous, key: str) -> list[str] | None:
    """The diagnostics of the build that made the site, if it was made from
    exactly this input and is still as that build left it; ``None`` if it
    needs building."""
    if not previous.up_to_date(key):
        return None
    assert previous.manifest is not None
    return list(previous.manifest.diagnostics)


def build(
    checked: Checked,
    config: Config,
    out: Path,
    *,
    templates: Path = TEMPLATES,
    static: Path = STATIC,
    key: str = "",
    progress: Progress | None = None,
    updated: datetime | None = None,
    workers: int = 1,
    previous: Previous | None = None,
    force: bool = False,
    in_spare: dict[str, int] | None = None,
) -> Report:
    """Render the checked input into ``out``, replacing what was there whole;
    ``key`` (see ``input_key``) is recorded so the next build can skip.
    ``workers`` processes share the work (the bytes are the same however many).
    What can be reused of the site there is ``previous`` (found here when not
    given); ``force`` reuses nothing. ``in_spare``: the files of the spare
    tree and their inodes, if known (see ``site_found.site_as_found``). The
    site's lock is held throughout (see ``generator.core.lock``)."""
    if checked.errors:
        raise InputError(f"{checked.errors} error(s) in the input; the site was not changed")
    with site_lock(out):
        if force:
            previous = NOTHING
        elif previous is None:
            previous = previous_site(out)
        return _build(
            checked,
            config,
            out,
            templates,
            static,
            key,
            progress,
            updated,
            workers,
            previous,
            force,
            in_spare,
        )


def _build(
    checked: Checked,
    config: Config,
    out: Path,
    templates: Path,
    static: Path,
    key: str,
    progress: Progress | None,
    updated: datetime | None,
    workers: int,
    previous: Previous,
    force: bool,
    listed: dict[str, int] | None,
) -> Report:
    started = time.perf_counter()
    workers = _workers(checked.archive, workers)
    shown, out = f"{out}/", out.absolute()
    if not_a_site(out):
        raise DigestError(
            f"refusing to replace a folder that is not a built site (it has no {SITE_MARKER})",
            source=Source(str(out)),
        )
    out.parent.mkdir(parents=True, exist_ok=True)
    recover(out)
    # Imported here: numpy and scipy are most of digest's start-up, which a
    # build of unchanged input (and check, topics, fetch, serve) never needs.
    from generator.analysis.related import relate
    from generator.commands.related_cache import read_state
    from generator.commands.terms_cache import TermsCache
    from generator.site.machine_files import write_data
    from generator.site.prepared import prepare
    from generator.site.render import Renderer

    spare = spare_path(out)
    try:
        if spare.is_dir():
            staging, in_spare = spare, listed if listed is not None else inodes(spare)
        else:
            staging = Path(tempfile.mkdtemp(prefix=f".{out.name}-new-", dir=out.parent))
            in_spare = {}
    except OSError as error:
        raise _writing_failed(error, out, shown) from error
    try:
        site = Site(
            staging,
            previous=out if out.exists() else None,
            kept=previous.kept,
            inodes=previous.inodes,
            reusable=previous.reusable,
            spare=in_spare,
        )
        # A forced build reads no cache, but leaves one for the next build.
        cache = cache_folder(out)
        kept_terms = TermsCache(cache)
        # Prepared on the core that relating the papers leaves idle.
        prepared_now = partial(prepare, site, checked.archive, checked.topics)
        with collector_paused(), begun(prepared_now, workers) as early:
            state, problem = (None, None) if force else read_state(cache, out.name)
            # Here, not in check: only pages need it.
            related = relate(
                checked.archive, workers, progress, state, kept_terms, checked.text_keys
            )
            prepared = early()
        site.adopt(prepared.records)
        data = partial(write_data, site, checked.archive, checked.topics, related)
        # The search and library data, the longest single piece of work,
        # made in a process of its own while this one makes the pages' views.
        with begun(data, workers) as data_written:
            with collector_paused():
                renderer = Renderer(
                    config,
                    checked.archive,
                    checked.topics,
                    related,
                    prepared,
                    checked.content,
                    templates,
                    updated,
                    built_in=(TEMPLATES, STATIC),
                )
            renderer.render(site, static, progress, workers)
            site.adopt(data_written())
        diagnostics = [str(d) for d in checked.diagnostics]
        removed = site.finish()
        staging.chmod(0o755)
        stage("rendered")
        swap(staging, out)
    except OSError as error:
        _drop(staging, spare)
        raise _writing_failed(error, out, shown) from error
    except BaseException:
        _drop(staging, spare)
        raise
    # After the swap: a stop before this leaves the previous manifest, which
    # the new site's files no longer match, so they are written again. The
    # caches are kept beside it, in a process of their own.
    with begun(partial(_keep_caches, cache, out.name, related, kept_terms), workers) as kept:
        write_manifest(out, key, diagnostics, site.entries)
        kept()
    seconds = time.perf_counter() - started
    problems = tuple(p for p in (problem, kept_terms.problem) if p is not None)
    return Report(site.pages, site.files, site.bytes, site.written, removed, seconds, problems)


def _keep_caches(cache: Path, site: str, related: Related, kept_terms: TermsCache) -> None:
    """Keep what relating the papers made, for the next build."""
    from generator.commands.related_cache import write_state

    if related.state is not None:
        write_state(cache, site, related.state)
    kept_terms.keep(related.runs)


def _drop(staging: Path, spare: Path) -> None:
    """Clear up after a build that failed: a new staging folder goes; the
    spare tree stays, half turned into the new site, as good a spare as any
    (its files are trusted only where they are the live site's)."""
    if staging != spare:
        shutil.rmtree(staging, ignore_errors=True)


def _writing_failed(error: OSError, out: Path, shown: str) -> Exception:
    """A failure to write the site (a full disk, a read-only one), said of
    the site's folder: the file it was writing was in a staging folder that
    is gone by the time anyone reads the message. Other errors, such as an
    unreadable static file, name their own file and stay as they are."""
    name = os.fsdecode(error.filename) if isinstance(error.filename, str | bytes) else ""
    ours = (str(out.parent / f".{out.name}-"), f"{out}{os.sep}", str(spare_path(out)))
    if name and name != str(out) and not name.startswith(ours):
        return error
    why = error.strerror or str(error)
    return DigestError(f"{why}; the site was not changed", source=Source(shown))
