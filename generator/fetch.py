"""``digest fetch``: store a day of Hugging Face Daily Papers as a feed in ``seeds/``.

The scheduled action runs this, so it uses the standard library only and
treats the API as unreliable: every failure is one line and an exit code, and
``seeds/`` is never left half written. Each day becomes one file,
``seeds/hf-YYYY-MM-DD.json`` (format ``digest-hf-daily/1``), which the feed
reader reads natively. A file is written to a temporary name beside it and
swapped in with ``os.replace``, and only when its bytes change, so a repeated
fetch leaves the file (and its mtime, and git) alone.

Exit codes:
  0  fetched, or nothing new (the file already held the same papers)
  1  network or HTTP error, or a body that is not the expected JSON
  2  the command line is wrong
  3  the API has no papers for the day (weekends, a day not published yet)
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import re
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, timedelta
from importlib import metadata
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import urlencode

from generator.apifeeds import FORMAT
from generator.errors import DigestError, Source, UsageError
from generator.feeds import fold_spaces

API_URL = "https://huggingface.co/api/daily_papers"
#: Papers asked for per request; a longer day is read page by page (``p``).
PAGE_SIZE = 100
#: A bound on pages and on backfilled days, so a misbehaving API or a typo
#: in ``--since`` cannot turn one run into thousands of requests.
MAX_PAGES = 10
MAX_DAYS = 366
#: The longest ``Retry-After`` honoured; a longer one is ignored, not waited for.
MAX_RETRY_AFTER = 60.0
NO_PAPERS = 3

_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
_NEXT_PAGE = re.compile(r"""rel="?next"?""")
_KINDS: dict[type, str] = {dict: "an object", str: "a string", bool: "a boolean"}


def _version() -> str:
    try:
        return metadata.version("digest")
    except metadata.PackageNotFoundError:
        return "0"


USER_AGENT = f"digest/{_version()} (+https://github.com/)"


class FetchError(DigestError):
    """The API could not be read, or said something we cannot store."""

    def __init__(self, message: str, url: str) -> None:
        super().__init__(message, source=Source(url))


class NoPapers(FetchError):
    """The API answered properly but lists no papers: an empty day, not a failure."""

    exit_code: ClassVar[int] = NO_PAPERS


class _Transient(Exception):
    """A failure worth trying again: the network, a timeout, HTTP 429 or 5xx."""

    def __init__(self, reason: str, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.reason, self.retry_after = reason, retry_after


@dataclass(frozen=True, slots=True)
class Paper:
    """One paper as stored; every field is present, empty when the API had none."""

    id: str
    """The arXiv id, which lets text feeds and API feeds meet."""
    title: str
    abstract: str
    authors: tuple[str, ...]
    upvotes: int
    published: str
    keywords: tuple[str, ...]
    github: str
    """Only ``http(s)`` URLs, since the site may link it."""


@dataclass(frozen=True, slots=True)
class Fetched:
    """What fetching one day did."""

    day: date
    path: Path
    papers: int
    skipped: int
    """Items without a title, which cannot be stored as papers."""
    written: bool
    """False when the file already held exactly these bytes."""


@dataclass(frozen=True, slots=True)
class Report:
    """Everything ``digest fetch`` has to say; the CLI does the printing."""

    lines: tuple[str, ...]
    problems: tuple[str, ...]
    exit_code: int


def _pick(item: dict[str, Any], name: str) -> Any:
    """A field from the nested ``paper`` object, else from the item itself: the
    API has moved fields between the two levels before."""
    paper = item.get("paper")
    if isinstance(paper, dict) and paper.get(name) not in (None, "", []):
        return paper[name]
    return item.get(name)


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def _names(value: Any) -> tuple[str, ...]:
    """Author names, without the authors Hugging Face hides on the paper page."""
    if not isinstance(value, list):
        return ()
    names = (
        author.get("name")
        if isinstance(author, dict) and author.get("hidden") is not True
        else author
        for author in value
    )
    return tuple(name for name in (fold_spaces(_text(n)) for n in names) if name)


def _keywords(value: Any) -> tuple[str, ...]:
    words = [_text(word) for word in value] if isinstance(value, list) else []
    return tuple(dict.fromkeys(word for word in words if word))


def parse_paper(item: Any) -> Paper | None:
    """A stored paper from one API item; ``None`` when it has no title."""
    if not isinstance(item, dict):
        return None
    title = fold_spaces(_text(_pick(item, "title")))
    if not title:
        return None
    upvotes = _pick(item, "upvotes")
    github = _text(_pick(item, "githubRepo"))
    return Paper(
        id=_text(_pick(item, "id")),
        title=title,
        abstract=_text(_pick(item, "summary")),
        authors=_names(_pick(item, "authors")),
        upvotes=upvotes if type(upvotes) is int and upvotes > 0 else 0,
        published=_text(_pick(item, "publishedAt")),
        keywords=_keywords(_pick(item, "ai_keywords")),
        github=github if github.startswith(("https://", "http://")) else "",
    )


def _get(url: str, timeout: float) -> tuple[bytes, str]:
    """One GET: the body and the ``Link`` header, or why it failed."""
    request = urllib.request.Request(
        url, headers={"User-Agent": USER_AGENT, "Accept": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.read(), response.headers.get("Link", "")
    except urllib.error.HTTPError as error:
        with contextlib.closing(error):
            reason = f"HTTP {error.code} {error.reason}".rstrip()
            if error.code == 429 or error.code >= 500:
                raise _Transient(reason, _retry_after(error.headers.get("Retry-After"))) from None
            raise FetchError(reason, url) from None
    except http.client.IncompleteRead as error:
        got = len(error.partial)
        expected = got + (error.expected or 0)
        raise _Transient(f"truncated body: got {got} of {expected} bytes") from None
    except (OSError, http.client.HTTPException) as error:  # URLError, timeouts, resets
        cause = getattr(error, "reason", None) or error
        if isinstance(cause, TimeoutError) or "timed out" in str(cause):
            raise _Transient(f"no answer within {timeout:g} s") from None
        raise _Transient(f"cannot connect: {cause}") from None


def _retry_after(value: str | None) -> float | None:
    """``Retry-After`` in seconds; ``None`` for an HTTP date or anything odd."""
    try:
        seconds = float(value or "")
    except ValueError:
        return None
    return seconds if 0 <= seconds <= MAX_RETRY_AFTER else None


def get(url: str, timeout: float, retries: int, backoff: float) -> tuple[bytes, str]:
    """GET with up to ``retries`` more tries, waiting ``backoff``, twice that, ...;
    a temporary outage should not cost a day of papers."""
    for attempt in range(retries + 1):
        try:
            return _get(url, timeout)
        except _Transient as problem:
            if attempt == retries:
                tries = f" (after {attempt + 1} tries)" if attempt else ""
                raise FetchError(problem.reason + tries, url) from None
            delay = backoff * 2**attempt
            time.sleep(max(delay, problem.retry_after or 0.0))
    raise AssertionError("unreachable")


def _decode(body: bytes, url: str) -> list[Any]:
    try:
        data = json.loads(body)
    except (ValueError, RecursionError) as error:
        raise FetchError(f"body is not JSON ({error})", url) from None
    if not isinstance(data, list):
        kind = _KINDS.get(type(data), "a number or null")
        raise FetchError(f"expected a JSON list of papers, got {kind}", url)
    return data


def download(
    api_url: str, day: date, timeout: float = 30.0, retries: int = 3, backoff: float = 2.0
) -> tuple[list[Any], str]:
    """Every item the API lists for ``day``, page by page, and the first page's URL."""
    items: list[Any] = []
    seen: set[str] = set()
    first = ""
    for page in range(MAX_PAGES):
        query = urlencode({"date": day.isoformat(), "limit": PAGE_SIZE, "p": page})
        url = f"{api_url}{'&' if '?' in api_url else '?'}{query}"
        first = first or url
        body, link = get(url, timeout, retries, backoff)
        new = [item for item in _decode(body, url) if _key(item) not in seen]
        # An API that ignores ``p`` would repeat the first page forever.
        if not new:
            break
        items.extend(new)
        seen.update(_key(item) for item in new)
        if not _NEXT_PAGE.search(link):
            break
    return items, first


