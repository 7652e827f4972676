"""A synthetic corpus of any size in the seed feed format, for benchmarks.

    python3 bench/corpus.py --papers 10000 --out /tmp/corpus [--seed 1] [--extra-day]

Titles and abstracts are built from the shipped ``seeds/*.txt`` so that the
generator meets text of the real shape: titles come from a word-level Markov
chain over real titles or from real ``Name: subtitle`` halves recombined, and
abstracts are real abstract sentences recombined to a real abstract's length.
Because 300 seed abstracts hold a vocabulary far smaller than a real archive of
100,000 papers, every abstract also names invented methods and datasets drawn
from a pool that grows with the corpus (as real vocabularies do), so the
TF-IDF similarity step sees rare terms instead of ever denser shared ones.

Every paper has authors, 1 to 30 (about 4.6 on average), drawn with
Zipf-like weights from a pool of invented names that grows with the corpus,
so that some names are on hundreds of papers and most on one or two; family
names repeat across different people, and many names carry accents.

The layout follows what a site fed by ``digest fetch`` holds: one stored
feed (JSON, as fetch writes them, with arXiv ids and authors) per weekday
(~75 papers), some papers listed again on a later day, and weekly "second
capture" feeds in the text format (captured pages: no ids, no authors) that
list part of several days again, with the occasional different case,
spacing or cut-short abstract that the merge step has to reconcile. Everything
comes from ``random.Random`` streams of the seed, so a seed always gives the
same bytes.

The seeds are read here with a few lines of our own rather than with
``generator.reading.captured``: the corpus must not change when the code under test does.
"""

from __future__ import annotations

import argparse
import itertools
import json
import random
import re
import shutil
import sys
import time
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SEEDS = REPO / "seeds"
CHROME = (
    "new",
    "Get trending papers in your email inbox!",
    "Subscribe",
    "byAK and the research community",
)
#: The newest day of every corpus, so corpora of any size end on the same days.
LAST_DAY = date(2025, 3, 14)
#: The year digest.yaml gives date lines that carry none.
CONFIG_YEAR = 2025
PER_DAY = (50, 100)
REPEAT_SHARE = 0.15
#: Share of days listed again, in part, by a weekly second capture.
SECOND_CAPTURE_SHARE = 0.2
NO_ABSTRACT_SHARE = 0.005
PROSE_CHARS = 300

_DATE_LINE = re.compile(r"([A-Za-z]{3,9})\.? (\d{1,2})(?:, ?(\d{4}))?|\d{4}-\d{2}-\d{2}")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z])")
_DANGLING = frozenset(
    "a an and as at by for from in into is of on or the to towards via with without".split()
)
_CAMEL_PART = re.compile(r"[A-Z][a-z]+|[A-Z]+(?![a-z])|\d+")
#: Authors per paper: 1 + a log-normal draw, at most 30.
AUTHORS_MU, AUTHORS_SIGMA, MAX_AUTHORS = 1.2, 0.65, 30
#: Weight of the author of rank r: 1 / (r + AUTHORS_OFFSET); with a pool as
#: large as the corpus, the busiest author is on about 1.2% of the papers.
AUTHORS_OFFSET = 50
#: Invented name parts (written for this corpus), accents and all; family
#: names are drawn with Zipf-like weights too, so different people share them.
GIVEN_NAMES = """Ada Aiko Alejandro Ana Anders Andrés Anh Arjun Aylin Bao Beatriz Bjørn Björn
    Camille Carlos Chen Chiara Chloé Daniel Dmitri Élodie Emre Eun Farah Fatima Felipe François
    Gabriel Hana Hao Hélène Hiroshi Ines Ingrid Ioana Jae Jakub Jan Javier Jean-Luc Jia Jiří João
    Jonas Jörg Julia Jürgen Kai Karin Kofi Lars Laura Lei Leila Li Lin Ling Luca Łukasz Maik Iñaki
    Marco María Mateo Mei Mihai Min Ming Nadia Naveen Nikolaj Noémie Olga Omar Oskar Pablo Paweł
    Pedro Priya Qi Rafael Ravi René Ruth Sakura Samir Sara Sebastián Sergei Shu Siddharth Sofía
    Søren Sun Tamar Thiago Tomás Uma Vera Wei Xin Yan Yasmin Yi Yuki Zeynep Zhi Zoë""".split()
