from __future__ import annotations

import json
from datetime import date

from generator.reading.stored import HF_DAILY_FORMAT as FORMAT
from generator.reading.stored import parse_api_feed
from tests.conftest import ABSTRACT, Project


def api_feed(*papers: dict, day: str = "2025-03-11") -> str:
    return json.dumps({"format": FORMAT, "date": day, "papers": list(papers)})


def test_api_feed_entries_keep_id_authors_and_upvotes():
    feed = parse_api_feed(
        api_feed(
            {
                "id": "2503.01234",
                "title": " A  Paper ",
                "abstract": ABSTRACT,
                "authors": ["Ada", "", "Grace"],
                "upvotes": 7,
            }
        ),
        "hf.json",
    )
    (entry,) = feed.entries
    assert (entry.title, entry.abstract, entry.day) == ("A Paper", ABSTRACT, date(2025, 3, 11))
    assert (entry.arxiv_id, entry.authors, entry.upvotes) == ("2503.01234", ("Ada", "Grace"), 7)
    assert feed.diagnostics == ()


def test_api_feed_problems_are_reported():
    feed = parse_api_feed(
        api_feed(
            {"title": ""},
            {"title": "T", "abstract": 3, "id": "javascript:alert(1)", "upvotes": True},
        ),
        "hf.json",
    )
    assert [e.arxiv_id for e in feed.entries] == [""]
    assert [str(d) for d in feed.diagnostics] == [
        "hf.json:1: warning: paper 1 has no title (skipped)",
        "hf.json:2: warning: paper 2 has no abstract (kept without one)",
        "hf.json:2: warning: paper 2 has an id that is not an arXiv id: 'javascript:alert(1)' (ignored)",
    ]


def test_broken_api_feeds_are_errors():
    assert [str(d) for d in parse_api_feed("{", "x.json").diagnostics] == [
        "x.json:1: error: not valid JSON: Expecting property name enclosed in double quotes (file skipped)"
    ]
    assert [str(d) for d in parse_api_feed("[]", "x.json").diagnostics] == [
        'x.json:1: error: not a stored feed: expected "format": "digest-papers/1" (file skipped)'
    ]
    bad_day = json.dumps({"format": FORMAT, "date": "2025-02-30", "papers": []})
    assert [str(d) for d in parse_api_feed(bad_day, "x.json").diagnostics] == [
        "x.json:1: error: \"date\" '2025-02-30' is not a YYYY-MM-DD day (file skipped)"
    ]


def test_text_and_api_feeds_merge_and_the_page_shows_authors_and_links(project: Project):
    project.feed("a.txt", f"Mar 11\n\nPruning the Web\n\n{ABSTRACT}\n")
    project.feed(
        "hf-2025-03-12.json",
        api_feed(
            {
                "id": "2503.01234",
                "title": "pruning the  web",
                "abstract": ABSTRACT,
                "authors": ["Ada <Lovelace>"],
            },
            day="2025-03-12",
        ),
    )
    run = project.build()
    assert run.code == 0, run.err
    (page,) = (project.out / "papers").glob("*/index.html")
    html = page.read_text(encoding="utf-8")
    assert "Ada &lt;Lovelace&gt;" in html
    assert 'href="https://arxiv.org/abs/2503.01234"' in html
    assert 'href="https://huggingface.co/papers/2503.01234"' in html
    assert html.count('<li><a href="../../days/2025-03-1') >= 2


def test_hostile_json_is_a_diagnostic_not_a_traceback():
    deep = parse_api_feed("[" * 100_000 + "]" * 100_000, "x.json")
    assert [str(d) for d in deep.diagnostics] == [
        "x.json:1: error: not valid JSON: nested too deeply (file skipped)"
    ]
    lone = parse_api_feed(api_feed({"title": "Half \ud800 a pair", "abstract": ABSTRACT}), "x.json")
    assert lone.entries[0].title == "Half \ufffd a pair"


def test_keywords_of_an_api_feed_place_a_paper_as_its_title_would(project: Project):
    project.feed(
        "hf-2025-03-12.json",
        api_feed(
            {"title": "A Plain Title", "abstract": ABSTRACT, "keywords": ["vision transformer", 3]},
            {"title": "Another Plain Title", "abstract": ABSTRACT, "keywords": []},
            day="2025-03-12",
        ),
    )
    run = project.build()
    assert run.code == 0, run.err
    pages = {
        path.parent.name.split("-")[0]: path.read_text(encoding="utf-8")
        for path in (project.out / "papers").glob("*/index.html")
    }
    why = '<a href="../../topics/transformers/">Transformers</a> <span class="why">(“transformer”)'
    assert why in pages["a"]
    assert '<li><a href="../../topics/other/">Other topics</a></ul>' in pages["another"]
