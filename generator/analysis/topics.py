"""Placing papers in the topics of the taxonomy by keyword (see
``keyword_matching`` for how a keyword is found in a text).

Title matches weigh more than abstract matches; a paper's primary topic is the
one its title names first.
"""

from __future__ import annotations

import contextlib
import itertools
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass

from generator.analysis.keyword_matching import Matcher, words
from generator.config.digest_yaml import CATCH_ALL_SLUG, TopicRule
from generator.core.workers import Progress, run_chunks, runs, told
from generator.reading.archive import Archive, Paper

TITLE_WEIGHT = 3
#: A paper joins a topic with one title match or two abstract matches...
MIN_SCORE = 2
#: ...or, when that places it nowhere, its strongest topic with one abstract
#: match: nearly every paper belongs somewhere, and the keyword says why.
FALLBACK_SCORE = 1
#: A topic beside the primary one needs this share of the primary's score:
#: a topic a paper mentions in passing is not one a reader files it under.
SECONDARY_SHARE = 0.3
#: The most topics a paper is listed under.
MAX_TOPICS = 3
CATCH_ALL_NAME = "Other topics"
CATCH_ALL_DESCRIPTION = "Papers that no keyword of the taxonomy placed in a topic."
#: Papers per piece of work given to a worker process.
CHUNK_PAPERS = 500


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


def _matcher(rules: tuple[TopicRule, ...], *fields: str) -> Matcher:
    phrases: dict[str, list[str]] = defaultdict(list)
    for rule in rules:
        for phrase in itertools.chain.from_iterable(getattr(rule, f) for f in fields):
            if rule.slug not in phrases[phrase]:
                phrases[phrase].append(rule.slug)
    return Matcher(phrases)


Found = dict[str, dict[str, tuple[int, int]]]
"""Per topic, each of its keywords in a paper: ``[times in the title, times in
the abstract]``; the source's own keywords of the paper count as title."""


