"""Search words: how titles and abstracts are split into the words that the
search index lists and related papers count, the same way the page's script
splits a query. Apart from both, so that the search index and the postings
it is made of (``postings``, imported by ``related``) share them without
importing each other.
"""

from __future__ import annotations

import re
import unicodedata

_WORD = re.compile(r"[^\W_]+")
#: Every byte that is not an ASCII letter or digit as a space.
_ASCII_GAPS = bytes(
    code if chr(code).isascii() and chr(code).isalnum() else 32 for code in range(256)
)
#: Words too common in abstracts to help find a paper.
STOP_WORDS = frozenset(
    """a an and are as at be been but by can do does for from has have how in into is it its
    of on or our such than that the their then these they this to via was we were what when
    which while with without""".split()
)


def words(text: str) -> list[str]:
    """Search words: lower case, marks (accents) removed, split at anything not
    a letter or digit, exactly as the page's script splits queries (NFKD, no
    \\p{M}, toLowerCase, [\\p{L}\\p{N}]+)."""
    if text.isascii():  # the usual case, in C: bytes.translate and split
        return text.lower().encode().translate(_ASCII_GAPS).decode().split()
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.category(c).startswith("M"))
    return _WORD.findall(text.lower())


def author_key(name: str) -> str:
    """What makes two spellings of an author's name the same author in
    search: their search words, joined by hyphens (never in a word, nor a
    space, which parts the index's list of shard keys), so that case,
    accents, punctuation and spacing never matter ("Bernhard Schölkopf" and
    "bernhard  scholkopf" alike), as the page's script folds an ``author=``."""
    return "-".join(words(name))


#: The digits of the base-36 numbers in the index (postings, shard keys).
BASE36_DIGITS = "0123456789abcdefghijklmnopqrstuvwxyz"
