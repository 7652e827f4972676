from __future__ import annotations

from pathlib import Path

import pytest

from generator.config.digest_yaml import load_config
from generator.core.errors import ConfigError
from tests.conftest import CONFIG


def config_errors(tmp_path: Path, text: str) -> list[str]:
    path = tmp_path / "digest.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    return [line.replace(str(path), "digest.yaml") for line in str(caught.value).splitlines()]


def test_shipped_config_loads():
    config = load_config(CONFIG)
    assert config.year == 2025
    assert config.base_url.endswith("/")
    assert len(config.topics) >= 10
    assert all(topic.keywords for topic in config.topics)


def test_defaults_and_base_url_override(tmp_path: Path):
    path = tmp_path / "digest.yaml"
    path.write_text("title: T\n", encoding="utf-8")
    config = load_config(path, base_url="https://user.github.io/repo")
    assert (config.title, config.base_url, config.topics) == (
        "T",
        "https://user.github.io/repo/",
        (),
    )


def test_invalid_yaml_names_file_and_line(tmp_path: Path):
    assert config_errors(tmp_path, "title: T\ntopics: [a\nyear: 2025\n") == [
        "digest.yaml:3: error: not valid YAML: expected ',' or ']', but got ':'"
    ]


def test_every_problem_is_reported_with_its_key_and_line(tmp_path: Path):
    text = """\
title: T
year: "2025"
colour: blue
topics:
  - name: Pruning
    keywords: []
  - name: Graphs
  - keywords: [graph]
  - name: Other
    keywords: [x]
  - name: GNN
    keywords: [graph, 3]
    exclude: text
"""
    assert config_errors(tmp_path, text) == [
        "digest.yaml:2: error: 'year' must be a whole number",
        "digest.yaml:3: error: unknown key 'colour' (known keys: title, description, base_url, year, topics, feed_entries, sources)",
        "digest.yaml:6: error: topic 'Pruning' has no keywords",
        "digest.yaml:7: error: topic 'Graphs' has no keywords",
        "digest.yaml:8: error: 'topics[2]' needs a 'name'",
        "digest.yaml:9: error: topic 'Other' has the same URL name as 'the catch-all topic'",
        "digest.yaml:12: error: 'topics[4].keywords[1]' must be words of letters and digits ('graph network')",
        "digest.yaml:13: error: 'topics[4].exclude' must be a list",
    ]


def test_bad_base_url(tmp_path: Path):
    assert config_errors(tmp_path, "base_url: /repo/\n") == [
        "digest.yaml:1: error: base_url '/repo/' must be an absolute http(s) URL"
    ]


def test_not_a_mapping(tmp_path: Path):
    assert config_errors(tmp_path, "- a\n- b\n") == [
        "digest.yaml:1: error: the file must be a mapping of keys to values"
    ]


def test_missing_file(tmp_path: Path):
    with pytest.raises(ConfigError, match=r"nope.yaml: error: cannot read config: No such file"):
        load_config(tmp_path / "nope.yaml")


def test_keywords_must_be_words_and_text_must_be_printable(tmp_path: Path):
    text = """\
title: "Digest\\x01"
topics:
  - name: Languages
    keywords: ["C++", "-", graph network, pre-training]
"""
    assert config_errors(tmp_path, text) == [
        "digest.yaml:1: error: 'title' contains a control character",
        "digest.yaml:4: error: 'topics[0].keywords[0]' must be words of letters and digits ('graph network')",
        "digest.yaml:4: error: 'topics[0].keywords[1]' must be words of letters and digits ('graph network')",
    ]


def test_sources_default_to_hugging_face_and_are_read_in_order(tmp_path: Path):
    assert [(s.kind, s.url) for s in load_config(CONFIG).sources] == [
        ("hf", "https://huggingface.co/api/daily_papers")
    ]
    path = tmp_path / "digest.yaml"
    path.write_text(
        "sources:\n"
        "  - source: arxiv\n    categories: [cs.LG, cs.CV, cs.LG]\n"
        "  - source: feed\n    url: https://www.nature.com/nature.rss\n"
        "  - source: feed\n    url: https://example.org/toc.xml\n    name: toc\n"
        "  - source: hf\n",
        encoding="utf-8",
    )
    sources = load_config(path).sources
    assert [(s.kind, s.categories, s.name) for s in sources] == [
        ("arxiv", ("cs.CV", "cs.LG"), ""),
        ("feed", (), "nature-com"),
        ("feed", (), "toc"),
        ("hf", (), ""),
    ]


def test_every_problem_in_sources_is_reported_with_its_line(tmp_path: Path):
    errors = config_errors(
        tmp_path,
        "sources:\n"
        "  - source: rss\n"
        "  - source: arxiv\n    categories: [cs.LG, 'cs LG']\n"
        "  - source: feed\n    url: ftp://example.org/feed\n"
        "  - source: feed\n    url: https://example.org/a\n    name: Bad Name\n"
        "  - source: hf\n    url: https://example.org/\n"
        "  - arxiv\n",
    )
    assert errors == [
        "digest.yaml:2: error: 'sources[0]' needs 'source': one of hf, arxiv, feed",
        "digest.yaml:4: error: 'cs LG' is not an arXiv category (such as cs.LG, math.PR, q-bio.NC)",
        "digest.yaml:6: error: 'sources[2].url' must be the feed's http(s) URL",
        "digest.yaml:9: error: feed name 'Bad Name' must be lower-case letters, digits and hyphens",
        "digest.yaml:11: error: unknown key 'sources[4].url' (known keys: source)",
        "digest.yaml:12: error: 'sources[5]' needs 'source': one of hf, arxiv, feed",
    ]
