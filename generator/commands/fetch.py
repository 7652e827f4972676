"""``digest fetch``: store what a site's sources list for a day as feeds in ``seeds/``.

The scheduled action runs this, so every source is treated as unreliable:
every failure is one line and an exit code, and ``seeds/`` is never left half
written. Each source and day becomes one file in the one stored format (see
``generator.reading.stored_format``): ``hf-DAY.json``, ``arxiv-CATEGORIES-DAY.json``
or ``NAME-DAY.json`` for a feed. Everything is read and checked before the
file is written, atomically and only when its bytes change.

Exit codes:
  0  fetched, or nothing new (the file already held the same papers)
  1  network or HTTP error, or a body that is not what the source should send
  2  the command line is wrong
  3  the sources have no papers for the day (weekends, a day not published yet)
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from generator.config.digest_yaml import load_config
from generator.config.source_specs import (
    ARXIV_API,
    HF_API,
    KINDS,
    SourceSpec,
    arxiv_spec,
    category_problem,
    name_from_url,
    name_problem,
    web_url,
)
from generator.core.errors import UsageError
from generator.reading.stored_format import FORMAT, render, write_if_changed
from generator.sources import arxiv as arxiv_source
from generator.sources import feed, hf
from generator.sources.http import NO_PAPERS, Client, FetchError, NoPapers

__all__ = ["FORMAT", "FetchError", "NoPapers", "add_arguments", "fetch", "run"]

#: A bound on backfilled days, so a typo in ``--since`` cannot turn one run
#: into thousands of requests.
MAX_DAYS = 366
_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


@dataclass(frozen=True, slots=True)
class Fetched:
    """What fetching one source for one day did."""

    day: date
    path: Path
    papers: int
    skipped: int
    """Items without a title (or, from arXiv, an id), which cannot be stored."""
    undated: int
    """Feed items without a date, listed on the day they were first fetched."""
    written: bool
    """False when the file already held exactly these bytes."""


@dataclass(frozen=True, slots=True)
class Report:
    """Everything ``digest fetch`` has to say; the CLI does the printing."""

    lines: tuple[str, ...]
    problems: tuple[str, ...]
    exit_code: int


def fetch(spec: SourceSpec, day: date, seeds: Path, client: Client) -> Fetched:
    """Fetch one source's ``day`` into ``seeds/``. Everything is read and
    checked before anything is written, so a failure leaves ``seeds/`` as it was."""
    undated = 0
    if spec.kind == "hf":
        stored, skipped = hf.fetch(spec, day, client)
    elif spec.kind == "arxiv":
        stored, skipped = arxiv_source.fetch(spec, day, client)
    else:
        stored, skipped, undated = feed.fetch(spec, day, client, seeds)
    path = seeds / spec.file_name(day)
    written = write_if_changed(path, render(stored))
    return Fetched(day, path, len(stored.papers), skipped, undated, written)


def run(args: argparse.Namespace) -> Report:
    """``digest fetch``: one day, or with ``--since`` every missing (or not yet
    settled) day up to it, of each source. A backfill goes on past empty days;
    an error stops that source, and the run ends with exit code 1 after the
    other sources."""
    until: date = args.date or datetime.now(UTC).date()
    since: date | None = args.since
    if since is not None and since > until:
        raise UsageError(f"--since {since} is after --date {until}")
    if since is not None and (until - since).days >= MAX_DAYS:
        raise UsageError(f"--since {since}: at most {MAX_DAYS} days at once")
    lines: list[str] = []
    problems: list[str] = []
    empty = fetched = failed = 0
    for spec in sources(args):
        client = _client(spec, args)
        for day in [until] if since is None or not spec.daily else _days(since, until):
            settled = (until - day).days >= spec.settles_in
            if since is not None and settled and (args.seeds / spec.file_name(day)).exists():
                continue
            try:
                result = fetch(spec, day, args.seeds, client)
            except NoPapers as error:
                problems.append(str(error))
                empty += 1
                continue
            except FetchError as error:
                problems.append(str(error))
                failed += 1
                break
            fetched += 1
            problems.extend(_warnings(result))
            state = "wrote" if result.written else "unchanged"
            lines.append(f"{state} {result.path}: {result.papers} papers for {day}")
    if not lines and not problems:
        lines.append(f"nothing to fetch: every day from {since} to {until} is in {args.seeds}/")
    code = 1 if failed else NO_PAPERS if empty and not fetched else 0
    return Report(tuple(lines), tuple(problems), code)


def _client(spec: SourceSpec, args: argparse.Namespace) -> Client:
    """One client per source, for all its days, so that its pause holds across them."""
    accept, pause = {
        "hf": (hf.ACCEPT, 0.0),
        "arxiv": (arxiv_source.ACCEPT, arxiv_source.PAUSE),
        "feed": (feed.ACCEPT, 0.0),
    }[spec.kind]
    return Client(args.timeout, args.retries, args.backoff, pause, accept)


def _warnings(result: Fetched) -> list[str]:
    warnings = []
    if result.skipped:
        warnings.append(f"{result.path}: warning: {result.skipped} item(s) without a title skipped")
    if result.undated:
        message = f"{result.undated} item(s) without a date listed on the day first fetched"
        warnings.append(f"{result.path}: warning: {message}")
    return warnings


def sources(args: argparse.Namespace) -> tuple[SourceSpec, ...]:
    """The sources the command line names, else those of ``digest.yaml`` (Hugging
    Face when there is no such file); ``--api-url`` points the one API at a server."""
    if args.source is None:
        if args.category or args.url or args.name:
            raise UsageError("--category, --url and --name go with --source")
        exists = args.config.exists()
        specs = load_config(args.config).sources if exists else (SourceSpec("hf", HF_API),)
        if not specs:
            raise UsageError(f"{args.config} lists no sources: nothing to fetch")
        if args.api_url is None:
            return specs
        apis = [spec for spec in specs if spec.kind != "feed"]
        if len(apis) != 1:
            where = f"{args.config} lists {len(apis)} API sources"
            raise UsageError(f"--api-url: {where}; name one with --source")
        return tuple(_with_url(s, args.api_url) if s.kind != "feed" else s for s in specs)
    if args.source == "feed":
        if args.url is None or args.category or args.api_url:
            raise UsageError(
                "--source feed takes --url URL [--name NAME], not --category or --api-url"
            )
        name = args.name or name_from_url(args.url)
        if problem := name_problem(name):
            raise UsageError(f"--name: {problem}")
        return (SourceSpec("feed", args.url, name=name),)
    if args.url or args.name:
        raise UsageError(f"--url and --name go with --source feed, not --source {args.source}")
    if args.source == "arxiv":
        if not args.category:
            raise UsageError("--source arxiv needs at least one --category (such as cs.LG)")
        return (arxiv_spec(args.category, args.api_url or ARXIV_API),)
    if args.category:
        raise UsageError("--category goes with --source arxiv")
    return (SourceSpec("hf", args.api_url or HF_API),)


def _with_url(spec: SourceSpec, url: str) -> SourceSpec:
    return SourceSpec(spec.kind, url, spec.categories, spec.name)


def _days(since: date, until: date) -> list[date]:
    return [since + timedelta(days=n) for n in range((until - since).days + 1)]


def _day(text: str) -> date:
    if not _ISO_DAY.fullmatch(text):
        raise argparse.ArgumentTypeError(f"expected a day as YYYY-MM-DD, got {text!r}")
    try:
        return date.fromisoformat(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"{text}: {error}") from None


def _web_url(text: str) -> str:
    if (url := web_url(text)) is None:
        raise argparse.ArgumentTypeError(f"expected an http(s) URL, got {text!r}")
    return url


def _category(text: str) -> str:
    if problem := category_problem(text):
        raise argparse.ArgumentTypeError(problem)
    return text


def _between(cast: Callable[[str], float], low: float, high: float) -> Callable[[str], Any]:
    """An option type for a number in bounds, so no option can make a run endless."""

    def parse(text: str) -> float:
        try:
            value = cast(text)
        except ValueError:
            value = float("nan")
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"expected {low:g} to {high:g}, got {text!r}")
        return value

    return parse


def add_arguments(command: argparse.ArgumentParser) -> None:
    """The options of ``digest fetch``, kept beside the code that reads them."""
    command.add_argument(
        "--source", choices=KINDS, help="fetch this source only (default: digest.yaml's sources)"
    )
    command.add_argument(
        "--category", action="append", type=_category, help="arXiv category (repeatable)"
    )
    command.add_argument("--url", type=_web_url, help="the feed's URL (--source feed)")
    command.add_argument("--name", help="the feed's name in file names and links")
    command.add_argument("--date", type=_day, help="day to fetch (default: today in UTC)")
    command.add_argument("--since", type=_day, help="also fetch every missing day from this one")
    command.add_argument("--api-url", type=_web_url, help="the Hugging Face or arXiv API")
    command.add_argument("--seeds", type=Path, default=Path("seeds"), help="feeds folder")
    command.add_argument(
        "--config", type=Path, default=Path("digest.yaml"), help="settings with the sources"
    )
    seconds = _between(float, 0.01, 600)
    command.add_argument(
        "--timeout",
        type=seconds,
        default=30.0,
        help="seconds per request, and the longest Retry-After waited for",
    )
    command.add_argument("--retries", type=_between(int, 0, 10), default=3, help="more tries")
    command.add_argument("--backoff", type=_between(float, 0, 600), default=2.0, help="first wait")
    command.add_argument("--quiet", action="store_true", help="print problems only")
