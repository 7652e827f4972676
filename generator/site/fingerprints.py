"""What a piece of rendering work reads, as one hash: equal fingerprints
mean equal bytes, so a build keeps the files the previous one wrote for the
same fingerprint rather than rendering them again (see ``writer.Site.reuse``).

A fingerprint covers everything the work can read: digest's own code, the
templates, the configuration, the site-wide values the templates see, the
work's own arguments, and the views of every paper it shows, by what each
view is made of (see ``views.PaperViews``), hashed once per build before
the workers fork. It is made only for the pages of which there are many
(papers, days, topic listings); the few others are always rendered. A
fingerprint that missed an input would make an incremental build differ
from a full one; ``tests/test_same_site.py`` compares the two over random
edits.
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import marshal
import operator
import pickle
import types
import typing
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from datetime import date
from functools import partial
from itertools import chain, compress
from pathlib import Path
from typing import Any

import jinja2
import jinja2.meta
from jinja2.nodes import Template

from generator.analysis.topics import Topic
from generator.reading.archive import Day, Paper
from generator.site.views import COPIED, PaperLink, PaperView, PaperViews, TopicTag

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


def _parsed(env: jinja2.Environment, templates: list[str]) -> Iterator[Template | None]:
    """``templates`` and every template they extend, include or import,
    parsed; ``None`` for one not found or broken (said when a page needs it)."""
    seen: set[str] = set()
    pending = list(templates)
    while pending:
        name = pending.pop()
        if name in seen:
            continue
        seen.add(name)
        assert env.loader is not None
        try:
            parsed = env.parse(env.loader.get_source(env, name)[0])
        except jinja2.TemplateError:
            yield None
            continue
        yield parsed
        pending += [found for found in jinja2.meta.find_referenced_templates(parsed) if found]


def names_read(env: jinja2.Environment, templates: list[str]) -> set[str]:
    """Every variable that ``templates``, or any template they extend,
    include or import, reads from its context."""
    names: set[str] = set()
    for parsed in _parsed(env, templates):
        if parsed is None:
            names |= SELDOM_SHOWN
        else:
            names |= jinja2.meta.find_undeclared_variables(parsed)
    return names


def names_used(env: jinja2.Environment, templates: list[str]) -> frozenset[str] | None:
    """Every name that ``templates`` (and the templates they use) could
    read a field of a paper's view by: attribute names, variables and
    constant strings (``attribute="related"``, ``paper["related"]``);
    ``None`` (any field) if one of them cannot be read. A view's fields
    that a list page's templates never name are not part of its
    fingerprint (see ``Fingerprints``)."""
    names: set[str] = set()
    for parsed in _parsed(env, templates):
        if parsed is None:
            return None
        for node in parsed.find_all((jinja2.nodes.Getattr, jinja2.nodes.Name, jinja2.nodes.Const)):
            if isinstance(node, jinja2.nodes.Getattr):
                names.add(node.attr)
            elif isinstance(node, jinja2.nodes.Name):
                names.add(node.name)
            elif isinstance(node, jinja2.nodes.Const) and isinstance(node.value, str):
                names.add(node.value)
    return frozenset(names)


#: The fields of a paper's view that a new day changes for papers of other
#: days (the related-papers model sees the whole archive): left out of the
#: fingerprints of list pages (days, topic listings) whose templates never
#: name them, so that a new day does not render every list page again.
VOLATILE = ("related", "keywords")
#: What the renderer's own code reads of every view on a list page (to group
#: and order them): always in the fingerprint.
_FIELDS = tuple(field.name for field in dataclasses.fields(PaperView))
#: marshal's last format without back-references: equal values give equal
#: bytes whether or not they share objects (see ``_Pickler``).
_MARSHAL_VERSION = 2
_PLAIN = frozenset({str, int, bool, float, type(None)})


def _converter(hint: Any) -> Callable[[Any], Any] | None:
    """How a value of the type ``hint`` is written for marshal: ``None`` for
    one written as it is. A type with no way is refused here, when digest
    starts, not met at the first view that holds one."""
    if (
        hint in _PLAIN
        or typing.get_origin(hint) in (types.UnionType, typing.Union)
        and all(arg in _PLAIN for arg in typing.get_args(hint))
    ):
        return None
    if hint is date:
        return date.toordinal
    if dataclasses.is_dataclass(hint) and isinstance(hint, type):
        return _whole(hint)
    if typing.get_origin(hint) is tuple and typing.get_args(hint)[1:] == (Ellipsis,):
        item = _converter(typing.get_args(hint)[0])
        return None if item is None else lambda values: tuple(map(item, values))
    raise TypeError(f"a view's field of type {hint} has no fingerprint")


def _whole(kind: type) -> Callable[[Any], tuple[Any, ...]]:
    """Every field of a dataclass ``kind``, as plain values (see ``_flattener``)."""
    return _flattener(kind, tuple(field.name for field in dataclasses.fields(kind)))


def _flattener(kind: type, names: tuple[str, ...]) -> Callable[[Any], tuple[Any, ...]]:
    """The fields ``names`` of a ``kind``, as plain values that marshal
    writes (strings, numbers, tuples of them), read in one call and turned
    into plain values only where they are not. Pickle called a function per
    related paper, topic and link: hashing 100,000 views that way took
    2.9 s, against 2.0 s."""
    hints = typing.get_type_hints(kind)
    get = (
        operator.attrgetter(*names) if len(names) > 1 else lambda value: (getattr(value, names[0]),)
    )
    turned = [(at, turn) for at, name in enumerate(names) if (turn := _converter(hints[name]))]
    if not turned:
        return get

    def flat(value: Any) -> tuple[Any, ...]:
        values = list(get(value))
        for at, turn in turned:
            values[at] = turn(values[at])
        return tuple(values)

    return flat


class Fingerprints:
    """Fingerprints of rendering work, made in whichever process does it."""

    def __init__(
        self,
        base: list[Any],
        views: PaperViews,
        extras: Mapping[Callable[..., Any], Callable[..., tuple[Any, ...]]],
        listed: Mapping[Callable[..., Any], Collection[str] | None] | None = None,
        known: PaperHashes | None = None,
    ) -> None:
        """``base``: what every fingerprint covers; ``extras``: per kind of
        work (the function a job calls), what it reads beyond its arguments;
        ``listed``: per kind of work that lists papers (days, topic
        listings), the names its templates use (see ``names_used``; ``None``
        or no entry: any). A paper given to a job on its own (its page)
        counts with its whole view; one in a day or a listing without the
        fields of ``VOLATILE`` that its kind's templates never name.
        ``known``: the papers' steady parts and links, if already hashed
        (see ``paper_hashes``).

        What every view is made of is hashed here, once, in the process
        that forks the workers: hashed in the workers, each hashed most
        views again (a paper is on its page, its day's and its topics'),
        and reading them copied most of the parent's memory into each
        worker."""
        self.base = _digest(_dumps(base))
        self.extras = extras
        self._shown: dict[Callable[..., Any], tuple[str, ...]] = {}
        for function, named in (listed or {}).items():
            shown = (f for f in _FIELDS if named is None or f not in VOLATILE or f in named)
            self._shown[function] = tuple(shown)
        self._using = _FIELDS
        """The fields of the views that the work being fingerprinted shows."""
        self._views = _hashed(views, {_FIELDS, *self._shown.values()}, known)
        self._days: dict[tuple[tuple[str, ...], date], bytes] = {}

    def view(self, slug: str, fields: tuple[str, ...] | None = None) -> bytes:
        """The hash of a paper's view, as the work being fingerprinted shows
        it (or its ``fields``, one of the ways of showing views given)."""
        return self._views[fields or self._using][slug]

    def day(self, day: Day) -> bytes:
        """A day's date and the views of its papers in order, hashed once
        per process: a day page shows its neighbours too."""
        found = self._days.get((self._using, day.date))
        if found is None:
            views = b"".join(self.view(paper.slug) for paper in day.papers)
            found = _digest(day.date.isoformat().encode() + views)
            self._days[self._using, day.date] = found
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
        keywords = [
            (name, ("w", value.slug, self.view(value.slug, _FIELDS)))
            if type(value) is Paper
            else (name, value)
            for name, value in sorted(job.keywords.items())
        ]
        read = (function.__qualname__, keywords, extra(**job.keywords))
        try:
            # Plain values (a paper's page: its view's hash and its
            # citation key) in a tenth of the time pickle takes.
            written = b"m" + marshal.dumps(read, _MARSHAL_VERSION)
        except ValueError:  # days, topics, listings: see ``_Pickler``
            self._using = self._shown.get(function, _FIELDS)
            try:
                written = b"p" + self._pickled(read)
            finally:
                self._using = _FIELDS
        return hashlib.blake2b(self.base + written, digest_size=16).hexdigest()


#: Per paper slug, the hash of its view's steady part (what it copies from
#: its paper, its tags and its number), and the hash of its link as other
#: papers' views name it: what every view is made of but its related papers
#: and keyphrases, so made before those are known (see ``prepared``).
PaperHashes = tuple[dict[str, bytes], dict[str, bytes]]


def paper_hashes(papers: Sequence[Paper], tags: Mapping[str, tuple[TopicTag, ...]]) -> PaperHashes:
    """The steady part and the link of each of ``papers`` (in the order of
    their numbers, see ``numbered``), hashed; ``tags``: per slug, its
    topics' tags, primary first."""
    dumps, version = marshal.dumps, _MARSHAL_VERSION
    copied = _flattener(Paper, COPIED)
    tag, link = _whole(TopicTag), _whole(PaperLink)
    # Each tag hashed once: a paper has a few, of a few hundred.
    tag_hashes = {t: _digest(dumps(tag(t), version)) for t in set(chain(*tags.values()))}
    steady, links = {}, {}
    for number, paper in enumerate(papers):
        slug = paper.slug
        tagged = b"".join([tag_hashes[t] for t in tags[slug]])
        steady[slug] = _digest(dumps((copied(paper), tagged, number), version))
        links[slug] = _digest(dumps(link(PaperLink(slug, paper.title, number)), version))
    return steady, links


