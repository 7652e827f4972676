from __future__ import annotations

from collections import Counter
from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from generator.analysis.keyword_matching import Matcher, words
from generator.analysis.topics import classify
from generator.config.digest_yaml import TopicRule
from generator.core.errors import Source
from generator.reading.archive import merge
from generator.reading.entries import Entry


def rule(
    name: str, *keywords: str, exclude: tuple[str, ...] = (), weak: tuple[str, ...] = ()
) -> TopicRule:
    return TopicRule(name, name.lower(), "", keywords, exclude, weak)


def classified(rules, *papers: tuple[str, str], keywords: tuple[str, ...] = ()):
    entries = [
        Entry(t, a, date(2025, 3, 11), Source("f.txt", i + 1), keywords=keywords)
        for i, (t, a) in enumerate(papers)
    ]
    archive, _ = merge(entries)
    topics = classify(archive, tuple(rules))
    return {p.title: [m.topic for m in topics.matches[p.slug]] for p in archive.papers}, topics


def test_whole_words_only_and_case_insensitive_for_plain_keywords():
    matcher = Matcher({"prune": ["p"], "graph": ["g"]})
    assert matcher.count("Pruned trees; PRUNE; prunes; graphical; graphs") == {
        "prune": 2,
        "graph": 1,
    }


def test_hyphens_read_as_spaces_and_variants_match():
    matcher = Matcher({"pre-training": ["p"], "pretraining": ["p"]})
    assert matcher.count("pre-training, pre training, Pre–Training, pretraining") == {
        "pre-training": 3,
        "pretraining": 1,
    }


def test_acronyms_match_only_as_themselves():
    matcher = Matcher({"MLP": ["m"], "LLM": ["l"]})
    assert matcher.count("MLPs beat an MLP; FinalMLP, mlp, LLMs, llm, LLM-based") == {
        "MLP": 2,
        "LLM": 2,
    }


#: Keywords that start alike, end alike and differ in case, and words that
#: make them (a few ways of writing each).
_KEYWORDS = ("language", "language model", "large language model", "model", "LLM", "Vision ViT")
_WORDS = ("language", "Language", "large", "model", "Models", "LLM", "LLMs", "llm", "Vision", "ViT")


def one_word_at_a_time(matcher: Matcher, text: str) -> Counter[str]:
    """What ``Matcher.count`` means, the slow way: from each word not inside
    a match, the longest phrase of the tables that starts there (an exact one
    before a case-folded one of the same length)."""
    tokens, folded = words(text)
    longest = max(len(spelling) for spelling in (*matcher.exact, *matcher.folded))
    found: Counter[str] = Counter()
    index = 0
    while index < len(tokens):
        for size in range(longest, 0, -1):
            keyword = matcher.exact.get(tuple(tokens[index : index + size])) or matcher.folded.get(
                tuple(folded[index : index + size])
            )
            if keyword and index + size <= len(tokens):
                found[keyword] += 1
                index += size
                break
        else:
            index += 1
    return found


@settings(max_examples=500, deadline=None)
@given(
    st.sets(st.sampled_from(_KEYWORDS), min_size=1),
    st.lists(st.tuples(st.sampled_from(_WORDS), st.sampled_from((" ", "-", ", "))), max_size=30),
)
def test_counts_are_the_leftmost_longest_matches(keywords, text):
    matcher = Matcher({keyword: ["t"] for keyword in keywords})
    written = "".join(word + gap for word, gap in text)
    assert matcher.count(written) == one_word_at_a_time(matcher, written)


def test_longest_phrase_wins_where_two_overlap():
    matcher = Matcher({"language model": ["a"], "large language model": ["b"]})
    assert matcher.count("a large language model and a language model") == {
        "large language model": 1,
        "language model": 1,
    }


