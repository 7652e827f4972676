"""The reader's library's data and ranking: the binary blocks the build
writes (``site.library_files``) as the page's script reads them, and the For
you ranking of ``static/foryou.js`` itself, run in Node (the same file the
pages and the quality replay run)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections import Counter
from datetime import date
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from generator.site.library_files import (
    BLOCK_PAPERS,
    TERMS_PER_PAPER,
    WEIGHT_STEPS,
    _strongest,
    decode_block,
    encode_paper,
)
from tests.conftest import Project

FOR_YOU = Path(__file__).resolve().parent.parent / "static" / "foryou.js"
NODE = shutil.which("node")
needs_node = pytest.mark.skipif(NODE is None, reason="node is not installed")


def node(script: str, data: object) -> Any:
    """``script`` run in Node with ``foryou`` (static/foryou.js) and ``data``
    in scope; what it prints, read as JSON."""
    program = (
        f"const foryou = require({json.dumps(str(FOR_YOU))});\n"
        "const data = JSON.parse(require('fs').readFileSync(0, 'utf8'));\n"
        f"{script}"
    )
    assert NODE is not None
    run = subprocess.run(
        [NODE, "-e", program], input=json.dumps(data), capture_output=True, text=True, check=True
    )
    return json.loads(run.stdout)


papers = st.lists(
    st.tuples(
        st.lists(st.integers(0, 300), max_size=3),
        st.dictionaries(st.integers(0, 2**31), st.integers(1, WEIGHT_STEPS), max_size=20),
    ),
    max_size=BLOCK_PAPERS,
)


def encoded(block: list[tuple[list[int], dict[int, int]]]) -> bytes:
    data = bytearray()
    for topics, terms in block:
        encode_paper(topics, sorted(terms.items()), data)
    return bytes(data)


@given(papers)
def test_a_block_reads_back_as_written(block):
    assert decode_block(encoded(block)) == [
        (topics, sorted(terms.items())) for topics, terms in block
    ]


@needs_node
@settings(max_examples=20, deadline=None)
@given(papers)
def test_the_page_reads_a_block_as_written_with_unit_weights(block):
    read = node(
        "const papers = foryou.decodeBlock(Uint8Array.from(data));"
        "console.log(JSON.stringify(papers.map((p) => [p.topics, [...p.terms]])));",
        list(encoded(block)),
    )
    assert len(read) == len(block)
    for (topics, terms), (read_topics, read_terms) in zip(block, read, strict=True):
        assert read_topics == topics
        assert [term for term, _ in read_terms] == sorted(terms)
        norm = sum(weight * weight for weight in terms.values()) ** 0.5
        for term, weight in read_terms:
            assert weight == pytest.approx(terms[term] / norm)


def test_a_cut_block_is_an_error_not_a_wrong_paper():
    data = encoded([([1], {5: 200, 9: 100})])
    with pytest.raises(IndexError):
        decode_block(data[:-1])
    if NODE is not None:
        said = node(
            "try { foryou.decodeBlock(Uint8Array.from(data)); console.log('null'); }"
            " catch (e) { console.log(JSON.stringify(e.message)); }",
            list(data[:-1]),
        )
        assert said == "a library block ends early"


def rank(saved: list[dict[str, Any]], candidates: list[dict[str, Any]], limit: int = 10) -> Any:
    """foryou.rank over papers given as {number, topics, terms: {id: weight}}."""
    return node(
        "const paper = (p) => ({ number: p.number, paper: { topics: p.topics,"
        " terms: (() => { const t = Object.entries(p.terms).map(([k, v]) => [Number(k), v]);"
        " const n = Math.hypot(...t.map(([, v]) => v)) || 1;"
        " return new Map(t.map(([k, v]) => [k, v / n])); })() } });"
        "console.log(JSON.stringify(foryou.rank(data.saved.map(paper), data.candidates.map(paper),"
        " data.limit)));",
        {"saved": saved, "candidates": candidates, "limit": limit},
    )


def paper(number: int, terms: dict[int, float], topics: list[int] | None = None) -> dict[str, Any]:
    return {"number": number, "topics": topics or [], "terms": terms}


@needs_node
def test_the_saved_set_is_one_query_not_a_merge_of_neighbours():
    """A paper that shares terms with both saved papers beats one that is a
    near copy of one of them: the saved set is modelled as a whole."""
    saved = [paper(0, {1: 1.0, 2: 0.2}), paper(1, {3: 1.0, 4: 0.2})]
    copy_of_one = paper(2, {1: 1.0, 2: 0.3})
    like_both = paper(3, {1: 1.0, 3: 1.0})
    unrelated = paper(4, {9: 1.0})
    ranked = rank(saved, [copy_of_one, like_both, unrelated, *saved])
    assert [r["number"] for r in ranked] == [3, 2, 4]
    # Each names the saved paper it is most like.
    assert ranked[1]["like"] == 0


@needs_node
def test_saved_papers_are_left_out_and_the_limit_holds():
    saved = [paper(5, {1: 1.0})]
    candidates = [paper(n, {1: 1.0}) for n in range(10)]
    ranked = rank(saved, candidates, limit=3)
    assert [r["number"] for r in ranked] == [9, 8, 7]  # equal scores: newest first


@needs_node
def test_topics_hold_the_list_and_content_orders_within_them():
    """Of papers in the saved papers' topic, the closest in content comes
    first; a paper outside it needs far more content in common to pass them."""
    saved = [paper(0, {1: 1.0, 2: 1.0}, [7]), paper(1, {1: 1.0, 3: 1.0}, [7])]
    close = paper(10, {1: 1.0, 2: 0.5}, [7])
    far = paper(11, {5: 1.0}, [7])
    outside_close = paper(12, {1: 1.0, 2: 0.4, 3: 0.3}, [4])
    outside_far = paper(13, {6: 1.0}, [4])
    ranked = [r["number"] for r in rank(saved, [far, outside_far, close, outside_close])]
    assert ranked.index(10) < ranked.index(11)
    assert ranked.index(12) < ranked.index(13)
    assert ranked[0] == 10


@needs_node
def test_a_secondary_topic_counts_less_than_a_primary_one():
    saved = [paper(0, {}, [1])]
    primary = paper(5, {}, [1, 2])
    secondary = paper(6, {}, [2, 1])
    ranked = rank(saved, [secondary, primary])
    assert [r["number"] for r in ranked] == [5, 6]
    assert ranked[0]["score"] > ranked[1]["score"] > 0


@needs_node
def test_the_reason_is_the_saved_paper_closest_in_content():
    saved = [paper(0, {1: 1.0}), paper(1, {2: 1.0}), paper(2, {3: 1.0})]
    ranked = rank(saved, [paper(9, {2: 1.0, 3: 0.2})])
    assert ranked[0]["like"] == 1


@needs_node
def test_without_a_term_in_common_the_reason_is_a_saved_paper_of_the_same_topic():
    saved = [paper(0, {1: 1.0}, [3]), paper(1, {2: 1.0}, [4]), paper(2, {5: 1.0}, [8])]
    ranked = rank(saved, [paper(9, {7: 1.0}, [5, 4])])
    assert ranked[0]["like"] == 1


@needs_node
def test_nothing_saved_ranks_nothing():
    assert rank([], [paper(1, {1: 1.0})]) == []


@needs_node
def test_the_window_of_days_is_their_papers_and_those_listed_again():
    entry = {
        "papers": 20,
        "days": [["2025-03-14", 15, [3, 16]], ["2025-03-13", None, [2]], ["2025-03-12", 10, []]],
    }
    windows = node(
        "console.log(JSON.stringify([1, 2, 3, 30, 'all'].map((d) => foryou.windowNumbers(data, d))));",
        entry,
    )
    assert windows[0] == [3, 15, 16, 17, 18, 19]
    assert windows[1] == [2, 3, 15, 16, 17, 18, 19]
    assert windows[2] == [2, 3, *range(10, 20)]
    assert windows[3] == windows[2]
    assert windows[4] == list(range(20))


FEED = """Mar 11

