"""The one stored format of every source, and writing it safely.

A fetch becomes one JSON file in ``seeds/`` (format ``digest-papers/1``): the
source that gave it (its kind, a name a reader knows it by, the URL asked),
the day fetched, and the papers, each with every field present (empty when
the source had none), so that the feed reader has one shape to check. Equal
papers are equal bytes (sorted keys, a fixed layout), and a file is replaced
atomically and only when its bytes change, so a repeated fetch leaves the
file, its mtime and git alone.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import tempfile
from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path
from urllib.parse import quote

FORMAT = "digest-papers/1"
#: What ``digest fetch`` stored before it had more than one source; still read.
HF_DAILY_FORMAT = "digest-hf-daily/1"
#: An arXiv id, new style (``2503.01234``) or old (``hep-th/9901001``), and its version.
ARXIV_ID = re.compile(r"(\d{4}\.\d{4,5}|[a-z-]+(?:\.[A-Z]{2})?/\d{7})(v\d+)?")
_ARXIV_LINK = re.compile(r"arxiv\.org/(?:abs|pdf|html)/" + ARXIV_ID.pattern)
#: What RFC 3986 lets a URL hold as it is (``%`` for escapes already made).
_URL_CHARACTERS = ":/?#[]@!$&'()*+,;=%~-._"
_DOI = re.compile(r"\b(10\.\d{4,9}/[^\s\"<>?#]+)")


@dataclass(frozen=True, slots=True)
class StoredPaper:
    """One paper as stored, whatever the source."""

    title: str
    abstract: str
    """Plain text: markup a source sent is turned into text before it is stored."""
    authors: tuple[str, ...] = ()
    id: str = ""
    """The arXiv id without its version, which lets every source meet."""
    doi: str = ""
    url: str = ""
    """The paper's page at this source (only ``http(s)``)."""
    pdf: str = ""
    date: str = ""
    """The day the paper is listed on, ``YYYY-MM-DD``; the file's day when empty."""
    published: str = ""
    categories: tuple[str, ...] = ()
    """arXiv categories, the primary one first."""
    journal_ref: str = ""
    keywords: tuple[str, ...] = ()
    github: str = ""
    upvotes: int = 0


@dataclass(frozen=True, slots=True)
class Stored:
    """One fetch, as written to ``seeds/``."""

    source: str
    """``hf``, ``arxiv`` or ``feed``."""
    name: str
    """What the paper page calls this source's link (``Hugging Face``, a feed's name)."""
    url: str
    """What was asked for."""
    day: date
    papers: tuple[StoredPaper, ...]


def render(stored: Stored) -> bytes:
    """The stored file: sorted keys and a fixed layout, so equal input is equal bytes."""
    document = {
        "format": FORMAT,
        "source": {"kind": stored.source, "name": stored.name, "url": stored.url},
        "date": stored.day.isoformat(),
        "papers": [asdict(paper) for paper in stored.papers],
    }
    text = json.dumps(document, sort_keys=True, ensure_ascii=False, indent=1) + "\n"
    # A lone surrogate (``"\\ud800"`` in a source's JSON) cannot be UTF-8.
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


def bare_arxiv_id(text: str) -> str:
    """``2503.01234`` from ``2503.01234v2``; empty if ``text`` is no arXiv id."""
    match = ARXIV_ID.fullmatch(text.strip())
    return match.group(1) if match else ""


def arxiv_id_in(link: str) -> str:
    """The arXiv id in an ``arxiv.org/abs/…`` (or ``pdf``, ``html``) link, without version."""
    match = _ARXIV_LINK.search(link)
    return match.group(1) if match else ""


def doi_in(text: str) -> str:
    """A DOI in a link (``https://doi.org/10.…``, ``…/doi/10.…``) or a ``doi:`` identifier."""
    match = _DOI.search(text)
    return match.group(1).rstrip(".,;") if match else ""


def web_link(url: str) -> str:
    """``url`` if the site may link it (``http`` or ``https``), with any
    character a URL may not hold (``<``, ``"``, non-ASCII) percent-encoded;
    else empty."""
    url = url.strip()
    if not url.startswith(("https://", "http://")) or any(c.isspace() for c in url):
        return ""
    return quote(url, safe=_URL_CHARACTERS)
