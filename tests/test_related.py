from __future__ import annotations

from datetime import date

from generator.errors import Source
from generator.feeds import Entry
from generator.model import merge
from generator.related import relate


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
    assert "quantum widget" in keywords or "widget calibration" in keywords
    assert not keywords & {"we", "the", "using", "with"}
    for terms in related.keywords.values():
        phrase_words = {w for term in terms if " " in term for w in term.split()}
        assert not phrase_words & set(terms), terms


def test_related_is_deterministic_and_empty_archives_work():
    assert relate(archive_of(*PAPERS)) == relate(archive_of(*reversed(PAPERS)))
    assert relate(archive_of()).similar == {}
