"""Hostile titles and abstracts come out exactly as written and never as markup."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

import jinja2
import markupsafe
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator.site.templating import _escape, environment
from tests.conftest import ABSTRACT, SMALL_CONFIG, Project, search_papers

ATOM = "{http://www.w3.org/2005/Atom}"
HOSTILE_TITLES = [
    "<script>alert('t')</script> Pruning",
    'Attribute "breaker\' onmouseover="alert(1)',
    "Ends a script </script><script>alert(2)</script>",
    "CDATA ]]> and & ampersands &amp; &lt;",
    "Jinja {{ 7*7 }} and {% if true %}x{% endif %}",
    "Markdown *stars* _under_ [x](javascript:alert(3))",
    "LaTeX I_{rm mag}< 25 and {a}",
]
HOSTILE_ABSTRACT = (
    "We show <img src=x onerror=alert(4)> that I_{rm mag}< 25 holds; </script><!-- ]]> "
    "{{ 7*7 }} {% raw %} *not emphasis* [link](javascript:alert(5)) & more text to make "
    "this long enough to read as an abstract rather than as a title of a paper."
)


class _Page(HTMLParser):
    """Collects what would run or load, and the page's text."""

    def __init__(self) -> None:
        super().__init__()
        self.scripts: list[str] = []
        self.handlers: list[str] = []
        self.javascript_links: list[str] = []
        self.text: list[str] = []
        self.tags: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        for name, value in attrs:
            if name.startswith("on"):
                self.handlers.append(name)
            if name in ("href", "src", "action") and (value or "").strip().lower().startswith(
                "javascript:"
            ):
                self.javascript_links.append(value or "")
        if tag == "script":
            self.scripts.append(dict(attrs).get("src") or "inline")

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def read_page(path: Path) -> _Page:
    page = _Page()
    page.feed(path.read_text(encoding="utf-8"))
    page.close()
    return page


#: The site's own scripts: every page's, search's, and the reader's library's.
SCRIPTS = tuple(
    f"static/{name}.js" for name in ("site", "search", "library", "saved", "foryou", "bibtex")
)


def assert_inert(site: Path) -> None:
    """No page of ``site`` runs anything but the site's own scripts."""
    for path in site.rglob("*.html"):
        page = read_page(path)
        assert page.handlers == [] and page.javascript_links == [], path
        assert all(src.endswith(SCRIPTS) for src in page.scripts), path
        assert page.tags <= {
            "html",
            "head",
            "meta",
            "title",
            "link",
            "script",
            "body",
            "a",
            "header",
            "div",
            "nav",
            "ul",
            "ol",
            "li",
            "form",
            "label",
            "input",
            "button",
            "main",
            "footer",
            "p",
            "time",
            "h1",
            "h2",
            "h3",
            "span",
            "section",
            "article",
            "aside",
            "dl",
            "dt",
            "dd",
            "noscript",
            "code",
            "pre",
            "details",
            "summary",
            "fieldset",
            "legend",
            "select",
            "option",
            "strong",
            "em",
            "br",
        }, path
    json.loads((site / "search-index.json").read_text(encoding="utf-8"))
    ET.parse(site / "feed.xml")
    ET.parse(site / "sitemap.xml")


def test_hostile_text_is_shown_as_written_everywhere(project: Project):
    feed = "Mar 11\n\n" + "".join(f"{title}\n\n{HOSTILE_ABSTRACT}\n\n" for title in HOSTILE_TITLES)
    project.feed("a.txt", feed)
    run = project.build()
    assert run.code == 0, run.err
    site = project.out
    assert_inert(site)

    index = {"papers": search_papers(site)}
    assert sorted(p["title"] for p in index["papers"]) == sorted(HOSTILE_TITLES)
    for data in [site / "search-index.json", *sorted((site / "search").rglob("*.json"))]:
        raw = data.read_text(encoding="utf-8")
        assert "<" not in raw and ">" not in raw, data

    for paper in index["papers"]:
        page = read_page(site / paper["url"] / "index.html")
        text = "".join(page.text)
        assert paper["title"] in text
        assert HOSTILE_ABSTRACT in text
        assert "49" not in text

    atom = ET.parse(site / "feed.xml").getroot()
    entries = atom.findall(f"{ATOM}entry")
    assert sorted(e.find(f"{ATOM}title").text for e in entries) == sorted(HOSTILE_TITLES)
    assert {e.find(f"{ATOM}summary").text for e in entries} == {HOSTILE_ABSTRACT}

    day = read_page(site / "days" / "2025-03-11" / "index.html")
    assert all(title in "".join(day.text) for title in HOSTILE_TITLES)


