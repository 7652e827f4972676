from __future__ import annotations

import dataclasses
import itertools
import random
from collections import Counter
from datetime import date

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from generator.analysis import counted_runs, paper_terms
from generator.analysis import related as related_module
from generator.analysis.keyphrase_words import WORD, token_kind
from generator.analysis.paper_terms import BREAK, RunCounts, run_terms, text_tokens
from generator.analysis.postings import term_postings
from generator.analysis.related import Related, _distinct, reference_papers, relate
from generator.analysis.vocabulary import narrow
from generator.core.errors import Source
from generator.reading.archive import merge
from generator.reading.entries import Entry


def archive_of(*papers: tuple[str, str]):
    entries = [
        Entry(t, a, date(2025, 3, 11), Source("f.txt", i + 1)) for i, (t, a) in enumerate(papers)
    ]
    archive, _ = merge(entries)
    return archive


PAPERS = [
    (
        "Quantum Widget Calibration",
        "Quantum widget calibration with spectral gauges and photon counters.",
    ),
    (
        "Calibrating Quantum Widgets Faster",
        "Faster quantum widget calibration using spectral gauges.",
    ),
    ("Photon Counters in the Wild", "Photon counters measured outdoors; gauges help."),
    ("Sourdough Fermentation", "Bread rises when yeast ferments sugars in sourdough."),
    ("Sourdough Starters Compared", "We compare sourdough starters and their yeast."),
]


def test_related_papers_are_ordered_by_similarity_and_exclude_the_paper_itself():
    archive = archive_of(*PAPERS)
    related = relate(archive)
    slug = {p.title: p.slug for p in archive.papers}
    title = {p.slug: p.title for p in archive.papers}
    first = [title[s] for s in related.similar[slug["Quantum Widget Calibration"]]]
    assert first[:2] == ["Calibrating Quantum Widgets Faster", "Photon Counters in the Wild"]
    assert "Sourdough Fermentation" not in first
    for paper in archive.papers:
        assert paper.slug not in related.similar[paper.slug]
        assert len(related.similar[paper.slug]) <= 5
    assert [title[s] for s in related.similar[slug["Sourdough Fermentation"]]] == [
        "Sourdough Starters Compared"
    ]


def test_keywords_are_distinctive_recurring_terms_and_phrases():
    related = relate(archive_of(*PAPERS))
    keywords = {k for ks in related.keywords.values() for k in ks}
    # The longest phrase that recurs, rather than the pairs it holds.
    assert "quantum widget calibration" in keywords
    assert not keywords & {"we", "the", "using", "with", "faster", "quantum widget"}
    for terms in related.keywords.values():
        for one, other in itertools.permutations(terms, 2):
            assert not set(one.split()) <= set(other.split()), terms


def test_related_is_deterministic_and_empty_archives_work():
    assert relate(archive_of(*PAPERS)) == relate(archive_of(*reversed(PAPERS)))
    assert relate(archive_of()).similar == {}


def _reference_terms(title: str, abstract: str) -> tuple[Counter, Counter, set[str]]:
    """Words and phrases as the docstring of ``RunTerms`` says, one word at a
    time: a word term is neither a function, vague or generic word nor a
    number; a phrase is two or three words none of which is a function or
    vague word or a number, one of which is a word term. And the terms of
    the title."""
    counts: list[Counter] = [Counter(), Counter(), Counter()]
    in_title: set[str] = set()
    for text, times in ((title, 2), (abstract, 1)):
        tokens = [w for w in text_tokens(text) if len(w) > 1]
        kinds = [0 if w == BREAK else token_kind(w) for w in tokens]
        alone = [w if kind == WORD else "" for w, kind in zip(tokens, kinds, strict=True)]
        found = [w for w in alone if w]
        for size in (2, 3):
            for at in range(len(tokens) - size + 1):
                if all(kinds[at : at + size]) and any(alone[at : at + size]):
                    found.append(" ".join(tokens[at : at + size]))
        for term in found:
            counts[len(term.split()) - 1][term] += times
        if text is title:
            in_title.update(found)
    return counts[0], counts[1] + counts[2], in_title


