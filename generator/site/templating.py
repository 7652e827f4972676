"""The Jinja environment the pages are rendered with, and its errors.

Its output is what a stock Jinja environment with ``autoescape`` writes
(tests/test_escaping.py holds it to that), in less time: a build renders each
template thousands of times, so the escaping of values and the filters the
templates use on every page are ours, in C where that pays.
"""

from __future__ import annotations

import re
import string
import traceback
from collections.abc import Callable, MutableMapping
from pathlib import Path
from types import CodeType
from typing import Any

import jinja2
import jinja2.ext
import jinja2.filters
import markupsafe

from generator.core.errors import DigestError
from generator.site.views import long_date, short_date


class TemplateFailure(DigestError):
    """A template broke while rendering: one ``path:line: error: ...`` line."""

    def __str__(self) -> str:
        return self.message


_TEMPLATES = (".html", ".xml")
#: What ``quote`` never quotes, and "/", which Jinja's ``urlencode`` keeps.
_URL_KEPT = frozenset(string.ascii_letters + string.digits + "_.-~/")


def template_error_line(error: jinja2.TemplateError, templates: Path) -> str:
    """A broken template as one ``path:line: error: message`` line."""
    where = str(templates)
    if isinstance(error, jinja2.TemplateSyntaxError) and error.filename:
        where = f"{error.filename}:{error.lineno}"
    else:  # Jinja puts template lines into the traceback; the innermost one is the culprit
        frames = traceback.extract_tb(error.__traceback__)
        lines = [
            f"{f.filename}:{f.lineno}" for f in frames if f.filename.endswith((".html", ".xml"))
        ]
        where = lines[-1] if lines else where
    return f"{where}: error: {error.message or type(error).__name__}"


#: What markupsafe's escape() does to a string: since markupsafe 3 a
#: function of its own (in C where it is compiled), else escape() itself.
_escape_text: Callable[[str], str] = getattr(markupsafe, "_escape_inner", markupsafe.escape)


def _escape(value: object) -> str:
    """What ``{{ value }}`` writes: markupsafe's escape, but a plain string
    for a plain string, whose characters the same C function escapes. The
    Markup object that markupsafe makes of each value, only to be joined
    into the page at once, was a fifth of the time of rendering the pages
    (at 10,000 papers, 2.3 s against 1.8 s)."""
    if type(value) is str:
        return _escape_text(value)
    return markupsafe.escape(value)


class _Template(jinja2.Template):
    """A template whose output values are escaped by ``_escape``."""

    @classmethod
    def from_code(
        cls,
        environment: jinja2.Environment,
        code: CodeType,
        globals: MutableMapping[str, Any],
        uptodate: Callable[[], bool] | None = None,
    ) -> jinja2.Template:
        template = super().from_code(environment, code, globals, uptodate)
        # The module namespace that every function of the template runs in;
        # compiled code calls ``escape`` only to write an output value.
        template.root_render_func.__globals__["escape"] = _escape
        return template


#: What ``urllib.parse.quote`` (as Jinja's ``urlencode`` calls it, "/"
#: kept) makes of each ASCII character.
_URL_QUOTED = str.maketrans(
    {code: chr(code) if chr(code) in _URL_KEPT else f"%{code:02X}" for code in range(128)}
)


def urlencode(value: Any) -> str:
    """Jinja's ``urlencode`` filter, an ASCII string in one ``str.translate``
    rather than a quote of its bytes one by one: the title of every paper
    without a link goes through it (a tenth of a second at 10,000 papers)."""
    if type(value) is str and value.isascii():
        return value.translate(_URL_QUOTED)
    return jinja2.filters.do_urlencode(value)


#: The name under which a site's template finds the built-in one it
#: replaces: ``{% extends "theme/base.html" %}``.
THEME_PREFIX = "theme"


