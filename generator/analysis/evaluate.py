"""How well the taxonomy's keywords place papers, against topics a person chose.

A labels file says, for papers of the archive, which topics truly apply and
which one fits best. ``digest topics --evaluate LABELS`` compares the matcher
with it: precision, recall and F1 per topic and over all placements, how often
the primary topic is right, how much of the archive the topics cover, and every
wrong or missed placement with the keywords that caused it, so a curator sees
which keyword to weaken, exclude or add.
"""

from __future__ import annotations

import argparse
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from generator.analysis.labels import SPLITS, Label, load_labels
from generator.analysis.topic_table import text_table
from generator.analysis.topics import (
    MAX_TOPICS,
    MIN_SCORE,
    SECONDARY_SHARE,
    TITLE_WEIGHT,
    Found,
    Placer,
    Topics,
)
from generator.config.digest_yaml import CATCH_ALL_SLUG, TopicRule
from generator.core.errors import ConfigError, Diagnostic, UsageError, shorten
from generator.reading.archive import Archive, Paper, paper_key


@dataclass(frozen=True, slots=True)
class Tally:
    """Placements in one topic (or all of them) against the labels."""

    labelled: int = 0
    placed: int = 0
    right: int = 0

    @property
    def precision(self) -> float | None:
        return self.right / self.placed if self.placed else None

    @property
    def recall(self) -> float | None:
        return self.right / self.labelled if self.labelled else None

    @property
    def f1(self) -> float | None:
        both = self.labelled + self.placed
        return 2 * self.right / both if both else None

    def __add__(self, other: Tally) -> Tally:
        return Tally(
            self.labelled + other.labelled, self.placed + other.placed, self.right + other.right
        )


@dataclass(frozen=True, slots=True)
class Mistake:
    """One placement the labels disagree with, and what caused it."""

    kind: Literal["wrong", "missed", "primary"]
    """Placed but not labelled, labelled but not placed, or labelled but not first."""
    topic: str
    why: str
    """The keywords that placed the paper, or why the labelled topic was not reached."""
    title: str


@dataclass(frozen=True, slots=True)
class Evaluation:
    split: str
    labelled: int
    """Labelled papers evaluated (those of the split)."""
    tallies: Mapping[str, Tally]
    """Per topic slug, in taxonomy order."""
    primary_right: int
    mistakes: tuple[Mistake, ...]
    keyword_tallies: Mapping[tuple[str, str], tuple[int, int]]
    """Per (topic, keyword) that placed papers: (wrong, placed)."""
    sizes: Mapping[str, int]
    """Papers of the whole archive in each topic, the catch-all included."""
    papers: int
    """Papers in the archive."""

    @property
    def overall(self) -> Tally:
        return sum(self.tallies.values(), Tally())

    @property
    def primary_accuracy(self) -> float | None:
        return self.primary_right / self.labelled if self.labelled else None

    @property
    def other_share(self) -> float:
        return self.sizes.get(CATCH_ALL_SLUG, 0) / max(self.papers, 1)


def evaluate(
    archive: Archive,
    topics: Topics,
    rules: tuple[TopicRule, ...],
    labels: Iterable[Label],
    split: str = "all",
) -> Evaluation:
    """The matcher's placements (``topics``) against the labels of ``split``
    (``all`` for both halves). Raises ``ConfigError`` for a label whose paper
    is not in the archive."""
    by_key = {paper.key: paper for paper in archive.papers}
    chosen = [label for label in labels if split in ("all", label.split)]
    missing = [label for label in chosen if paper_key(label.title) not in by_key]
    if missing:
        raise ConfigError(
            [
                Diagnostic(label.source, "error", f"no paper titled {label.title!r} in the feeds")
                for label in missing
            ]
        )
    placer = Placer(rules)
    tallies = {rule.slug: Tally() for rule in rules}
    mistakes: list[Mistake] = []
    placed_by: Counter[tuple[str, str]] = Counter()
    wrong_by: Counter[tuple[str, str]] = Counter()
    primary_right = 0
    for label in chosen:
        paper = by_key[paper_key(label.title)]
        matches = topics.matches[paper.slug]
        placed = {m.topic: m.keyword for m in matches if m.topic != CATCH_ALL_SLUG}
        for slug, tally in tallies.items():
            labelled, found = slug in label.topics, slug in placed
            tallies[slug] = tally + Tally(labelled, found, labelled and found)
        for slug, keyword in placed.items():
            placed_by[(slug, keyword)] += 1
            wrong_by[(slug, keyword)] += slug not in label.topics
        primary_right += matches[0].topic == label.primary
        mistakes.extend(_mistakes(placer, paper, label, [m.topic for m in matches]))
    keyword_tallies = {key: (wrong_by[key], placed_by[key]) for key in placed_by}
    return Evaluation(
        split=split,
        labelled=len(chosen),
        tallies=tallies,
        primary_right=primary_right,
        mistakes=tuple(mistakes),
        keyword_tallies=keyword_tallies,
        sizes={topic.slug: len(topic.papers) for topic in topics.topics},
        papers=len(archive.papers),
    )


