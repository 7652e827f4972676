"""The terms of papers that the related-papers model weighs: words and
two-word phrases of titles and abstracts, without stop words, generic words
and numbers, counted per paper as numpy arrays for a whole run of papers.

The same tokens become the search index's words, so no text is split twice.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from generator.analysis.postings import RunWords, run_words
from generator.analysis.terms import STOP_WORDS, words
from generator.analysis.vocabulary import group_starts, narrow, number_words
from generator.reading.archive import Paper

#: Words that say nothing about what a paper is about, on top of STOP_WORDS.
_GENERIC = frozenset(
    """also approach approaches based different existing experiments extensive first furthermore
    however improve improved improves method methods model models new novel paper performance
    present propose proposed provide recent results show shows significantly state study the
    this two use used using well work results achieve achieves demonstrate demonstrates via
    across among art challenging effective efficient enable enables et al often one three
    several significant therefore thus whether within without more most other only over same
    some both each many much not no so very between through under all any up out if able task
    tasks learning neural network networks deep data training trained large like etc look
    future further make makes even may including include includes expand given key""".split()
)
_IGNORED = STOP_WORDS | _GENERIC


_SENTENCE_BREAK = re.compile(r"[.;:!?()\[\]]")
#: Stands for the end of a sentence among a text's words: two characters, so
#: that it outlives the dropping of one-letter words, and never a term.
BREAK = "\1\1"
STOPS = _IGNORED | {BREAK}
#: For ASCII text, in one bytes.translate: sentence breaks as \1 (then
#: ``BREAK``), anything else not a letter or digit as a space.
_ASCII_TERMS = bytes(
    1 if _SENTENCE_BREAK.match(chr(code)) else 32 if not chr(code).isalnum() else code
    for code in range(128)
) + bytes([32] * 128)


def text_tokens(text: str) -> list[str]:
    """The words of ``text`` in lower case, ``BREAK`` at each sentence break."""
    if text.isascii():
        spaced = text.lower().encode().translate(_ASCII_TERMS)
        return spaced.replace(b"\1", f" {BREAK} ".encode()).decode().split()
    tokens = []
    for sentence in _SENTENCE_BREAK.split(text):
        tokens += words(sentence)
        tokens.append(BREAK)
    return tokens


#: Mixes the hashes of two words into the hash of their phrase.
_PHRASE_MIX = np.uint64(0x9E3779B97F4A7C15)


@dataclass(frozen=True, slots=True)
class RunTerms:
    """The distinct words and two-word phrases of a run of papers, without
    stop words or numbers, with how often each paper has them (its title
    counted twice: it says most about the paper). Per paper, its words then
    its phrases, each in the order they first appear. Arrays for the whole
    run, because a Python loop over every word was most of the cost of
    relating a large archive."""

    owner: np.ndarray
    """Per term, the paper's position in the run."""
    local: np.ndarray
    """Per term, its place in ``distinct``: the model is asked about each
    distinct term of the run once, and fewer numbers go back from a worker
    than with a hash per term."""
    phrase: np.ndarray
    times: np.ndarray
    spelled: list[str]
    """The run's distinct words, for the text of the terms that become
    keywords, so that the second pass need not split every text again."""
    word: np.ndarray
    """Per term, its word's place in ``spelled``; for a phrase, its first word's."""
    second: np.ndarray
    """Per phrase, its second word's place in ``spelled`` (for a word, any)."""
    search_words: RunWords
    """The same tokens as the search index sees them: the index is made
    from these, and never splits a text."""
    distinct: np.ndarray
    """The run's distinct term hashes, sorted, and how many of its papers
    have each (``papers_with``): all the model needs of a run."""
    papers_with: np.ndarray

    def text(self, index: int) -> str:
        word = self.spelled[self.word[index]]
        return f"{word} {self.spelled[self.second[index]]}" if self.phrase[index] else word


@dataclass(frozen=True, slots=True)
class _Tokens:
    """The tokens of a run of papers, one after the other, as numbers: what
    is asked of each token (its length, its hash, whether it is a stop word)
    is asked once of each distinct one, about a twentieth as many."""

    spelled: list[str]
    """The distinct tokens, in the order they first appear."""
    ids: np.ndarray
    """Per token, its place in ``spelled``."""

    def of_each(self, question: Callable[[str], Any], kind: type) -> np.ndarray:
        """``question`` of every token, asked of each distinct one."""
        answers: np.ndarray = np.fromiter(map(question, self.spelled), kind, len(self.spelled))
        every: np.ndarray = answers[self.ids]
        return every