FAMILY_NAMES = """Wang Zhang Li Liu Chen Yang Huang Zhao Wu Zhou Xu Sun Ma Zhu Hu Guo Lin He Gao
    Kim Lee Park Choi Nguyễn Trần Lê Phạm Sato Suzuki Takahashi Tanaka Watanabe Kumar Singh
    Sharma Gupta Patel Iyer Müller Schmidt Schneider Fischer Weiß Schölkopf Köhler Brückner
    García Martínez López González Rodríguez Fernández Pérez Sánchez Núñez Peña Silva Santos
    Gonçalves Conceição Dubois Lefèvre Moreau Girard Bérard Rossi Russo Bianchi Ricci Colombo
    Kowalski Nowak Wiśniewski Wójcik Dvořák Novák Svoboda Horváth Kovács Nagy Öztürk Yılmaz
    Çelik Şahin Ivanov Petrov Smirnov Kuznetsov Andersson Johansson Ångström Nørgaard Jensen
    Hansen Larsen Virtanen Mäkinen Smith Johnson Williams Brown Jones Miller Davis Wilson Taylor
    Anderson Thomas Moore Martin Jackson White Harris Clark Lewis Walker Hall Young Allen King
    Wright Scott Green Baker Adams Nelson Hill Campbell Mitchell Roberts Carter Phillips Evans
    O'Brien Murphy Kelly Walsh Byrne Cohen Levi Friedman Haddad Khalil Mansour Okafor Adeyemi
    Mensah Owusu Abebe Tesfaye""".split()


@dataclass(frozen=True, slots=True)
class Vocabulary:
    """What the shipped seeds offer to build new papers from."""

    titles: tuple[str, ...]
    heads: tuple[str, ...]
    """Parts of real titles before ``:`` (often a method's name)."""
    tails: tuple[str, ...]
    """Parts of real titles after ``:``."""
    abstracts: tuple[tuple[str, ...], ...]
    """Real abstracts as their sentences."""
    lengths: tuple[int, ...]
    """Lengths of real abstracts, to draw new lengths from."""
    name_parts: tuple[str, ...]
    """Pieces of CamelCase and acronym names (``Llama``, ``Fusion``, ``GLU``)."""


@dataclass(slots=True)
class Paper:
    title: str
    abstract: str
    home: date | None = None
    """The day the paper first appears on; listed anywhere else, it may vary."""
    authors: tuple[str, ...] = ()
    arxiv_id: str = ""


@dataclass(slots=True)
class Plan:
    """Which papers each feed file lists, before any text is written."""

    papers: list[Paper] = field(default_factory=list)
    days: dict[date, list[int]] = field(default_factory=dict)
    """Per day, indices into ``papers`` in listing order (main captures)."""
    repeats: int = 0


def read_seeds(seeds: Path = SEEDS) -> Vocabulary:
    """Titles and abstracts of the shipped seeds, told apart by length as the
    real parser does (an abstract is long prose, a title is not)."""
    titles: dict[str, None] = {}
    abstracts: dict[str, None] = {}
    chrome = {line.lower() for line in CHROME}
    for path in sorted(seeds.glob("*.txt")):
        for raw in path.read_text(encoding="utf-8-sig").splitlines():
            line = " ".join(raw.split())
            if not line or line.lower() in chrome or _DATE_LINE.fullmatch(line):
                continue
            (abstracts if len(line) >= PROSE_CHARS else titles)[line] = None
    if not titles or not abstracts:
        sys.exit(f"corpus: no titles or abstracts found in {seeds}")
    return _vocabulary(list(titles), list(abstracts))


def _vocabulary(titles: list[str], abstracts: list[str]) -> Vocabulary:
    heads, tails, parts = [], [], {}
    for title in titles:
        head, colon, tail = title.partition(":")
        if colon and head.strip() and tail.strip():
            heads.append(head.strip())
            tails.append(tail.strip())
        for token in title.replace(":", " ").split():
            if any(c.isupper() for c in token[1:]):
                for part in _CAMEL_PART.findall(token):
                    if len(part) > 1 and not part.isdigit():
                        parts[part] = None
    return Vocabulary(
        titles=tuple(titles),
        heads=tuple(heads),
        tails=tuple(tails),
        abstracts=tuple(tuple(s for s in _SENTENCE_END.split(a) if s) for a in abstracts),
        lengths=tuple(len(a) for a in abstracts),
        name_parts=tuple(parts),
    )


