"""The terms of papers that the related-papers model weighs and keyphrases
are chosen from: words, and two- and three-word phrases, of titles and
abstracts, counted per paper as numpy arrays for a whole run of papers.

Function words, vague words and numbers end phrases and are never terms;
generic words ("models") are terms only inside a phrase ("language models").
See ``keyphrase_words``. The same tokens become the search index's words, so
no text is split twice.
"""

from __future__ import annotations

import hashlib
import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from generator.analysis.keyphrase_words import (
    INSIDE,
    MODIFIERS,
    NO_END,
    NO_START,
    WORD,
    token_kind,
)
from generator.analysis.postings import RunWords, run_words
from generator.analysis.terms import STOP_WORDS, words
from generator.analysis.vocabulary import group_starts, narrow, number_words
from generator.reading.archive import Paper

_SENTENCE_BREAK = re.compile(r"[.;:!?()\[\]]")
#: Stands for the end of a sentence among a text's words: two characters, so
#: that it outlives the dropping of one-letter words, and never a term.
BREAK = "\1\1"
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


def stable_hash(token: str) -> int:
    """A token's 64-bit hash, the same in every process and every build
    (``hash`` of a string is not): the library's term numbers outlive a
    build (see ``site.library_files``)."""
    digest = hashlib.blake2b(token.encode("utf-8", "surrogatepass"), digest_size=8).digest()
    return int.from_bytes(digest, "little", signed=True)


#: A token's facts beside its hash and kind (see ``_TokenFacts``), as bits.
_LONG, _NUMBER, _NO_END, _NO_START, _MODIFIER, _STOP = (1 << bit for bit in range(6))


def _flags(token: str) -> int:
    return (
        (len(token) > 1) * _LONG
        | token[:1].isdigit() * _NUMBER
        | (token in NO_END) * _NO_END
        | (token in NO_START) * _NO_START
        | (token in MODIFIERS) * _MODIFIER
        | (token in STOP_WORDS) * _STOP
    )


def _kind(token: str) -> int:
    return 0 if token == BREAK else token_kind(token)


