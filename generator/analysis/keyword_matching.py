"""Finding the taxonomy's keywords in a text, fast at any number of keywords.

Keywords match whole words or phrases after hyphens are read as spaces, so
``pre-training`` also finds "pre training"; a keyword written with a capital
letter (``MLP``, ``ViT``) matches only with that case, so an acronym never
matches an ordinary word.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Mapping

_HYPHENS = re.compile(r"[-‐‑‒–—_/]+")
_SPACES = re.compile(r"\s+")


def normalise(text: str) -> str:
    """Text as keywords see it: hyphens and slashes read as spaces."""
    return _SPACES.sub(" ", _HYPHENS.sub(" ", unicodedata.normalize("NFKC", text))).strip()


#: Characters that may stand between two words of a phrase, and characters
#: that end one (punctuation); all else is part of a word.
_JOINER = re.compile(r"[\s\-‐‑‒–—/_]")
_BARRIER = re.compile(r"[^\w\s\-‐‑‒–—/]")
#: A word that stands for punctuation in a list of words: no phrase spans it.
_STOP = "\0"
#: The same for ASCII text, as a table for ``bytes.translate``: punctuation
#: becomes \1 (then `` \0 ``), joiners a space.
_ASCII = bytes(
    1 if _BARRIER.match(chr(code)) else 32 if _JOINER.match(chr(code)) else code
    for code in range(256)
)
_PLURALS = ("", "s", "es")


def words(text: str) -> tuple[list[str], list[str]]:
    """The words of ``text`` as written and case-folded, punctuation kept as
    ``_STOP``: two C-speed passes (translate, split) for the usual ASCII text,
    regular expressions only for the rest."""
    if text.isascii():
        spaced = text.encode().translate(_ASCII).replace(b"\1", b" \0 ").decode()
    else:
        text = unicodedata.normalize("NFKC", text)
        spaced = _JOINER.sub(" ", _BARRIER.sub(f" {_STOP} ", text))
    tokens = spaced.split()
    folded = spaced.casefold().split()
    if len(folded) != len(tokens):
        folded = [token.casefold() for token in tokens]
    return tokens, folded


class Matcher:
    """Every keyword of the taxonomy, and its plurals, in lookup tables of word
    tuples, so a text is split into words once and each word costs a set
    lookup however many keywords there are (a regular expression of hundreds
    of alternatives was the slowest step of a large build). Phrases are looked
    at closely only where a word can start one."""

    def __init__(self, phrases: Mapping[str, list[str]]) -> None:
        """``phrases`` maps each keyword to the slugs of the topics it belongs to."""
        self.topics = phrases
        exact: dict[tuple[str, ...], str] = {}
        folded: dict[tuple[str, ...], str] = {}
        spelled = [(keyword, tuple(normalise(keyword).split())) for keyword in sorted(phrases)]
        # Every keyword as written first, then the plurals, so that a keyword
        # is never shadowed by another one's plural.
        for ending in _PLURALS:
            for keyword, spelling in spelled:
                if not spelling:
                    continue
                if any(c.isupper() for c in keyword):
                    exact.setdefault((*spelling[:-1], spelling[-1] + ending), keyword)
                else:
                    key = tuple(w.casefold() for w in spelling)
                    folded.setdefault((*key[:-1], key[-1] + ending), keyword)
        self.exact, self.folded = exact, folded
        # Per word, the phrases it can start, longest first, the exact ones
        # before the folded ones of the same length.
        self.exact_starts = _starts(exact, True)
        self.folded_starts = _starts(folded, False)
        # Where a phrase may start: the case-folded spelling of a word that
        # starts one, so that one pass over the folded words finds them all.
        self.first_words = frozenset(self.folded_starts).union(
            word.casefold() for word in self.exact_starts
        )

    def count(self, text: str) -> Counter[str]:
        """How often each keyword occurs in ``text``."""
        return self.count_words(*words(text))

    def count_words(self, tokens: list[str], folded: list[str]) -> Counter[str]:
        """How often each keyword occurs in these words (see ``words``); where
        keywords overlap, the longest one at the leftmost place counts."""
        found: Counter[str] = Counter()
        exact_starts, folded_starts = self.exact_starts, self.folded_starts
        taken = 0
        for index in _positions(folded, self.first_words):
            if index < taken:
                continue
            candidates = folded_starts.get(folded[index], [])
            if exact := exact_starts.get(tokens[index]):
                candidates = sorted(exact + candidates, reverse=True)
            for size, is_exact in candidates:
                end = index + size
                table, spelled = (self.exact, tokens) if is_exact else (self.folded, folded)
                keyword = table.get(tuple(spelled[index:end]))
                if keyword:
                    found[keyword] += 1
                    taken = end
                    break
        return found


def _positions(words: list[str], wanted: frozenset[str]) -> list[int]:
    """Where any of ``wanted`` is in ``words``, in order, found by C loops
    (``map``, ``compress``) rather than a Python step per word."""
    if not wanted:
        return []
    return list(itertools.compress(range(len(words)), map(wanted.__contains__, words)))


def _starts(table: Mapping[tuple[str, ...], str], exact: bool) -> dict[str, list[tuple[int, bool]]]:
    sizes: dict[str, set[int]] = defaultdict(set)
    for spelling in table:
        sizes[spelling[0]].add(len(spelling))
    return {
        word: [(size, exact) for size in sorted(found, reverse=True)]
        for word, found in sizes.items()
    }
