"""BibTeX entries for papers, to cite them: on each paper's page, the only
place the site keeps them (``static/bibtex.js`` makes the .bib of a paper, a
day, a topic's page or the reader's saved papers from those pages).

Feed text is plain Unicode; BibTeX reads LaTeX. Each character is written as
LaTeX where it has a usual spelling there: the ten that LaTeX or BibTeX read
as syntax (``{ } \\ % & # $ _ ^ ~``), accented letters (``é`` as
``{\\'{e}}``, in braces so that BibTeX sorts and changes case around them),
letters such as ``ß`` and ``ø``, Greek letters and the common symbols of
titles. Anything else is kept as it is: the file is UTF-8, which biber, and
BibTeX with ``inputenc``, read. So no title can end a field early, start a
comment or switch to math mode.

Citation keys are ``<family name><year><first word of the title>`` in ASCII.
Papers are given keys oldest first, and a key already taken gets ``b``,
``c``… in that order, so that a new day's papers never change the key of a
paper cited before.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from urllib.parse import quote

from generator.reading.archive import Paper

#: Characters that LaTeX or BibTeX read as syntax. Braces are commands, not
#: ``\{``: BibTeX counts every brace, escaped or not, to find a field's end.
_SYNTAX = {
    "\\": r"\textbackslash{}",
    "{": r"\textbraceleft{}",
    "}": r"\textbraceright{}",
    "%": r"\%",
    "&": r"\&",
    "#": r"\#",
    "$": r"\$",
    "_": r"\_",
    "^": r"\^{}",
    "~": r"\~{}",
    "<": r"\textless{}",
    ">": r"\textgreater{}",
    "|": r"\textbar{}",
}
#: Combining marks and the LaTeX accent commands that put them on a letter.
_ACCENTS = {
    "\u0300": "`", "\u0301": "'", "\u0302": "^", "\u0303": "~", "\u0304": "=",
    "\u0306": "u", "\u0307": ".", "\u0308": '"', "\u030a": "r", "\u030b": "H",
    "\u030c": "v", "\u0327": "c", "\u0328": "k",
}  # fmt: skip
#: Letters and symbols with a LaTeX spelling of their own.
_NAMED = {
    "ß": r"{\ss}", "æ": r"{\ae}", "Æ": r"{\AE}", "œ": r"{\oe}", "Œ": r"{\OE}",
    "ø": r"{\o}", "Ø": r"{\O}", "ł": r"{\l}", "Ł": r"{\L}", "ı": r"{\i}",
    # Braced, so that two dashes in a row never join into a longer one.
    "–": "{--}", "—": "{---}", "“": "``", "”": "''",
    "…": r"{\ldots}",
    "×": r"{$\times$}", "±": r"{$\pm$}", "≤": r"{$\leq$}", "≥": r"{$\geq$}",
    "≈": r"{$\approx$}", "→": r"{$\rightarrow$}", "←": r"{$\leftarrow$}",
    "∞": r"{$\infty$}", "·": r"{$\cdot$}",
}  # fmt: skip
_GREEK = "alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi".split()
_GREEK += "omicron pi rho finalsigma sigma tau upsilon phi chi psi omega".split()
#: Capitals that LaTeX spells apart from the Latin letters they look like.
_GREEK_CAPITALS = frozenset("Gamma Delta Theta Lambda Xi Pi Sigma Upsilon Phi Psi Omega".split())
for _at, _name in enumerate(_GREEK):
    if _name not in ("omicron", "finalsigma"):  # no LaTeX command of their own
        _NAMED[chr(0x3B1 + _at)] = f"{{$\\{_name}$}}"
    if _name.capitalize() in _GREEK_CAPITALS:
        _NAMED[chr(0x391 + _at)] = f"{{$\\{_name.capitalize()}$}}"
#: Text with none of the characters above: the usual title, as it is.
_PLAIN = re.compile(r"[A-Za-z0-9 .,:;!?()\[\]'\"/@*+=`-]*")
_ASCII_WORD = re.compile(r"[a-z0-9]+")
_AND = re.compile(r"\band\b", re.IGNORECASE)
#: What a URL keeps as it is in a ``url`` field.
_URL_KEPT = ":/?#[]@!$&'()*+,;=%~-._"
_URL_SAFE = re.compile(r"[A-Za-z0-9:/?#\[\]@!$&'()*+,;=%~._-]*")
#: Two characters that LaTeX would print as one (a dash, a quotation mark).
_LIGATURE = re.compile(r"([-`',])(?=\1)|[?!](?=`)")
_LIGATURE_PAIRS = ("--", "``", "''", ",,", "?`", "!`")
#: What a key taken by an older paper gets, in turn.
_MORE = "bcdefghijklmnopqrstuvwxyz"
#: Title words that make poor keys.
_SKIPPED = frozenset("a an the on of in for to and with towards toward is are do does".split())


def escaped(text: str) -> str:
    """``text`` as LaTeX for a BibTeX field, runs of white space as one space."""
    if not text.isascii():
        text = unicodedata.normalize("NFC", text)
    text = " ".join(text.split())
    if _PLAIN.fullmatch(text) and not _has_ligature(text):
        return text  # the usual title, checked in C
    latex = list(map(_escaped_char, text))
    for match in _LIGATURE.finditer(text):  # "--" as written, not an en dash
        latex[match.start()] += "{}"
    return "".join(latex)


def _has_ligature(text: str) -> bool:
    """``_LIGATURE.search(text)``, in a quarter of its time: the regular
    expression's back reference made it the dearest part of an entry."""
    return any(pair in text for pair in _LIGATURE_PAIRS)


