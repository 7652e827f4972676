"""What the pages and the search index need of the archive and its topics
alone, made while the related papers are found.

Finding related papers keeps one core busy and leaves the other mostly idle
(57% of two cores on a day at 100,000 papers), while the views' hashes, the
citation keys and the search index's blocks of papers took 3 s of the
rendering that follows, where every core is busy. A build begins ``prepare``
in a process of its own before it relates the papers (see
``build._build``), and hands the result to the ``Renderer``.
"""

from __future__ import annotations

from dataclasses import dataclass

from generator.analysis.topics import Topics
from generator.core.workers import in_worker
from generator.reading.archive import Archive, numbered
from generator.site.bibtex import citation_keys
from generator.site.fingerprints import PaperHashes, paper_hashes
from generator.site.search_files import paper_blocks, to_json
from generator.site.views import paper_tags
from generator.site.writer import Record, Site


@dataclass(frozen=True, slots=True)
class Prepared:
    citation_keys: dict[str, str]
    """Per paper slug, its BibTeX key (see ``bibtex.citation_keys``)."""
    hashes: PaperHashes
    """What every paper's view is made of but its related papers and
    keyphrases, hashed (see ``fingerprints.paper_hashes``)."""
    records: list[Record]
    """What was written, for the parent to adopt if this ran in a worker."""


def prepare(site: Site, archive: Archive, topics: Topics) -> Prepared:
    """Write the search index's blocks of papers (see
    ``search_files.paper_blocks``), and make the citation keys and the
    papers' hashes."""
    papers = numbered(archive)
    start = len(site.log)
    for path, block in paper_blocks(papers, topics).items():
        site.write(path, to_json(block) + "\n")
    records = site.log[start:] if in_worker() else []
    return Prepared(citation_keys(papers), paper_hashes(papers, paper_tags(topics)), records)
