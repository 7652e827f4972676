"""``digest.yaml``: the site's settings and its topic taxonomy.

Every problem in the file is collected before stopping, each named by the key
and line it is on, so a maintainer fixes them all in one go.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from generator.config.source_specs import SourceSpec, from_config
from generator.core.errors import ConfigError, Diagnostic, Source, unreadable
from generator.core.slugs import slug_words
from generator.core.text import CONTROL_CHARACTERS

DEFAULT_BASE_URL = "http://127.0.0.1:8000/"
#: The slug of the topic that holds papers no keyword matched.
CATCH_ALL_SLUG = "other"
#: Keywords are words of letters and digits, apart by spaces, hyphens or slashes.
_PHRASE = re.compile(r"[^\W_]+(?:[\s\-‐‑‒–—_/]+[^\W_]+)*")
_BASE_URL = re.compile(r"https?://[^/\s?#]+/[^\s?#]*")


@dataclass(frozen=True, slots=True)
class TopicRule:
    """One topic of the taxonomy: the keywords that place a paper in it."""

    name: str
    slug: str
    description: str
    keywords: tuple[str, ...]
    """Words or phrases with their spelling variants; all-capital ones are acronyms."""
    exclude: tuple[str, ...]
    """Words or phrases that keep a paper out of this topic even if a keyword matches."""
    weak: tuple[str, ...] = ()
    """Keywords too common alone: they count only in a title or beside another keyword."""


@dataclass(frozen=True, slots=True)
class Config:
    title: str
    description: str
    base_url: str
    """Absolute URL of the site root, always ending in ``/``; only ``404.html``,
    ``feed.xml`` and ``sitemap.xml`` use it, every other link is relative."""
    year: int
    """The year of date lines that carry none (``Mar 11``)."""
    topics: tuple[TopicRule, ...]
    feed_entries: int
    """How many of the newest papers ``feed.xml`` carries."""
    sources: tuple[SourceSpec, ...] = ()
    """What ``digest fetch`` fetches (Hugging Face unless ``sources:`` says)."""


_FIELDS: dict[str, type] = {
    "title": str,
    "description": str,
    "base_url": str,
    "year": int,
    "topics": list,
    "feed_entries": int,
    "sources": list,
}
_TOPIC_FIELDS: dict[str, type] = {
    "name": str,
    "description": str,
    "keywords": list,
    "weak": list,
    "exclude": list,
}


def normalise_base_url(url: str) -> str | None:
    """``url`` ending in ``/``, or ``None`` if it is not an absolute http(s) URL."""
    url = url.strip()
    if not url.endswith("/"):
        url += "/"
    return url if _BASE_URL.fullmatch(url) else None


#: libyaml's parser where PyYAML was built with it: the pure-Python one was a
#: fifth of the start-up of a build that finds its site up to date.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Lines:
    """Line numbers of the keys in a YAML document, to point at the bad one;
    the document is parsed for them only when a problem needs one."""

    def __init__(self, text: str) -> None:
        self.text = text

    @functools.cached_property
    def root(self) -> yaml.Node | None:
        return yaml.compose(self.text, Loader=_LOADER)

    def of(self, *keys: str | int) -> int:
        node = self.root
        line = node.start_mark.line + 1 if node is not None else 1
        for key in keys:
            if isinstance(node, yaml.MappingNode):
                found = [(k, v) for k, v in node.value if k.value == key]
                if not found:
                    break
                line = found[0][0].start_mark.line + 1
                node = found[0][1]
            elif isinstance(node, yaml.SequenceNode) and isinstance(key, int):
                node = node.value[key]
                line = node.start_mark.line + 1
            else:
                break
        return line


def _label(*keys: str | int) -> str:
    """``topics[2].keywords``: how a key path reads in a message."""
    return "".join(f"[{k}]" if isinstance(k, int) else f".{k}" for k in keys).lstrip(".")


def _type_name(expected: type) -> str:
    return {str: "text", int: "a whole number", list: "a list"}[expected]


def load_config(path: Path, base_url: str | None = None) -> Config:
    """The configuration in ``path``; ``base_url`` (from the command line) wins over the file's."""
    name = str(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        reason = unreadable(error)
        message = f"cannot read config: {reason}"
        raise ConfigError([Diagnostic(Source(name), "error", message)]) from None
    try:
        try:
            data = yaml.load(text, Loader=_LOADER)
        except yaml.YAMLError:  # said again by the pure-Python parser, whose words are clearer
            data = yaml.load(text, Loader=yaml.SafeLoader)
        lines = _Lines(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 0
        problem = getattr(error, "problem", None) or str(error)
        message = f"not valid YAML: {problem}"
        raise ConfigError([Diagnostic(Source(name, line), "error", message)]) from None
    return _validate(data if data is not None else {}, lines, name, base_url)


def _validate(data: Any, lines: _Lines, name: str, base_url: str | None) -> Config:
    problems: list[Diagnostic] = []

    def problem(message: str, *keys: str | int) -> None:
        problems.append(Diagnostic(Source(name, lines.of(*keys)), "error", message))

    def checked(
        mapping: dict[str, Any], fields: dict[str, Any], *where: str | int
    ) -> dict[str, Any]:
        """The entries of ``mapping`` with a known key and the right type."""
        good = {}
        for key, value in mapping.items():
            label = _label(*where, key)
            if key not in fields:
                known = ", ".join(fields)
                problem(f"unknown key {label!r} (known keys: {known})", *where, key)
            elif not isinstance(value, fields[key]) or isinstance(value, bool):
                problem(f"{label!r} must be {_type_name(fields[key])}", *where, key)
            elif isinstance(value, str) and CONTROL_CHARACTERS.search(value):
                problem(f"{label!r} contains a control character", *where, key)
            else:
                good[key] = value
        return good

    if not isinstance(data, dict):
        problem("the file must be a mapping of keys to values")
        raise ConfigError(problems)
    settings = checked(data, _FIELDS)

    url = base_url if base_url is not None else settings.get("base_url", DEFAULT_BASE_URL)
    normalised_url = normalise_base_url(url) if isinstance(url, str) else None
    if normalised_url is None:
        where = () if base_url is not None else ("base_url",)
        problem(f"base_url {url!r} must be an absolute http(s) URL", *where)
    year = settings.get("year", 2025)
    if isinstance(year, int) and not 1900 <= year <= 9999:
        problem(f"'year' {year} is out of range (1900 to 9999)", "year")
    feed_entries = settings.get("feed_entries", 50)
    if isinstance(feed_entries, int) and feed_entries < 1:
        problem("'feed_entries' must be at least 1", "feed_entries")

    topics: list[TopicRule] = []
    seen: dict[str, str] = {}
    for index, raw in enumerate(settings.get("topics", [])):
        at = ("topics", index)
        label = f"topics[{index}]"
        if not isinstance(raw, dict):
            problem(f"{label!r} must be a mapping with 'name' and 'keywords'", *at)
            continue
        before = len(problems)
        fields = checked(raw, _TOPIC_FIELDS, *at)
        topic_name = fields.get("name")
        if not isinstance(topic_name, str) or not topic_name.strip():
            problem(f"{label!r} needs a 'name'", *at)
            continue
        keywords = _phrases(fields.get("keywords", []), f"{label}.keywords", problem, *at)
        weak = _phrases(fields.get("weak", []), f"{label}.weak", problem, *at)
        exclude = _phrases(fields.get("exclude", []), f"{label}.exclude", problem, *at)
        if not keywords and not weak and "keywords" not in raw:
            problem(f"topic {topic_name!r} has no keywords", *at)
        elif not keywords and not weak and raw["keywords"] == []:
            problem(f"topic {topic_name!r} has no keywords", *at, "keywords")
        slug = slug_words(topic_name) or f"topic-{index + 1}"
        if slug in seen or slug == CATCH_ALL_SLUG:
            other = seen.get(slug, "the catch-all topic")
            problem(f"topic {topic_name!r} has the same URL name as {other!r}", *at, "name")
        seen[slug] = topic_name
        if len(problems) == before:
            description = fields.get("description", "")
            rule = TopicRule(topic_name.strip(), slug, description, keywords, exclude, weak)
            topics.append(rule)

    sources = from_config(settings.get("sources"), problem)
    if problems:
        raise ConfigError(sorted(problems))
    return Config(
        title=settings.get("title", "Paper digest"),
        description=settings.get("description", ""),
        base_url=normalised_url or DEFAULT_BASE_URL,
        year=year,
        topics=tuple(topics),
        feed_entries=feed_entries,
        sources=sources,
    )


def _phrases(
    value: list[Any], label: str, problem: Callable[..., None], *where: str | int
) -> tuple[str, ...]:
    """The non-empty strings of a keyword list; a problem for each other item."""
    key = label.rsplit(".", 1)[1]
    phrases = []
    for index, item in enumerate(value):
        if not isinstance(item, str) or not _PHRASE.fullmatch(item.strip()):
            message = f"'{label}[{index}]' must be words of letters and digits ('graph network')"
            problem(message, *where, key, index)
        else:
            phrases.append(item.strip())
    return tuple(phrases)