Sparse Pruning of Large Language Models
We prune the weights of large language models with sparse masks and keep accuracy.

Diffusion Models for Image Synthesis
Denoising diffusion models synthesise images from noise in many steps.

Mar 12

Structured Pruning Without Retraining
Structured pruning removes heads and channels of language models without retraining.

Sparse Pruning of Large Language Models
We prune the weights of large language models with sparse masks and keep accuracy.

Graph Networks for Molecules
Message passing graph networks predict properties of molecules from their bonds.
"""


def test_the_site_writes_blocks_and_an_entry_point_that_describe_its_papers(project: Project):
    project.feed("a.txt", FEED)
    assert project.build().code == 0
    site = project.out
    entry = json.loads((site / "library.json").read_text(encoding="utf-8"))
    index = json.loads((site / "search-index.json").read_text(encoding="utf-8"))
    assert entry["papers"] == index["papers"] == 4
    assert entry["block"] == BLOCK_PAPERS
    assert entry["records"] == index["block_size"]
    assert entry["topics"] == index["topics"]
    records = [
        record
        for block in range(-(-index["papers"] // index["block_size"]))
        for record in json.loads((site / f"search/papers/{block}.json").read_text("utf-8"))
    ]
    number = {record[0]: at for at, record in enumerate(records)}
    # Newest day first: its own first paper, and the paper listed again.
    again = number["Sparse Pruning of Large Language Models"]
    assert entry["days"] == [
        ["2025-03-12", 2, [again]],
        ["2025-03-11", 0, []],
    ]
    (block,) = [decode_block((site / "library/0.bin").read_bytes())]
    assert len(block) == 4
    for (topics, terms), record in zip(block, records, strict=True):
        assert topics == record[3]  # the same topics as search shows
        assert 0 < len(terms) <= TERMS_PER_PAPER
        assert max(weight for _, weight in terms) == WEIGHT_STEPS
    # The two pruning papers share terms; the molecules paper shares none with them.
    pruning = {t for t, _ in block[number["Structured Pruning Without Retraining"]][1]}
    sparse = {t for t, _ in block[again][1]}
    molecules = {t for t, _ in block[number["Graph Networks for Molecules"]][1]}
    assert pruning & sparse
    assert not molecules & (pruning | sparse)


def test_the_library_data_is_the_same_whatever_the_order_of_the_feeds(project: Project):
    halves = FEED.split("Mar 12")
    project.feed("a.txt", halves[0])
    project.feed("b.txt", "Mar 12" + halves[1])
    assert project.build().code == 0
    first = {p.name: p.read_bytes() for p in (project.out / "library").iterdir()}
    first_entry = (project.out / "library.json").read_bytes()
    (project.seeds / "a.txt").rename(project.seeds / "z.txt")
    assert project.build().code == 0
    assert {p.name: p.read_bytes() for p in (project.out / "library").iterdir()} == first
    assert (project.out / "library.json").read_bytes() == first_entry


def test_an_empty_archive_has_an_empty_library(project: Project):
    project.feed("a.txt", "Mar 11\n")
    project.build()
    entry = json.loads((project.out / "library.json").read_text(encoding="utf-8"))
    assert entry["papers"] == 0 and entry["days"] == []
    assert not (project.out / "library").exists()


def test_every_card_and_paper_page_carries_its_number(project: Project):
    project.feed("a.txt", FEED)
    assert project.build().code == 0
    index = json.loads((project.out / "search-index.json").read_text(encoding="utf-8"))
    records = json.loads((project.out / "search/papers/0.json").read_text("utf-8"))
    numbers = {slug: at for at, (_, slug, _, _) in enumerate(records[: index["block_size"]])}
    related = 0
    for slug, at in numbers.items():
        page = (project.out / f"papers/{slug}/index.html").read_text(encoding="utf-8")
        # Its number is on its article, for the Save button library.js adds
        # to the save row (tests/test_library_browser.py clicks it).
        assert f'<article class="paper" data-n="{at}">' in page
        # A related paper's number is on its item, for the Save button library.js adds.
        for n, other in re.findall(r'<li data-n="(\d+)"><a href="\.\./([a-z0-9-]+)/">', page):
            assert numbers[other] == int(n)
            related += 1
    assert related > 0
    day = (project.out / "days/2025-03-12/index.html").read_text(encoding="utf-8")
    numbered = re.findall(
        r'<article class="paper-card" data-n="(\d+)">\s*<h3><a href="[^"]*/papers/([a-z0-9-]+)/">',
        day,
    )
    assert len(numbered) == 3 and all(numbers[slug] == int(n) for n, slug in numbered)
    assert (project.out / "saved/index.html").exists()
    assert date(2025, 3, 12).isoformat() in day


_SUBJECTS = (
    "quantum widget calibration, spectral gauges, photon counters, sourdough starters, "
    "yeast fermentation, graph pruning, sparse attention, tidal energy, river deltas, "
    "protein folding, solar sails, coral reefs, traffic flow, glacier melt"
).split(", ")


def _day_feed(day: str, first: int, count: int) -> str:
    """A day of ``count`` papers, each on four of ``_SUBJECTS``."""
    papers = []
    for number in range(first, first + count):
        chosen = [_SUBJECTS[(number * step) % len(_SUBJECTS)] for step in (1, 3, 5, 11)]
        title = f"Paper {number}: {chosen[0].title()} and {chosen[1].title()}"
        papers.append(f"{title}\n" + ". ".join(f"We study {s} with care" for s in chosen) + ".")
    return f"{day}\n\n" + "\n\n".join(papers) + "\n"


def test_a_new_day_of_the_month_leaves_the_blocks_of_older_papers_as_they_were(project: Project):
    """Term numbers come from the papers before the month, by a hash that is
    the same in every build: a day rewrites the blocks of its own papers."""
    days = ["Jan 6", "Jan 20", "Feb 3", "Feb 10"]
    for at, day in enumerate(days):
        project.feed(f"{at}.txt", _day_feed(day, 40 * at, 40))
    assert project.build().code == 0
    before = {p.name: p.read_bytes() for p in (project.out / "library").iterdir()}
    assert len(before) == 3  # 160 papers: blocks of 64, 64 and 32
    project.feed("4.txt", _day_feed("Feb 17", 160, 10))
    assert project.build().code == 0
    after = {p.name: p.read_bytes() for p in (project.out / "library").iterdir()}
    assert after["0.bin"] == before["0.bin"] and after["1.bin"] == before["1.bin"]
    assert after["2.bin"] != before["2.bin"]  # the new day's papers are the last block's


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.dictionaries(st.integers(0, 30), st.integers(1, 4), max_size=TERMS_PER_PAPER + 6),
        min_size=1,
        max_size=12,
    ),
    st.data(),
)
def test_each_paper_keeps_its_strongest_terms_numbered_by_how_many_reference_papers_keep_them(
    rows, data
):
    """``_strongest`` against the rule spelled out one paper at a time; few
    distinct weights, so that ties (broken by column) are common."""
    import numpy as np
    from scipy.sparse import csr_matrix

    columns = np.array(data.draw(st.permutations(range(31))), np.int64)  # the terms' hashes
    reference = np.array([data.draw(st.booleans()) for _ in rows])
    order = data.draw(st.permutations(range(len(rows))))
    cells = [(at, column, weight) for at, row in enumerate(rows) for column, weight in row.items()]
    row_of, column_of, weight_of = zip(*cells, strict=True) if cells else ((), (), ())
    vectors = csr_matrix((weight_of, (row_of, column_of)), shape=(len(rows), 31), dtype=float)
    related = SimpleNamespace(vectors=vectors, reference=reference, columns=columns)
    numbers, weights, bounds = _strongest(related, order)  # type: ignore[arg-type]

    kept = {
        at: sorted(rows[at].items(), key=lambda cell: (-cell[1], cell[0]))[:TERMS_PER_PAPER]
        for at in order
    }
    held = Counter(column for at, cells in kept.items() if reference[at] for column, _ in cells)
    used = sorted({column for cells in kept.values() for column, _ in cells},
                  key=lambda column: (-held[column], columns[column]))  # fmt: skip
    for place, at in enumerate(order):
        strongest = kept[at][0][1] if kept[at] else 1
        expected = sorted(
            (used.index(column), max(1, round(weight / strongest * WEIGHT_STEPS)))
            for column, weight in kept[at]
        )
        begin, end = bounds[place], bounds[place + 1]
        assert list(zip(numbers[begin:end], weights[begin:end], strict=True)) == expected
