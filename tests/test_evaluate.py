from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from generator.analysis.evaluate import evaluate
from generator.analysis.labels import load_labels
from generator.commands.build import check
from generator.config.digest_yaml import TopicRule, load_config
from generator.core.errors import ConfigError
from tests.conftest import CONFIG, PROJECT, SEEDS, Project, digest

LABELS = PROJECT / "tests" / "fixtures" / "topic-labels.yaml"

CONFIG_TEXT = """\
year: 2025
topics:
  - name: Graphs
    keywords: [graph neural network, message passing]
    weak: [graph]
  - name: Pruning
    keywords: [pruning]
  - name: Robustness
    keywords: [adversarial]
    weak: [robust]
"""

#: Four papers, and what the matcher makes of them:
#: 1. graphs (title) then pruning (abstract ×2): both labelled, but the
#:    labelled primary is pruning.
#: 2. pruning (title), and graphs by the weak "graph" beside "message
#:    passing"; labelled robustness and pruning: graphs is wrong, and
#:    robustness missed (its weak "robust" alone counts for nothing).
#: 3. robustness (title); labelled pruning, named once in the abstract.
#: 4. nothing: labelled with no topic, which the catch-all gets right.
FEED = """\
Mar 11

Graph Neural Networks at Scale

We study pruning, and pruning again, in a message passing network.

Pruning Sparse Models

A robust graph, made by message passing with a graph, robust again after pruning.

Adversarial Games

An abstract that names pruning once and no other keyword of a topic at all.

Plain Words Only

An abstract that names no keyword of any topic at all, in enough words here.
"""

LABELS_TEXT = """\
instructions: hand-written labels for a test
papers:
  - title: Graph Neural Networks at Scale
    split: tuning
    topics: [graphs, pruning]
    primary: pruning
  - title: pruning sparse models
    split: tuning
    topics: [robustness, pruning]
    primary: pruning
  - title: Adversarial Games
    split: held-out
    topics: [pruning]
    primary: pruning
  - title: Plain Words Only
    split: held-out
    topics: []
    primary: null
"""


@pytest.fixture
def labelled(project: Project) -> Project:
    project.config.write_text(CONFIG_TEXT, encoding="utf-8")
    project.feed("a.txt", FEED)
    (project.root / "labels.yaml").write_text(LABELS_TEXT, encoding="utf-8")
    return project


def evaluated(project: Project, *extra: str):
    return digest(
        "topics",
        "--seeds",
        project.seeds,
        "--config",
        project.config,
        "--evaluate",
        project.root / "labels.yaml",
        *extra,
    )


def test_figures_per_topic_and_overall(labelled: Project):
    run = evaluated(labelled)
    assert run.code == 0, run.err
    lines = run.out.splitlines()
    assert lines[0] == "4 labelled papers (both halves) of 4 in the archive"
    rows = {line.split()[0]: line.split()[1:] for line in lines[3:7]}
    # topic: papers, labelled, placed, right, precision, recall, F1
    assert rows == {
        "graphs": ["2", "1", "2", "1", "0.500", "1.000", "0.667"],
        "pruning": ["2", "3", "2", "2", "1.000", "0.667", "0.800"],
        "robustness": ["1", "1", "1", "0", "0.000", "0.000", "0.000"],
        "all": ["topics", "(micro-averaged)", "4", "5", "5", "3", "0.600", "0.600", "0.600"],
    }
    assert "primary topic right: 2 of 4 (0.500)" in lines
    assert "coverage: 3 of 4 papers in a topic, 1 (25.0%) in 'other'" in lines
    assert "largest topic: pruning, 2 papers (50.0%); smallest: robustness, 1 papers" in lines


def test_every_wrong_or_missed_placement_says_which_keyword(labelled: Project):
    out = evaluated(labelled).out
    table = out[out.index("wrong and missed placements (5):") :].splitlines()[2:]
    assert [line.split("  ")[0] for line in table] == [
        "wrong",
        "wrong",
        "missed",
        "missed",
        "primary",
    ]
    assert [" ".join(line.split()[1:]) for line in table] == [
        "graphs Pruning Sparse Models graph (abstract ×2), message passing (abstract)",
        "robustness Adversarial Games adversarial (title)",
        "pruning Adversarial Games score 1 below 2: pruning (abstract)",
        "robustness Pruning Sparse Models weak keyword alone: robust (abstract ×2)",
        "pruning Graph Neural Networks at Scale listed first under graphs (the title names it"
        " first) by graph neural network (title), message passing (abstract)",
    ]


