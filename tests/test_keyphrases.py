"""Keyphrases: the "Keywords" row of paper pages holds phrases a researcher
would write, checked on every seed paper against a standard English
stop-word list written here (not the generator's own lists)."""

from __future__ import annotations

import html
import re

from generator.analysis.related import relate
from tests.test_related import archive_of

#: A standard English stop-word list (the function words most search
#: engines and NLP toolkits leave out), written out here so that the test
#: does not lean on the lists it checks.
ENGLISH_STOP_WORDS = frozenset(
    """a about above after again against all am an and any are aren't as at be because been
    before being below between both but by can cannot could couldn't did didn't do does
    doesn't doing don't down during each few for from further had hadn't has hasn't have
    haven't having he he'd he'll he's her here here's hers herself him himself his how how's i
    i'd i'll i'm i've if in into is isn't it it's its itself just let's me more most mustn't my
    myself no nor not now of off on once only or other ought our ours ourselves out over own
    same shan't she she'd she'll she's should shouldn't so some such than that that's the their
    theirs them themselves then there there's these they they'd they'll they're they've this
    those through to too under until up very was wasn't we we'd we'll we're we've were weren't
    what what's when when's where where's which while who who's whom why why's will with won't
    would wouldn't you you'd you'll you're you've your yours yourself yourselves""".split()
)
#: The vague words the issue names, which no keyphrase may start or end with.
VAGUE = {"every", "during", "there", "unrelated", "fantastic"}
#: A bare number or model size: "2025", "3b", "7b", "1.5x", "10k".
WORD = re.compile(r"[^\W_]+")
BARE_NUMBER = re.compile(r"\d+(?:\.\d+)?[a-z]{0,2}")


def keyword_rows(site) -> dict[str, list[str]]:
    """Per paper page of a built site, its title and the Keywords row."""
    rows = {}
    for page in sorted(site.glob("papers/*/index.html")):
        text = page.read_text("utf-8")
        title = html.unescape(re.search(r"<h1>(.*?)</h1>", text, re.S).group(1))
        found = re.search(r'<dt>Keywords\s*<dd><ul class="tags">(.*?)</ul>', text, re.S)
        rows[title] = [html.unescape(k) for k in found.group(1).split("<li>")[1:]] if found else []
    return rows


def test_no_seed_keyphrase_starts_or_ends_with_a_stop_word_or_is_a_bare_number(seeds_site):
    rows = keyword_rows(seeds_site.path)
    assert len(rows) == 295
    assert sum(map(len, rows.values())) > 4 * 295  # nearly every paper has five
    for title, phrases in rows.items():
        assert len(phrases) <= 5, title
        for phrase in phrases:
            words = phrase.split()
            for edge in {words[0], words[-1]}:
                assert edge not in ENGLISH_STOP_WORDS | VAGUE, (title, phrase)
            assert not BARE_NUMBER.fullmatch(phrase), (title, phrase)
            assert not any(BARE_NUMBER.fullmatch(w) for w in words[-1:]), (title, phrase)


def test_seed_keyphrases_are_mostly_phrases_and_title_phrases_come_first(seeds_site):
    rows = keyword_rows(seeds_site.path)
    phrases = [p for row in rows.values() for p in row]
    assert sum(" " in p for p in phrases) > len(phrases) / 3
    for title, row in rows.items():
        # Words as the site splits them: one-letter ones ("model's") left out.
        spaced = " " + " ".join(w for w in WORD.findall(title.lower()) if len(w) > 1) + " "
        in_title = [" " in p and f" {p} " in spaced for p in row]
        # Title phrases, then the rest: never a title phrase after another term.
        assert in_title == sorted(in_title, reverse=True), (title, row)


PAPERS = [
    ("Knowledge Distillation for Tiny Parsers",
     "We apply knowledge distillation to tiny parsers. The teacher parser guides tiny students."),
    ("Faster Knowledge Distillation", "Knowledge distillation with a cheaper teacher parser."),
    ("Orchard Maps from Drones",
     "Semantic segmentation of apple orchards from drone images; the teacher parser helps."),
    ("Semantic Segmentation of Orchards",
     "Apple orchards and drone images, with semantic segmentation baselines that we study."),
    ("Sourdough Every Season",
     "Fantastic sourdough bread during every season: there are unrelated 3b yeast counts."),
    ("Sourdough Starters", "Every fantastic sourdough starter has yeast counts, 3b or more."),
]  # fmt: skip


def test_title_phrases_first_and_recurring_phrases_beat_pairs_side_by_side():
    archive = archive_of(*PAPERS)
    keywords = {p.title: relate(archive).keywords[p.slug] for p in archive.papers}
    # The title's phrase that recurs comes first; "tiny parsers" is in one paper only.
    assert keywords["Knowledge Distillation for Tiny Parsers"][0] == "knowledge distillation"
    assert "tiny parsers" not in keywords["Knowledge Distillation for Tiny Parsers"]
    assert keywords["Semantic Segmentation of Orchards"][0] == "semantic segmentation"
    # In the abstract only, the recurring phrase beats its words, and "teacher
    # parser", which recurs too, beats a pair that sits side by side once.
    maps = keywords["Orchard Maps from Drones"]
    assert "semantic segmentation" in maps and "semantic" not in maps
    for row in keywords.values():
        for phrase in row:
            assert not {phrase.split()[0], phrase.split()[-1]} & (VAGUE | {"3b"}), row
