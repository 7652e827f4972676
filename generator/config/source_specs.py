"""Which sources a site fetches: ``sources:`` in ``digest.yaml``, or ``--source``.

Pure data and its checking, so that the configuration can list sources without
importing the code that fetches them.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from urllib.parse import urlsplit

KINDS = ("hf", "arxiv", "feed")
HF_API = "https://huggingface.co/api/daily_papers"
ARXIV_API = "https://export.arxiv.org/api/query"
#: ``cs.LG``, ``q-bio.NC``, ``math.PR``, ``hep-th``, ``astro-ph.CO``.
CATEGORY = re.compile(r"[a-z][a-z-]*(?:\.[A-Za-z][A-Za-z-]*)?")
#: A feed's name is part of its files' names: ``nature-2025-03-10.json``.
NAME = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?")
_RESERVED_NAMES = {"hf", "arxiv"}


@dataclass(frozen=True, slots=True)
class SourceSpec:
    """One source to fetch."""

    kind: str
    """``hf``, ``arxiv`` or ``feed``."""
    url: str
    """The API's URL, or the feed's."""
    categories: tuple[str, ...] = ()
    """arXiv only: the categories whose new submissions are fetched."""
    name: str = ""
    """Feeds only: the name of their files and of their link on paper pages."""

    def file_name(self, day: date) -> str:
        if self.kind == "hf":
            return f"hf-{day.isoformat()}.json"
        if self.kind == "arxiv":
            return f"arxiv-{'+'.join(self.categories)}-{day.isoformat()}.json"
        return f"{self.name}-{day.isoformat()}.json"

    @property
    def settles_in(self) -> int:
        """Days until a day's list stops growing. arXiv announces a day's
        submissions over the next business days (a Friday's on Monday night),
        so a backfill asks again for days more recent than this."""
        return 5 if self.kind == "arxiv" else 0

    @property
    def daily(self) -> bool:
        """Whether a day can be asked for (a feed is what it holds now)."""
        return self.kind != "feed"

    def __str__(self) -> str:
        if self.kind == "arxiv":
            return f"arxiv:{','.join(self.categories)}"
        return f"feed {self.name} ({self.url})" if self.kind == "feed" else self.kind


def web_url(text: str) -> str | None:
    """``text`` if it is an absolute http(s) URL with a host."""
    text = text.strip()
    parts = urlsplit(text)
    return text if parts.scheme in ("http", "https") and parts.hostname else None


def category_problem(category: str) -> str | None:
    if CATEGORY.fullmatch(category):
        return None
    return f"{category!r} is not an arXiv category (such as cs.LG, math.PR, q-bio.NC)"


def name_problem(name: str) -> str | None:
    if not NAME.fullmatch(name):
        return f"feed name {name!r} must be lower-case letters, digits and hyphens"
    if name in _RESERVED_NAMES:
        return f"feed name {name!r} is taken by the {name} source"
    return None


def name_from_url(url: str) -> str:
    """A feed's default name, from its host: ``www.nature.com`` → ``nature-com``."""
    host = (urlsplit(url).hostname or "feed").removeprefix("www.")
    name = re.sub(r"[^a-z0-9]+", "-", host.lower()).strip("-")[:40].strip("-")
    return f"{name}-feed" if name in _RESERVED_NAMES else name or "feed"


def arxiv_spec(categories: list[str], url: str = ARXIV_API) -> SourceSpec:
    """arXiv categories, each once, in a fixed order (they name the files)."""
    return SourceSpec("arxiv", url, tuple(sorted(set(categories))))


_KEYS = {"hf": ("source",), "arxiv": ("source", "categories"), "feed": ("source", "url", "name")}


def from_config(raw: object, problem: Callable[..., None]) -> tuple[SourceSpec, ...]:
    """The ``sources:`` of ``digest.yaml``; each problem is reported with its key
    path through ``problem(message, *keys)``. Without the key, Hugging Face."""
    if raw is None:
        return (SourceSpec("hf", HF_API),)
    specs: list[SourceSpec] = []
    names: set[str] = set()
    for index, item in enumerate(raw if isinstance(raw, list) else []):
        at = ("sources", index)
        kind = item.get("source") if isinstance(item, dict) else None
        if kind not in KINDS:
            known = ", ".join(KINDS)
            problem(f"'sources[{index}]' needs 'source': one of {known}", *at)
            continue
        assert isinstance(item, dict)
        unknown = [key for key in item if key not in _KEYS[kind]]
        for key in unknown:
            known = ", ".join(_KEYS[kind])
            problem(f"unknown key 'sources[{index}].{key}' (known keys: {known})", *at, key)
        if kind == "hf":
            specs.append(SourceSpec("hf", HF_API))
        elif kind == "arxiv":
            categories = item.get("categories")
            if not isinstance(categories, list) or not categories:
                problem(f"'sources[{index}].categories' must be a list such as [cs.LG]", *at)
                continue
            wrong = [category_problem(str(c)) for c in categories]
            for number, message in enumerate(wrong):
                if message:
                    problem(message, *at, "categories", number)
            if not any(wrong):
                specs.append(arxiv_spec([str(c) for c in categories]))
        else:
            url = web_url(str(item.get("url") or ""))
            if url is None:
                problem(f"'sources[{index}].url' must be the feed's http(s) URL", *at, "url")
                continue
            name = str(item.get("name") or name_from_url(url))
            if (message := name_problem(name)) or name in names:
                problem(message or f"two feeds are named {name!r}", *at, "name")
                continue
            names.add(name)
            specs.append(SourceSpec("feed", url, name=name))
    return tuple(specs)
