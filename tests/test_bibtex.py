"""BibTeX: every entry the site holds (once, on its paper's page) parses with
a BibTeX parser (pybtex), and what a parser reads back from a field is the
text the feed gave, however hostile."""

from __future__ import annotations

import html
import json
import re
import unicodedata
from datetime import date
from pathlib import Path

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from pybtex.database import BibliographyData, parse_string
from pybtex.richtext import Text

from generator.core.errors import Source
from generator.reading.archive import merge, numbered
from generator.reading.entries import Entry
from generator.reading.stored import HF_DAILY_FORMAT
from generator.site.bibtex import _LIGATURE, Citation, _has_ligature, citation_keys, entry, escaped
from generator.site.render import bib_name
from tests.conftest import ABSTRACT, Project, ServedSite

#: What our escapes for ASCII stand for, read before pybtex's own LaTeX
#: decoding (latexcodec), which leaves these as written.
_ASCII_ESCAPES = {
    r"\textbackslash{}": "\\",
    r"\textbraceleft{}": "{",
    r"\textbraceright{}": "}",
    r"\$": "$",
    r"\^{}": "^",
    r"\~{}": "~",
    r"\textless{}": "<",
    r"\textgreater{}": ">",
    r"\textbar{}": "|",
}
_HELD = {latex: chr(0xF0000 + n) for n, latex in enumerate(_ASCII_ESCAPES)}


#: LaTeX's accent commands, and the combining mark each puts on a letter
#: (latexcodec reads only the usual letters with each).
_LATEX_ACCENTS = {
    "`": "\u0300", "'": "\u0301", "^": "\u0302", "~": "\u0303", "=": "\u0304",
    "u": "\u0306", ".": "\u0307", '"': "\u0308", "r": "\u030a", "H": "\u030b",
    "v": "\u030c", "c": "\u0327", "k": "\u0328",
}  # fmt: skip
_ACCENTED = re.compile(r"\{\\([`'^~=u.\"rHvck])\{([A-Za-z])\}\}")


def plain(latex: str) -> str:
    """A field's LaTeX as text, the way a reference manager shows it."""
    latex = _ACCENTED.sub(
        lambda m: unicodedata.normalize("NFC", m[2] + _LATEX_ACCENTS[m[1]]), latex
    )
    for escape, held in _HELD.items():
        latex = latex.replace(escape, held)
    text = Text.from_latex(latex).render_as("text")
    for escape, held in _HELD.items():
        text = text.replace(held, _ASCII_ESCAPES[escape])
    return text


def parsed(bib: str) -> BibliographyData:
    return parse_string(bib, "bibtex")


def citation(title: str, authors: tuple[str, ...] = (), arxiv_id: str = "") -> Citation:
    return Citation(
        key="key2025",
        title=title,
        authors=authors,
        first_day=date(2025, 3, 11),
        arxiv_id=arxiv_id,
        page_url="https://example.org/repo/papers/x-1a2b3c/",
        site_title="Test {digest} 100%",
    )


HOSTILE_TITLES = [
    "Braces {unbalanced and } closed} and a \\ backslash \\",
    "100% of R&D #1 costs $5 for snake_case ^ and ~",
    "} @misc{evil, title = {pwned}",
    "Crème Brûlée, Straße, Łódź, Ærø, naïve, Nguyễn, Dvořák",
    "ΟΔΥΣΣΕΥΣ: α-β γ ≤ 0.5 × 10 → ∞ … “quoted” ‘single’",
    "日本語 and emoji 🙂 and ﬁ ligature",
    "Dashes -- and --- and quotes `` '' kept as written",
    "Less < greater > bar | and \\textbf{not bold}",
    "Ends with a backslash \\",
]


@pytest.mark.parametrize("title", HOSTILE_TITLES)
def test_a_hostile_title_reads_back_as_written(title):
    bib = entry(citation(title, ("Ann {Smith}", "Bo and Co, Jr.", "José Müller")))
    (only,) = parsed(bib).entries.values()
    assert plain(only.fields["title"]) == title
    people = [p.first_names + p.middle_names + p.last_names for p in only.persons["author"]]
    assert [plain(" ".join(names)) for names in people] == [
        "Ann {Smith}",
        "Bo and Co, Jr.",  # one person, not two, nor "Jr., Bo and Co"
        "José Müller",
    ]
    assert set(only.fields) == {"title", "year", "url", "note"}


def test_dashes_side_by_side_read_back_as_written():
    """An en dash was ``--``, so two of them made ``----``, which LaTeX reads
    as an em dash and a hyphen (found by the property test below)."""
    for title in ("––", "–-", "—–", "a – b — c"):
        (only,) = parsed(entry(citation(title))).entries.values()
        assert plain(only.fields["title"]) == title


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc"))))
def test_any_title_reads_back_as_written(title):
    """Whatever a feed's title holds, a parser reads one entry whose title is
    that text (white space folded, as titles are)."""
    # The reading back holds our escapes as private-use characters; a title
    # with one of those would read back changed by the test, not the entry.
    assume(not any(held in title for held in _HELD.values()))
    bib = entry(citation(title, arxiv_id="2503.01234"))
    (only,) = parsed(bib).entries.values()
    expected = re.sub(r"\s+", " ", unicodedata.normalize("NFC", title)).strip()
    assert unicodedata.normalize("NFC", plain(only.fields["title"])) == expected
    assert only.fields["eprint"] == "2503.01234"


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="{}\\%&#$_^~<>| -`'aé", max_size=30))
def test_syntax_characters_never_unbalance_a_field(text):
    assert plain(escaped(text)) == re.sub(r"\s+", " ", text).strip()
    depth = 0
    for char in escaped(text):
        if char in "{}":  # BibTeX counts every brace, escaped or not
            depth += 1 if char == "{" else -1
            assert depth >= 0
    assert depth == 0


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="-`',?!a ", max_size=12))
def test_the_quick_ligature_check_finds_what_the_pattern_finds(text):
    assert _has_ligature(text) == bool(_LIGATURE.search(text))