def _key(item: Any) -> str:
    paper = parse_paper(item)
    return (paper.id or paper.title) if paper else json.dumps(item, sort_keys=True)


def render(day: date, papers: list[Paper]) -> bytes:
    """The stored file: sorted keys and a fixed layout, so equal input is equal bytes."""
    document = {"format": FORMAT, "date": day.isoformat(), "papers": list(map(asdict, papers))}
    text = json.dumps(document, sort_keys=True, ensure_ascii=False, indent=1) + "\n"
    # A lone surrogate (``"\\ud800"`` in the API's JSON) cannot be UTF-8.
    return text.encode("utf-8", errors="replace")


def write_if_changed(path: Path, data: bytes) -> bool:
    """Write ``data`` atomically unless ``path`` already holds it; whether it wrote."""
    with contextlib.suppress(OSError):
        if path.read_bytes() == data:
            return False
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
    return True


def fetch(
    api_url: str,
    day: date,
    seeds: Path,
    timeout: float = 30.0,
    retries: int = 3,
    backoff: float = 2.0,
) -> Fetched:
    """Fetch ``day`` into ``seeds/hf-DAY.json``. Everything is read and checked
    before anything is written, so a failure leaves ``seeds/`` as it was."""
    items, url = download(api_url, day, timeout, retries, backoff)
    if not items:
        raise NoPapers(f"no papers for {day} (a weekend, or not published yet)", url)
    papers = [paper for paper in map(parse_paper, items) if paper]
    if not papers:
        raise FetchError(f"none of the {len(items)} items for {day} has a title", url)
    path = seeds / f"hf-{day.isoformat()}.json"
    written = write_if_changed(path, render(day, papers))
    return Fetched(day, path, len(papers), len(items) - len(papers), written)