class _TokenFacts:
    """What the terms and search words ask of a token (its hash, its kind,
    the bits of ``_flags``), asked once per process and token rather than
    once per run: most of a run's distinct tokens are every run's, and
    seven questions per token and run were a quarter of counting words.
    A run then looks its tokens up with one dict lookup each."""

    #: Tokens kept at most; past it the table starts again (the facts never
    #: change), so that a worker's memory does not grow with the archive's
    #: vocabulary.
    LIMIT = 1 << 19

    def __init__(self) -> None:
        self.clear()

    def clear(self) -> None:
        self.numbers: dict[str, int] = {}
        self.hashes = np.zeros(0, np.uint64)
        self.kinds = np.zeros(0, np.int8)
        self.flags = np.zeros(0, np.uint8)

    def of(self, spelled: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The hash, kind and flags of each of the distinct tokens ``spelled``."""
        if len(self.numbers) > self.LIMIT:
            self.clear()
        numbers = np.fromiter(
            map(self.numbers.get, spelled, itertools.repeat(-1)), np.int64, len(spelled)
        )
        new = np.flatnonzero(numbers < 0)
        if len(new):
            fresh = [spelled[at] for at in new.tolist()]
            first = len(self.numbers)
            numbers[new] = np.arange(first, first + len(fresh))
            self.numbers.update(zip(fresh, numbers[new].tolist(), strict=True))
            hashes = np.fromiter(map(stable_hash, fresh), np.int64, len(fresh))
            self.hashes = np.concatenate([self.hashes, hashes.view(np.uint64)])
            self.kinds = np.concatenate([self.kinds, np.fromiter(map(_kind, fresh), np.int8)])
            self.flags = np.concatenate([self.flags, np.fromiter(map(_flags, fresh), np.uint8)])
        return self.hashes[numbers], self.kinds[numbers], self.flags[numbers]


_FACTS = _TokenFacts()


#: Mixes the hashes of words into the hash of their phrase.
_PHRASE_MIX = np.uint64(0x9E3779B97F4A7C15)


@dataclass(frozen=True, slots=True)
class RunCounts:
    """What a build needs of every run of papers, whether or not it weighs
    any of them again: how many of its papers have each of its terms, and
    its search words. About a third of its ``RunTerms``, and the same for
    the same texts in any build, so kept between builds (see
    ``counted_runs.KeptRuns``): a day's build splits only the texts of the
    runs it changed."""

    distinct: np.ndarray
    papers_with: np.ndarray
    reference_with: np.ndarray
    search_words: RunWords
    spelled: list[str]


@dataclass(frozen=True, slots=True)
class RunTerms:
    """The distinct words and phrases of a run of papers (see the module's
    note), with how often each paper has them (its title counted twice: it
    says most about the paper). Per paper, its words, then its two-word
    phrases, then its three-word ones, each in the order they first appear.
    Arrays for the whole run, because a Python loop over every word was most
    of the cost of relating a large archive."""

    owner: np.ndarray
    """Per term, the paper's position in the run."""
    local: np.ndarray
    """Per term, its place in ``distinct``: the model is asked about each
    distinct term of the run once, and fewer numbers go back from a worker
    than with a hash per term."""
    phrase: np.ndarray
    trigram: np.ndarray
    """Per term, whether it is a three-word phrase."""
    keyable: np.ndarray
    """Per term, whether it may be a keyphrase: neither a generic word
    alone, nor a phrase that starts or ends where a keyphrase may not (a
    number or a modifier last, a compound's second half first, or right
    after a modifier: see ``keyphrase_words``). Function and vague words
    are in no term at all."""
    in_title: np.ndarray
    """Per term, whether the paper's title has it."""
    times: np.ndarray
    spelled: list[str]
    """The run's distinct words, for the text of the terms that become
    keywords, so that the second pass need not split every text again."""
    word: np.ndarray
    """Per term, its word's place in ``spelled``; for a phrase, its first word's."""
    second: np.ndarray
    """Per phrase, its second word's place in ``spelled`` (for a word, any)."""
    third: np.ndarray
    """Per three-word phrase, its third word's place in ``spelled`` (else any)."""
    search_words: RunWords
    """The same tokens as the search index sees them: the index is made
    from these, and never splits a text."""
    distinct: np.ndarray
    """The run's distinct term hashes, sorted, and how many of its papers
    have each (``papers_with``), and how many of its papers of the model's
    reference set (``reference_with``): all the model needs of a run."""
    papers_with: np.ndarray
    reference_with: np.ndarray

    @property
    def counts(self) -> RunCounts:
        return RunCounts(
            self.distinct, self.papers_with, self.reference_with, self.search_words, self.spelled
        )

    def text(self, index: int) -> str:
        word: str = self.spelled[self.word[index]]
        if not self.phrase[index]:
            return word
        two = f"{word} {self.spelled[self.second[index]]}"
        return f"{two} {self.spelled[self.third[index]]}" if self.trigram[index] else two


@dataclass(frozen=True, slots=True)
class _Tokens:
    """The tokens of a run of papers, one after the other, as numbers: what
    is asked of each token (its length, its hash, whether it is a stop word)
    is asked once of each distinct one, about a twentieth as many."""

    spelled: list[str]
    """The distinct tokens, in the order they first appear."""
    ids: np.ndarray
    """Per token, its place in ``spelled``."""
    hashes: np.ndarray
    kinds: np.ndarray
    flags: np.ndarray
    """Per distinct token, its facts (see ``_TokenFacts``)."""

    def has(self, flag: int) -> np.ndarray:
        """Per token, whether it has ``flag`` (see ``_flags``)."""
        every: np.ndarray = (self.flags & flag).astype(bool)[self.ids]
        return every


def _run_tokens(
    papers: Sequence[Paper], start: int
) -> tuple[_Tokens, np.ndarray, np.ndarray, RunWords]:
    """The tokens of a run of papers but one-letter words, which go before
    phrases are formed, and for each the paper's place in the run and
    whether it is in the title; and the run's search words, which are these
    tokens (see ``search.words``)."""
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
    hashes, kinds, flags = _FACTS.of(spelled)
    owner = np.repeat(np.arange(len(papers)), np.add.reduceat(sizes, range(0, len(sizes), 3)))
    part = np.repeat(np.tile([0, 1, 2], len(papers)), sizes)
    searched = ids != (spelled.index(BREAK) if tokens else -1)
    stop = (flags & _STOP).astype(bool)[ids]
    in_title, in_abstract = searched & (part == 0), searched & (part == 2) & ~stop
    found = run_words(start, spelled, ids, owner, in_title, in_abstract, len(papers))
    kept = (flags & _LONG).astype(bool)[ids]
    tokens_kept = _Tokens(spelled, ids[kept].astype(np.int32), hashes, kinds, flags)
    return tokens_kept, owner[kept], (part == 0)[kept], found


def run_terms(papers: Sequence[Paper], start: int, reference: np.ndarray) -> RunTerms:
    """The terms of the run of ``papers`` that starts at ``start`` in the
    archive; ``reference`` says, per paper, whether it is of the set the
    model takes its term weights from (see ``related.reference_papers``)."""
    tokens, owner, title_token, search_words = _run_tokens(papers, start)
    last_token = len(tokens.ids) - 1
    hashes = tokens.hashes[tokens.ids]
    # A function word, a vague word, a number or a sentence break ends a
    # phrase; a phrase has at least one word that is a term alone.
    kind = tokens.kinds[tokens.ids]
    alone, inside = kind == WORD, kind >= INSIDE
    word_at = np.flatnonzero(alone)
    pair = inside[:-1] & inside[1:]
    pair_at = np.flatnonzero(pair & (alone[:-1] | alone[1:]))
    three = pair[:-1] & inside[2:]
    three_at = np.flatnonzero(three & (alone[:-2] | alone[1:-1] | alone[2:]))
    pairs = hashes[pair_at] * _PHRASE_MIX + hashes[pair_at + 1]
    threes = (hashes[three_at] * _PHRASE_MIX + hashes[three_at + 1]) * _PHRASE_MIX
    threes += hashes[three_at + 2]
    # Terms numbered words first, then phrases, each in the order they appear.
    at = np.concatenate([word_at, pair_at, three_at])
    term_hashes = np.concatenate([hashes[word_at], pairs, threes]).view(np.int64)
    length = np.repeat([1, 2, 3], [len(word_at), len(pair_at), len(three_at)])
    phrase = length > 1
    term_owner = owner[at]
    keyable = _keyable(tokens, at, length, kind)
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
    # Per term, how many of the papers having it are of the reference set.
    in_reference = np.asarray(reference, bool)[grouped_owner[starts]].astype(np.int64)
    reference_with = np.add.reduceat(in_reference, term_starts) if distinct else in_reference
    return RunTerms(
        narrow(term_owner[picked], len(papers)),
        narrow(local_of_group[by_paper], distinct),
        phrase[picked],
        length[picked] == 3,
        keyable[picked],
        title_token[at[picked]],
        narrow(times[picked], int(times.max(initial=0)) + 1),
        tokens.spelled,
        narrow(tokens.ids[at[picked]], words),
        narrow(tokens.ids[np.minimum(at[picked] + 1, last_token)], words),
        narrow(tokens.ids[np.minimum(at[picked] + 2, last_token)], words),
        search_words,
        grouped_hash[starts][term_starts],
        narrow(np.diff(np.append(term_starts, len(starts))), len(papers) + 1),
        narrow(reference_with, len(papers) + 1),
    )


def _keyable(tokens: _Tokens, at: np.ndarray, length: np.ndarray, kind: np.ndarray) -> np.ndarray:
    """Per term (starting at token ``at``, ``length`` words long), whether it
    may be a keyphrase (see ``RunTerms.keyable``)."""
    if not len(at):
        return np.zeros(0, bool)
    number, no_end = tokens.has(_NUMBER), tokens.has(_NO_END)
    no_start, modifier = tokens.has(_NO_START), tokens.has(_MODIFIER)
    last = at + length - 1
    after_modifier = np.concatenate([[False], modifier[:-1]])[at]
    keyable: np.ndarray = (
        ~number[last]
        & ~no_end[last]
        & ~no_start[at]
        & ~after_modifier
        & ((length > 1) | (kind[at] == WORD))
    )
    return keyable
