from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from generator.core.text import CONTROL_CHARACTERS, fold_spaces
from generator.reading.archive import Paper
from generator.reading.captured import (
    _has_control_characters,
    decode_feed,
    parse_date_line,
    parse_feed_text,
    read_feed,
)
from generator.site.machine_files import newest
from tests.conftest import ABSTRACT

CHROME = "new\n\nGet trending papers in your email inbox!\n\nSubscribe\n\nbyAK and the research community\n\n"


def messages(feed) -> list[str]:
    return [str(d) for d in feed.diagnostics]


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("Mar 11", date(2025, 3, 11)),
        ("Mar 11, 2024", date(2024, 3, 11)),
        ("March 3", date(2025, 3, 3)),
        ("2023-12-01", date(2023, 12, 1)),
        ("sep 9", date(2025, 9, 9)),
        ("Mar 11 is a day", None),
        ("Transformers", None),
        ("May I Have Your Attention", None),
    ],
)
def test_date_lines(line, expected):
    assert parse_date_line(line, 2025) == expected


def test_impossible_date_is_an_error_value_not_a_day():
    assert isinstance(parse_date_line("Feb 30", 2025), ValueError)
    assert isinstance(parse_date_line("2025-13-01", 2025), ValueError)


def test_chrome_is_skipped_and_entries_keep_their_lines():
    text = CHROME + f"Mar 11\n\nFirst Paper\n\n{ABSTRACT}\n\nSecond Paper\n\n{ABSTRACT}\n"
    feed = parse_feed_text(text, "f.txt", 2025)
    assert [(e.title, e.day, e.source.line) for e in feed.entries] == [
        ("First Paper", date(2025, 3, 11), 11),
        ("Second Paper", date(2025, 3, 11), 15),
    ]
    assert feed.entries[0].abstract == ABSTRACT
    assert feed.diagnostics == ()


def test_several_day_sections_in_one_feed():
    text = f"Mar 11\n\nA\n\n{ABSTRACT}\n\n2025-03-12\n\nB\n\n{ABSTRACT}\n\nMar 13, 2024\n\nC\n\n{ABSTRACT}\n"
    feed = parse_feed_text(text, "f.txt", 2025)
    assert [(e.title, e.day) for e in feed.entries] == [
        ("A", date(2025, 3, 11)),
        ("B", date(2025, 3, 12)),
        ("C", date(2024, 3, 13)),
    ]


def test_the_year_of_yearless_dates_comes_from_the_caller():
    feed = parse_feed_text(f"Mar 11\n\nA\n\n{ABSTRACT}\n", "f.txt", 2031)
    assert feed.entries[0].day == date(2031, 3, 11)


def test_crlf_bom_blank_runs_and_trailing_space_are_read_and_reported():
    text = f"\ufeffMar 11\r\n\r\n\r\n\r\nA Paper  \r\n\r\n{ABSTRACT}\r\n"
    feed = parse_feed_text(text, "f.txt", 2025)
    assert [(e.title, e.abstract, e.source.line) for e in feed.entries] == [
        ("A Paper", ABSTRACT, 5)
    ]
    assert messages(feed) == [
        "f.txt:1: warning: UTF-8 byte order mark ignored",
        "f.txt:1: warning: 7 CRLF line ending(s) read as plain line breaks",
        "f.txt:3: warning: 1 run(s) of several blank lines read as one",
        "f.txt:5: warning: 1 line(s) with trailing white space, which was removed",
    ]


def test_bare_cr_line_endings():
    feed = parse_feed_text(f"Mar 11\r\rA Paper\r\r{ABSTRACT}\r", "f.txt", 2025)
    assert [(e.title, e.source.line) for e in feed.entries] == [("A Paper", 3)]
    assert messages(feed) == ["f.txt:1: warning: 5 bare CR line ending(s) read as line breaks"]


def test_tabs_and_inner_runs_of_spaces_fold_in_titles():
    feed = parse_feed_text(f"Mar 11\n\n\tA \t Paper\n\n{ABSTRACT}\n", "f.txt", 2025)
    assert feed.entries[0].title == "A Paper"


def test_title_without_abstract_does_not_swallow_the_next_title():
    text = f"Mar 11\n\nLonely Title\n\nNext Title\n\n{ABSTRACT}\n"
    feed = parse_feed_text(text, "f.txt", 2025)
    assert [(e.title, e.abstract) for e in feed.entries] == [
        ("Lonely Title", ""),
        ("Next Title", ABSTRACT),
    ]
    assert messages(feed) == [
        "f.txt:3: warning: title 'Lonely Title' has no abstract (kept without one)"
    ]


def test_last_title_without_abstract_is_kept():
    feed = parse_feed_text(f"Mar 11\n\nA\n\n{ABSTRACT}\n\nLast Title\n", "f.txt", 2025)
    assert [(e.title, e.abstract) for e in feed.entries] == [("A", ABSTRACT), ("Last Title", "")]
    assert messages(feed) == [
        "f.txt:7: warning: title 'Last Title' has no abstract (kept without one)"
    ]


def test_title_without_abstract_before_a_date_line():
    feed = parse_feed_text(f"Mar 11\n\nA\n\nMar 12\n\nB\n\n{ABSTRACT}\n", "f.txt", 2025)
    assert [(e.title, e.day.day, e.abstract) for e in feed.entries] == [
        ("A", 11, ""),
        ("B", 12, ABSTRACT),
    ]


def test_abstract_without_title_is_reported_and_skipped():
    text = f"Mar 11\n\nA\n\n{ABSTRACT}\n\n{ABSTRACT} Again.\n\nB\n\n{ABSTRACT}\n"
    feed = parse_feed_text(text, "f.txt", 2025)
    assert [e.title for e in feed.entries] == ["A", "B"]
    assert messages(feed) == ["f.txt:7: warning: an abstract with no title before it (skipped)"]


