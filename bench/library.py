"""How good and how light the reader's library's "For you" is.

    python3 bench/library.py quality [--trials N] [--seed S] [--svm] [--labels FILE]
    python3 bench/library.py budget --site DIR [--saved 10] [--runs 5] [--seed S] [--widen 30 all]

``quality`` replays a library on the shipped seeds against the labels of
``tests/fixtures/topic-labels.yaml``: for every topic that is the primary
topic of at least 6 labelled papers, ``--trials`` times, it saves 3 of them
at random and asks for 10 papers out of all the others (every day);
precision@10 is the share of those 10 whose labels include the topic. The
ranking is the site's own: ``static/foryou.js`` run in Node over the library
data of the seeds' site, built afresh (``bench/library_replay.js``). The same
saved sets are given to the baselines the issue names, computed here: a
random pick, the merged related-paper lists of the saved papers, the newest
papers of the saved papers' topics, and (``--svm``, slow) arxiv-sanity-lite's
linear SVM over TF-IDF of words and word pairs. A finer, content-level
figure goes with each: content nDCG@10, where a paper's gain is its cosine
with the saved papers' centroid in a full TF-IDF model (every word and word
pair, no cut-off, not the site's) if its labels include the topic, else 0,
over the best ten such gains: it rewards the right topic *and*, within it,
the papers closest in content first.

``budget`` measures a For you refresh in Chromium on a built site (say the
100,000-paper site of ``bench/corpus.py``): ``--saved`` papers drawn at
random from the whole archive are put in the browser's storage, the home
page is opened in a fresh context (empty cache) and, once For you lists its
papers, it reports the bytes of every data response the refresh fetched
(raw, and gzip -6 as GitHub Pages would send them), the requests, and the
time the page's own work took (the ``digest-for-you-rank`` measure: reading
the library blocks and ranking). ``--widen`` then widens the window to 30
days or every day and reports what that fetches more and its ranking time.
"""

from __future__ import annotations

import argparse
import gzip
import json
import math
import random
import re
import statistics
import subprocess
import sys
import tempfile
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from measure import REPO

sys.dont_write_bytecode = True
sys.path.insert(0, str(REPO))

from generator.analysis.labels import load_labels  # noqa: E402
from generator.analysis.terms import words  # noqa: E402
from generator.config.digest_yaml import load_config  # noqa: E402
from generator.reading.archive import paper_key  # noqa: E402

LABELS = REPO / "tests" / "fixtures" / "topic-labels.yaml"
SAVED = 3
SHOWN = 10
MIN_PRIMARY = 6

Ranker = Callable[[list[int]], list[int]]


