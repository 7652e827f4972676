"""The files of a site that are not pages: Atom feeds, sitemaps,
``robots.txt``, ``.nojekyll``, the search data and the library's data."""

from __future__ import annotations

import gzip
import heapq
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

import jinja2

from generator.analysis.topics import Topics
from generator.config.digest_yaml import Config
from generator.reading.archive import Archive, Paper
from generator.site.library_files import library_files
from generator.site.search_files import search_files, to_json
from generator.site.views import PaperView
from generator.site.writer import Record, Site

if TYPE_CHECKING:  # numpy and scipy: a build of unchanged input imports neither
    from generator.analysis.related import Related

#: URLs per sitemap file (the protocol allows 50,000).
SITEMAP_URLS = 40_000


def write_data(site: Site, archive: Archive, topics: Topics, related: Related) -> list[Record]:
    """The search index (see ``search_files``) and the data that the saved
    page and For you read (see ``library_files``): made of the archive, its
    topics and the related papers' model alone, never of the pages' views,
    so a build begins them in a process of their own (``workers.begun``)
    while it makes the views. In a worker, what it wrote comes back, for
    the parent to adopt."""
    start = len(site.log)
    made = search_files(archive, topics, related.search_words)
    made.update(library_files(archive, topics, related))
    for path, data in sorted(made.items()):
        site.write(path, data if isinstance(data, bytes) else to_json(data) + "\n")
    return site.written_since(start)


def newest(papers: Sequence[Paper], count: int) -> list[Paper]:
    """The ``count`` papers last listed most recently, then by title and
    URL name. Only papers listed on or after the ``count``-th newest last
    day can be among them: the others are never sorted (a topic's feed
    would otherwise fold the titles of all its papers, each build)."""
    if len(papers) > count > 0:
        cutoff = heapq.nlargest(count, (paper.days[-1] for paper in papers))[-1]
        papers = [paper for paper in papers if paper.days[-1] >= cutoff]
    ordered = sorted(papers, key=lambda p: (-p.days[-1].toordinal(), p.title.casefold(), p.slug))
    return ordered[:count]


class MachineFiles:
    """Writes what feed readers, crawlers, GitHub Pages and the search page read."""

    def __init__(
        self,
        config: Config,
        archive: Archive,
        topics: Topics,
        env: jinja2.Environment,
        site_globals: Mapping[str, Any],
        views: Mapping[str, PaperView],
        updated: datetime | None = None,
    ) -> None:
        """``updated``: when the site was built, if known (``SOURCE_DATE_EPOCH``)."""
        self.updated = updated
        self.config = config
        self.archive = archive
        self.topics = topics
        self.env = env
        self.site_globals = site_globals
        self.views = views

    def write_feed(self, site: Site, folder: str, title: str, papers: Sequence[Paper]) -> None:
        """An Atom feed of the newest of ``papers`` at ``folder``feed.xml."""
        shown = newest(papers, self.config.feed_entries)
        # Without papers, a feed is still valid Atom: updated when the site was (if known).
        empty = self.updated.date() if self.updated is not None else date(1970, 1, 1)
        updated = max((p.days[-1] for p in shown), default=empty)
        xml = self.env.get_template("feed.xml").render(
            **self.site_globals,
            feed_title=title,
            folder=folder,
            papers=[self.views[p.slug] for p in shown],
            updated=updated,
        )
        site.write(f"{folder}feed.xml", xml)

    def write_last(self, site: Site) -> None:
        """The site's feed, sitemaps, ``robots.txt`` and ``.nojekyll``: after
        every page, since the sitemap lists them all."""
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
        """``sitemap.xml``; past the protocol's limit, an index of several,
        each gzipped as the protocol allows: only crawlers read them, and
        at 100,000 papers they were 12.8 MB of the site (1.7 MB gzipped)."""
        template = self.env.get_template("sitemap.xml")
        base = self.config.base_url
        if len(urls) <= SITEMAP_URLS:
            site.write("sitemap.xml", template.render(base_url=base, urls=urls, index=False))
            return
        parts = [urls[i : i + SITEMAP_URLS] for i in range(0, len(urls), SITEMAP_URLS)]
        names = [f"sitemap-{number}.xml.gz" for number in range(1, len(parts) + 1)]
        for name, part in zip(names, parts, strict=True):
            text = template.render(base_url=base, urls=part, index=False)
            # No time or name in the header: the same sitemap, the same bytes.
            site.write(name, gzip.compress(text.encode("utf-8"), mtime=0))
        site.write("sitemap.xml", template.render(base_url=base, urls=names, index=True))