def test_a_primary_topic_the_title_does_not_name_is_said_to_be_the_strongest(labelled: Project):
    abstract = "A graph neural network by message passing, message passing; pruning, pruning."
    feed = f"Mar 12\n\nNotes at Scale\n\n{abstract}\n"
    labelled.feed("b.txt", feed)
    labels = labelled.root / "labels.yaml"
    item = (
        "  - {title: Notes at Scale, split: tuning, topics: [graphs, pruning], primary: pruning}\n"
    )
    labels.write_text(LABELS_TEXT + item, encoding="utf-8")
    out = evaluated(labelled).out
    assert (
        "listed first under graphs (the strongest topic) by "
        "message passing (abstract ×2), graph neural network (abstract)"
    ) in out


def test_keywords_behind_wrong_placements_are_counted(labelled: Project):
    out = evaluated(labelled).out
    block = out[out.index("keywords behind wrong placements:") :].splitlines()
    assert [line.split() for line in block[1:4]] == [
        ["topic", "keyword", "wrong", "placed"],
        ["graphs", "graph", "1", "1"],
        ["robustness", "adversarial", "1", "1"],
    ]


def test_split_selects_one_half(labelled: Project):
    run = evaluated(labelled, "--split", "tuning")
    assert run.out.splitlines()[0] == "2 labelled papers (the tuning half) of 4 in the archive"
    assert "primary topic right: 1 of 2 (0.500)" in run.out.splitlines()
    assert "Adversarial Games" not in run.out


def test_exit_1_below_the_minimums(labelled: Project):
    run = evaluated(labelled, "--min-precision", "0.6", "--min-recall", "0.6")
    assert (run.code, run.err) == (0, "")
    run = evaluated(
        labelled, "--min-precision", "0.61", "--min-recall", "0.9", "--min-primary", "1"
    )
    assert run.code == 1
    assert run.err.splitlines() == [
        "digest: precision 0.600 is below the minimum 0.61",
        "digest: recall 0.600 is below the minimum 0.9",
        "digest: primary topic accuracy 0.500 is below the minimum 1",
    ]
    assert run.out.startswith("4 labelled papers")


def test_options_of_evaluate_need_it_and_a_share(labelled: Project):
    run = digest("topics", "--seeds", labelled.seeds, "--min-recall", "0.5")
    assert run.code == 2
    assert (
        run.err.strip()
        == "error: --min-recall needs --evaluate LABELS (see 'digest topics --help')"
    )
    run = evaluated(labelled, "--min-recall", "80")
    assert run.code == 2
    assert "not a number from 0 to 1: '80'" in run.err


def test_every_problem_of_a_labels_file_is_reported_with_its_line(labelled: Project):
    labels = labelled.root / "labels.yaml"
    labels.write_text(
        """\
papers:
  - {title: Graph Neural Networks at Scale, split: tuning, topics: [graphs], primary: graphs}
  - {title: Graph neural networks at scale, split: tuning, topics: [graphs], primary: graphs}
  - {title: Plain Words Only, split: later, topics: [graph], primary: graph}
  - {title: Pruning Sparse Models, split: tuning, topics: [pruning], primary: null}
  - just a title
  - {title: Pruning Sparse Models, split: tuning, topics: [pruning], primary: pruning, note: x}
""",
        encoding="utf-8",
    )
    run = evaluated(labelled)
    assert run.code == 1
    assert run.err.splitlines() == [
        f"{labels}:3: error: 'Graph neural networks at scale' is labelled twice (first at line 2)",
        f"{labels}:4: error: 'split' is 'later'; it must be one of: tuning, held-out",
        f"{labels}:4: error: unknown topic 'graph' (the topics of the config: "
        "graphs, pruning, robustness)",
        f"{labels}:5: error: 'primary' is null but 'topics' names topics; say which one fits best",
        f"{labels}:6: error: a labelled paper must be a mapping with 'title', 'split', "
        "'topics', 'primary'",
    ]
    assert run.out == ""