def test_title_match_places_a_paper_but_one_abstract_mention_does_not():
    rules = [rule("Pruning", "pruning"), rule("Graphs", "graph")]
    found, _ = classified(
        rules,
        ("Pruning Networks", "Nothing else."),
        ("Plain Title", "A graph once, and pruning, then more pruning."),
        ("Another Title", "A graph, and a graph again."),
    )
    assert found == {
        "Pruning Networks": ["pruning"],
        "Plain Title": ["pruning"],
        "Another Title": ["graphs"],
    }


def test_one_abstract_mention_places_a_paper_that_nothing_else_places():
    rules = [rule("Pruning", "pruning"), rule("Graphs", "graph")]
    found, topics = classified(rules, ("Plain Title", "A graph once."), ("Other Title", "None."))
    assert found == {"Plain Title": ["graphs"], "Other Title": ["other"]}
    (match,) = next(m for m in topics.matches.values() if m[0].topic == "graphs")
    assert (match.keyword, match.score) == ("graph", 1)


def test_primary_topic_is_the_strongest_match_title_first():
    rules = [rule("Graphs", "graph"), rule("Pruning", "pruning")]
    found, topics = classified(rules, ("Pruning at Scale", "We prune a graph, then another graph."))
    assert found == {"Pruning at Scale": ["pruning", "graphs"]}
    assert [t.slug for t in topics.topics] == ["graphs", "pruning"]


def test_ties_follow_taxonomy_order():
    rules = [rule("Graphs", "graph"), rule("Pruning", "pruning")]
    found, _ = classified(rules, ("Graph Pruning", "."))
    assert found == {"Graph Pruning": ["graphs", "pruning"]}


def test_exclusions_keep_a_paper_out():
    rules = [rule("Graphs", "graph", exclude=("knowledge graph",)), rule("KG", "knowledge graph")]
    found, _ = classified(rules, ("Knowledge Graph Completion", "."))
    assert found == {"Knowledge Graph Completion": ["kg"]}


def test_a_weak_keyword_alone_places_nothing():
    rules = [rule("Graphs", "message passing", weak=("graph",))]
    found, _ = classified(rules, ("Plain Title", "A graph, a graph, and a graph again."))
    assert found == {"Plain Title": ["other"]}


def test_a_weak_keyword_counts_beside_a_second_keyword_of_its_topic():
    rules = [rule("Graphs", "message passing", weak=("graph",))]
    found, topics = classified(rules, ("Plain Title", "A graph and a graph, by message passing."))
    assert found == {"Plain Title": ["graphs"]}
    (match,) = next(iter(topics.matches.values()))
    assert (match.keyword, match.score) == ("graph", 3)


def test_a_weak_keyword_counts_in_the_title():
    rules = [rule("Graphs", "message passing", weak=("graph",))]
    found, topics = classified(rules, ("Graph Learning Made Simple", "Nothing else."))
    assert found == {"Graph Learning Made Simple": ["graphs"]}
    assert next(iter(topics.matches.values()))[0].keyword == "graph"


def test_a_weak_keyword_of_one_topic_is_strong_in_another():
    rules = [rule("Graphs", "message passing", weak=("graph",)), rule("Plots", "graph")]
    found, _ = classified(rules, ("Plain Title", "A graph, and a graph again."))
    assert found == {"Plain Title": ["plots"]}


def test_a_second_topic_needs_a_share_of_the_primary_topics_score():
    rules = [rule("Pruning", "pruning"), rule("Graphs", "graph")]
    found, _ = classified(
        rules,
        ("Pruning at Scale", "Pruning, pruning, pruning and pruning; a graph, a graph."),
        ("Pruning at Large", "Pruning, pruning, pruning and pruning; a graph, a graph, a graph."),
    )
    # 3 + 4 for pruning: a second topic needs 0.3 of 7, more than 2 abstract mentions.
    assert found == {"Pruning at Scale": ["pruning"], "Pruning at Large": ["pruning", "graphs"]}


