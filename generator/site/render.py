"""Rendering the archive into a site folder: which pages and files there
are, as independent jobs spread over the worker processes, and the HTML
pages themselves (``machine_files`` writes feeds, sitemaps and search data;
``bibtex`` makes the citation on each paper's page).

Templates receive the plain view data of ``views``, never raw feed text or
the configuration object. Every link inside the site is relative (a page's
``root`` is the way back to the site root), except on ``404.html``, which
GitHub Pages serves at any depth and so links through the base URL.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jinja2

from generator.analysis.topics import Topic, Topics
from generator.config.digest_yaml import Config
from generator.core.stops import stage
from generator.core.workers import Progress, collector_paused, run_chunks, runs, told
from generator.reading.archive import Archive, Day, Paper
from generator.reading.content import Content
from generator.site.bibtex import Citations
from generator.site.fingerprints import (
    SELDOM_SHOWN,
    Fingerprints,
    code_and_templates,
    names_read,
    names_used,
)
from generator.site.machine_files import MachineFiles
from generator.site.prepared import Prepared
from generator.site.templating import (
    TemplateFailure,
    environment,
    template_error_line,
)
from generator.site.views import (
    PAGE_SIZE,
    Group,
    Listing,
    PaperView,
    long_date,
    paper_views,
    topic_listings,
)
from generator.site.writer import Record, Site

if TYPE_CHECKING:  # numpy and scipy load only when pages are rendered
    from generator.analysis.related import Related

#: How many recent days the home page links to.
RECENT_DAYS = 7
#: Days listed on the days index before the per-year pages take over.
LATEST_DAYS = 30
#: Pages a worker renders between two reports of progress.
CHUNK_PAGES = 200


def bib_name(topic: str, path: str) -> str:
    """The name of the .bib of a topic's page: ``pruning.bib`` for its own
    page, ``pruning-page-3.bib`` for ``topics/pruning/page/3/``."""
    folder = path.removesuffix("index.html").rstrip("/")
    number = folder.rsplit("/page/", 1)[1] if "/page/" in folder else ""
    return f"{topic}-page-{number}.bib" if number else f"{topic}.bib"


class Renderer:
    """Turns the archive into pages, each paper's view made when a page first shows it."""

    def __init__(
        self,
        config: Config,
        archive: Archive,
        topics: Topics,
        related: Related,
        prepared: Prepared,
        content: Content,
        templates: Path,
        updated: datetime | None = None,
        *,
        built_in: tuple[Path, Path] | None = None,
    ) -> None:
        """``updated`` is when the site was built, shown on the home and days
        pages only (from ``SOURCE_DATE_EPOCH``: never the clock, so that the
        same input gives the same bytes). ``built_in`` is the theme's
        templates and static folders, which ``templates`` and the static
        folder given to ``render`` override file by file. ``prepared`` is
        what ``prepared.prepare`` made of the same archive and topics."""
        self.config = config
        self.updated = updated
        self.archive = archive
        self.topics = topics
        self.content = content
        self.templates = templates
        self.built_in = built_in or ()
        self.env = environment(templates, built_in[0] if built_in else None)
        self.views = paper_views(archive, topics, related)
        self.topic_order = {t.slug: i for i, t in enumerate(topics.topics)}
        self.prepared = prepared
        self.citations = Citations(config.base_url, config.title, prepared.citation_keys)
        self.site_globals = {
            "site_title": config.title,
            "site_description": config.description,
            "base_url": config.base_url,
            "has_about": content.about is not None,
            "latest_day": archive.days[-1].date if archive.days else None,
        }
        self.machine_files = MachineFiles(
            config,
            archive,
            topics,
            self.env,
            self.site_globals,
            self.views,
            updated,
        )
        self.fingerprints = self._fingerprints()

    def _fingerprints(self) -> Fingerprints:
        """What the papers', days' and topic listings' pages read, beyond
        their own arguments (see ``fingerprints``)."""
        read = names_read(self.env, ["paper.html", "day.html", "topic.html"])
        shown = {k: v for k, v in self.site_globals.items() if k not in SELDOM_SHOWN or k in read}
        base = [
            code_and_templates(self.templates, *self.built_in[:1]),
            self.config,
            # Not the list of topics that hold papers: pages order topics as
            # the taxonomy (in the config) does, and a topic that gains its
            # first paper would otherwise change every fingerprint.
            sorted(shown.items()),
        ]
        keys = self.citations.keys

        def paper(paper: Paper) -> tuple[Any, ...]:
            return (keys[paper.slug],)

        # A paper's citation key is on its own page only (days and topics
        # make their .bib in the browser, from the papers' pages).
        def day(day: Day, previous: Day | None, following: Sequence[Day]) -> tuple[Any, ...]:
            return (self.content.notes.get(day.date),)

        def listing(topic: Topic, listing: Listing) -> tuple[Any, ...]:
            # Only the topic's own page says how many papers it has.
            return (len(topic.papers) if listing.pager.newer is None else None,)

        extras: dict[Callable[..., Any], Callable[..., tuple[Any, ...]]] = {
            Renderer.render_paper: paper,
            Renderer.render_day: day,
            Renderer.render_listing: listing,
        }
        # A day's or topic's page shows only some of what a paper's view holds.
        listed: dict[Callable[..., Any], frozenset[str] | None] = {
            Renderer.render_day: names_used(self.env, ["day.html"]),
            Renderer.render_listing: names_used(self.env, ["topic.html"]),
        }
        return Fingerprints(base, self.views, extras, listed, self.prepared.hashes)

    def page(self, site: Site, path: str, template: str, **context: Any) -> None:
        depth = path.count("/")
        root = "../" * depth if depth else "./"
        page_url = self.config.base_url + path.removesuffix("index.html")
        html = self.env.get_template(template).render(
            **self.site_globals, root=root, page_url=page_url, **context
        )
        site.write(path, html)

    def by_topic(self, papers: Iterable[Paper]) -> tuple[Group, ...]:
        groups: dict[str, list[PaperView]] = {}
        for paper in papers:
            view = self.views[paper.slug]
            groups.setdefault(view.primary.slug, []).append(view)
        return tuple(
            Group(slug, views[0].primary.name, tuple(views))
            for slug, views in sorted(groups.items(), key=lambda g: self.topic_order[g[0]])
        )

    def by_day(self, papers: Sequence[Paper]) -> tuple[Group, ...]:
        groups: dict[date, list[PaperView]] = {}
        for paper in papers:
            for day in paper.days:
                groups.setdefault(day, []).append(self.views[paper.slug])
        return tuple(
            Group(day.isoformat(), long_date(day), tuple(sorted(views, key=lambda v: v.title)))
            for day, views in sorted(groups.items(), reverse=True)
        )

    def render(
        self, site: Site, static: Path, progress: Progress | None = None, workers: int = 1
    ) -> None:
        """Write every page, spread over ``workers`` processes; ``progress``
        hears how many of the pages are done."""
        with collector_paused():
            jobs = self.jobs()
        chunks = runs(len(jobs), CHUNK_PAGES)

        fingerprints = self.fingerprints

        def task(chunk: range) -> list[Record]:
            start = len(site.log)
            try:
                for number in chunk:
                    job = jobs[number]
                    fingerprint = fingerprints(job)
                    if fingerprint and site.reuse(fingerprint):
                        continue  # the same work as last time: its files are kept
                    site.fingerprint = fingerprint
                    job(site)
                    site.fingerprint = ""
            except jinja2.TemplateError as error:
                # Said here: the traceback that holds the template's line
                # does not survive the way back from a worker.
                raise TemplateFailure(template_error_line(error, self.templates)) from None
            return site.written_since(start)

        # Closed on the way out of a stop or a failure, so the workers end with it.
        with contextlib.closing(run_chunks(task, chunks, workers)) as rendered:
            for records in told(progress, "rendering pages", rendered, map(len, chunks)):
                site.adopt(records)
                stage("rendering")
        self.machine_files.write_last(site)
        site.copy_tree(static, "static", under=self.built_in[1] if self.built_in else None)

    def jobs(self) -> list[Callable[[Site], None]]:
        """Every page and file, as independent pieces of work, the longest
        first; but those that list the others, and the search and library
        data (see ``machine_files.write_data``)."""
        days = self.archive.days
        jobs: list[Callable[[Site], None]] = [self.render_home, self.render_day_indexes]
        jobs += [
            partial(
                self.render_day,
                day=day,
                previous=days[i - 1] if i else None,
                following=days[i + 1 : i + 2],
            )
            for i, day in enumerate(days)
        ]
        jobs.append(
            partial(
                self.page,
                path="topics/index.html",
                template="topics.html",
                topics=self.topics.topics,
            )
        )
        for topic in self.topics.topics:
            jobs += [
                partial(self.render_listing, topic=topic, listing=listing)
                for listing in topic_listings(topic.slug, topic.papers, PAGE_SIZE)
            ]
            jobs.append(
                partial(
                    self.machine_files.write_feed,
                    folder=f"topics/{topic.slug}/",
                    title=f"{topic.name} · {self.config.title}",
                    papers=topic.papers,
                )
            )
        jobs += [partial(self.render_paper, paper=paper) for paper in self.archive.papers]
        jobs.append(
            partial(
                self.page,
                path="search/index.html",
                template="search.html",
                paper_count=len(self.archive.papers),
                years=sorted({day.date.year for day in days}, reverse=True),
                first_day=days[0].date if days else None,
                last_day=days[-1].date if days else None,
            )
        )
        jobs.append(partial(self.page, path="saved/index.html", template="saved.html"))
        if self.content.about is not None:
            jobs.append(
                partial(
                    self.page,
                    path="about/index.html",
                    template="about.html",
                    body=self.content.about,
                )
            )
        jobs.append(self.render_404)
        return jobs

    def render_paper(self, site: Site, paper: Paper) -> None:
        """A paper's page, which holds its BibTeX entry: the only copy the
        site has (``static/bibtex.js`` makes every .bib from these)."""
        self.page(
            site,
            f"papers/{paper.slug}/index.html",
            "paper.html",
            paper=self.views[paper.slug],
            bibtex=self.citations.entry(paper),
            # Not shown by the built-in page (the script reads the key from
            # the entry), but a site's own paper.html may name it.
            citation_key=self.citations.keys[paper.slug],
        )

    def render_listing(self, site: Site, topic: Topic, listing: Listing) -> None:
        self.page(
            site,
            listing.path,
            "topic.html",
            topic=topic,
            groups=self.by_day(listing.papers),
            pager=listing.pager,
            bib_name=bib_name(topic.slug, listing.path),
        )

    def render_404(self, site: Site) -> None:
        html = self.env.get_template("404.html").render(
            **self.site_globals, root=self.config.base_url, page_url=self.config.base_url
        )
        site.write("404.html", html)

    def render_day_indexes(self, site: Site) -> None:
        """The newest days on ``days/``, and every day on a page per year."""
        newest_first = tuple(reversed(self.archive.days))
        years: dict[int, list[Day]] = {}
        for day in newest_first:
            years.setdefault(day.date.year, []).append(day)
        counts = tuple((year, sum(len(d.papers) for d in days)) for year, days in years.items())
        self.page(
            site,
            "days/index.html",
            "days.html",
            heading="All days",
            days=newest_first[:LATEST_DAYS],
            more=len(newest_first) > LATEST_DAYS,
            years=counts,
            updated=self.updated,
        )
        for year, days in years.items():
            self.page(
                site,
                f"days/{year}/index.html",
                "days.html",
                heading=f"Days of {year}",
                days=tuple(days),
                more=False,
                years=counts,
                updated=None,
            )

    def render_home(self, site: Site) -> None:
        latest = self.archive.days[-1] if self.archive.days else None
        self.page(
            site,
            "index.html",
            "home.html",
            day=latest,
            groups=self.by_topic(latest.papers) if latest else (),
            notes=self.content.notes.get(latest.date) if latest else None,
            recent=tuple(reversed(self.archive.days[-RECENT_DAYS - 1 : -1])),
            topics=self.topics.topics,
            updated=self.updated,
        )

    def render_day(
        self, site: Site, day: Day, previous: Day | None, following: Sequence[Day]
    ) -> None:
        self.page(
            site,
            f"days/{day.date.isoformat()}/index.html",
            "day.html",
            day=day,
            groups=self.by_topic(day.papers),
            notes=self.content.notes.get(day.date),
            previous=previous,
            next=following[0] if following else None,
        )