def test_a_label_for_a_paper_not_in_the_feeds_is_an_error(labelled: Project):
    labels = labelled.root / "labels.yaml"
    labels.write_text(
        "papers:\n- {title: Gone, split: tuning, topics: [], primary: null}\n", encoding="utf-8"
    )
    run = evaluated(labelled)
    assert (run.code, run.err) == (1, f"{labels}:2: error: no paper titled 'Gone' in the feeds\n")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("papers: [a\n", ":2: error: not valid YAML: expected ',' or ']', but got '<stream end>'"),
        (
            "- a\n",
            ":1: error: the labels must be a mapping with 'papers', a list of labelled papers",
        ),
        (b"\xff", ": error: cannot read labels: not UTF-8 text"),
    ],
)
def test_a_broken_labels_file_is_one_line(labelled: Project, text: str | bytes, message: str):
    labels = labelled.root / "labels.yaml"
    if isinstance(text, bytes):
        labels.write_bytes(text)
    else:
        labels.write_text(text, encoding="utf-8")
    run = evaluated(labelled)
    assert (run.code, run.err) == (1, f"{labels}{message}\n")


@pytest.fixture(scope="module")
def held_out():
    """The shipped taxonomy measured on the half of the labels that was never
    looked at while tuning it."""
    config = load_config(CONFIG)
    checked = check(SEEDS, config)
    labels, warnings = load_labels(LABELS, config.topics)
    assert warnings == []
    result = evaluate(checked.archive, checked.topics, config.topics, labels, "held-out")
    assert result.labelled > 100
    return result, [result.sizes.get(rule.slug, 0) for rule in config.topics]


def test_shipped_taxonomy_covers_the_seeds_evenly(held_out):
    result, sizes = held_out
    assert result.other_share <= 0.05
    assert max(sizes) / result.papers <= 0.40
    assert min(sizes) >= 3


@pytest.mark.xfail(
    strict=True,
    reason="issue 17's targets are not reached yet: held-out precision 0.719, recall 0.697, "
    "primary 0.725 (the floor test below holds these)",
)
def test_shipped_taxonomy_meets_the_targets_on_the_held_out_labels(held_out):
    result, _ = held_out
    assert (result.overall.precision or 0) >= 0.90
    assert (result.overall.recall or 0) >= 0.80
    assert (result.primary_accuracy or 0) >= 0.90


def test_shipped_taxonomy_holds_its_measured_figures_on_the_held_out_labels(held_out):
    """What the tuned taxonomy reached, so that no change makes it worse
    unnoticed (before tuning: precision 0.603, recall 0.714, primary 0.627;
    with weak keywords and a secondary bar: 0.748, 0.667, 0.686; with the
    title naming the primary topic and more vocabulary: 0.719, 0.697, 0.725)."""
    result, _ = held_out
    assert (result.overall.precision or 0) >= 0.71
    assert (result.overall.recall or 0) >= 0.69
    assert (result.primary_accuracy or 0) >= 0.72


def test_labels_fixture_is_split_by_a_hash_of_the_title():
    import hashlib

    import yaml

    from generator.reading.archive import paper_key

    papers = yaml.safe_load(Path(LABELS).read_text(encoding="utf-8"))["papers"]
    assert len(papers) == 295
    for paper in papers:
        even = hashlib.sha256(paper_key(paper["title"]).encode()).digest()[0] % 2 == 0
        assert paper["split"] == ("tuning" if even else "held-out"), paper["title"]


_LABEL_VALUES = st.one_of(
    st.none(),
    st.integers(),
    st.text(max_size=8),
    st.lists(st.sampled_from(["graphs", "pruning", "other", "nope", ""]), max_size=3),
    st.sampled_from(["tuning", "held-out", "graphs", "pruning"]),
)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.dictionaries(
                st.sampled_from(["title", "split", "topics", "primary", "note"]), _LABEL_VALUES
            ),
            _LABEL_VALUES,
        ),
        max_size=4,
    )
)
def test_any_labels_file_gives_labels_or_one_line_per_problem(tmp_path_factory, papers):
    path = tmp_path_factory.mktemp("labels") / "labels.yaml"
    path.write_text(yaml.safe_dump({"papers": papers}), encoding="utf-8")
    rules = (
        TopicRule("Graphs", "graphs", "", ("graph",), ()),
        TopicRule("Pruning", "pruning", "", ("pruning",), ()),
    )
    try:
        labels, warnings = load_labels(path, rules)
    except ConfigError as error:
        assert error.problems
        assert all(str(p).startswith(f"{path}:") for p in error.problems)
    else:
        assert all(label.topics <= {"graphs", "pruning"} for label in labels)
        assert all(label.primary in {"graphs", "pruning", "other"} for label in labels)
        assert all(str(w).startswith(f"{path}:") for w in warnings)