def _mistakes(placer: Placer, paper: Paper, label: Label, placed: list[str]) -> list[Mistake]:
    found, excluded, named = placer.find(paper)
    weighed = placer.weigh(found, excluded)
    ranked = placer.ranked(weighed)
    listed = [slug for _, slug in placer.listed(ranked, named)] if ranked else []
    mistakes = [
        Mistake("wrong", slug, _keywords(found[slug]), paper.title)
        for slug in placed
        if slug != CATCH_ALL_SLUG and slug not in label.topics
    ]
    for slug in sorted(label.topics - set(placed), key=placer.order.__getitem__):
        why = _missed(slug, found, excluded, weighed, ranked, listed)
        mistakes.append(Mistake("missed", slug, why, paper.title))
    if placed[0] != label.primary and label.primary in placed:
        first = placed[0]
        how = "the title names it first" if first in named else "the strongest topic"
        why = f"listed first under {first} ({how}) by {_keywords(found[first])}"
        mistakes.append(Mistake("primary", label.primary, why, paper.title))
    return mistakes


def _missed(
    slug: str,
    found: Found,
    excluded: Mapping[str, str],
    weighed: Mapping[str, Mapping[str, int]],
    ranked: list[tuple[int, str]],
    listed: list[str],
) -> str:
    """Why a labelled topic was not reached, for the curator to act on."""
    if slug not in found:
        return "no keyword of the topic"
    seen = _keywords(found[slug])
    if slug in excluded:
        return f"excluded by {excluded[slug]!r}; found {seen}"
    if slug not in weighed:
        return f"weak keyword alone: {seen}"
    score = sum(weighed[slug].values())
    if score < MIN_SCORE:
        return f"score {score} below {MIN_SCORE}: {seen}"
    if slug in listed:
        place = listed.index(slug) + 1
        return f"topic {place} of the paper, over the cap of {MAX_TOPICS}: {seen}"
    bar = ranked[0][0] * SECONDARY_SHARE
    strongest = f"the strongest topic's {ranked[0][0]} × {SECONDARY_SHARE}"
    return f"score {score} below {bar:g} ({strongest}): {seen}"


def _keywords(phrases: Mapping[str, tuple[int, int]]) -> str:
    """``graph (title), message passing (abstract ×2)``: the keywords one
    topic found in a paper, strongest first."""
    weight = {
        phrase: TITLE_WEIGHT * title + abstract for phrase, (title, abstract) in phrases.items()
    }
    parts = []
    for phrase in sorted(phrases, key=lambda p: (-weight[p], p)):
        title, abstract = phrases[phrase]
        where = [f"title{_times(title)}"] if title else []
        where += [f"abstract{_times(abstract)}"] if abstract else []
        parts.append(f"{phrase} ({', '.join(where)})")
    return ", ".join(parts)


def _times(count: int) -> str:
    return f" ×{count}" if count > 1 else ""


