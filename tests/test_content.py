from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from generator.reading.content import is_safe_link, read_content


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "JaVaScRiPt:x",
        "java\tscript:x",
        " javascript:x",
        "data:text/html,x",
        "vbscript:x",
        "file:///etc/passwd",
    ],
)
def test_unsafe_links_are_refused(url):
    assert not is_safe_link(url)


@pytest.mark.parametrize(
    "url", ["https://arxiv.org", "http://x.org/a", "mailto:a@b.c", "../days/", "#top", "papers/x/"]
)
def test_safe_links_are_kept(url):
    assert is_safe_link(url)


def test_about_and_notes_render_without_raw_html_or_script_links(tmp_path: Path):
    (tmp_path / "about.md").write_text(
        "# About\n\n<script>alert(1)</script> [x](javascript:alert(1)) [ok](https://example.org) *em*\n",
        encoding="utf-8",
    )
    (tmp_path / "2025-03-11.md").write_text("Note for **today**.\n", encoding="utf-8")
    (tmp_path / "2025-03-12.md").write_text("No such day.\n", encoding="utf-8")
    (tmp_path / "notes.md").write_text("?\n", encoding="utf-8")
    content, problems = read_content(sorted(tmp_path.iterdir()), {date(2025, 3, 11)})
    assert content.about is not None
    assert "<script>" not in content.about and "&lt;script&gt;" in content.about
    assert 'href="javascript' not in content.about
    assert '<a href="https://example.org">ok</a>' in content.about
    assert content.notes == {date(2025, 3, 11): "<p>Note for <strong>today</strong>.</p>\n"}
    assert [str(p).replace(str(tmp_path), "seeds") for p in problems] == [
        "seeds/2025-03-12.md: warning: note for 2025-03-12, a day with no papers (ignored)",
        "seeds/notes.md: warning: Markdown file is neither about.md nor a note named YYYY-MM-DD.md (ignored)",
    ]