def run(args: argparse.Namespace) -> Report:
    """``digest fetch``: one day, or with ``--since`` every missing day up to it.
    A backfill goes on past empty days and stops at the first error."""
    until: date = args.date or datetime.now(UTC).date()
    since: date | None = args.since
    if since is not None and since > until:
        raise UsageError(f"--since {since} is after --date {until}")
    if since is not None and (until - since).days >= MAX_DAYS:
        raise UsageError(f"--since {since}: at most {MAX_DAYS} days at once")
    days = [until] if since is None else _days(since, until)
    lines: list[str] = []
    problems: list[str] = []
    empty = fetched = 0
    for day in days:
        if since is not None and (args.seeds / f"hf-{day.isoformat()}.json").exists():
            continue
        try:
            result = fetch(args.api_url, day, args.seeds, args.timeout, args.retries, args.backoff)
        except NoPapers as error:
            problems.append(str(error))
            empty += 1
            continue
        except FetchError as error:
            problems.append(str(error))
            return Report(tuple(lines), tuple(problems), 1)
        fetched += 1
        if result.skipped:
            problems.append(
                f"{result.path}: warning: {result.skipped} item(s) without a title skipped"
            )
        state = "wrote" if result.written else "unchanged"
        lines.append(f"{state} {result.path}: {result.papers} papers for {day}")
    if not lines and not problems:
        lines.append(f"nothing to fetch: every day from {since} to {until} is in {args.seeds}/")
    return Report(tuple(lines), tuple(problems), NO_PAPERS if empty and not fetched else 0)


def _days(since: date, until: date) -> list[date]:
    return [since + timedelta(days=n) for n in range((until - since).days + 1)]


def _day(text: str) -> date:
    if not _ISO_DAY.fullmatch(text):
        raise argparse.ArgumentTypeError(f"expected a day as YYYY-MM-DD, got {text!r}")
    try:
        return date.fromisoformat(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"{text}: {error}") from None


def _api_url(text: str) -> str:
    if not text.startswith(("https://", "http://")):
        raise argparse.ArgumentTypeError(f"expected an http(s) URL, got {text!r}")
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
    command.add_argument("--date", type=_day, help="day to fetch (default: today in UTC)")
    command.add_argument("--since", type=_day, help="also fetch every missing day from this one")
    command.add_argument("--api-url", type=_api_url, default=API_URL, help="Daily Papers API")
    command.add_argument("--seeds", type=Path, default=Path("seeds"), help="feeds folder")
    seconds = _between(float, 0.01, 600)
    command.add_argument("--timeout", type=seconds, default=30.0, help="seconds per request")
    command.add_argument("--retries", type=_between(int, 0, 10), default=3, help="more tries")
    command.add_argument("--backoff", type=_between(float, 0, 600), default=2.0, help="first wait")
    command.add_argument("--quiet", action="store_true", help="print problems only")
