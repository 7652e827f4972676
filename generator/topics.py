"""Placing papers in the topics of the taxonomy by keyword.

Keywords match whole words or phrases after hyphens are read as spaces, so
``pre-training`` also finds "pre training"; a keyword written with a capital
letter (``MLP``, ``ViT``) matches only with that case, so an acronym never
matches an ordinary word. Title matches weigh more than abstract matches.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Mapping
from dataclasses import dataclass

from generator.config import CATCH_ALL_SLUG, TopicRule
from generator.model import Archive, Paper

TITLE_WEIGHT = 3
#: A paper joins a topic with one title match or two abstract matches.
MIN_SCORE = 2
CATCH_ALL_NAME = "Other topics"
CATCH_ALL_DESCRIPTION = "Papers that no keyword of the taxonomy placed in a topic."

_TOKEN = re.compile(r"[^\W_]+")
_HYPHENS = re.compile(r"[-‐‑‒–—_/]+")
_SPACES = re.compile(r"\s+")


@dataclass(frozen=True, slots=True)
class TopicMatch:
    """Why a paper is in a topic."""

    topic: str
    """The topic's slug."""
    keyword: str
    """The keyword that matched most often (as written in the taxonomy)."""
    score: int


@dataclass(frozen=True, slots=True)
class Topic:
    slug: str
    name: str
    description: str
    keywords: tuple[str, ...]
    papers: tuple[Paper, ...]
    """Newest first."""


@dataclass(frozen=True, slots=True)
class Topics:
    topics: tuple[Topic, ...]
    """In taxonomy order, the catch-all last; only topics that hold papers."""
    matches: Mapping[str, tuple[TopicMatch, ...]]
    """Per paper slug, strongest first: the first is the paper's primary topic."""

    def primary(self, paper: Paper) -> TopicMatch:
        return self.matches[paper.slug][0]


def normalise(text: str) -> str:
    """Text as keywords see it: hyphens and slashes read as spaces."""
    return _SPACES.sub(" ", _HYPHENS.sub(" ", unicodedata.normalize("NFKC", text))).strip()


class Matcher:
    """Every keyword of the taxonomy in two lookup tables of word tuples, so a
    text is tokenised once and each word costs a set lookup, however many
    keywords there are (a regular expression of hundreds of alternatives was
    the slowest step of a large build)."""

    def __init__(self, phrases: Mapping[str, list[str]]) -> None:
        """``phrases`` maps each keyword to the slugs of the topics it belongs to."""
        self.topics = phrases
        self.exact: dict[tuple[str, ...], str] = {}
        self.folded: dict[tuple[str, ...], str] = {}
        for keyword in sorted(phrases):
            words = tuple(normalise(keyword).split())
            if any(c.isupper() for c in keyword):
                self.exact.setdefault(words, keyword)
            else:
                self.folded.setdefault(tuple(w.casefold() for w in words), keyword)
        # Per first word (and its plural forms), the lengths of the keywords
        # it can start, longest first: the only places worth a closer look.
        self.exact_sizes = _sizes(self.exact)
        self.folded_sizes = _sizes(self.folded)

    def _lookup(self, table: dict[tuple[str, ...], str], words: list[str]) -> str | None:
        """The keyword these words spell, the last one maybe in the plural."""
        last = words[-1]
        for suffix in ("", "s", "es"):
            keyword = table.get((*words[:-1], last[: len(last) - len(suffix)]))
            if keyword and last.endswith(suffix):
                return keyword
        return None

    def count(self, text: str) -> Counter[str]:
        """How often each keyword occurs in ``text``; where keywords overlap,
        the longest one at the leftmost place counts. Tokenising and finding
        the words a keyword can start with run in C (regex, set lookups);
        Python only looks closer at those few places."""
        found: Counter[str] = Counter()
        if not (self.exact or self.folded):
            return found
        text = normalise(text)
        tokens = _TOKEN.findall(text)
        folded = _TOKEN.findall(text.casefold())
        if len(folded) != len(tokens):
            folded = [token.casefold() for token in tokens]
        exact_sizes, folded_sizes = self.exact_sizes, self.folded_sizes
        starts = sorted(
            {i for i, word in enumerate(folded) if word in folded_sizes}
            | {i for i, word in enumerate(tokens) if word in exact_sizes}
        )
        between: list[str] = _TOKEN.split(text) if starts else []
        taken = 0
        for index in starts:
            if index < taken:
                continue
            candidates = [(size, self.exact, tokens) for size in exact_sizes.get(tokens[index], ())]
            candidates += [
                (size, self.folded, folded) for size in folded_sizes.get(folded[index], ())
            ]
            candidates.sort(key=lambda c: -c[0])
            for size, table, words in candidates:
                if index + size > len(tokens):
                    continue
                if not all(between[j].isspace() for j in range(index + 1, index + size)):
                    continue
                keyword = self._lookup(table, words[index : index + size])
                if keyword:
                    found[keyword] += 1
                    taken = index + size
                    break
        return found


