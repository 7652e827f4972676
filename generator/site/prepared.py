"""What the pages and the search index need of the archive and its topics
alone, made while the related papers are found.

Finding related papers keeps one core busy and leaves the other mostly idle
(57% of two cores on a day at 100,000 papers), while the rendering that
follows, with every core busy, began with 2.3 s of hashing what the views
are made of and 0.5 s of citation keys, and the search data's process made
every block of papers. A build begins ``prepare`` in a process of its own
before it relates the papers (see ``build._build``), and hands the result
to the ``Renderer``.
"""

from __future__ import annotations

import hashlib
import marshal
from collections.abc import Sequence
from dataclasses import dataclass

from generator.analysis.topics import Topics
from generator.reading.archive import Archive, Paper, numbered
from generator.site.bibtex import citation_keys
from generator.site.fingerprints import PaperHashes, code_and_templates, paper_hashes
from generator.site.search_files import BLOCK_SIZE, block_path, paper_block, to_json
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
    """Write the search index's blocks of papers, and make the citation
    keys and the papers' hashes."""
    papers = numbered(archive)
    hashes = paper_hashes(papers, paper_tags(topics))
    start = len(site.log)
    _write_blocks(site, papers, topics, hashes[0])
    return Prepared(citation_keys(papers), hashes, site.written_since(start))


def _write_blocks(
    site: Site, papers: Sequence[Paper], topics: Topics, steady: dict[str, bytes]
) -> None:
    """The blocks of ``papers`` (in number order), each kept from the
    previous site when its fingerprint is as it was: a block shows its
    papers' own fields (their steady hashes cover those, their topics and
    their numbers) and the numbers of their topics (the topics that hold
    papers, in the taxonomy's order: a topic's first paper may move others)."""
    code = code_and_templates()
    topic_numbers = {topic.slug: number for number, topic in enumerate(topics.topics)}
    matches = topics.matches
    for number, first in enumerate(range(0, len(papers), BLOCK_SIZE)):
        block = papers[first : first + BLOCK_SIZE]
        shown = [steady[paper.slug] for paper in block]
        numbers = [topic_numbers[match.topic] for paper in block for match in matches[paper.slug]]
        shown.append(marshal.dumps(numbers, 2))
        fingerprint = hashlib.blake2b(code + b"".join(shown), digest_size=16).hexdigest()
        if site.reuse(fingerprint):
            continue
        site.fingerprint = fingerprint
        site.write(block_path(number), to_json(paper_block(block, topic_numbers, topics)) + "\n")
    site.fingerprint = ""