def read_site(site: Path) -> tuple[list[list[Any]], dict[str, Any]]:
    """Every display record ([title, slug, days, topics]) by number, and the
    library's entry point."""
    index = json.loads((site / "search-index.json").read_text(encoding="utf-8"))
    records: list[list[Any]] = []
    for block in range(-(-index["papers"] // index["block_size"])):
        records += json.loads((site / f"search/papers/{block}.json").read_text(encoding="utf-8"))
    entry = json.loads((site / "library.json").read_text(encoding="utf-8"))
    return records, entry


def replay(site: Path, trials: Sequence[Sequence[int]], days: int | str = "all") -> list[Any]:
    """The site's own ranking of each saved set, run in Node."""
    request = {"site": str(site), "trials": trials, "limit": SHOWN, "days": days}
    out = subprocess.run(
        ["node", str(REPO / "bench" / "library_replay.js")],
        input=json.dumps(request),
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    results: list[Any] = json.loads(out)
    return results


class Reference:
    """A full TF-IDF model of the papers (words and word pairs of title and
    abstract, sublinear counts, smoothed IDF, unit rows, nothing cut): what
    the content-level figure measures against, and the SVM's features."""

    def __init__(self, texts: Sequence[str], min_papers: int = 1, max_share: float = 1.0):
        counts = []
        for text in texts:
            found = words(text)
            counts.append(
                Counter(found + [f"{a} {b}" for a, b in zip(found, found[1:], strict=False)])
            )
        papers_with: Counter[str] = Counter()
        for count in counts:
            papers_with.update(count.keys())
        total = len(texts)
        kept = sorted(
            t for t, n in papers_with.items() if n >= min_papers and n <= max_share * total
        )
        self.columns = {term: at for at, term in enumerate(kept)}
        self.rows: list[dict[int, float]] = []
        for count in counts:
            row = {
                self.columns[t]: (1 + math.log(n))
                * (math.log((1 + total) / (1 + papers_with[t])) + 1)
                for t, n in count.items()
                if t in self.columns
            }
            norm = math.sqrt(sum(v * v for v in row.values())) or 1.0
            self.rows.append({c: v / norm for c, v in row.items()})

    def centroid_cosines(self, saved: Sequence[int]) -> list[float]:
        centre: dict[int, float] = defaultdict(float)
        for paper in saved:
            for column, value in self.rows[paper].items():
                centre[column] += value
        norm = math.sqrt(sum(v * v for v in centre.values())) or 1.0
        return [sum(v * centre.get(c, 0.0) for c, v in row.items()) / norm for row in self.rows]


def ndcg(ranked: Sequence[int], gains: Sequence[float], saved: Sequence[int]) -> float:
    ideal = sorted((g for at, g in enumerate(gains) if at not in saved), reverse=True)[:SHOWN]
    best = sum(g / math.log2(place + 2) for place, g in enumerate(ideal))
    got = sum(gains[n] / math.log2(place + 2) for place, n in enumerate(ranked))
    return got / best if best else 0.0


def baselines(
    records: list[list[Any]], site: Path, reference: Reference, svm: bool, seed: int
) -> dict[str, Ranker]:
    number = {record[1]: at for at, record in enumerate(records)}
    total = len(records)
    rng = random.Random(seed)

    def random_pick(saved: list[int]) -> list[int]:
        others = [n for n in range(total) if n not in saved]
        return rng.sample(others, SHOWN)

    related: dict[int, list[int]] = {}
    for at, record in enumerate(records):
        page = (site / f"papers/{record[1]}/index.html").read_text(encoding="utf-8")
        part = page.split('id="related-heading"', 1)[1] if 'id="related-heading"' in page else ""
        # Links to sibling folders (../slug/), or through the root (../../papers/slug/).
        slugs = re.findall(r'href="\.\./(?:\.\./papers/)?([a-z0-9-]+)/"', part.split("</ol>")[0])
        related[at] = [number[slug] for slug in dict.fromkeys(slugs) if slug in number]

    def merged_related(saved: list[int]) -> list[int]:
        score: Counter[int] = Counter()
        for paper in saved:
            for place, other in enumerate(related[paper]):
                score[other] += len(related[paper]) - place
        ranked = sorted((n for n in score if n not in saved), key=lambda n: (-score[n], -n))
        rest = [n for n in range(total - 1, -1, -1) if n not in saved and n not in score]
        return (ranked + rest)[:SHOWN]

    def topics_only(saved: list[int]) -> list[int]:
        shared: Counter[int] = Counter(t for paper in saved for t in records[paper][3])
        others = [n for n in range(total) if n not in saved]
        return sorted(
            others, key=lambda n: (-max((shared[t] for t in records[n][3]), default=0), -n)
        )[:SHOWN]

    rankers: dict[str, Ranker] = {
        "random pick": random_pick,
        "merged related lists": merged_related,
        "newest of the saved papers' topics": topics_only,
    }
    if svm:
        rankers["arxiv-sanity-lite (TF-IDF 1-2 grams, linear SVM)"] = _svm_ranker(records, site)
    return rankers


def _svm_ranker(records: list[list[Any]], site: Path) -> Ranker:
    """arxiv-sanity-lite's method as its code describes it: TF-IDF of words
    and word pairs (sublinear, smoothed, at most 10% of papers, here at least
    2 of them: the seeds are small), a linear SVM (squared hinge, C=0.01,
    balanced classes) with the saved papers as positives, all others negative."""
    import numpy as np
    from scipy import sparse
    from scipy.optimize import minimize

    texts = _texts(records, site)
    model = Reference(texts, min_papers=2, max_share=0.1)
    total = len(records)
    rows, columns, values = [], [], []
    for at, row in enumerate(model.rows):
        for column, value in row.items():
            rows.append(at)
            columns.append(column)
            values.append(value)
    rows += list(range(total))
    columns += [len(model.columns)] * total
    values += [1.0] * total
    features = sparse.csr_matrix((values, (rows, columns)), shape=(total, len(model.columns) + 1))

    def rank(saved: list[int]) -> list[int]:
        labels = -np.ones(total)
        labels[saved] = 1
        weights = np.where(labels > 0, total / (2 * len(saved)), total / (2 * (total - len(saved))))

        def loss(w: Any) -> tuple[float, Any]:
            margin = np.maximum(1 - labels * (features @ w), 0)
            value = 0.5 * w @ w + 0.01 * np.sum(weights * margin * margin)
            return value, w - 0.02 * (features.T @ (weights * margin * labels))

        found = minimize(loss, np.zeros(features.shape[1]), jac=True, method="L-BFGS-B").x
        scores = features @ found
        return [n for n in np.argsort(-scores, kind="stable").tolist() if n not in saved][:SHOWN]

    return rank


def _texts(records: list[list[Any]], site: Path) -> list[str]:
    """Title and abstract of every paper, from its page."""
    import html

    texts = []
    for record in records:
        page = (site / f"papers/{record[1]}/index.html").read_text(encoding="utf-8")
        abstract = (
            page.split('<p class="abstract">', 1)[1].split("</p>", 1)[0]
            if '<p class="abstract">' in page
            else ""
        )
        texts.append(f"{record[0]}\n{html.unescape(abstract)}")
    return texts


def quality(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory(prefix="digest-library-") as work:
        site = Path(work) / "site"
        subprocess.run(
            [sys.executable, "-m", "generator", "build", "--out", str(site), "--quiet"],
            cwd=REPO,
            check=True,
        )
        records, _ = read_site(site)
        config = load_config(REPO / "digest.yaml")
        labels, _ = load_labels(args.labels, config.topics)
        by_key = {paper_key(label.title): label for label in labels}
        labelled = {at: by_key.get(paper_key(record[0])) for at, record in enumerate(records)}
        members: dict[str, list[int]] = defaultdict(list)
        for at, label in labelled.items():
            if label is not None and label.topics:
                members[label.primary].append(at)
        protocol = {t: m for t, m in sorted(members.items()) if len(m) >= MIN_PRIMARY}
        rng = random.Random(args.seed)
        trials = [
            (t, rng.sample(m, SAVED)) for t, m in protocol.items() for _ in range(args.trials)
        ]
        reference = Reference(_texts(records, site))
        results = {
            "For you (static/foryou.js)": [
                r["numbers"] for r in replay(site, [s for _, s in trials])
            ]
        }
        for name, ranker in baselines(records, site, reference, args.svm, args.seed).items():
            chosen = trials if "SVM" not in name else trials[:: max(1, len(trials) // 300)]
            results[name] = [ranker(list(saved)) for _, saved in chosen]
        print(
            f"{len(records)} papers, {len(labels)} labelled; {len(protocol)} topics with at least "
            f"{MIN_PRIMARY} labelled papers as primary; {args.trials} trials each of {SAVED} "
            f"saved; seed {args.seed}\n"
        )
        cosines: dict[tuple[int, ...], list[float]] = {}
        print("| ranking | precision@10 | content nDCG@10 | trials |")
        print("|---|---|---|---|")
        for name, ranked_lists in results.items():
            chosen = (
                trials
                if len(ranked_lists) == len(trials)
                else trials[:: max(1, len(trials) // 300)]
            )
            precision: dict[str, list[float]] = defaultdict(list)
            content: dict[str, list[float]] = defaultdict(list)
            for (topic, saved), ranked in zip(chosen, ranked_lists, strict=True):
                labelled_topics = [
                    labelled[n].topics if labelled[n] else frozenset() for n in ranked
                ]
                precision[topic].append(sum(topic in t for t in labelled_topics) / SHOWN)
                if tuple(saved) not in cosines:
                    cosines[tuple(saved)] = reference.centroid_cosines(saved)
                gains = [
                    c if (label := labelled[n]) and topic in label.topics else 0.0
                    for n, c in enumerate(cosines[tuple(saved)])
                ]
                content[topic].append(ndcg(ranked, gains, saved))
            p = statistics.mean(statistics.mean(v) for v in precision.values())
            c = statistics.mean(statistics.mean(v) for v in content.values())
            print(f"| {name} | {p:.3f} | {c:.3f} | {len(chosen)} |")


def budget(args: argparse.Namespace) -> None:
    from playwright.sync_api import sync_playwright

    from tests.conftest import CHROMIUM, CHROMIUM_ARGS
    from tests.pages_server import serve

    site: Path = args.site
    index = json.loads((site / "search-index.json").read_text(encoding="utf-8"))
    entry = json.loads((site / "library.json").read_text(encoding="utf-8"))
    rng = random.Random(args.seed)
    rows = []
    with serve(site) as url, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        for run in range(args.runs):
            numbers = rng.sample(range(index["papers"]), args.saved)
            papers = []
            for saved, n in enumerate(numbers):
                block = json.loads(
                    (site / f"search/papers/{n // entry['records']}.json").read_text(
                        encoding="utf-8"
                    )
                )
                title, slug = block[n % entry["records"]][:2]
                papers.append({"slug": slug, "n": n, "title": title, "saved": 1000 - saved})
            context = browser.new_context()
            stored = json.dumps({"version": 1, "papers": papers})
            context.add_init_script(
                f"localStorage.setItem('digest-library-v1:/repo/', {json.dumps(stored)})"
            )
            page = context.new_page()
            bodies: list[tuple[str, bytes]] = []

            def record(response: Any, bodies: list[tuple[str, bytes]] = bodies) -> None:
                path = response.url.removeprefix(url)
                if path.startswith(("library", "search/papers/", "papers/")) and response.ok:
                    bodies.append((path, response.body()))

            page.on("response", record)
            page.goto(url, wait_until="load")
            for window in ("7", *args.widen):
                print(f"run {run + 1}: {window} days", file=sys.stderr, flush=True)
                before = len(bodies)
                measured = page.evaluate(RANKED) if window != "7" else 0
                if window != "7":
                    page.select_option("#for-you-window", window)
                page.wait_for_function(
                    f"document.querySelectorAll('#for-you-list li').length === 10"
                    f" && ({RANKED}) > {measured}",
                    timeout=300_000,
                )
                ms = page.evaluate(RANK_MS)
                fetched = bodies[before:]
                raw = sum(len(body) for _, body in fetched)
                packed = sum(len(gzip.compress(body, 6)) for _, body in fetched)
                kinds = Counter(path.split("/")[0] if "/" in path else path for path, _ in fetched)
                rows.append((run + 1, window, raw, packed, len(fetched), ms, dict(kinds)))
            context.close()
        browser.close()
    print(
        f"{index['papers']} papers, {args.saved} saved at random from all of them; For you "
        f"over the 7 newest days, then widened (bytes: what the change fetched more)\n"
    )
    print("| run | days | data bytes | gzip -6 | requests | ranking (ms) | requests by folder |")
    print("|---|---|---|---|---|---|---|")
    for run, window, raw, packed, count, ms, kinds in rows:
        sizes = f"{raw / 1000:.1f} KB | {packed / 1000:.1f} KB"
        print(f"| {run} | {window} | {sizes} | {count} | {ms:.1f} | {kinds} |")
    for window in ("7", *args.widen):
        chosen = [row for row in rows if row[1] == window]
        print(
            f"\n{window} days: median {statistics.median(r[2] for r in chosen) / 1000:.1f} KB, "
            f"max {max(r[2] for r in chosen) / 1000:.1f} KB; ranking median "
            f"{statistics.median(r[5] for r in chosen):.1f} ms, "
            f"max {max(r[5] for r in chosen):.1f} ms"
        )


#: How many rankings the page has measured, and the last one's time: the
#: page's own work of reading the library blocks and ranking (saved.js).
RANKED = "performance.getEntriesByName('digest-for-you-rank').length"
RANK_MS = "performance.getEntriesByName('digest-for-you-rank').at(-1).duration"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    commands = parser.add_subparsers(dest="command", required=True)
    replayed = commands.add_parser("quality", help="precision@10 of For you on the labelled seeds")
    replayed.add_argument("--trials", type=int, default=100, help="saved sets per topic")
    replayed.add_argument("--seed", type=int, default=1)
    replayed.add_argument("--svm", action="store_true", help="also arxiv-sanity-lite's SVM (slow)")
    replayed.add_argument("--labels", type=Path, default=LABELS)
    measured = commands.add_parser("budget", help="bytes and ranking time of a For you refresh")
    measured.add_argument("--site", type=Path, required=True, help="a built site")
    measured.add_argument("--saved", type=int, default=10)
    measured.add_argument("--runs", type=int, default=5)
    measured.add_argument("--seed", type=int, default=1)
    measured.add_argument(
        "--widen", nargs="*", default=[], choices=("30", "all"), help="then widen the window"
    )
    args = parser.parse_args()
    quality(args) if args.command == "quality" else budget(args)


if __name__ == "__main__":
    main()