class Placer:
    """A paper's topics, strongest first, by the keywords of the taxonomy, in
    three steps that ``evaluate`` also calls to say why a topic was missed:
    what the keywords found, what of it counts, and which topics it earns."""

    def __init__(self, rules: tuple[TopicRule, ...]) -> None:
        self.keywords = _matcher(rules, "keywords", "weak")
        self.exclusions = _matcher(rules, "exclude")
        self.weak = frozenset((rule.slug, phrase) for rule in rules for phrase in rule.weak)
        self.order = {rule.slug: index for index, rule in enumerate(rules)}
        self.guarded = frozenset(rule.slug for rule in rules if rule.exclude)
        """Topics with exclusions: only a paper that matches one of them is
        searched for exclusions, since few topics have any."""
        self.shared: dict[tuple[str, str, int], TopicMatch] = {}
        """One match per distinct topic, keyword and score, for all papers
        that have it: pickle sends a shared object once, and unpickling the
        36,000 matches of 10,000 papers one by one took 0.13 s of the parent
        of the workers, against 0.02 s for their 1,100 distinct ones."""

    def __call__(self, paper: Paper) -> tuple[TopicMatch, ...]:
        found, excluded, named = self.find(paper)
        return self.choose(self.weigh(found, excluded), named)

    def find(self, paper: Paper) -> tuple[Found, dict[str, str], list[str]]:
        """What the keywords found; the topics an exclusion phrase keeps the
        paper out of (with the phrase); and the topics the title names by a
        keyword that is not weak, in the order it names them."""
        keywords, weak = self.keywords, self.weak
        title, abstract = words(paper.title), words(paper.abstract)
        in_title = keywords.count_words(*title)
        if paper.keywords:
            in_title.update(keywords.count_words(*words(" ; ".join(paper.keywords))))
        in_abstract = keywords.count_words(*abstract)
        found: Found = defaultdict(dict)
        named = [
            slug
            for phrase in in_title  # in the order of the title
            for slug in keywords.topics[phrase]
            if (slug, phrase) not in weak
        ]
        for phrase in (*in_title, *in_abstract):
            pair = (in_title[phrase], in_abstract[phrase])
            for slug in keywords.topics[phrase]:
                found[slug][phrase] = pair
        excluded: dict[str, str] = {}
        if not self.guarded.isdisjoint(found):
            for text in (title, abstract):
                for phrase in sorted(self.exclusions.count_words(*text)):
                    for slug in self.exclusions.topics[phrase]:
                        excluded.setdefault(slug, phrase)
        return found, excluded, named

    def weigh(self, found: Found, excluded: Mapping[str, str]) -> dict[str, dict[str, int]]:
        """The weight of each keyword that counts, per topic: a title match
        weighs ``TITLE_WEIGHT``, an abstract match 1, and a weak keyword only
        in the abstract counts only beside another keyword of its topic."""
        weighed: dict[str, dict[str, int]] = {}
        for slug, phrases in found.items():
            if slug in excluded:
                continue
            alone = len(phrases) == 1
            weights = {
                phrase: TITLE_WEIGHT * title + abstract
                for phrase, (title, abstract) in phrases.items()
                if title or not alone or (slug, phrase) not in self.weak
            }
            if weights:
                weighed[slug] = weights
        return weighed

    def ranked(self, weighed: Mapping[str, Mapping[str, int]]) -> list[tuple[int, str]]:
        """Score and topic of every topic the keywords reach, strongest
        first, ties in taxonomy order."""
        order = self.order
        scored = [(-sum(weights.values()), order[slug], slug) for slug, weights in weighed.items()]
        return [(-score, slug) for score, _, slug in sorted(scored)]

    def choose(
        self, weighed: Mapping[str, Mapping[str, int]], named: list[str]
    ) -> tuple[TopicMatch, ...]:
        """The topics a paper is listed under. The primary one is the first
        topic the title names by a keyword that is not weak (a title says
        what a paper contributes, and names that first), or else the
        strongest. Beside it, each needs ``MIN_SCORE`` and ``SECONDARY_SHARE``
        of the strongest topic's score, up to ``MAX_TOPICS`` in all. Failing
        all that, the strongest topic alone if it has ``FALLBACK_SCORE``."""
        ranked = self.ranked(weighed)
        if not ranked or ranked[0][0] < FALLBACK_SCORE:
            return (self.match(CATCH_ALL_SLUG, "", 0),)
        if ranked[0][0] < MIN_SCORE:
            score, slug = ranked[0]
            return (self.match(slug, _strongest(weighed[slug]), score),)
        return tuple(
            self.match(slug, _strongest(weighed[slug]), score)
            for score, slug in self.listed(ranked, named)[:MAX_TOPICS]
        )

    def listed(self, ranked: list[tuple[int, str]], named: list[str]) -> list[tuple[int, str]]:
        """The topics that ``choose`` lists, before the cap: the primary one,
        then the others over the bar, strongest first."""
        bar = max(MIN_SCORE, ranked[0][0] * SECONDARY_SHARE)
        listed = [pair for pair in ranked if pair[0] >= bar]
        for slug in named:  # the first of them that the keywords reach
            for first in ranked:
                if first[1] == slug:
                    if first is listed[0]:
                        return listed
                    return [first, *(pair for pair in listed if pair is not first)]
        return listed

    def match(self, topic: str, keyword: str, score: int) -> TopicMatch:
        key = (topic, keyword, score)
        found = self.shared.get(key)
        if found is None:
            found = self.shared[key] = TopicMatch(topic, keyword, score)
        return found


def classify(
    archive: Archive,
    rules: tuple[TopicRule, ...],
    workers: int = 1,
    progress: Progress | None = None,
    known: Mapping[str, tuple[TopicMatch, ...]] | None = None,
) -> Topics:
    """Every paper's topics; a paper no keyword places goes to the catch-all.
    ``workers`` processes share the papers (the result is the same however
    many). ``known``: by paper slug, the topics of papers already placed by
    these rules (a cache's, see ``commands.placements``), not placed again."""
    place = Placer(rules)
    known = known or {}
    papers = [paper for paper in archive.papers if paper.slug not in known]
    chunks = runs(len(papers), CHUNK_PAPERS)
    placing = run_chunks(lambda chunk: [place(papers[i]) for i in chunk], chunks, workers)
    # Closed on the way out of a stop or a failure, so its workers end with it.
    with contextlib.closing(placing):
        placed = told(progress, "placing papers in topics", placing, map(len, chunks))
        found = dict(
            zip(
                (paper.slug for paper in papers),
                itertools.chain.from_iterable(placed),
                strict=True,
            )
        )
    matches = {paper.slug: known.get(paper.slug) or found[paper.slug] for paper in archive.papers}

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
            rule.keywords + rule.weak,
            tuple(sorted(members[rule.slug], key=lambda p: (-p.days[-1].toordinal(), p.slug))),
        )
        for rule in (*rules, catch_all)
        if members[rule.slug]
    )
    return Topics(topics, matches)


def _strongest(weights: Mapping[str, int]) -> str:
    return min(weights, key=lambda phrase: (-weights[phrase], phrase))
