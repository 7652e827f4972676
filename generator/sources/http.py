"""The HTTP every source shares: one GET with retries, polite pauses and bounds.

Sources are treated as unreliable and sometimes as unwilling: a network error,
a timeout, a truncated body or a 5xx is tried again after a growing wait; a
``429`` or ``503`` is waited out as its ``Retry-After`` says (seconds or an HTTP
date), but never for longer than ``--timeout``, so a run cannot hang on a
source's say-so; and a body is read only up to a bound, so a misbehaving server
cannot fill the memory of the scheduled action. Every failure is a
``FetchError``: one line naming the URL.
"""

from __future__ import annotations

import contextlib
import http.client
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import Message
from email.utils import parsedate_to_datetime
from importlib import metadata
from time import monotonic, sleep
from typing import ClassVar

from generator.core.errors import DigestError, Source

#: The largest body read; a day of any source is a small fraction of it.
MAX_BYTES = 32 * 1024 * 1024
NO_PAPERS = 3


def _version() -> str:
    try:
        return metadata.version("digest")
    except metadata.PackageNotFoundError:
        return "0"


USER_AGENT = f"digest/{_version()} (+https://github.com/)"


class FetchError(DigestError):
    """A source could not be read, or said something we cannot store."""

    def __init__(self, message: str, url: str) -> None:
        super().__init__(message, source=Source(url))


class NoPapers(FetchError):
    """The source answered properly but lists no papers: an empty day, not a failure."""

    exit_code: ClassVar[int] = NO_PAPERS


class _Transient(Exception):
    """A failure worth trying again: the network, a timeout, HTTP 429 or 5xx."""

    def __init__(self, reason: str, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.reason, self.retry_after = reason, retry_after


@dataclass(frozen=True, slots=True)
class Response:
    body: bytes
    headers: Message


def retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """``Retry-After`` in seconds from now: a number of seconds or an HTTP
    date (RFC 9110); ``None`` when absent or unreadable."""
    value = (value or "").strip()
    if value.isascii() and value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


@dataclass
class Client:
    """GETs for one source: ``timeout`` per request (and the longest wait a
    ``Retry-After`` may ask for), ``retries`` more tries after ``backoff``,
    twice that, ..., and at least ``pause`` seconds between two requests."""

    timeout: float = 30.0
    retries: int = 3
    backoff: float = 2.0
    pause: float = 0.0
    accept: str = "application/json"
    _last: float | None = field(default=None, init=False, repr=False)

    def get(self, url: str) -> Response:
        for attempt in range(self.retries + 1):
            try:
                return self._once(url)
            except _Transient as problem:
                tries = f" (after {attempt + 1} tries)" if attempt else ""
                if problem.retry_after is not None and problem.retry_after > self.timeout:
                    wait = f"{problem.retry_after:.0f} s"
                    message = f"{problem.reason}: asked to wait {wait}, more than --timeout"
                    raise FetchError(f"{message} {self.timeout:g} s{tries}", url) from None
                if attempt == self.retries:
                    raise FetchError(problem.reason + tries, url) from None
                sleep(max(self.backoff * 2**attempt, problem.retry_after or 0.0))
        raise AssertionError("unreachable")

    def _wait_turn(self) -> None:
        """Keep ``pause`` seconds between the starts of two requests, as a
        source such as arXiv asks."""
        if self._last is not None and self.pause > 0:
            remaining = self._last + self.pause - monotonic()
            if remaining > 0:
                sleep(remaining)
        self._last = monotonic()

    def _once(self, url: str) -> Response:
        """One GET: the body and headers, or why it failed."""
        self._wait_turn()
        request = urllib.request.Request(
            url, headers={"User-Agent": USER_AGENT, "Accept": self.accept}
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                return Response(self._read(response, url), response.headers)
        except urllib.error.HTTPError as error:
            with contextlib.closing(error):
                reason = f"HTTP {error.code} {error.reason}".rstrip()
                if error.code == 429 or error.code >= 500:
                    wait = retry_after(error.headers.get("Retry-After"))
                    raise _Transient(reason, wait if error.code in (429, 503) else None) from None
                raise FetchError(reason, url) from None
        except http.client.IncompleteRead as error:
            got = len(error.partial)
            expected = got + (error.expected or 0)
            raise _Transient(f"truncated body: got {got} of {expected} bytes") from None
        except (OSError, http.client.HTTPException) as error:  # URLError, timeouts, resets
            cause = getattr(error, "reason", None) or error
            if isinstance(cause, TimeoutError) or "timed out" in str(cause):
                raise _Transient(f"no answer within {self.timeout:g} s") from None
            raise _Transient(f"cannot connect: {cause}") from None

    def _read(self, response: http.client.HTTPResponse, url: str) -> bytes:
        """The body, refused unread when it says or turns out to be too large."""
        limit = MAX_BYTES
        length = response.headers.get("Content-Length", "")
        if length.isdigit() and int(length) > limit:
            raise FetchError(f"body of {int(length)} bytes is over the limit of {limit}", url)
        chunks: list[bytes] = []
        size = 0
        while chunk := response.read(64 * 1024):
            size += len(chunk)
            if size > limit:
                raise FetchError(f"body is over the limit of {limit} bytes", url)
            chunks.append(chunk)
        if length.isdigit() and size < int(length):
            raise _Transient(f"truncated body: got {size} of {length} bytes")
        return b"".join(chunks)