_TEXT = st.lists(
    st.sampled_from(
        [
            "a",
            "the",
            "of",
            "2025",
            "x",
            "graph",
            "Graph",
            "models",
            "novel",
            "3b",
            "recently",
            "automatically",
            "early",
            "nets",
            "é",
            "café",
            ".",
            ";",
            " ",
            "-",
            "net's",
        ]
    ),
    max_size=30,
).map(" ".join)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(_TEXT, _TEXT), min_size=1, max_size=4))
def test_terms_of_a_run_of_papers_are_those_of_each_paper_in_order(texts):
    archive = archive_of(*((f"{i} {t}", a) for i, (t, a) in enumerate(texts)))
    reference = np.array([number % 2 == 0 for number in range(len(archive.papers))])
    terms = run_terms(archive.papers, 0, reference)
    # Per distinct term, the papers that have it, and those of the reference set.
    for distinct in range(len(terms.distinct)):
        having = {
            int(terms.owner[i]) for i in range(len(terms.owner)) if terms.local[i] == distinct
        }
        assert terms.papers_with[distinct] == len(having)
        assert terms.reference_with[distinct] == sum(reference[n] for n in having)
    for number, paper in enumerate(archive.papers):
        mine = [i for i in range(len(terms.owner)) if terms.owner[i] == number]
        words = [terms.text(i) for i in mine if not terms.phrase[i]]
        phrases = [terms.text(i) for i in mine if terms.phrase[i]]
        # Words before phrases, each in the order they first appear.
        assert [bool(terms.phrase[i]) for i in mine] == sorted(bool(terms.phrase[i]) for i in mine)
        expected_words, expected_phrases, in_title = _reference_terms(paper.title, paper.abstract)
        assert words == list(expected_words)
        assert phrases == list(expected_phrases)
        assert {terms.text(i) for i in mine if terms.in_title[i]} == in_title
        assert {terms.text(i): int(terms.times[i]) for i in mine} == {
            **expected_words,
            **expected_phrases,
        }


def test_terms_are_the_same_when_the_table_of_token_facts_starts_again(monkeypatch):
    """A worker keeps what it asked of each token across runs, up to a
    limit; past it the table starts again, and nothing may change."""
    texts = [
        ("Sparse graph pruning", "Pruning sparse graphs. A 3 layer model; café net's."),
        ("Graph models", "Neural pruning of graph models."),
    ]
    archive = archive_of(*texts)
    reference = np.ones(len(archive.papers), bool)
    kept = run_terms(archive.papers, 0, reference)
    monkeypatch.setattr(paper_terms._TokenFacts, "LIMIT", 0)
    paper_terms._FACTS.of(["warm", "table"])
    again = run_terms(archive.papers, 0, reference)
    assert "warm" not in paper_terms._FACTS.numbers  # it started again
    for name in ("owner", "local", "phrase", "trigram", "keyable", "times", "distinct"):
        assert np.array_equal(getattr(kept, name), getattr(again, name)), name
    assert [kept.text(i) for i in range(len(kept.owner))] == [
        again.text(i) for i in range(len(again.owner))
    ]


_WORD = st.sampled_from(["graph", "neural", "pruning", "sparse", "model", "graphs"])


_TERM = st.one_of(_WORD, st.lists(_WORD, min_size=2, max_size=3, unique=True).map(" ".join))


