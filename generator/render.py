"""Rendering the archive into a site folder: which pages and files there
are, as independent jobs spread over the worker processes, and writing them.

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

from generator.bibtex import Citation, bib_file, citation_keys, entry
from generator.config import Config
from generator.content import Content
from generator.model import Archive, Day, Paper
from generator.search import numbered, search_files, to_json
from generator.stops import stage
from generator.templating import TemplateFailure, environment, template_error_line
from generator.topics import Topic, Topics
from generator.views import (
    PAGE_SIZE,
    Group,
    Listing,
    PaperView,
    long_date,
    paper_views,
    topic_listings,
)
from generator.workers import Progress, collector_paused, in_worker, run_chunks, runs, told
from generator.writer import Record, Site

if TYPE_CHECKING:  # numpy and scipy load only when pages are rendered
    from generator.related import Related

#: How many recent days the home page links to.
RECENT_DAYS = 7
#: Days listed on the days index before the per-year pages take over.
LATEST_DAYS = 30
#: URLs per sitemap file (the protocol allows 50,000).
SITEMAP_URLS = 40_000
#: Pages a worker renders between two reports of progress.
CHUNK_PAGES = 200


def _chunks(count: int, size: int = CHUNK_PAGES) -> list[range]:
    """Job numbers in runs of ``size``; the first job (the search index, the
    longest) alone, so that a worker starts on it while the other renders."""
    return [range(0, min(count, 1)), *runs(count, size, start=1)]


class Renderer:
    """Turns the archive into pages; the views are built once and shared."""

    def __init__(
        self,
        config: Config,
        archive: Archive,
        topics: Topics,
        related: Related,
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
        folder given to ``render`` override file by file."""
        self.config = config
        self.updated = updated
        self.archive = archive
        self.topics = topics
        self.content = content
        self.templates = templates
        self.search_words = related.search_words
        self.built_in = built_in
        self.env = environment(templates, built_in[0] if built_in else None)
        self.views = paper_views(archive, topics, related)
        self.topic_order = {t.slug: i for i, t in enumerate(topics.topics)}
        self.citation_keys = citation_keys(numbered(archive))
        #: BibTeX entries made so far in this process: a paper's is on its
        #: page, in its own .bib and in those of its days and topic pages.
        self.entries: dict[str, str] = {}
        self.site_globals = {
            "site_title": config.title,
            "site_description": config.description,
            "base_url": config.base_url,
            "has_about": content.about is not None,
            "latest_day": archive.days[-1].date if archive.days else None,
        }

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
        chunks = _chunks(len(jobs))

        def task(chunk: range) -> list[Record]:
            start = len(site.log)
            try:
                for number in chunk:
                    jobs[number](site)
            except jinja2.TemplateError as error:
                # Said here: the traceback that holds the template's line
                # does not survive the way back from a worker.
                raise TemplateFailure(template_error_line(error, self.templates)) from None
            return site.log[start:] if in_worker() else []

        # Closed on the way out of a stop or a failure, so the workers end with it.
        with contextlib.closing(run_chunks(task, chunks, workers)) as rendered:
            for records in told(progress, "rendering pages", rendered, map(len, chunks)):
                site.adopt(records)
                stage("rendering")
        self.render_machine_files(site)
        site.copy_tree(static, "static", under=self.built_in[1] if self.built_in else None)

    def jobs(self) -> list[Callable[[Site], None]]:
        """Every page and file but those that list the others, as independent
        pieces of work, the longest first."""
        days = self.archive.days
        jobs: list[Callable[[Site], None]] = [self.write_search_files, self.render_home]
        jobs.append(self.render_day_indexes)
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
                    self.write_feed,
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

    def bibtex(self, paper: Paper) -> str:
        """The BibTeX entry of ``paper``."""
        made = self.entries.get(paper.slug)
        if made is None:
            made = self.entries[paper.slug] = entry(
                Citation(
                    key=self.citation_keys[paper.slug],
                    title=paper.title,
                    authors=paper.authors,
                    first_day=paper.days[0] if paper.days else None,
                    arxiv_id=paper.arxiv_id,
                    page_url=f"{self.config.base_url}papers/{paper.slug}/",
                    site_title=self.config.title,
                )
            )
        return made

    def write_bib(self, site: Site, folder: str, papers: Iterable[Paper]) -> None:
        """The BibTeX entries of ``papers`` as ``folder``papers.bib."""
        site.write(f"{folder}papers.bib", bib_file([self.bibtex(paper) for paper in papers]))

    def render_paper(self, site: Site, paper: Paper) -> None:
        """A paper's page, and its BibTeX entry as a .bib file beside it."""
        folder = f"papers/{paper.slug}/"
        bibtex = self.bibtex(paper)
        site.write(f"{folder}citation.bib", bibtex)
        self.page(
            site,
            f"{folder}index.html",
            "paper.html",
            paper=self.views[paper.slug],
            bibtex=bibtex,
            citation_key=self.citation_keys[paper.slug],
        )

    def render_listing(self, site: Site, topic: Topic, listing: Listing) -> None:
        self.page(
            site,
            listing.path,
            "topic.html",
            topic=topic,
            groups=self.by_day(listing.papers),
            pager=listing.pager,
        )
        self.write_bib(site, listing.path.removesuffix("index.html"), listing.papers)

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
        self.write_bib(site, f"days/{day.date.isoformat()}/", day.papers)

    def write_feed(self, site: Site, folder: str, title: str, papers: Sequence[Paper]) -> None:
        """An Atom feed of the newest of ``papers`` at ``folder``feed.xml."""
        newest = sorted(papers, key=lambda p: (-p.days[-1].toordinal(), p.title.casefold(), p.slug))
        newest = newest[: self.config.feed_entries]
        # Without papers, a feed is still valid Atom: updated when the site was (if known).
        empty = self.updated.date() if self.updated is not None else date(1970, 1, 1)
        updated = max((p.days[-1] for p in newest), default=empty)
        xml = self.env.get_template("feed.xml").render(
            **self.site_globals,
            feed_title=title,
            folder=folder,
            papers=[self.views[p.slug] for p in newest],
            updated=updated,
        )
        site.write(f"{folder}feed.xml", xml)

    def write_search_files(self, site: Site) -> None:
        for path, data in sorted(
            search_files(self.archive, self.topics, self.search_words).items()
        ):
            site.write(path, data if isinstance(data, bytes) else to_json(data) + "\n")

    def render_machine_files(self, site: Site) -> None:
        self.write_feed(site, "", self.config.title, self.archive.papers)
        # Every page written so far (all of them: this runs last) but 404.html.
        pages = [
            path for path in site.hashes if path.endswith("/index.html") or path == "index.html"
        ]
        self.write_sitemaps(site, sorted(path.removesuffix("index.html") for path in pages))
        site.write(
            "robots.txt", f"User-agent: *\nAllow: /\nSitemap: {self.config.base_url}sitemap.xml\n"
        )
        site.write(".nojekyll", "")

    def write_sitemaps(self, site: Site, urls: list[str]) -> None:
        """``sitemap.xml``; past the protocol's limit, an index of several."""
        template = self.env.get_template("sitemap.xml")
        base = self.config.base_url
        if len(urls) <= SITEMAP_URLS:
            site.write("sitemap.xml", template.render(base_url=base, urls=urls, index=False))
            return
        parts = [urls[i : i + SITEMAP_URLS] for i in range(0, len(urls), SITEMAP_URLS)]
        for number, part in enumerate(parts, start=1):
            site.write(
                f"sitemap-{number}.xml", template.render(base_url=base, urls=part, index=False)
            )
        names = [f"sitemap-{number}.xml" for number in range(1, len(parts) + 1)]
        site.write("sitemap.xml", template.render(base_url=base, urls=names, index=True))