def test_short_abstracts_still_pair_with_their_titles():
    feed = parse_feed_text("Mar 11\n\nA\n\nShort one.\n\nB\n\nAlso short.\n", "f.txt", 2025)
    assert [(e.title, e.abstract) for e in feed.entries] == [
        ("A", "Short one."),
        ("B", "Also short."),
    ]
    assert feed.diagnostics == ()


def test_very_long_title_stays_a_title():
    title = "A " + "very " * 80 + "long title"
    feed = parse_feed_text(f"Mar 11\n\n{title}\n\n{ABSTRACT}\n", "f.txt", 2025)
    assert [(e.title, e.abstract) for e in feed.entries] == [(title, ABSTRACT)]


def test_empty_feed_is_a_warning():
    assert messages(parse_feed_text("", "f.txt", 2025)) == [
        "f.txt:1: warning: empty feed: no papers in it"
    ]
    assert messages(parse_feed_text("\n \n\t\n", "f.txt", 2025)) == [
        "f.txt:1: warning: empty feed: no papers in it"
    ]


def test_feed_without_a_date_line_is_an_error():
    feed = parse_feed_text(CHROME + f"A\n\n{ABSTRACT}\n", "f.txt", 2025)
    assert feed.entries == ()
    assert messages(feed) == [
        "f.txt:9: error: 2 line(s) before any date line (like 'Mar 11' or '2025-03-11') belong to no day (skipped)"
    ]


def test_impossible_date_skips_its_section_with_an_error():
    text = f"Feb 30\n\nA\n\n{ABSTRACT}\n\nMar 1\n\nB\n\n{ABSTRACT}\n"
    feed = parse_feed_text(text, "f.txt", 2025)
    assert [e.title for e in feed.entries] == ["B"]
    assert messages(feed) == [
        "f.txt:1: error: 'Feb 30' is not a real day (day is out of range for month); "
        "lines up to the next date skipped"
    ]


def test_date_line_without_papers_is_a_warning():
    feed = parse_feed_text(f"Mar 10\n\nMar 11\n\nA\n\n{ABSTRACT}\n", "f.txt", 2025)
    assert messages(feed) == ["f.txt:1: warning: no papers under the date line for 2025-03-10"]


def test_control_characters_are_replaced_and_reported():
    feed = parse_feed_text(f"Mar 11\n\nA\x00B\x1b\n\nWe\x0c{ABSTRACT}\n", "f.txt", 2025)
    assert feed.entries[0].title == "A\ufffdB\ufffd"
    assert messages(feed) == [
        "f.txt:3: warning: 2 line(s) with control characters; each replaced by U+FFFD"
    ]


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from("a \t\n\r\x0b\x0c\x1c\x85\xa0\u2003\u3000\u200b")))
def test_spaces_fold_as_a_regular_expression_would(text):
    assert fold_spaces(text) == re.sub(r"\s+", " ", text).strip()


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from("a \t\n\r\x00\x07\x1f\x7f\x80\x9f\xa0é\ufffe\uffff\ud800")))
def test_control_characters_are_found_in_ascii_and_other_text_alike(text):
    assert _has_control_characters(text) == (CONTROL_CHARACTERS.search(text) is not None)


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (
            b"Mar 11\n\nA \xff title\n",
            "f.txt:3: error: byte 0xff at column 3 is not UTF-8 (file skipped)",
        ),
        (b"\xff\xfeM\x00a\x00", "f.txt:1: error: file is UTF-16; save it as UTF-8 (skipped)"),
        (
            b"Mar 11\n\x00\x01\x02",
            "f.txt:2: error: NUL byte: this is a binary file, not a feed (skipped)",
        ),
    ],
)
def test_undecodable_files_are_named_errors(data, expected):
    assert str(decode_feed(data, "f.txt")) == expected


def test_read_feed_reports_unreadable_bytes(tmp_path: Path):
    path = tmp_path / "bad.txt"
    path.write_bytes(b"Mar 11\n\nT\xc3\x28\n")
    feed = read_feed(path, 2025)
    assert feed.entries == ()
    assert [str(d) for d in feed.diagnostics] == [
        f"{path}:3: error: byte 0xc3 at column 2 is not UTF-8 (file skipped)"
    ]


hostile_text = st.lists(
    st.sampled_from(
        list("abc XYZ.<>&\"'/\\{}%*_[]()#:;\t\r\n\ufeff\x00\x1b\u2028é漢😀-")
        + ["Mar 11", "Feb 30", "2025-03-11", "\n\n", "</script>", "]]>", "{{ 7*7 }}", "new"]
    ),
    max_size=120,
).map("".join)


@settings(max_examples=300, deadline=None)
@given(hostile_text)
def test_any_text_parses_without_crashing(text):
    feed = parse_feed_text(text, "f.txt", 2025)
    for entry in feed.entries:
        assert entry.title and entry.title == entry.title.strip()
        assert entry.source.line >= 1
    for diagnostic in feed.diagnostics:
        assert str(diagnostic).startswith("f.txt:")


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.tuples(st.sampled_from(["b", "A", "a", "Ä"]), st.integers(1, 5)), max_size=30),
    st.integers(1, 12),
)
def test_a_feed_lists_the_newest_papers_as_sorting_them_all_would(papers, count):
    """``newest`` sorts only the papers that can be among the newest."""
    listed = [
        Paper(f"{title}{at}", f"{title}-{at}", title, "", (date(2025, 3, day),), ())
        for at, (title, day) in enumerate(papers)
    ]
    everything = sorted(listed, key=lambda p: (-p.days[-1].toordinal(), p.title.casefold(), p.slug))
    assert newest(listed, count) == everything[:count]