@given(st.lists(_TERM, unique=True, max_size=12))
def test_keywords_are_not_words_of_each_other_and_longer_phrases_win(terms):
    chosen = _distinct(terms)
    assert len(chosen) <= 5 and set(chosen) <= set(terms)

    def words(term: str) -> set[str]:  # a plural counts as its singular
        return {word.removesuffix("s") for word in term.split()}

    for one, other in itertools.permutations(chosen, 2):
        assert not words(one) <= words(other)
    if not any(words(a) <= words(b) for a, b in itertools.permutations(terms, 2)):
        assert chosen == tuple(terms[:5])  # nothing to leave out: the strongest five
    # A phrase that extends a chosen word takes its place.
    assert _distinct(["graph", "sparse", "graph neural", "neural graph pruning"]) == (
        "graph neural",
        "sparse",
    )
    # One that holds a chosen phrase's words apart does not.
    assert _distinct(["pretrained models", "pretrained transformer model"]) == (
        "pretrained models",
    )
    # The title's phrases come first: a later term extends none of them.
    strongest = [
        "object detection",
        "real time",
        "object detection tasks",
        "edge",
        "real time video",
    ]
    assert _distinct(strongest, title_phrases=2) == ("object detection", "real time", "edge")
    assert _distinct(strongest) == ("object detection tasks", "real time video", "edge")


@given(st.lists(st.integers(0, 2**40), max_size=20), st.integers(0, 2**40))
def test_narrowed_numbers_keep_their_values_in_the_smallest_type_that_holds_the_bound(
    values, extra
):
    bound = max([*values, extra]) + 1
    narrowed = narrow(np.array(values, np.int64), bound)
    assert narrowed.tolist() == values
    assert np.iinfo(narrowed.dtype).max + 1 >= bound
    smaller = {1: None, 2: np.uint8, 4: np.uint16, 8: np.int32}[narrowed.dtype.itemsize]
    assert smaller is None or np.iinfo(smaller).max + 1 < bound


_PHRASES = (
    "quantum widget calibration, spectral gauges, photon counters, sourdough starters, "
    "yeast fermentation, graph pruning, sparse attention, tidal energy, river deltas, "
    "protein folding, solar sails, coral reefs, traffic flow, glacier melt"
).split(", ")


def _coined(number):
    """A phrase of two made-up words that only paper ``number`` coins."""
    letters = "".join(chr(ord("a") + int(digit)) for digit in str(number))
    return f"vex{letters} lum{letters}"


def _papers_of(rng, count, day, first, echoes=()):
    """``count`` papers listed on ``day``, each of a few phrases of ``_PHRASES``
    and one it coins, and some of them echoing the phrase paper ``echoes[k]``
    coined (which then recurs)."""
    papers = []
    for number in range(first, first + count):
        chosen = rng.sample(_PHRASES, 4)
        title = f"Paper {number}: {chosen[0].title()} and {chosen[1].title()}"
        abstract = ". ".join(f"We study {p} with care" for p in chosen)
        abstract += f". We coin {_coined(number)}."
        if echoes:
            abstract += f" We reuse {_coined(rng.choice(echoes))}."
        papers.append(Entry(title, abstract, day, Source("f.txt", number + 1)))
    return papers


@pytest.mark.parametrize("seed", range(5))
def test_a_new_day_of_the_same_month_changes_old_papers_only_by_its_own_papers(seed):
    """Weights come from the papers before the newest month: a day changes
    no weight, so an old paper's keyphrases stay, and its related papers
    change only where a new paper comes in among them."""
    rng = random.Random(seed)
    days = [date(2025, 1, 6), date(2025, 1, 20), date(2025, 2, 3), date(2025, 2, 10)]
    entries = [e for n, day in enumerate(days) for e in _papers_of(rng, 12, day, 12 * n)]
    before_archive, _ = merge(entries)
    added = _papers_of(rng, 4, date(2025, 2, 17), 100)
    after_archive, _ = merge(entries + added)
    new = {paper.slug for paper in after_archive.papers} - {p.slug for p in before_archive.papers}
    before, after = relate(before_archive), relate(after_archive)
    gained = 0
    for slug, similar in before.similar.items():
        assert after.keywords[slug] == before.keywords[slug]
        kept = [s for s in after.similar[slug] if s not in new]
        assert kept == list(similar[: len(kept)])
        gained += kept != list(similar)
    assert gained  # new papers did come in among some old papers' related ones