class Writer:
    """Makes new, distinct papers from a vocabulary with one random stream."""

    def __init__(
        self, vocabulary: Vocabulary, rng: random.Random, papers: int, seed: int = 1
    ) -> None:
        self.vocabulary = vocabulary
        self.rng = rng
        self.keys: set[str] = set()
        self.chain = _chain(vocabulary.titles)
        # Invented method and dataset names shared by a few papers each: the
        # rare vocabulary a real archive grows as it grows.
        self.shared_names = [self.name() for _ in range(max(50, papers // 8))]
        # Authors from a stream of their own: the titles and abstracts of a
        # seed are the same with authors as they were before there were any.
        self.author_rng = random.Random(f"{seed}-authors")
        self.authors = _author_pool(self.author_rng, max(200, papers))
        weights = (1 / (rank + AUTHORS_OFFSET) for rank in range(len(self.authors)))
        self.author_weights = list(itertools.accumulate(weights))
        self.ids: dict[str, int] = defaultdict(int)

    def name(self) -> str:
        parts = self.vocabulary.name_parts
        name = self.rng.choice(parts) + self.rng.choice(parts)
        return name + (f"-{self.rng.randint(2, 9)}" if self.rng.random() < 0.2 else "")

    def title(self) -> str:
        """A title no earlier paper has (after the case and space folding the
        generator's merge step applies)."""
        for attempt in range(1000):
            roll = self.rng.random()
            if roll < 0.45:
                title = _walk(self.chain, self.rng)
            elif roll < 0.75:
                title = f"{self.name()}: {self.rng.choice(self.vocabulary.tails)}"
            else:
                head = self.rng.choice(self.vocabulary.heads)
                title = f"{head}: {_walk(self.chain, self.rng)}"
            if attempt > 100:
                title = f"{self.name()}{attempt}: {title}"
            title = _clean_title(title)
            if title and (key := _key(title)) not in self.keys:
                self.keys.add(key)
                return title
        raise RuntimeError("no new title after 1,000 attempts")

    def abstract(self, title: str) -> str:
        """Real sentences recombined to a real abstract's length, naming the
        method of the title and a dataset or two."""
        vocabulary, rng = self.vocabulary, self.rng
        target = rng.choice(vocabulary.lengths)
        # Two real abstracts, mixed: one or two subjects per abstract, as in
        # real ones, rather than a sentence from each of ten unrelated papers.
        opening, other = rng.sample(vocabulary.abstracts, k=2)
        pool = [*opening[1:-1], *other[1:]]
        rng.shuffle(pool)
        sentences = [opening[0]]
        size = len(opening[0])
        for sentence in pool:
            if size >= target - 200:
                break
            sentences.append(sentence)
            size += len(sentence) + 1
        datasets = rng.sample(self.shared_names, k=min(2, len(self.shared_names)))
        sentences.append(f"We evaluate on {datasets[0]} and {datasets[1]}.")
        sentences.append(opening[-1] if len(opening) > 1 else rng.choice(other))
        head = title.partition(":")[0]
        if head != title and len(head.split()) == 1:
            sentences.append(f"Code and models for {head} are publicly available.")
        return " ".join(sentences)

    def paper(self, day: date) -> Paper:
        title = self.title()
        no_abstract = self.rng.random() < NO_ABSTRACT_SHARE
        abstract = "" if no_abstract else self.abstract(title)
        month = f"{day:%y%m}"
        self.ids[month] += 1
        arxiv_id = f"{month}.{self.ids[month]:05d}"
        return Paper(title, abstract, day, self.paper_authors(), arxiv_id)

    def paper_authors(self) -> tuple[str, ...]:
        """1 to 30 distinct authors, the busy ones more often."""
        rng = self.author_rng
        count = min(MAX_AUTHORS, 1 + int(rng.lognormvariate(AUTHORS_MU, AUTHORS_SIGMA)))
        drawn = rng.choices(self.authors, cum_weights=self.author_weights, k=count)
        return tuple(dict.fromkeys(drawn))


def _author_pool(rng: random.Random, size: int) -> list[str]:
    """``size`` distinct invented names, busiest first: given and family
    names combined, family names Zipf-like; a middle initial where a
    combination is taken already."""
    family_weights = list(itertools.accumulate(1 / (r + 3) for r in range(len(FAMILY_NAMES))))
    names: dict[str, None] = {}
    while len(names) < size:
        given = rng.choice(GIVEN_NAMES)
        [family] = rng.choices(FAMILY_NAMES, cum_weights=family_weights)
        name = f"{given} {family}"
        if name in names:
            name = f"{given} {chr(rng.randrange(26) + 65)}. {family}"
        names.setdefault(name, None)
    return list(names)


def _chain(titles: tuple[str, ...]) -> dict[str, list[str]]:
    """Word-level Markov chain: for each word, the words that follow it (with
    repetition, so frequent followers are drawn more often)."""
    chain: dict[str, list[str]] = defaultdict(list)
    for title in titles:
        words = ["", *title.split(), "\n"]
        for current, following in zip(words, words[1:], strict=False):
            chain[current].append(following)
    return dict(chain)


def _walk(chain: dict[str, list[str]], rng: random.Random, limit: int = 16) -> str:
    words: list[str] = []
    word = rng.choice(chain[""])
    while word != "\n" and len(words) < limit:
        words.append(word)
        word = rng.choice(chain.get(word, ["\n"]))
    return " ".join(words) if len(words) >= 3 else _walk(chain, rng, limit)


def _clean_title(title: str) -> str:
    """A title the parser reads as a title: short, not ending in a full stop,
    and not mistaken for a date line or page chrome; a chain walk that stops
    on "of" or "A" is cut back to the last word that can end a title."""
    words = title.split()
    while len(words) > 3 and words[-1].lower().rstrip(":") in _DANGLING:
        words.pop()
    title = " ".join(words).rstrip(" .:,;")
    if len(title) >= PROSE_CHARS or _DATE_LINE.fullmatch(title):
        return ""
    return "" if title.lower() in {line.lower() for line in CHROME} else title


def _key(title: str) -> str:
    """The generator's notion of "the same paper": NFKC, spaces, case folded."""
    return " ".join(unicodedata.normalize("NFKC", title).split()).casefold()


def weekdays_before(last: date, count: int) -> list[date]:
    """``count`` weekdays ending on ``last``, oldest first (no papers at weekends)."""
    days: list[date] = []
    day = last
    while len(days) < count:
        if day.weekday() < 5:
            days.append(day)
        day -= timedelta(days=1)
    return days[::-1]


def next_weekday(day: date) -> date:
    day += timedelta(days=1)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def plan_corpus(papers: int, seed: int) -> tuple[Plan, Writer]:
    """Papers spread over weekdays, with about ``REPEAT_SHARE`` of them listed
    again on a later day."""
    rng = random.Random(seed)
    writer = Writer(read_seeds(), rng, papers, seed)
    sizes: list[int] = []
    while sum(sizes) < papers:
        sizes.append(rng.randint(*PER_DAY))
    sizes[-1] -= sum(sizes) - papers
    plan = Plan()
    days = weekdays_before(LAST_DAY, len(sizes))
    for day, size in zip(days, sizes, strict=True):
        start = len(plan.papers)
        plan.papers.extend(writer.paper(day) for _ in range(size))
        plan.days[day] = list(range(start, start + size))
    _add_repeats(plan, days, rng)
    return plan, writer


def _add_repeats(plan: Plan, days: list[date], rng: random.Random) -> None:
    """List ~15% of papers again one to five weekdays later, as trending papers are."""
    for position, day in enumerate(days[:-1]):
        for index in list(plan.days[day]):
            if rng.random() < REPEAT_SHARE:
                later = days[min(len(days) - 1, position + rng.randint(1, 5))]
                plan.days[later].insert(rng.randrange(len(plan.days[later]) + 1), index)
                plan.repeats += 1


def extra_day(plan: Plan, writer: Writer) -> tuple[date, list[int]]:
    """The day after the corpus: new papers plus a few of the last days' ones.
    Drawn after the whole corpus, so it never changes the corpus itself."""
    rng = writer.rng
    day = next_weekday(max(plan.days))
    new = [len(plan.papers) + offset for offset in range(rng.randint(*PER_DAY))]
    plan.papers.extend(writer.paper(day) for _ in new)
    recent = [i for d in sorted(plan.days)[-5:] for i in plan.days[d]]
    again = rng.sample(recent, k=min(len(recent), round(len(new) * REPEAT_SHARE)))
    return day, new + again


def date_line(day: date, rng: random.Random) -> str:
    """Any of the date line forms the format allows; a bare ``Mar 11`` only in
    the year the config gives such lines."""
    forms = [f"{day:%b} {day.day}, {day.year}", day.isoformat(), f"{day:%B} {day.day}, {day.year}"]
    if day.year == CONFIG_YEAR:
        forms.append(f"{day:%b} {day.day}")
    return rng.choice(forms)


def entry_lines(paper: Paper, rng: random.Random, *, vary: bool) -> list[str]:
    """A paper as a feed lists it; a repeat sometimes differs in case, spacing
    or a cut-short abstract, as real captures do."""
    title, abstract = paper.title, paper.abstract
    if vary:
        roll = rng.random()
        if roll < 0.05:
            title = title.upper() if rng.random() < 0.5 else title.lower()
        elif roll < 0.10:
            title = title.replace(" ", "  ", 1)
        elif roll < 0.15 and len(abstract) > 2 * PROSE_CHARS:
            abstract = abstract[: rng.randint(PROSE_CHARS + 50, len(abstract) - 1)].rstrip()
    return [title, abstract] if abstract else [title]


def stored_feed(day: date, indices: list[int], plan: Plan, rng: random.Random) -> str:
    """A day's papers as ``digest fetch`` stores them (format
    ``digest-papers/1``): arXiv id, title, abstract, authors. Listings other
    than a paper's first may vary as in ``entry_lines``."""
    papers = []
    for index in indices:
        paper = plan.papers[index]
        title, *abstract = entry_lines(paper, rng, vary=day != paper.home)
        papers.append(
            {
                "id": paper.arxiv_id,
                "title": title,
                "abstract": abstract[0] if abstract else "",
                "authors": list(paper.authors),
            }
        )
    feed = {
        "format": "digest-papers/1",
        "source": {
            "kind": "arxiv",
            "name": "arXiv cs.LG",
            "url": "https://export.arxiv.org/api/query",
        },
        "date": day.isoformat(),
        "papers": papers,
    }
    return json.dumps(feed, ensure_ascii=False, indent=1) + "\n"


def feed_text(
    sections: list[tuple[date, list[int]]], plan: Plan, rng: random.Random, *, capture: bool
) -> str:
    """A whole feed file: page chrome, then each day's date line and papers,
    every line separated by a blank line as in the real captures. Listings
    other than a paper's first (later days, second captures) may vary."""
    lines = list(CHROME)
    for day, indices in sections:
        lines.append(date_line(day, rng))
        for index in indices:
            paper = plan.papers[index]
            lines.extend(entry_lines(paper, rng, vary=capture or day != paper.home))
    return "\n\n".join(lines) + "\n"


def second_captures(plan: Plan, rng: random.Random) -> dict[str, list[tuple[date, list[int]]]]:
    """Weekly feeds that list part of some days again (another capture of the
    same page): the same papers from another file."""
    weeks: dict[str, list[tuple[date, list[int]]]] = defaultdict(list)
    for day in sorted(plan.days):
        if rng.random() < SECOND_CAPTURE_SHARE:
            listed = plan.days[day]
            part = sorted(rng.sample(range(len(listed)), k=max(1, len(listed) // 3)))
            year, week, _ = day.isocalendar()
            weeks[f"capture-{year}-w{week:02d}.txt"].append((day, [listed[i] for i in part]))
    return dict(weeks)


def write_corpus(
    papers: int, out: Path, seed: int = 1, *, extra: bool = False, later: int = 0
) -> dict[str, int]:
    """Write the corpus (or, with ``extra``, only the file of the day after it,
    or with ``later`` as well, of the day ``later`` days after that one) into
    ``out``; returns counts for the caller to report."""
    plan, writer = plan_corpus(papers, seed)
    rng = random.Random(f"{seed}-layout")
    out.mkdir(parents=True, exist_ok=True)
    captures = second_captures(plan, rng)
    next_day, listed = extra_day(plan, writer)
    for _ in range(later if extra else 0):
        plan.days[next_day] = listed  # the next day follows this one
        next_day, listed = extra_day(plan, writer)
    if extra:
        text = stored_feed(next_day, listed, plan, rng)
        (out / f"daily-{next_day.isoformat()}.json").write_text(text, encoding="utf-8")
        return {"files": 1, "entries": len(listed), "days": 1}
    entries = 0
    for day, indices in plan.days.items():
        text = stored_feed(day, indices, plan, rng)
        (out / f"daily-{day.isoformat()}.json").write_text(text, encoding="utf-8")
        entries += len(indices)
    for name, sections in captures.items():
        (out / name).write_text(feed_text(sections, plan, rng, capture=True), encoding="utf-8")
        entries += sum(len(indices) for _, indices in sections)
    if (SEEDS / "about.md").is_file():
        shutil.copyfile(SEEDS / "about.md", out / "about.md")
    return {
        "papers": papers,
        "days": len(plan.days),
        "files": len(plan.days) + len(captures),
        "entries": entries,
        "repeats": plan.repeats,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--papers", type=int, required=True, help="distinct papers")
    parser.add_argument("--out", type=Path, required=True, help="folder to write feeds into")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--extra-day", action="store_true", help="write only the feed of the day after the corpus"
    )
    args = parser.parse_args(argv)
    if args.papers < 1:
        parser.error("--papers must be at least 1")
    started = time.perf_counter()
    counts = write_corpus(args.papers, args.out, args.seed, extra=args.extra_day)
    summary = ", ".join(f"{value} {name}" for name, value in counts.items())
    print(f"wrote {summary} to {args.out} in {time.perf_counter() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