def test_an_arxiv_paper_has_eprint_and_archive_prefix():
    (only,) = parsed(entry(citation("A Paper", ("Ada Lovelace",), "2503.01234"))).entries.values()
    assert only.fields["eprint"] == "2503.01234"
    assert only.fields["archivePrefix"] == "arXiv"
    assert only.fields["url"] == "https://arxiv.org/abs/2503.01234"
    assert "note" not in only.fields


def test_keys_are_unique_and_a_newer_paper_never_changes_an_older_key():
    def keys(titles: list[tuple[str, int]]) -> dict[str, str]:
        entries = [
            Entry(title, ABSTRACT, date(2025, 3, day), Source("f.txt", n))
            for n, (title, day) in enumerate(titles, start=1)
        ]
        archive, _ = merge(entries)
        by_slug = citation_keys(numbered(archive))
        return {paper.title: by_slug[paper.slug] for paper in archive.papers}

    first = keys([("Deep Nets", 11), ("Deep nets, again", 12), ("Ünïcode Naïve", 12)])
    assert first == {
        "Deep Nets": "deep2025",
        "Deep nets, again": "deep2025b",
        "Ünïcode Naïve": "unicode2025",
    }
    later = keys([("Deep Nets", 11), ("Deep nets, again", 12), ("Deep Down", 13)])
    assert later["Deep nets, again"] == "deep2025b" and later["Deep Down"] == "deep2025c"


#: A paper page's entry, as the page holds it (``static/bibtex.js`` saves its text).
_ON_PAGE = re.compile(r'<pre id="bibtex" tabindex="0"><code>(.*?)</code></pre>', re.DOTALL)


def entry_on_page(page: Path) -> str:
    """The text of the BibTeX entry on the paper page ``page`` (an HTML file
    or a paper's folder), as a browser reads it."""
    path = page / "index.html" if page.is_dir() else page
    (found,) = _ON_PAGE.findall(path.read_text(encoding="utf-8"))
    return html.unescape(found)


def test_every_entry_of_the_seeds_parses_and_no_bib_file_is_written(seeds_site: ServedSite):
    """The site keeps each entry once, on its paper's page: every .bib is made
    in the browser (tests/test_bibtex_browser.py)."""
    assert not list(seeds_site.path.rglob("*.bib"))
    papers = list((seeds_site.path / "papers").iterdir())
    keys = [key for folder in papers for key in parsed(entry_on_page(folder)).entries]
    assert len(keys) == len(set(keys)) == len(papers)
    day = (seeds_site.path / "days/2025-03-11/index.html").read_text(encoding="utf-8")
    assert 'data-bib="papers-2025-03-11.bib"' in day and "papers.bib" not in day
    topic = seeds_site.path / "topics/pruning-and-compression"
    assert 'data-bib="pruning-and-compression.bib"' in (topic / "index.html").read_text(
        encoding="utf-8"
    )


def test_a_topic_page_names_its_file_after_the_topic_and_its_number():
    assert bib_name("pruning", "topics/pruning/index.html") == "pruning.bib"
    assert bib_name("pruning", "topics/pruning/page/12/index.html") == "pruning-page-12.bib"


def test_a_paper_page_shows_its_entry_and_offers_to_download_it(project: Project):
    hostile = {"id": "2503.01234", "title": "R&D {x} at 100% — Ünïcode", "abstract": ABSTRACT}
    hostile["authors"] = ["Ada Lovelace", "Grace Hopper"]
    project.feed(
        "hf-2025-03-11.json",
        json.dumps({"format": HF_DAILY_FORMAT, "date": "2025-03-11", "papers": [hostile]}),
    )
    project.feed("plain.txt", f"Mar 12\n\nA Paper Without an Id\n\n{ABSTRACT}\n")
    assert project.build().code == 0
    assert not list(project.out.rglob("*.bib"))
    for folder in (project.out / "papers").iterdir():
        ((key, only),) = parsed(entry_on_page(folder)).entries.items()
        html_text = (folder / "index.html").read_text(encoding="utf-8")
        # The Copy and Download buttons are bibtex.js's, in this row (tests/test_bibtex_browser.py).
        assert '</code></pre><p class="cite-actions"></section>' in html_text
        assert f"@misc{{{key}," in html_text
        if only.fields.get("eprint"):
            assert key == "lovelace2025unicode"
            assert only.fields["archivePrefix"] == "arXiv"
            assert plain(only.fields["title"]) == hostile["title"]
            assert r"R\&amp;D \textbraceleft{}x\textbraceright{} at 100\%" in html_text
        else:
            assert only.fields["url"].endswith(f"/papers/{folder.name}/")