def test_weights_come_from_the_papers_before_the_newest_month():
    entries = [
        Entry("Tidal Energy", "Tidal energy a.", date(2025, 1, 30), Source("f.txt", 1)),
        Entry("River Deltas", "River deltas b.", date(2025, 2, 3), Source("f.txt", 2)),
    ]
    archive, _ = merge(entries)
    titles = (paper.title for paper in archive.papers)
    counted = dict(zip(titles, reference_papers(archive).tolist(), strict=True))
    assert counted == {"Tidal Energy": True, "River Deltas": False}
    # In an archive's first month, every paper.
    archive, _ = merge(entries[1:])
    assert reference_papers(archive).tolist() == [True]


def _same(one: Related, other: Related) -> None:
    """Two results equal in everything a site or the next build reads."""
    assert one.keywords == other.keywords
    assert one.similar == other.similar
    assert (one.vectors != other.vectors).nnz == 0
    assert one.columns.tolist() == other.columns.tolist()
    assert one.state is not None and other.state is not None
    assert one.state.similar.tolist() == other.state.similar.tolist()
    assert one.state.lowest.tolist() == other.state.lowest.tolist()
    count = len(one.keywords)
    postings = [
        term_postings(words, count, count) for words in (one.search_words, other.search_words)
    ]
    assert postings[0] == postings[1]


@pytest.fixture
def small_runs(monkeypatch):
    """Runs and blocks of a few papers, so that a small archive has many."""
    monkeypatch.setattr("generator.analysis.related.CHUNK_PAPERS", 7)
    monkeypatch.setattr("generator.analysis.similar_papers.BLOCK_ROWS", 5)


@pytest.mark.parametrize("seed", range(8))
def test_a_build_that_reuses_the_previous_state_relates_as_one_from_nothing(seed, small_runs):
    rng = random.Random(seed)
    days = [date(2025, 1, 6), date(2025, 1, 20), date(2025, 2, 3), date(2025, 2, 10)]
    entries = [e for n, day in enumerate(days) for e in _papers_of(rng, 12, day, 12 * n)]
    state = relate(merge(entries)[0]).state
    # Another day of the month, then one more: each built on the state of the one before.
    for number, day in enumerate([date(2025, 2, 17), date(2025, 2, 18)]):
        # Some echo a phrase an older paper coined: it now recurs, and may
        # become that paper's keyphrase and part of its vector.
        echoes = rng.sample(range(48), 3) if seed % 2 else ()
        entries += _papers_of(rng, rng.randint(1, 6), day, 100 + 10 * number, echoes)
        archive, _ = merge(entries)
        again, fresh = relate(archive, previous=state), relate(archive)
        _same(again, fresh)
        state = again.state


class Kept:
    """The runs' counts builds kept, as the terms cache gives them back."""

    def __init__(self) -> None:
        self.runs: dict[str, RunCounts] = {}

    def put(self, key: str, counts: RunCounts) -> None:
        self.runs[key] = counts

    def get(self, key: str, start: int, papers: int) -> RunCounts | None:
        counts = self.runs.get(key)
        if counts is None:
            return None
        assert counts.search_words.papers == papers
        words = dataclasses.replace(counts.search_words, start=start)
        return dataclasses.replace(counts, search_words=words)


def count_split(monkeypatch) -> list[int]:
    """The sizes of the runs whose texts are split from now on."""
    split: list[int] = []
    real = counted_runs.run_terms

    def counted(papers, start, reference):
        split.append(len(papers))
        return real(papers, start, reference)

    monkeypatch.setattr(counted_runs, "run_terms", counted)
    return split