def _escaped_char(char: str) -> str:
    if char.isascii():
        return _SYNTAX.get(char, char)
    if char in _NAMED:
        return _NAMED[char]
    # One accent on an ASCII letter; a letter with two (Vietnamese ễ) stays
    # as it is, as LaTeX readers such as latexcodec do not read them nested.
    decomposed = unicodedata.normalize("NFD", char)
    if len(decomposed) == 2 and decomposed[0].isascii() and decomposed[1] in _ACCENTS:
        return f"{{\\{_ACCENTS[decomposed[1]]}{{{decomposed[0]}}}}}"
    return char


def _ascii_lower(text: str) -> str:
    if not text.isascii():
        text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return text.lower()


def _key_base(paper: Paper) -> str:
    """``vinyals2025pointer``: the first author's family name (the last word
    of the name), the year of the paper's first day, the first title word
    that says something (three letters or more, not "the"); each part left
    out where there is none in ASCII."""
    family = _ASCII_WORD.findall(_ascii_lower(paper.authors[0]))[-1:] if paper.authors else []
    year = [str(paper.days[0].year)] if paper.days else []
    # The first telling word, found without listing them all: this runs for
    # every paper before any page is rendered.
    found = _ASCII_WORD.findall(_ascii_lower(paper.title))
    telling = (w for w in found if len(w) > 2 and w.isalpha() and w not in _SKIPPED)
    title = [next(telling, None) or found[0]] if found else []
    if not family:  # ``llamafusion2025``: a key starts with a word
        return "".join(title + year) or "paper" + "".join(year)
    return "".join(family + year + title)


def citation_keys(papers: Iterable[Paper]) -> dict[str, str]:
    """Per paper slug, its key; ``papers`` oldest first (see the module's note)."""
    keys: dict[str, str] = {}
    taken: set[str] = set()
    for paper in papers:
        base = key = _key_base(paper)
        more = 0
        while key in taken:
            more += 1
            key = base + (_MORE[more - 1] if more <= len(_MORE) else str(more + 1))
        taken.add(key)
        keys[paper.slug] = key
    return keys


@dataclass(frozen=True, slots=True)
class Citation:
    """What a BibTeX entry of a paper says, before escaping."""

    key: str
    title: str
    authors: tuple[str, ...]
    first_day: date | None
    arxiv_id: str
    page_url: str
    """The paper's page on the site, for papers without an arXiv id."""
    site_title: str


def entry(citation: Citation) -> str:
    """One ``@misc`` entry: with ``eprint`` and ``archivePrefix`` where the
    arXiv id is known, else pointing at the paper's page on the site."""
    fields = [f"  title = {{{{{escaped(citation.title)}}}}},\n"]
    if citation.authors:
        authors = " and ".join([_author(name) for name in citation.authors])
        fields.append(f"  author = {{{authors}}},\n")
    if citation.first_day:
        fields.append(f"  year = {{{citation.first_day.year}}},\n")
    if citation.arxiv_id:
        fields.append(f"  eprint = {{{escaped(citation.arxiv_id)}}},\n")
        fields.append("  archivePrefix = {arXiv},\n")
        fields.append(f"  url = {{{_url(f'https://arxiv.org/abs/{citation.arxiv_id}')}}},\n")
    else:
        fields.append(f"  url = {{{_url(citation.page_url)}}},\n")
        if citation.first_day:
            fields.append(_note(citation.site_title, citation.first_day))
    return f"@misc{{{citation.key},\n{''.join(fields)}}}\n"


@functools.lru_cache(maxsize=1024)
def _note(site_title: str, first_day: date) -> str:
    """The ``note`` field of a paper without an arXiv id: the same for all
    the papers of a day, so made once per day."""
    listed = f"Listed in {site_title} on {first_day.isoformat()}"
    return f"  note = {{{escaped(listed)}}},\n"


def _author(name: str) -> str:
    """A name as one person: in braces where BibTeX would read its commas or
    an "and" in it as the parts of a name or two people."""
    latex = escaped(name)
    return "{" + latex + "}" if "," in latex or _AND.search(latex) else latex


def _url(url: str) -> str:
    """A URL as a ``url`` field takes it, verbatim: characters that would
    break the field (braces, backslashes, spaces) percent-encoded."""
    if _URL_SAFE.fullmatch(url):
        return url
    return quote(url, safe=_URL_KEPT)


class Citations:
    """Every paper's key, and its entry, made when its page is rendered (the
    one place that shows it, so it is not kept)."""

    def __init__(self, base_url: str, site_title: str, keys: dict[str, str]) -> None:
        """``keys``: per paper slug, its key (see ``citation_keys``)."""
        self.base_url = base_url
        self.site_title = site_title
        self.keys = keys

    def entry(self, paper: Paper) -> str:
        """The BibTeX entry of ``paper``."""
        return entry(
            Citation(
                key=self.keys[paper.slug],
                title=paper.title,
                authors=paper.authors,
                first_day=paper.days[0] if paper.days else None,
                arxiv_id=paper.arxiv_id,
                page_url=f"{self.base_url}papers/{paper.slug}/",
                site_title=self.site_title,
            )
        )