def _run_tokens(papers: Sequence[Paper], start: int) -> tuple[_Tokens, np.ndarray, RunWords]:
    """The tokens of a run of papers but one-letter words, which go before
    phrases are formed, and for each the paper's place in the run; and the
    run's search words, which are these tokens (see ``search.words``)."""
    tokens: list[str] = []
    sizes: list[int] = []
    for paper in papers:
        title, abstract = text_tokens(paper.title), text_tokens(paper.abstract)
        # A break after each text, so that no phrase spans two.
        tokens += title
        tokens.append(BREAK)
        tokens += title
        tokens.append(BREAK)
        tokens += abstract
        tokens.append(BREAK)
        sizes += (len(title), len(title) + 2, len(abstract) + 1)
    spelled, ids = number_words(tokens)
    owner = np.repeat(np.arange(len(papers)), np.add.reduceat(sizes, range(0, len(sizes), 3)))
    part = np.repeat(np.tile([0, 1, 2], len(papers)), sizes)
    searched = ids != (spelled.index(BREAK) if tokens else -1)
    found = run_words(
        start, spelled, ids, owner, searched & (part == 0), searched & (part == 2), len(papers)
    )
    long_enough = np.fromiter(map(len, spelled), np.int64, len(spelled)) > 1
    kept = long_enough[ids]
    return _Tokens(spelled, ids[kept].astype(np.int32)), owner[kept], found


def run_terms(papers: Sequence[Paper], start: int) -> RunTerms:
    """The terms of the run of ``papers`` that starts at ``start`` in the archive."""
    tokens, owner, search_words = _run_tokens(papers, start)
    hashes = tokens.of_each(hash, np.int64)
    # A stop word, a number or a sentence break ends a phrase.
    good = ~tokens.of_each(lambda token: token in STOPS or token.isdecimal(), bool)
    word_at = np.flatnonzero(good)
    phrase_at = np.flatnonzero(good[:-1] & good[1:])
    mixed = hashes[phrase_at].view(np.uint64) * _PHRASE_MIX + hashes[phrase_at + 1].view(np.uint64)
    # Terms numbered words first, then phrases, each in the order they appear.
    at = np.concatenate([word_at, phrase_at])
    term_hashes = np.concatenate([hashes[word_at], mixed.view(np.int64)])
    phrase = np.repeat([False, True], [len(word_at), len(phrase_at)])
    term_owner = owner[at]
    # Grouped by term, each group in the order of the numbers, so by paper:
    # where the paper changes a new group starts, with the paper's first use.
    order = np.argsort(term_hashes, kind="stable")
    grouped_owner, grouped_hash = term_owner[order], term_hashes[order]
    new_group = (grouped_owner[1:] != grouped_owner[:-1]) | (grouped_hash[1:] != grouped_hash[:-1])
    starts = np.flatnonzero(np.concatenate([[len(order) > 0], new_group]))
    # One group per term and paper, by term: each term's number of papers.
    term_starts = group_starts(grouped_hash[starts])
    firsts = order[starts]
    # Per group, its term's place among the run's distinct terms.
    is_term_start = np.zeros(len(starts), np.int32)
    is_term_start[term_starts] = 1
    local_of_group = np.cumsum(is_term_start) - 1
    times = np.zeros(len(at), np.int64)
    times[firsts] = np.diff(np.append(starts, len(order)))
    # The groups per paper, by number: its words, then its phrases, by first
    # appearance (the keys are distinct, so any sort gives this order).
    count = max(len(at), 1)
    by_paper = np.argsort(term_owner[firsts] * count + firsts)
    picked = firsts[by_paper]
    # The arrays in the narrowest integers that hold them: they are sent
    # back from a worker, pickled and copied on the way (3 MB a run, in
    # 32 and 64 bits).
    words, distinct = len(tokens.spelled), len(term_starts)
    return RunTerms(
        narrow(term_owner[picked], len(papers)),
        narrow(local_of_group[by_paper], distinct),
        phrase[picked],
        narrow(times[picked], int(times.max(initial=0)) + 1),
        tokens.spelled,
        narrow(tokens.ids[at[picked]], words),
        narrow(tokens.ids[np.minimum(at[picked] + 1, len(tokens.ids) - 1)], words),
        search_words,
        grouped_hash[starts][term_starts],
        narrow(np.diff(np.append(term_starts, len(starts))), len(papers) + 1),
    )