@pytest.mark.parametrize("seed", range(8))
def test_the_runs_a_build_kept_relate_as_from_nothing_and_spare_splitting_their_texts(
    seed, small_runs, monkeypatch
):
    rng = random.Random(seed)
    days = [date(2025, 1, 6), date(2025, 1, 20), date(2025, 2, 3), date(2025, 2, 10)]
    entries = [e for n, day in enumerate(days) for e in _papers_of(rng, 12, day, 12 * n)]
    kept = Kept()
    before = relate(merge(entries)[0], kept=kept)
    split = count_split(monkeypatch)
    for number, day in enumerate([date(2025, 2, 17), date(2025, 2, 18)]):
        echoes = rng.sample(range(48), 3) if seed % 2 else ()
        entries += _papers_of(rng, rng.randint(1, 6), day, 100 + 10 * number, echoes)
        archive, _ = merge(entries)
        split.clear()
        again = relate(archive, previous=before.state, kept=kept)
        # The new papers' runs, and those of papers whose echoed phrase now recurs.
        assert 0 < len(split) <= 2 + len(echoes) < len(again.runs)
        _same(again, relate(archive))
        before = again


def test_runs_are_split_anew_where_the_build_before_kept_none_or_its_state_does_not_fit(
    small_runs, monkeypatch
):
    rng = random.Random(5)
    days = [date(2025, 1, 6), date(2025, 1, 20), date(2025, 2, 3)]
    entries = [e for n, day in enumerate(days) for e in _papers_of(rng, 12, day, 12 * n)]
    kept = Kept()
    before = relate(merge(entries)[0], kept=kept)
    split = count_split(monkeypatch)
    first = entries[0]
    entries[0] = Entry(first.title, first.abstract + " Also glaciers.", first.day, first.source)
    archive, _ = merge(entries)
    _same(relate(archive, previous=before.state, kept=kept), relate(archive))
    assert sum(split) == 2 * len(archive.papers)  # an edit weighs every paper again
    state = relate(archive).state
    split.clear()
    entries += _papers_of(rng, 2, date(2025, 2, 4), 100)
    archive, _ = merge(entries)
    _same(relate(archive, previous=state, kept=Kept()), relate(archive))
    assert sum(split) == 2 * len(archive.papers)


def test_the_previous_state_spares_the_papers_a_day_does_not_reach(small_runs, monkeypatch):
    rng = random.Random(3)
    days = [date(2025, 1, 6), date(2025, 1, 20), date(2025, 2, 3), date(2025, 2, 10)]
    entries = [e for n, day in enumerate(days) for e in _papers_of(rng, 12, day, 12 * n)]
    state = relate(merge(entries)[0]).state
    archive, _ = merge(entries + _papers_of(rng, 1, date(2025, 2, 17), 100))
    found = []
    real = related_module.most_similar

    def counted(matrix, transposed, rows, slugs):
        found.extend(rows.tolist())
        return real(matrix, transposed, rows, slugs)

    monkeypatch.setattr(related_module, "most_similar", counted)
    relate(archive, previous=state)
    assert 1 <= len(found) < len(archive.papers) / 2


@pytest.mark.parametrize("change", ["edit", "remove", "new month", "earlier day"])
def test_a_state_that_does_not_fit_is_not_used(change, small_runs):
    rng = random.Random(7)
    days = [date(2025, 1, 6), date(2025, 1, 20), date(2025, 2, 3), date(2025, 2, 10)]
    entries = [e for n, day in enumerate(days) for e in _papers_of(rng, 12, day, 12 * n)]
    state = relate(merge(entries)[0]).state
    if change == "edit":
        first = entries[0]
        entries[0] = Entry(first.title, first.abstract + " Also glaciers.", first.day, first.source)
    elif change == "remove":
        del entries[5]
    elif change == "new month":
        entries += _papers_of(rng, 3, date(2025, 3, 3), 100)
    else:
        entries += _papers_of(rng, 3, date(2024, 12, 2), 100)
    archive, _ = merge(entries)
    _same(relate(archive, previous=state), relate(archive))
