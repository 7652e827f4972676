"""What a piece of rendering work reads, as one hash: equal fingerprints
mean equal bytes, so a build keeps the files the previous one wrote for the
same fingerprint rather than rendering them again (see ``writer.Site.reuse``).

A fingerprint covers everything the work can read: digest's own code, the
templates, the configuration, the site-wide values the templates see, the
work's own arguments, and the views (never raw feed data) of every paper it
shows, each view hashed once per process. It is made only for the pages of
which there are many (papers, days, topic listings); the few others are
always rendered. A fingerprint that missed an input would make an
incremental build differ from a full one; ``tests/test_same_site.py``
compares the two over random edits.
"""

from __future__ import annotations

import hashlib
import io
import pickle
from collections.abc import Callable, Mapping
from datetime import date
from functools import partial
from pathlib import Path
from typing import Any

import jinja2
import jinja2.meta

from generator.analysis.topics import Topic
from generator.reading.archive import Day, Paper
from generator.site.views import PaperView

#: The generator package: its code is part of every fingerprint.
PACKAGE = Path(__file__).resolve().parent.parent
#: Site-wide values that only a few pages show; a fingerprint covers one only
#: if a template of the fingerprinted pages names it (the newest day changes
#: with every new day, and would otherwise change every fingerprint).
SELDOM_SHOWN = frozenset({"latest_day"})


def _digest(data: bytes) -> bytes:
    return hashlib.blake2b(data, digest_size=16).digest()


def code_and_templates(*folders: Path) -> bytes:
    """A hash of digest's code and of the template folders: a site's own and
    the built-in theme's, which fills in every template the site lacks."""
    hashed = hashlib.blake2b(digest_size=16)
    for number, root in enumerate((PACKAGE, *folders)):
        for path in sorted(p for p in root.rglob("*") if p.is_file()):
            if "__pycache__" in path.parts:
                continue
            hashed.update(f"{number}:{path.relative_to(root).as_posix()}\0".encode())
            hashed.update(_digest(path.read_bytes()))
    return hashed.digest()


def names_read(env: jinja2.Environment, templates: list[str]) -> set[str]:
    """Every variable that ``templates``, or any template they extend,
    include or import, reads from its context."""
    seen: set[str] = set()
    names: set[str] = set()
    pending = list(templates)
    while pending:
        name = pending.pop()
        if name in seen:
            continue
        seen.add(name)
        assert env.loader is not None
        try:
            parsed = env.parse(env.loader.get_source(env, name)[0])
        except jinja2.TemplateError:  # not found, or broken: said when a page needs it
            names |= SELDOM_SHOWN
            continue
        names |= jinja2.meta.find_undeclared_variables(parsed)
        pending += [found for found in jinja2.meta.find_referenced_templates(parsed) if found]
    return names


class Fingerprints:
    """Fingerprints of rendering work, made in whichever process does it."""

    def __init__(
        self,
        base: list[Any],
        views: Mapping[str, PaperView],
        extras: Mapping[Callable[..., Any], Callable[..., tuple[Any, ...]]],
    ) -> None:
        """``base``: what every fingerprint covers; ``extras``: per kind of
        work (the function a job calls), what it reads beyond its arguments."""
        self.base = _digest(pickle.dumps(base, 5))
        self.views = views
        self.extras = extras
        self._views: dict[str, bytes] = {}
        self._days: dict[date, bytes] = {}

    def view(self, slug: str) -> bytes:
        found = self._views.get(slug)
        if found is None:
            found = self._views[slug] = _digest(pickle.dumps(self.views[slug], 5))
        return found

    def day(self, day: Day) -> bytes:
        """A day's date and the views of its papers in order, hashed once
        per process: a day page shows its neighbours too."""
        found = self._days.get(day.date)
        if found is None:
            views = b"".join(self.view(paper.slug) for paper in day.papers)
            found = self._days[day.date] = _digest(day.date.isoformat().encode() + views)
        return found

    def _pickled(self, value: Any) -> bytes:
        buffer = io.BytesIO()
        _Pickler(buffer, self).dump(value)
        return buffer.getvalue()

    def __call__(self, job: Callable[..., Any]) -> str:
        """The fingerprint of ``job``; "" for work that is always done."""
        if not isinstance(job, partial) or job.args:
            return ""
        function = getattr(job.func, "__func__", job.func)
        extra = self.extras.get(function)
        if extra is None:
            return ""
        keywords = sorted(job.keywords.items())
        read = (function.__qualname__, keywords, extra(**job.keywords))
        return hashlib.blake2b(self.base + self._pickled(read), digest_size=16).hexdigest()


class _Pickler(pickle.Pickler):
    """Pickles a paper as the hash of its view (what pages show of it,
    hashed once), and a topic as its own fields without its papers: the
    pages that show how many papers it has say so in their extras."""

    def __init__(self, buffer: io.BytesIO, fingerprints: Fingerprints) -> None:
        super().__init__(buffer, 5)
        self.fingerprints = fingerprints

    def persistent_id(self, obj: Any) -> Any:
        kind = type(obj)
        if kind is Paper or kind is PaperView:
            return ("v", obj.slug, self.fingerprints.view(obj.slug))
        if kind is Topic:
            return ("t", obj.slug, obj.name, obj.description, obj.keywords)
        if kind is Day:
            return ("d", self.fingerprints.day(obj))
        return None
