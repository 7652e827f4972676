"""How often a paper's related papers share a topic with it, by a person's
labels rather than by the matcher's placements: the share of each labelled
paper's related papers (five at most) that have a labelled topic in common
with it, averaged over the papers that have related papers. Also prints the
keyphrases of the first papers, to read beside the figure.

    python3 bench/related.py [--seeds seeds] [--labels tests/fixtures/topic-labels.yaml]
        [--config digest.yaml] [--keyphrases N]

A paper labelled with no topic (it belongs in "Other topics") shares a topic
with no paper. Related papers that are not labelled count as not sharing one.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from measure import REPO

sys.dont_write_bytecode = True  # importing the generator must not write into the repo
sys.path.insert(0, str(REPO))
from generator.analysis.labels import load_labels  # noqa: E402
from generator.analysis.related import relate  # noqa: E402
from generator.commands.build import check  # noqa: E402
from generator.config.digest_yaml import load_config  # noqa: E402
from generator.reading.archive import paper_key  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=Path, default=REPO / "seeds")
    parser.add_argument("--labels", type=Path, default=REPO / "tests/fixtures/topic-labels.yaml")
    parser.add_argument("--config", type=Path, default=REPO / "digest.yaml")
    parser.add_argument(
        "--keyphrases", type=int, default=20, help="papers whose keyphrases to print"
    )
    args = parser.parse_args(argv)
    config = load_config(args.config)
    archive = check(args.seeds, config).archive
    labels, _ = load_labels(args.labels, config.topics)
    by_key = {paper.key: paper.slug for paper in archive.papers}
    topics = {by_key[paper_key(label.title)]: label.topics for label in labels}
    related = relate(archive)
    shares = []
    for slug, mine in topics.items():
        others = related.similar[slug]
        if others:
            shares.append(
                sum(bool(topics.get(o, frozenset()) & mine) for o in others) / len(others)
            )
    print(f"related papers sharing a labelled topic: {sum(shares) / len(shares):.1%}"
          f" (mean over {len(shares)} labelled papers with related papers)")  # fmt: skip
    for paper in archive.papers[: args.keyphrases]:
        print(f"- {paper.title}: {' | '.join(related.keywords[paper.slug])}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
