"""Reading feeds that ``digest fetch`` stored from the Hugging Face API.

They are JSON (``seeds/hf-YYYY-MM-DD.json``, format ``digest-hf-daily/1``)
and, unlike captured pages, carry each paper's arXiv id, authors and upvotes.
A file that someone edited by hand is checked as strictly as a text feed.
"""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path
from typing import Any

from generator.errors import Diagnostic, Source, unreadable
from generator.feeds import CONTROL_CHARACTERS, Entry, Feed, fold_spaces

FORMAT = "digest-hf-daily/1"
#: New-style (``2503.01234v2``) and old-style (``hep-th/9901001``) arXiv ids.
_ARXIV_ID = re.compile(r"\d{4}\.\d{4,5}(?:v\d+)?|[a-z-]+(?:\.[A-Z]{2})?/\d{7}(?:v\d+)?")


def _clean(text: str) -> str:
    return CONTROL_CHARACTERS.sub("\ufffd", text).strip()


def _strings(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list):
        return ()
    return tuple(_clean(item) for item in value if isinstance(item, str) and item.strip())


def parse_api_feed(text: str, path: str) -> Feed:
    """Entries of one stored API feed; each problem is a diagnostic."""

    def error(message: str, line: int = 1) -> Feed:
        return Feed((), (Diagnostic(Source(path, line), "error", message),))

    try:
        data = json.loads(text)
    except json.JSONDecodeError as problem:
        return error(f"not valid JSON: {problem.msg} (file skipped)", problem.lineno)
    except RecursionError:
        return error("not valid JSON: nested too deeply (file skipped)")
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        return error(f'not a stored API feed: expected "format": "{FORMAT}" (file skipped)')
    try:
        day = date.fromisoformat(str(data.get("date")))
    except ValueError:
        return error(f'"date" {data.get("date")!r} is not a YYYY-MM-DD day (file skipped)')
    papers = data.get("papers")
    if not isinstance(papers, list):
        return error('"papers" must be a list (file skipped)')

    entries: list[Entry] = []
    problems: list[Diagnostic] = []
    for index, paper in enumerate(papers, start=1):
        # Sources of JSON entries count papers, not lines: papers[0] is "line" 1.
        source = Source(path, index)
        title = paper.get("title") if isinstance(paper, dict) else None
        if not isinstance(title, str) or not title.strip():
            message = f"paper {index} has no title (skipped)"
            problems.append(Diagnostic(source, "warning", message))
            continue
        abstract = paper.get("abstract")
        if not isinstance(abstract, str) or not abstract.strip():
            message = f"paper {index} has no abstract (kept without one)"
            problems.append(Diagnostic(source, "warning", message))
            abstract = ""
        arxiv_id, upvotes = paper.get("id"), paper.get("upvotes")
        if not isinstance(upvotes, int) or isinstance(upvotes, bool):
            upvotes = 0
        if not isinstance(arxiv_id, str) or not _ARXIV_ID.fullmatch(arxiv_id.strip()):
            if arxiv_id:
                message = f"paper {index} has an id that is not an arXiv id: {arxiv_id!r} (ignored)"
                problems.append(Diagnostic(source, "warning", message))
            arxiv_id = ""
        entries.append(
            Entry(
                title=fold_spaces(_clean(title)),
                abstract=_clean(abstract),
                day=day,
                source=source,
                arxiv_id=arxiv_id.strip(),
                authors=_strings(paper.get("authors")),
                upvotes=upvotes,
                keywords=_strings(paper.get("keywords")),
            )
        )
    return Feed(tuple(entries), tuple(problems))


def read_api_feed(path: Path) -> Feed:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as problem:
        reason = unreadable(problem)
        return Feed((), (Diagnostic(Source(str(path)), "error", f"cannot read feed: {reason}"),))
    return parse_api_feed(text, str(path))
