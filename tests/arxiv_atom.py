"""Pages of the arXiv API as it answers them: Atom with arXiv's and
OpenSearch's namespaces declared where arXiv declares them, line-wrapped
titles and abstracts, versioned ids, and a total for the whole query."""

from __future__ import annotations

from dataclasses import dataclass, field
from html import escape

ATOM = "http://www.w3.org/2005/Atom"
OPENSEARCH = "http://a9.com/-/spec/opensearch/1.1/"
ARXIV = "http://arxiv.org/schemas/atom"


@dataclass
class Preprint:
    id: str
    """With its version, as arXiv gives it: ``2503.07365v2``."""
    title: str
    abstract: str
    authors: list[str] = field(default_factory=lambda: ["Ada Lovelace"])
    categories: list[str] = field(default_factory=lambda: ["cs.LG"])
    """The primary first."""
    published: str = "2025-03-10T14:01:22Z"
    doi: str = ""
    journal_ref: str = ""


def entry(paper: Preprint) -> str:
    authors = "".join(
        f"\n    <author>\n      <name>{escape(name)}</name>\n    </author>"
        for name in paper.authors
    )
    extra = ""
    if paper.doi:
        extra += f'\n    <arxiv:doi xmlns:arxiv="{ARXIV}">{escape(paper.doi)}</arxiv:doi>'
        extra += (
            f'\n    <link title="doi" href="http://dx.doi.org/{escape(paper.doi)}" rel="related"/>'
        )
    if paper.journal_ref:
        extra += f'\n    <arxiv:journal_ref xmlns:arxiv="{ARXIV}">{escape(paper.journal_ref)}</arxiv:journal_ref>'
    categories = "".join(
        f'\n    <category term="{c}" scheme="http://arxiv.org/schemas/atom"/>'
        for c in paper.categories
    )
    return f"""
  <entry>
    <id>http://arxiv.org/abs/{paper.id}</id>
    <updated>2025-03-11T17:59:59Z</updated>
    <published>{paper.published}</published>
    <title>{escape(paper.title)}</title>
    <summary>  {escape(paper.abstract)}
</summary>{authors}{extra}
    <link href="http://arxiv.org/abs/{paper.id}" rel="alternate" type="text/html"/>
    <link title="pdf" href="http://arxiv.org/pdf/{paper.id}" rel="related" type="application/pdf"/>
    <arxiv:primary_category xmlns:arxiv="{ARXIV}" term="{paper.categories[0]}" scheme="http://arxiv.org/schemas/atom"/>{categories}
  </entry>"""


def page(papers: list[Preprint], total: int, start: int = 0, per_page: int = 200) -> bytes:
    entries = "".join(entry(paper) for paper in papers)
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<feed xmlns="{ATOM}">
  <link href="http://arxiv.org/api/query?search_query%3Dcat%3Acs.LG%26id_list%3D%26start%3D{start}%26max_results%3D{per_page}" rel="self" type="application/atom+xml"/>
  <title type="html">ArXiv Query: search_query=cat:cs.LG&amp;id_list=&amp;start={start}&amp;max_results={per_page}</title>
  <id>http://arxiv.org/api/2Vx0hDsQ0wI2uTzfsYxsDCVmRS0</id>
  <updated>2025-03-11T00:00:00-05:00</updated>
  <opensearch:totalResults xmlns:opensearch="{OPENSEARCH}">{total}</opensearch:totalResults>
  <opensearch:startIndex xmlns:opensearch="{OPENSEARCH}">{start}</opensearch:startIndex>
  <opensearch:itemsPerPage xmlns:opensearch="{OPENSEARCH}">{per_page}</opensearch:itemsPerPage>{entries}
</feed>
""".encode()


def error_page(message: str) -> bytes:
    """How arXiv answers a query it cannot run: a feed with one entry titled Error."""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<feed xmlns="{ATOM}">
  <title type="html">ArXiv Query: search_query=&amp;id_list=&amp;start=0&amp;max_results=10</title>
  <opensearch:totalResults xmlns:opensearch="{OPENSEARCH}">1</opensearch:totalResults>
  <entry>
    <id>http://arxiv.org/api/errors#incorrect_id_format_for_1234.12345</id>
    <title>Error</title>
    <summary>{escape(message)}</summary>
    <author><name>arXiv api core</name></author>
  </entry>
</feed>
""".encode()