def _hashed(
    views: PaperViews, showing: Iterable[tuple[str, ...]], known: PaperHashes | None
) -> dict[tuple[str, ...], dict[str, bytes]]:
    """Per way of showing views (the fields shown), the hash of each view
    shown so, made of what the view is made of (see ``views.PaperViews``),
    never of the view itself: its steady part and its link (``known``, or
    made here, see ``paper_hashes``), its related papers' links, its
    keyphrases. Each part is hashed once however many ways show it."""
    steady_fields = tuple(f for f in _FIELDS if f not in VOLATILE)
    parts = (steady_fields, ("related",), ("keywords",))
    ways = {fields: [any(f in fields for f in part) for part in parts] for fields in showing}
    dumps, version = marshal.dumps, _MARSHAL_VERSION
    steady, links = known or paper_hashes(list(views.papers.values()), views.tags)
    similar, keywords = views.similar, views.keywords
    hashes: dict[tuple[str, ...], dict[str, bytes]] = {fields: {} for fields in ways}
    for slug in views.papers:
        hashed = (
            steady[slug],
            _digest(b"".join(map(links.__getitem__, similar[slug]))),
            _digest(dumps(keywords[slug], version)),
        )
        for fields, shown in ways.items():
            hashes[fields][slug] = _digest(b"".join(compress(hashed, shown)))
    return hashes


def _dumps(value: Any) -> bytes:
    buffer = io.BytesIO()
    pickler = pickle.Pickler(buffer, 5)
    pickler.fast = True  # see ``_Pickler``
    pickler.dump(value)
    return buffer.getvalue()


class _Pickler(pickle.Pickler):
    """Pickles a paper as the hash of its view (what pages show of it,
    hashed once), and a topic as its own fields without its papers: the
    pages that show how many papers it has say so in their extras.

    Without a memo (``fast``): pickle writes an object met twice as a
    reference to the first, so equal values held as one object or as two
    (read from the feeds, or from the cache of read feeds) gave different
    bytes. Values here hold no cycles, which fast mode cannot pickle."""

    def __init__(self, buffer: io.BytesIO, fingerprints: Fingerprints) -> None:
        super().__init__(buffer, 5)
        self.fast = True
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