def report(evaluation: Evaluation, rules: tuple[TopicRule, ...]) -> list[str]:
    """The evaluation as plain-text tables, for a curator to act on."""
    overall = evaluation.overall
    names = {rule.slug: rule.name for rule in rules}
    header = ("topic", "papers", "labelled", "placed", "right", "precision", "recall", "F1")
    rows = [header] + [
        (slug, str(evaluation.sizes.get(slug, 0)), *_figures(tally))
        for slug, tally in evaluation.tallies.items()
    ]
    rows.append(("all topics (micro-averaged)", str(evaluation.papers), *_figures(overall)))
    split = "both halves" if evaluation.split == "all" else f"the {evaluation.split} half"
    sizes = sorted((evaluation.sizes.get(slug, 0), slug) for slug in names)
    other = evaluation.sizes.get(CATCH_ALL_SLUG, 0)
    largest, smallest = sizes[-1] if sizes else (0, ""), sizes[0] if sizes else (0, "")
    lines = [
        f"{evaluation.labelled} labelled papers ({split}) of {evaluation.papers} in the archive",
        "",
        *text_table(rows, right=range(1, 8)),
        "",
        f"primary topic right: {evaluation.primary_right} of {evaluation.labelled}"
        f" ({_figure(evaluation.primary_accuracy)})",
        f"coverage: {evaluation.papers - other} of {evaluation.papers} papers in a topic,"
        f" {other} ({evaluation.other_share:.1%}) in {CATCH_ALL_SLUG!r}",
        f"largest topic: {largest[1]}, {largest[0]} papers"
        f" ({largest[0] / max(evaluation.papers, 1):.1%});"
        f" smallest: {smallest[1]}, {smallest[0]} papers",
    ]
    blamed = sorted(
        (
            (wrong, placed, slug, keyword)
            for (slug, keyword), (wrong, placed) in evaluation.keyword_tallies.items()
            if wrong
        ),
        key=lambda row: (-row[0], row[0] - row[1], row[2], row[3]),
    )
    if blamed:
        lines += ["", "keywords behind wrong placements:"]
        rows = [("topic", "keyword", "wrong", "placed")]
        rows += [
            (slug, keyword, str(wrong), str(placed)) for wrong, placed, slug, keyword in blamed
        ]
        lines += text_table(rows, right=(2, 3))
    if evaluation.mistakes:
        order = {rule.slug: index for index, rule in enumerate(rules)}
        kinds = {"wrong": 0, "missed": 1, "primary": 2}
        mistakes = sorted(
            evaluation.mistakes, key=lambda m: (kinds[m.kind], order[m.topic], m.why, m.title)
        )
        lines += ["", f"wrong and missed placements ({len(mistakes)}):"]
        rows = [("kind", "topic", "paper", "keywords or why")]
        rows += [(m.kind, m.topic, shorten(m.title), m.why) for m in mistakes]
        lines += text_table(rows)
    return lines


def shortfalls(
    evaluation: Evaluation,
    min_precision: float | None,
    min_recall: float | None,
    min_primary: float | None,
) -> list[str]:
    """A line for each figure below the minimum the command line asked for."""
    overall = evaluation.overall
    figures = (
        ("precision", overall.precision, min_precision),
        ("recall", overall.recall, min_recall),
        ("primary topic accuracy", evaluation.primary_accuracy, min_primary),
    )
    return [
        f"digest: {what} {_figure(value)} is below the minimum {minimum:g}"
        for what, value, minimum in figures
        if minimum is not None and (value or 0.0) < minimum
    ]


def _figures(tally: Tally) -> tuple[str, ...]:
    return (
        str(tally.labelled),
        str(tally.placed),
        str(tally.right),
        _figure(tally.precision),
        _figure(tally.recall),
        _figure(tally.f1),
    )


def _figure(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


@dataclass(frozen=True, slots=True)
class Outcome:
    """What ``digest topics --evaluate`` has to say; the CLI does the printing."""

    lines: tuple[str, ...]
    problems: tuple[str, ...]
    """Warnings about the labels, and each figure below its minimum."""
    exit_code: int


def add_arguments(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--evaluate", type=Path, metavar="LABELS", help="compare the topics with labelled papers"
    )
    command.add_argument(
        "--split",
        choices=("all", *SPLITS),
        help="evaluate only this half of the labels (default: all)",
    )
    for name, what in (
        ("precision", "micro-averaged precision"),
        ("recall", "micro-averaged recall"),
        ("primary", "share of primary topics right"),
    ):
        command.add_argument(
            f"--min-{name}", type=_share, metavar="X", help=f"exit 1 if the {what} is below X"
        )


def run(
    args: argparse.Namespace, archive: Archive, topics: Topics, rules: tuple[TopicRule, ...]
) -> Outcome:
    """``digest topics --evaluate LABELS``."""
    labels, warnings = load_labels(args.evaluate, rules)
    evaluation = evaluate(archive, topics, rules, labels, args.split or "all")
    below = shortfalls(evaluation, args.min_precision, args.min_recall, args.min_primary)
    problems = [str(warning) for warning in warnings] + below
    return Outcome(tuple(report(evaluation, rules)), tuple(problems), 1 if below else 0)


def check_arguments(args: argparse.Namespace) -> None:
    """Options of ``--evaluate`` are a usage error without it."""
    given = [
        name
        for name in ("split", "min_precision", "min_recall", "min_primary")
        if getattr(args, name) is not None
    ]
    if args.evaluate is None and given:
        option = "--" + given[0].replace("_", "-")
        raise UsageError(f"{option} needs --evaluate LABELS (see 'digest topics --help')")


def _share(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"not a number from 0 to 1: {text!r}")
    return value