def _sizes(table: Mapping[tuple[str, ...], str]) -> dict[str, tuple[int, ...]]:
    sizes: dict[str, set[int]] = defaultdict(set)
    for words in table:
        for ending in ("", "s", "es"):
            sizes[words[0] + ending].add(len(words))
    return {word: tuple(sorted(found, reverse=True)) for word, found in sizes.items()}


def _matcher(rules: tuple[TopicRule, ...], field: str) -> Matcher:
    phrases: dict[str, list[str]] = defaultdict(list)
    for rule in rules:
        for phrase in getattr(rule, field):
            phrases[phrase].append(rule.slug)
    return Matcher(phrases)


def classify(archive: Archive, rules: tuple[TopicRule, ...]) -> Topics:
    """Every paper's topics; a paper no keyword places goes to the catch-all."""
    keywords, exclusions = _matcher(rules, "keywords"), _matcher(rules, "exclude")
    order = {rule.slug: index for index, rule in enumerate(rules)}
    matches: dict[str, tuple[TopicMatch, ...]] = {}
    for paper in archive.papers:
        excluded = {
            slug
            for phrase in exclusions.count(f"{paper.title}\n{paper.abstract}")
            for slug in exclusions.topics[phrase]
        }
        scores: Counter[str] = Counter()
        by_topic: dict[str, Counter[str]] = defaultdict(Counter)
        for text, weight in ((paper.title, TITLE_WEIGHT), (paper.abstract, 1)):
            for phrase, times in keywords.count(text).items():
                for slug in keywords.topics[phrase]:
                    if slug not in excluded:
                        scores[slug] += weight * times
                        by_topic[slug][phrase] += weight * times
        found = [
            TopicMatch(slug, _strongest(by_topic[slug]), score)
            for slug, score in scores.items()
            if score >= MIN_SCORE
        ]
        found.sort(key=lambda m: (-m.score, order[m.topic]))
        matches[paper.slug] = tuple(found) or (TopicMatch(CATCH_ALL_SLUG, "", 0),)

    members: dict[str, list[Paper]] = defaultdict(list)
    for paper in archive.papers:
        for match in matches[paper.slug]:
            members[match.topic].append(paper)
    catch_all = TopicRule(CATCH_ALL_NAME, CATCH_ALL_SLUG, CATCH_ALL_DESCRIPTION, (), ())
    topics = tuple(
        Topic(
            rule.slug,
            rule.name,
            rule.description,
            rule.keywords,
            tuple(sorted(members[rule.slug], key=lambda p: (-p.days[-1].toordinal(), p.slug))),
        )
        for rule in (*rules, catch_all)
        if members[rule.slug]
    )
    return Topics(topics, matches)


def _strongest(weights: Counter[str]) -> str:
    return min(weights, key=lambda phrase: (-weights[phrase], phrase))


def topic_table(topics: Topics, papers: int, samples: int = 2) -> list[str]:
    """Lines of a plain-text table that shows a maintainer, at a glance, how
    the taxonomy divides the archive: size, share, the keywords doing the
    work and a few titles, the catch-all last."""
    rows = [("topic", "papers", "share", "top keywords", "sample titles")]
    for topic in topics.topics:
        keywords: Counter[str] = Counter(
            match.keyword
            for paper in topic.papers
            for match in topics.matches[paper.slug]
            if match.topic == topic.slug and match.keyword
        )
        score = {
            paper.slug: next(m.score for m in topics.matches[paper.slug] if m.topic == topic.slug)
            for paper in topic.papers
        }
        strongest = sorted(topic.papers, key=lambda p: (-score[p.slug], p.slug))[:samples]
        rows.append(
            (
                topic.name,
                str(len(topic.papers)),
                f"{len(topic.papers) / max(papers, 1):.0%}",
                ", ".join(k for k, _ in keywords.most_common(3)),
                " | ".join(p.title[:40] for p in strongest),
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    return [
        "  ".join(
            [row[0].ljust(widths[0]), row[1].rjust(widths[1]), row[2].rjust(widths[2])]
            + [row[3].ljust(widths[3]), row[4]]
        ).rstrip()
        for row in rows
    ]
