"""Properties of what every source shares: HTML turned into text, ids found in
links, and the stored format read back as it was written."""

from __future__ import annotations

import html
from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from generator.core.text import CONTROL_CHARACTERS, fold_spaces
from generator.reading.stored import parse_api_feed
from generator.reading.stored_format import (
    Stored,
    StoredPaper,
    arxiv_id_in,
    bare_arxiv_id,
    render,
    web_link,
)
from generator.sources.feed import html_text

#: Text a source may send: anything but control characters and lone surrogates.
text = st.text(st.characters(blacklist_categories=("Cc", "Cs"))).filter(
    lambda value: not CONTROL_CHARACTERS.search(value)
)
new_ids = st.from_regex(r"\A[0-9]{4}\.[0-9]{4,5}\Z")


@given(text)
def test_escaped_text_read_as_html_is_the_text(value: str):
    assert html_text(html.escape(value)) == fold_spaces(value)


@given(text, st.sampled_from(["script", "style", "b", "p", "a href='javascript:x'"]))
def test_markup_is_dropped_and_script_never_shown(value: str, tag: str):
    name = tag.split()[0]
    shown = html_text(f"<{tag} onclick='x()'>{html.escape(value)}</{name}>")
    assert shown == ("" if name in ("script", "style") else fold_spaces(value))


@given(new_ids, st.integers(1, 30))
def test_arxiv_ids_lose_their_version_in_links_and_alone(arxiv_id: str, version: int):
    assert bare_arxiv_id(f"{arxiv_id}v{version}") == arxiv_id
    for kind in ("abs", "pdf", "html"):
        assert arxiv_id_in(f"http://arxiv.org/{kind}/{arxiv_id}v{version}") == arxiv_id


@given(
    st.lists(
        st.tuples(text.filter(lambda v: v.strip()), text, st.lists(text, max_size=3), new_ids),
        min_size=1,
        max_size=4,
    )
)
def test_the_stored_format_reads_back_as_written(papers: list[tuple[str, str, list[str], str]]):
    stored = Stored(
        "arxiv",
        "arXiv cs.LG",
        "https://export.arxiv.org/api/query",
        date(2025, 3, 10),
        tuple(
            StoredPaper(title=title, abstract=abstract, authors=tuple(authors), id=arxiv_id)
            for title, abstract, authors, arxiv_id in papers
        ),
    )
    feed = parse_api_feed(render(stored).decode("utf-8"), "x.json")
    assert [entry.title for entry in feed.entries] == [fold_spaces(p[0]) for p in papers]
    assert [entry.abstract for entry in feed.entries] == [p[1].strip() for p in papers]
    assert [entry.arxiv_id for entry in feed.entries] == [p[3] for p in papers]
    assert [entry.authors for entry in feed.entries] == [
        tuple(a.strip() for a in p[2] if a.strip()) for p in papers
    ]
    assert all(entry.day == date(2025, 3, 10) for entry in feed.entries)


@given(st.sampled_from(["https://", "http://", "javascript:", ""]), text)
def test_a_stored_link_is_a_web_url_of_url_characters_or_nothing(scheme: str, rest: str):
    link = web_link(scheme + rest)
    if link:
        assert link.startswith(("https://", "http://")) and link.isascii()
        assert not set(link) & set('<>"` {}|\\^')
    else:
        assert not scheme.startswith("http") or any(c.isspace() for c in (scheme + rest).strip())