def test_title_and_meta_tags_carry_the_text(project: Project):
    title = HOSTILE_TITLES[1]
    project.feed("a.txt", f"Mar 11\n\n{title}\n\n{HOSTILE_ABSTRACT}\n")
    assert project.build().code == 0
    (paper,) = (project.out / "papers").iterdir()
    html = (paper / "index.html").read_text(encoding="utf-8")
    escaped = title.replace("&", "&amp;").replace('"', "&#34;").replace("'", "&#39;")
    assert f"<title>{escaped} · Test digest</title>" in html
    assert '<meta name="description" content="We show &lt;img src=x onerror=alert(4)&gt;' in html


feed_text = st.lists(
    st.one_of(
        st.sampled_from(
            ["Mar 11", "Feb 30", "2025-03-12", "", "", "new", ABSTRACT, *HOSTILE_TITLES]
        ),
        st.text(alphabet=st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=40),
    ),
    max_size=12,
).map("\n\n".join)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(feed_text)
def test_any_feed_builds_or_fails_cleanly_and_stays_inside_the_site(tmp_path_factory, text):
    project = Project(tmp_path_factory.mktemp("fuzz"))
    project.seeds.mkdir()
    project.config.write_text(SMALL_CONFIG, encoding="utf-8")
    project.feed("a.txt", text)
    run = project.build()
    assert run.code in (0, 1)
    assert "Traceback" not in run.err
    for line in run.err.splitlines():
        assert ": error: " in line or ": warning: " in line or line.startswith("digest: ")
    assert sorted(p.name for p in project.root.iterdir()) == sorted(
        ["digest.yaml", "seeds"] + ([".digest-cache", "site"] if run.code == 0 else [])
    )
    if run.code == 0:
        assert_inert(project.out)


def test_path_like_titles_each_get_their_own_page_inside_the_site(project: Project):
    titles = [
        "../../etc/passwd",
        "/abs/path",
        "???",
        "CON",
        "index",
        "😀🎉",
        "漢字だけ",
        "C++ Models",
        "C Models",
    ]
    titles.append("A " + "very " * 120 + "long title")
    feed = "Mar 11\n\n" + "".join(f"{title}\n\n{ABSTRACT}\n\n" for title in titles)
    project.feed("a.txt", feed.rstrip() + "\n")
    run = project.build()
    assert run.code == 0, run.err
    pages = sorted((project.out / "papers").iterdir())
    assert len(pages) == len(titles)
    for page in pages:
        assert len(page.name.encode()) <= 100 and page.name.isascii()
        assert (page / "index.html").is_file()
    written = [p.resolve() for p in project.root.rglob("*") if p.is_file()]
    cache = (project.root / ".digest-cache").resolve()
    assert all(p.is_relative_to(project.out.resolve()) or p.is_relative_to(project.seeds.resolve())
               or p.is_relative_to(cache) or p == project.config.resolve()
               for p in written)  # fmt: skip
    # The read feeds, the topics cache, the manifest, the related papers'
    # state, the papers' terms, and no spare tree (this was the first build).
    names = sorted(p.name for p in cache.iterdir())
    assert len(names) == 5 and names[0] == "feeds" and names[2] == "site.manifest.json", names
    assert names[1].startswith("placements-") and names[1].endswith(".json"), names
    assert names[3].startswith("site.related-") and names[3].endswith(".npz"), names
    assert names[4] == "terms", names
    for title in titles:
        assert any(title in "".join(read_page(page / "index.html").text) for page in pages), title


_VALUES = st.one_of(
    st.text(),
    st.text().map(markupsafe.Markup),
    st.integers(),
    st.floats(allow_nan=False),
    st.none(),
    st.dates(),
)


@given(_VALUES)
def test_output_values_are_escaped_exactly_as_markupsafe_escapes_them(value):
    assert _escape(value) == markupsafe.escape(value)


@given(st.lists(_VALUES, min_size=3, max_size=3))
def test_pages_render_as_a_stock_jinja_environment_renders_them(tmp_path_factory, values):
    templates = tmp_path_factory.mktemp("templates")
    (templates / "base.html").write_text(
        '<a href="{{ a }}">{{ b }}</a>{% block main %}{% endblock %}', encoding="utf-8"
    )
    (templates / "page.html").write_text(
        '{% extends "base.html" %}{% block main %}{% set x %}<i>{{ c }}</i>{% endset %}'
        "{{ x }}{{ a ~ b }}{{ c | safe }}{% autoescape false %}{{ b }}{% endautoescape %}"
        "{% endblock %}",
        encoding="utf-8",
    )
    stock = jinja2.Environment(loader=jinja2.FileSystemLoader(templates), autoescape=True)
    a, b, c = values
    ours = environment(templates).get_template("page.html").render(a=a, b=b, c=c)
    assert ours == stock.get_template("page.html").render(a=a, b=b, c=c)


@settings(max_examples=300, deadline=None)
@given(st.text() | st.text(alphabet=st.characters(max_codepoint=127)))
def test_our_urlencode_filter_quotes_as_jinjas_does(value):
    """The filter is ours for speed only: its output is Jinja's, byte for byte."""
    from generator.site.templating import urlencode

    assert urlencode(value) == jinja2.filters.do_urlencode(value)
