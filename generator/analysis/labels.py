"""The labels a person gave papers: which topics of the taxonomy truly apply
to each, and which one fits best, to measure the matcher against.

A labels file is YAML: ``papers``, a list of ``{title, split, topics,
primary}``. Every problem in it is reported with its line, all at once.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import yaml

from generator.config.digest_yaml import CATCH_ALL_SLUG, TopicRule
from generator.core.errors import ConfigError, Diagnostic, Source, unreadable
from generator.reading.archive import paper_key

SPLITS = ("tuning", "held-out")
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_ITEM_KEYS = ("title", "split", "topics", "primary")


@dataclass(frozen=True, slots=True)
class Label:
    """The topics a person gave one paper."""

    title: str
    split: str
    """``tuning`` (look at its mistakes while tuning) or ``held-out`` (only to report)."""
    topics: frozenset[str]
    """Slugs of every topic that applies, the primary one included; empty for a
    paper that belongs in "Other topics"."""
    primary: str
    """The slug of the topic that fits best, or the catch-all's."""
    source: Source


def load_labels(path: Path, rules: Iterable[TopicRule]) -> tuple[list[Label], list[Diagnostic]]:
    """The labels in ``path`` and the warnings about them; every error found
    is raised together in one ``ConfigError``."""
    name = str(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
        try:
            data, root = yaml.load(text, Loader=_LOADER), yaml.compose(text, Loader=_LOADER)
        except yaml.YAMLError:  # said again by the pure-Python parser, whose words are clearer
            data = yaml.load(text, Loader=yaml.SafeLoader)
            root = yaml.compose(text, Loader=yaml.SafeLoader)
    except (OSError, UnicodeDecodeError) as error:
        message = f"cannot read labels: {unreadable(error)}"
        raise ConfigError([Diagnostic(Source(name), "error", message)]) from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = Source(name, mark.line + 1 if mark is not None else 0)
        message = f"not valid YAML: {getattr(error, 'problem', None) or error}"
        raise ConfigError([Diagnostic(where, "error", message)]) from None
    problems: list[Diagnostic] = []
    items = data.get("papers") if isinstance(data, dict) else None
    if not isinstance(items, list) or root is None:
        message = "the labels must be a mapping with 'papers', a list of labelled papers"
        raise ConfigError([Diagnostic(Source(name, 1), "error", message)])
    papers_node = next(value for key, value in root.value if key.value == "papers")
    known = {rule.slug for rule in rules}
    labels = []
    seen: dict[str, Source] = {}
    for item, node in zip(items, papers_node.value, strict=True):
        source = Source(name, node.start_mark.line + 1)
        label = _label(item, source, known, problems)
        if label is None:
            continue
        key = paper_key(label.title)
        if key in seen:
            message = f"{label.title!r} is labelled twice (first at line {seen[key].line})"
            problems.append(Diagnostic(source, "error", message))
        seen.setdefault(key, source)
        labels.append(label)
    if any(problem.is_error for problem in problems):
        raise ConfigError(sorted(p for p in problems if p.is_error))
    return labels, problems


def _label(
    item: object, source: Source, known: set[str], problems: list[Diagnostic]
) -> Label | None:
    def error(message: str) -> None:
        problems.append(Diagnostic(source, "error", message))

    if not isinstance(item, dict):
        error("a labelled paper must be a mapping with 'title', 'split', 'topics', 'primary'")
        return None
    for key in sorted(set(item) - set(_ITEM_KEYS), key=str):
        message = f"unknown key {key!r} in a labelled paper (ignored)"
        problems.append(Diagnostic(source, "warning", message))
    title, split = item.get("title"), item.get("split")
    topics, primary = item.get("topics", []), item.get("primary")
    before = len(problems)
    if not isinstance(title, str) or not title.strip():
        error("a labelled paper needs a 'title'")
    if split not in SPLITS:
        error(f"'split' is {split!r}; it must be one of: {', '.join(SPLITS)}")
    if topics is None:
        topics = []
    if not isinstance(topics, list) or not all(isinstance(t, str) for t in topics):
        error("'topics' must be a list of topic slugs")
        topics = []
    if primary is not None and not isinstance(primary, str):
        error("'primary' must be a topic slug or null")
        primary = None
    given = {*topics, *([primary] if primary else [])} - {CATCH_ALL_SLUG}
    for slug in sorted(given - known):
        error(f"unknown topic {slug!r} (the topics of the config: {', '.join(sorted(known))})")
    if len(problems) > before or not isinstance(title, str) or not isinstance(split, str):
        return None
    chosen = primary if primary and primary != CATCH_ALL_SLUG else None
    if chosen is None and given:
        error("'primary' is null but 'topics' names topics; say which one fits best")
        return None
    return Label(title, split, frozenset(given), chosen or CATCH_ALL_SLUG, source)