def loader(templates: Path, built_in: Path | None = None) -> jinja2.BaseLoader:
    """Templates by name from ``templates``, then from the ``built_in`` theme
    for any it lacks (a site overrides the theme file by file), and
    ``theme/NAME`` always from the built-in theme, so that a site's template
    can extend or include the one it replaces. A template of the built-in
    theme names others without the prefix, so it gets a site's override of
    a partial too."""
    theme = built_in if built_in is not None else templates
    folders = [templates] if theme == templates else [templates, theme]
    return jinja2.ChoiceLoader(
        [
            jinja2.PrefixLoader({THEME_PREFIX: jinja2.FileSystemLoader(theme)}),
            jinja2.FileSystemLoader(folders),
        ]
    )


def environment(templates: Path, built_in: Path | None = None) -> jinja2.Environment:
    """The environment of a build; ``templates`` overrides ``built_in`` (see ``loader``)."""
    env = jinja2.Environment(
        loader=loader(templates, built_in),
        extensions=[Unindented],
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        # A build renders each template thousands of times and never sees
        # one change: no file system check before each page.
        auto_reload=False,
    )
    env.template_class = _Template
    env.filters["long_date"] = long_date
    env.filters["short_date"] = short_date
    env.filters["urlencode"] = urlencode
    return env


#: Elements whose text keeps its spaces (``<pre>``, ``<textarea>`` and
#: scripts), and template comments, which may hold tags: kept as they are.
_KEPT = re.compile(r"(<(pre|textarea|script)\b.*?</\2>|\{#.*?#\})", re.DOTALL | re.IGNORECASE)
_INDENT = re.compile(r"\n[ \t]+")
#: Elements that are blocks (or in the head). A line break beside one of
#: their tags, before it or after it, is no text a reader sees while the
#: style shows them as blocks (the theme's does): it ends or starts a line,
#: where a browser drops spaces. So it goes (a byte a line, thousands of
#: pages), even where a template tag sits between it and the next element,
#: as ``{% endif %}`` does; a break between inline elements is a space and
#: stays.
_BLOCK = (
    r"</?(?:html|head|body|meta|link|title|header|footer|main|nav|section|article|aside|"
    r"div|p|ul|ol|li|dl|dt|dd|h[1-6]|form|fieldset|details|summary|noscript)\b"
)
#: A line break after a block's tag, and one before a block's tag.
_AFTER_BLOCK = re.compile(f"({_BLOCK}[^<>]*>)\n")
_BEFORE_BLOCK = re.compile(f"\n(?={_BLOCK})")
#: What a line break that goes becomes: a template comment, which writes
#: nothing but keeps the line, so that an error names the template's own line.
_UNWRITTEN = "{#\n#}"


def compact(text: str) -> str:
    """``text`` without the indentation at the start of its lines, nor the
    line breaks beside block elements' tags, but inside the elements that
    keep their spaces and in comments. A file's last line break stays: it
    ends the file as written (a template of a site's own too), not a line
    of the page."""
    body, end = (text[:-1], "\n") if text.endswith("\n") else (text, "")
    parts = _KEPT.split(body)
    # split gives text, then per match the element or comment and the element's name.
    for at in range(0, len(parts), 3):
        unindented = _INDENT.sub("\n", parts[at])
        after = _AFTER_BLOCK.sub(lambda found: found[1] + _UNWRITTEN, unindented)
        parts[at] = _BEFORE_BLOCK.sub(_UNWRITTEN, after)
    return "".join(part for at, part in enumerate(parts) if at % 3 != 2) + end


class Unindented(jinja2.ext.Extension):
    """Templates without the indentation of their lines (there for whoever
    edits them), which a browser reads as one space like the line break
    before it: at 100,000 paper pages, a tenth of a megabyte per 100 bytes
    a page. Done to the templates' source as they load, once, never to each
    page; text that values bring (a BibTeX entry in a ``<pre>``) keeps its own."""

    def preprocess(self, source: str, name: str | None, filename: str | None = None) -> str:
        if name is not None and not name.endswith(".html"):
            return source  # feeds and sitemaps as they are written
        return compact(source)