def test_a_paper_is_listed_under_three_topics_at_most():
    rules = [rule(name, name.lower()) for name in ("Alpha", "Beta", "Gamma", "Delta")]
    found, _ = classified(rules, ("Alpha Beta Gamma Delta", "Delta."))
    # Alpha, named first in the title, then the strongest of the rest.
    assert found == {"Alpha Beta Gamma Delta": ["alpha", "delta", "beta"]}


def test_the_primary_topic_is_the_one_the_title_names_first():
    rules = [rule("Pruning", "pruning"), rule("Transformers", "transformer")]
    abstract = "A transformer; the transformer; transformers; and some pruning."
    found, topics = classified(
        rules,
        ("Pruning Vision Transformers", abstract),
        ("Transformers, Pruned Gently", abstract),
        ("Notes on Efficiency", abstract),
    )
    # Named first in the title: pruning (3 + 1 = 4) leads transformers (3 + 3 = 6).
    assert found["Pruning Vision Transformers"] == ["pruning", "transformers"]
    (led,) = [ms for ms in topics.matches.values() if ms[0].topic == "pruning"]
    assert [m.score for m in led] == [4, 6]
    assert found["Transformers, Pruned Gently"] == ["transformers"]
    # A title that names no topic: the strongest topic is the primary one.
    assert found["Notes on Efficiency"] == ["transformers"]


def test_a_weak_keyword_in_the_title_does_not_make_its_topic_primary():
    rules = [rule("Graphs", "message passing", weak=("graph",)), rule("Pruning", "pruning")]
    abstract = "Pruning a graph by message passing; pruning again, pruning once more."
    found, _ = classified(rules, ("Graph Pruning", abstract))
    # Graphs scores 3 + 1 + 1 = 5 and pruning 3 + 3 = 6 either way, but it is
    # pruning's strong keyword the title names, so pruning is the primary.
    assert found == {"Graph Pruning": ["pruning", "graphs"]}


def test_a_weak_keyword_in_the_title_leaves_the_primary_to_the_strongest():
    rules = [rule("Graphs", "message passing", weak=("graph",)), rule("Pruning", "pruning")]
    abstract = "Message passing; pruning, pruning, pruning, pruning and pruning."
    found, _ = classified(rules, ("Graph Studies", abstract))
    # The title names graphs (3 + 1 = 4) by a weak keyword only: the strongest
    # topic, pruning (5), leads.
    assert found == {"Graph Studies": ["pruning", "graphs"]}


def test_keywords_a_source_gave_the_paper_count_as_title():
    rules = [rule("Graphs", "message passing", weak=("graph",)), rule("Pruning", "pruning")]
    found, topics = classified(
        rules, ("Plain Title", "Nothing else."), keywords=("graph", "model pruning")
    )
    # Pruning is named by a keyword that is not weak, so it is the primary topic.
    assert found == {"Plain Title": ["pruning", "graphs"]}
    assert [m.score for m in next(iter(topics.matches.values()))] == [3, 3]


def test_matched_keyword_is_recorded():
    _, topics = classified([rule("Pruning", "pruning", "pruned")], ("Pruned Nets", "."))
    (match,) = next(iter(topics.matches.values()))
    assert (match.topic, match.keyword) == ("pruning", "pruned")


def test_shipped_taxonomy_fits_the_seeds():
    """The bars the default taxonomy is tuned to: few papers left over, no
    topic that swallows the archive, none too small to be worth a page."""
    from generator.commands.build import check
    from generator.config.digest_yaml import load_config
    from tests.conftest import CONFIG, SEEDS

    checked = check(SEEDS, load_config(CONFIG))
    total = len(checked.archive.papers)
    sizes = {t.slug: len(t.papers) for t in checked.topics.topics}
    other = sizes.pop("other", 0)
    assert other / total <= 0.05
    assert max(sizes.values()) / total <= 0.40
    assert min(sizes.values()) >= 3
    assert set(sizes) == {rule.slug for rule in load_config(CONFIG).topics}
