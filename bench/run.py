"""How fast ``digest build`` is, how much memory it takes and what it writes,
on synthetic corpora of several sizes.

    python3 bench/run.py [--sizes 1000 10000 100000] [--work DIR] [--keep] [--hugo]

Every build runs ``python3 -m generator build`` in a subprocess, as a user
would, so timings include start-up and imports. Per size: a full build into
an empty folder, the same build again with nothing changed, and a build after
one more day of feeds; after each, the site is compared file by file with the
one before (path -> modification time and content hash), which tells files
the build rewrote from files whose content actually changed. The corpora and
sites live in a work folder (a temporary one unless ``--work`` is given),
never in the repository. See bench/README.md for the columns.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import platform
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import corpus
from measure import BASE_URL, CONFIG, REPO, Run, digest_build, remove, removed_now, warm_up

DEFAULT_SIZES = (1000, 10000, 100000)
#: What a change of generator code looks like, recorded with every result,
#: because the generator may be edited while a long benchmark runs.
CODE = ("generator", "templates", "static")


def code_fingerprint() -> str:
    """A short hash of the generator's code, templates and static files."""
    digest = hashlib.sha256()
    for folder in CODE:
        for path in sorted((REPO / folder).rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                digest.update(str(path.relative_to(REPO)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:8]


def git_head() -> str:
    """The commit the working tree is based on (read only: ``rev-parse``)."""
    try:
        done = subprocess.run(
            ["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
        )
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return done.stdout.strip()


# -- What a build wrote -------------------------------------------------------

#: path relative to the site -> (modification time in ns, size, content hash)
Snapshot = dict[str, tuple[int, int, bytes]]


def snapshot(site: Path) -> Snapshot:
    files: Snapshot = {}
    for path in site.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            stat = path.stat()
            files[path.relative_to(site).as_posix()] = (
                stat.st_mtime_ns,
                len(data),
                hashlib.blake2b(data, digest_size=16).digest(),
            )
    return files


@dataclass(frozen=True, slots=True)
class Diff:
    """How a site changed from one build to the next."""

    written: int
    """Files added or with a new modification time: what the build (re)wrote."""
    changed: int
    """Files added or whose content differs: what a deploy has to upload."""
    added: int
    removed: int
    sections: dict[str, tuple[int, int, int]]
    """Per top-level folder of the site: files, written, changed."""

    def __str__(self) -> str:
        text = f"{self.written:,} / {self.changed:,}"
        if self.added or self.removed:
            text += f" (+{self.added:,} -{self.removed:,})"
        return text


def section(path: str) -> str:
    """The top-level folder of a site path, which names the kind of page."""
    head, slash, _ = path.partition("/")
    return f"{head}/" if slash else "(top level)"


def compare(before: Snapshot, after: Snapshot) -> Diff:
    sections: dict[str, list[int]] = {}
    written = changed = 0
    for path, (mtime, _, digest) in after.items():
        old = before.get(path)
        was_written, was_changed = old is None or old[0] != mtime, old is None or old[2] != digest
        counts = sections.setdefault(section(path), [0, 0, 0])
        counts[0] += 1
        counts[1] += was_written
        counts[2] += was_changed
        written += was_written
        changed += was_changed
    return Diff(
        written=written,
        changed=changed,
        added=len(after.keys() - before.keys()),
        removed=len(before.keys() - after.keys()),
        sections={name: (c[0], c[1], c[2]) for name, c in sorted(sections.items())},
    )


def is_search_data(path: str) -> bool:
    """The search index and any shards of it: ``search-index*.json`` and
    whatever is not a page under ``search/``."""
    return path.startswith("search") and not path.endswith(".html")


@dataclass(frozen=True, slots=True)
class SiteStats:
    files: int
    pages: int
    bytes: int
    largest: tuple[str, int]
    """The largest file that is not search data, and its size."""
    largest_page: tuple[str, int]
    """The largest ``.html`` file: the page a reader waits longest for."""
    search_files: int
    search_bytes: int


def site_stats(files: Snapshot) -> SiteStats:
    other = {p: size for p, (_, size, _) in files.items() if not is_search_data(p)}
    search = [size for p, (_, size, _) in files.items() if is_search_data(p)]
    largest = max(other.items(), key=lambda item: item[1], default=("-", 0))
    pages = {p: size for p, size in other.items() if p.endswith(".html")}
    largest_page = max(pages.items(), key=lambda item: item[1], default=("-", 0))
    return SiteStats(
        files=len(files),
        pages=sum(p.endswith(".html") for p in files),
        bytes=sum(size for _, size, _ in files.values()),
        largest=largest,
        largest_page=largest_page,
        search_files=len(search),
        search_bytes=sum(search),
    )


def largest_files(files: Snapshot, count: int = 5) -> list[tuple[str, int]]:
    sizes = [(p, size) for p, (_, size, _) in files.items() if not is_search_data(p)]
    return sorted(sizes, key=lambda item: -item[1])[:count]


def artifact_bytes(site: Path) -> int:
    """The size of the gzipped tar that ``actions/upload-pages-artifact``
    makes of the site (its own tar command: links stored as the files they
    point to), compressed at zlib's default level as the artifact upload does;
    0 where tar or gzip is missing."""
    if not (shutil.which("tar") and shutil.which("gzip")):
        return 0
    tar = subprocess.Popen(
        ["tar", "--dereference", "--hard-dereference", "--directory", str(site), "-cf", "-",
         "--exclude=.git", "--exclude=.github", "."],
        stdout=subprocess.PIPE,
    )  # fmt: skip
    assert tar.stdout is not None
    gzip = subprocess.run(["gzip", "-6"], stdin=tar.stdout, capture_output=True, check=True)
    tar.stdout.close()
    tar.wait()
    return len(gzip.stdout)


# -- One size -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Result:
    papers: int
    corpus: dict[str, int]
    full: Run
    again: Run
    again_diff: Diff
    added: Run
    added_diff: Diff
    later: Run
    """A build after one day more again (see ``measure``)."""
    later_diff: Diff
    stats: SiteStats
    largest: list[tuple[str, int]]
    artifact: int
    """The size of the Pages artifact of the full build's site."""
    code: str
    hugo: dict[str, Any] | None


def measure(papers: int, work: Path, seed: int, args: argparse.Namespace) -> Result:
    """Full build, no-change rebuild, (Hugo comparison,) rebuild after one more day."""
    folder = work / f"n{papers}"
    seeds, site, logs = folder / "seeds", folder / "site", folder / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    code = code_fingerprint()
    counts = corpus.write_corpus(papers, seeds, seed)
    say(f"{papers:,} papers: corpus {counts}; full build")
    full = digest_build(seeds, site, logs / "full.log", work)
    first = snapshot(site)
    artifact = artifact_bytes(site)
    say(f"{papers:,} papers: full {full.seconds:.1f} s; rebuild with nothing changed")
    again = digest_build(seeds, site, logs / "again.log", work)
    second = snapshot(site)
    hugo_result = None
    if args.hugo:
        import hugo  # only with --hugo: it imports the generator in this process

        say(f"{papers:,} papers: digest and Hugo in alternation, {args.rounds} round(s)")
        hugo_result = hugo.compare(
            seeds, folder / "hugo", args.rounds, args.approx_topics, work, full.peak_mb
        )
    corpus.write_corpus(papers, seeds, seed, extra=True)
    say(f"{papers:,} papers: rebuild after one more day")
    added = digest_build(seeds, site, logs / "added.log", work)
    third = snapshot(site)
    # Another day: the daily build as it goes on, the site before the last
    # one now kept as the spare tree that a build turns into the new site.
    corpus.write_corpus(papers, seeds, seed, extra=True, later=1)
    say(f"{papers:,} papers: rebuild after another day")
    later = digest_build(seeds, site, logs / "later.log", work)
    fourth = snapshot(site)
    if code_fingerprint() != code:
        code += " (changed during the run)"
    if not args.keep:
        remove(folder)
    return Result(
        papers=papers,
        corpus=counts,
        full=full,
        again=again,
        again_diff=compare(first, second),
        added=added,
        added_diff=compare(second, third),
        later=later,
        later_diff=compare(third, fourth),
        stats=site_stats(first),
        largest=largest_files(first),
        artifact=artifact,
        code=code,
        hugo=hugo_result,
    )


# -- Reporting ----------------------------------------------------------------


def say(message: str) -> None:
    print(f"[{datetime.now():%H:%M:%S}] {message}", file=sys.stderr, flush=True)


def megabytes(size: float) -> str:
    return f"{size / 1e6:,.1f} MB"


def markdown(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def timing_table(results: list[Result]) -> str:
    header = ["papers", "days", "feed entries", "full build", "peak memory", "no-change rebuild"]
    header += ["peak memory", "+1 day rebuild", "peak memory", "+1 more day", "peak memory"]
    header += ["code"]
    rows = [
        [
            f"{r.papers:,}",
            f"{r.corpus['days']:,}",
            f"{r.corpus['entries']:,}",
            f"{r.full.seconds:.1f} s",
            f"{r.full.peak_mb:,.0f} MB",
            f"{r.again.seconds:.1f} s",
            f"{r.again.peak_mb:,.0f} MB",
            f"{r.added.seconds:.1f} s",
            f"{r.added.peak_mb:,.0f} MB",
            f"{r.later.seconds:.1f} s",
            f"{r.later.peak_mb:,.0f} MB",
            r.code,
        ]
        for r in results
    ]
    return markdown(header, rows)


def output_table(results: list[Result]) -> str:
    header = ["papers", "files", "pages", "site size", "Pages artifact (tar.gz)"]
    header += ["largest file (not search)", "largest page"]
    header += ["search data", "no-change: written / changed", "+1 day: written / changed"]
    header += ["+1 more day: written / changed"]
    rows = [
        [
            f"{r.papers:,}",
            f"{r.stats.files:,}",
            f"{r.stats.pages:,}",
            megabytes(r.stats.bytes),
            megabytes(r.artifact),
            f"{megabytes(r.stats.largest[1])} `{r.stats.largest[0]}`",
            f"{megabytes(r.stats.largest_page[1])} `{r.stats.largest_page[0]}`",
            f"{megabytes(r.stats.search_bytes)} ({r.stats.search_files} file(s))",
            str(r.again_diff),
            str(r.added_diff),
            str(r.later_diff),
        ]
        for r in results
    ]
    return markdown(header, rows)


def sections_table(results: list[Result]) -> str:
    """Where the +1 day rebuild wrote: which kinds of page a new day touches."""
    header = ["papers", "folder", "files", "+1 day: written", "+1 day: changed"]
    rows = [
        [f"{r.papers:,}", f"`{name}`", f"{files:,}", f"{written:,}", f"{changed:,}"]
        for r in results
        for name, (files, written, changed) in r.added_diff.sections.items()
    ]
    return markdown(header, rows)


def largest_table(results: list[Result]) -> str:
    rows = [
        [f"{r.papers:,}", f"`{path}`", megabytes(size)] for r in results for path, size in r.largest
    ]
    return markdown(["papers", "largest files (not search data)", "size"], rows)


def report(results: list[Result], started: datetime, work: Path) -> str:
    parts = [
        f"## digest build benchmark, {started:%Y-%m-%d %H:%M} to {datetime.now():%H:%M}",
        f"{platform.node()}: {os.cpu_count()} CPUs, Python {platform.python_version()}, "
        f"commit {git_head()}, config {CONFIG.name}, base URL {BASE_URL}",
        timing_table(results),
        output_table(results),
        largest_table(results),
        sections_table(results),
    ]
    compared = [r for r in results if r.hugo]
    if compared:
        import hugo

        parts.append(hugo.table([(r.papers, r.hugo) for r in compared if r.hugo]))
    if work.exists():
        parts.append(f"Corpora, sites and logs kept in {work}")
    return "\n\n".join(parts)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=list(DEFAULT_SIZES))
    parser.add_argument("--work", type=Path, help="folder for corpora and sites (default: temp)")
    parser.add_argument("--keep", action="store_true", help="keep corpora and sites")
    parser.add_argument("--seed", type=int, default=1, help="corpus seed")
    parser.add_argument("--hugo", action="store_true", help="also time Hugo on the same corpus")
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds with --hugo")
    parser.add_argument(
        "--approx-topics",
        action="store_true",
        help="with --hugo: topics by plain keyword search instead of the generator's classify",
    )
    args = parser.parse_args(argv)
    if args.hugo:
        import hugo

        hugo.hugo_binary()  # say so now, not after an hour of builds
    work = args.work.absolute() if args.work else Path(tempfile.mkdtemp(prefix="digest-bench-"))
    if work.is_relative_to(REPO):
        parser.error("--work must be outside the repository")
    work.mkdir(parents=True, exist_ok=True)
    started = datetime.now()
    try:
        say(f"work folder {work}; warming up on the shipped seeds")
        warm_up(work)
        results = []
        for size in args.sizes:
            try:
                results.append(measure(size, work, args.seed, args))
            except SystemExit as failure:  # a failed build: report the sizes done so far
                say(str(failure))
                break
    finally:
        if not args.keep and not args.work:
            shutil.rmtree(work, ignore_errors=True)
            removed_now()
    if results:
        print(report(results, started, work))
    return 0 if len(results) == len(args.sizes) else 1


if __name__ == "__main__":
    sys.exit(main())
