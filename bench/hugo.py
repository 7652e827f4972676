"""The same corpus as a Hugo site, and Hugo timed against digest.

    python3 bench/hugo.py --seeds DIR --work DIR [--rounds 3] [--approx-topics]

(run.py --hugo calls ``compare`` for each size.) Hugo is the yardstick for
"how fast can a static site of this shape be": a page per paper, per day and
per topic, lists of days and topics, a home page with the latest day, feeds,
a sitemap and a JSON index. Papers become content files whose front matter
carries the title, the abstract and the ``days`` and ``topics`` taxonomies;
the templates are minimal but of the same shape as ours (same page chrome,
day pages grouped by primary topic, topic pages grouped by day, five related
papers on every paper page).

Topics come from the generator itself (``generator.commands.build.check``: the same
keyword matching, and the TF-IDF keywords that Hugo's "related" index uses)
unless ``--approx-topics`` asks for a plain case-insensitive keyword search,
which skips the generator's TF-IDF step on large corpora. The output says
which was used.

The two builds run in alternation (digest full, Hugo full, digest with
nothing changed, then again), so a slow spell of the machine hits both.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from measure import BASE_URL, CONFIG, REPO, Run, digest_build, remove, run_command, warm_up

INSTALL_HINT = "Hugo is not installed: apt-get install -y hugo (Debian), or see https://gohugo.io"


@dataclass(frozen=True, slots=True)
class HugoPaper:
    slug: str
    title: str
    abstract: str
    days: tuple[str, ...]
    """ISO dates, oldest first."""
    topics: tuple[str, ...]
    """Topic names, primary first."""
    keywords: tuple[str, ...]


def hugo_binary() -> str:
    """The ``hugo`` command, or the end of the run with a clear message."""
    found = shutil.which("hugo")
    if found is None:
        raise SystemExit(f"bench: {INSTALL_HINT}")
    return found


def hugo_version() -> str:
    done = subprocess.run([hugo_binary(), "version"], capture_output=True, text=True, check=False)
    return done.stdout.split("+")[0].split("-")[0].strip() or "unknown"


# -- Reading the corpus with the generator ------------------------------------


def read_papers(seeds: Path, approx: bool) -> tuple[list[HugoPaper], str]:
    """The corpus's papers with days and topics, and how the topics were found."""
    sys.dont_write_bytecode = True  # importing the generator must not write into the repo
    from generator.config.digest_yaml import load_config

    config = load_config(CONFIG, BASE_URL)
    if not approx:
        try:
            return _classified(seeds, config), "generator.commands.build.check (exact)"
        except (ImportError, AttributeError, TypeError) as error:
            print(f"bench: generator API changed ({error}); approximating topics", file=sys.stderr)
    return _approximated(seeds, config), "plain keyword search (approximation)"


def _classified(seeds: Path, config: Any) -> list[HugoPaper]:
    from generator.analysis.related import relate
    from generator.commands.build import check
    from generator.core.workers import cores

    checked = check(seeds, config, cores())
    keywords = relate(checked.archive, cores()).keywords
    names = {topic.slug: topic.name for topic in checked.topics.topics}
    return [
        HugoPaper(
            slug=paper.slug,
            title=paper.title,
            abstract=paper.abstract,
            days=tuple(day.isoformat() for day in paper.days),
            topics=tuple(names[m.topic] for m in checked.topics.matches[paper.slug]),
            keywords=tuple(keywords[paper.slug]),
        )
        for paper in checked.archive.papers
    ]


def _approximated(seeds: Path, config: Any) -> list[HugoPaper]:
    """Papers merged by the generator, topics by a keyword in the title or
    two in the abstract, ignoring case, word boundaries and exclusions."""
    from generator.commands.build import read_feeds
    from generator.reading.archive import merge

    feeds = read_feeds(sorted([*seeds.glob("*.txt"), *seeds.glob("*.json")]), config.year)
    archive, _ = merge(feeds.entries)
    rules = [(rule.name, [k.lower() for k in rule.keywords]) for rule in config.topics]
    papers = []
    for paper in archive.papers:
        title, abstract = paper.title.lower(), paper.abstract.lower()
        topics = tuple(
            name
            for name, keywords in rules
            if any(k in title or abstract.count(k) >= 2 for k in keywords)
        )
        days = tuple(day.isoformat() for day in paper.days)
        papers.append(
            HugoPaper(
                paper.slug, paper.title, paper.abstract, days, topics or ("Other topics",), ()
            )
        )
    return papers


# -- Writing the Hugo site ----------------------------------------------------

#: Layouts and configuration of the Hugo site, beside this script.
LAYOUTS = Path(__file__).resolve().parent / "hugo_layouts"
CONFIG_TOML = LAYOUTS.parent / "hugo_config.toml"


def write_site(site: Path, papers: list[HugoPaper], about: Path | None) -> None:
    """A Hugo site for ``papers``: config, layouts, one content file per paper
    (JSON front matter, which needs no escaping beyond JSON's, and no body:
    abstracts are plain text shown as written, as in our build)."""
    remove(site)
    latest = max(day for paper in papers for day in paper.days)
    (site / "content" / "papers").mkdir(parents=True)
    config = CONFIG_TOML.read_text().format(base_url=BASE_URL, latest=latest)
    (site / "config.toml").write_text(config)
    shutil.copytree(LAYOUTS, site / "layouts")
    static = site / "static" / "static"
    shutil.copytree(REPO / "static", static)
    for paper in papers:
        front = {
            "title": paper.title,
            "date": paper.days[-1],
            "abstract": paper.abstract,
            "days": list(paper.days),
            "topics": list(paper.topics),
            "primary": paper.topics[0],
            "keywords": list(paper.keywords),
        }
        text = json.dumps(front, ensure_ascii=False, indent=1) + "\n"
        (site / "content" / "papers" / f"{paper.slug}.md").write_text(text, encoding="utf-8")
    hidden = {"_build": {"list": "never"}}
    about_text = about.read_text(encoding="utf-8") if about and about.is_file() else ""
    pages = {"about": ("About", "page", about_text), "search": ("Search", "page", "")}
    for name, (title, layout, body) in pages.items():
        front = {"title": title, "layout": layout, **hidden}
        (site / "content" / f"{name}.md").write_text(json.dumps(front) + "\n" + body)


def hugo_build(site: Path, public: Path, log: Path) -> Run:
    """``hugo --quiet`` into ``public``, which does not exist: a full build, as
    ours is. Hugo is one process, so the peak that ``os.wait4`` gives is all
    of its memory and nothing needs sampling (see ``run_command``)."""
    argv = [hugo_binary(), "--quiet", "--destination", str(public)]
    return run_command(argv, log, cwd=site, tree=False).check()


def folder_size(folder: Path) -> tuple[int, int]:
    files = [p for p in folder.rglob("*") if p.is_file()]
    return len(files), sum(p.stat().st_size for p in files)


def compare(
    seeds: Path,
    folder: Path,
    rounds: int,
    approx: bool,
    work: Path,
    digest_peak_mb: float | None = None,
) -> dict[str, Any]:
    """Lay out ``seeds`` as a Hugo site in ``folder`` and time, in alternation,
    our full build, Hugo's full build and our rebuild with nothing changed.
    Our timed builds go unsampled (see ``run_command``): our memory is
    ``digest_peak_mb``, that of a sampled full build of the same corpus, or
    else of one made here first."""
    version = hugo_version()
    papers, method = read_papers(seeds, approx)
    site, logs = folder / "site", folder / "logs"
    write_site(site, papers, seeds / "about.md")
    logs.mkdir(parents=True, exist_ok=True)
    runs: dict[str, list[Run]] = {"digest": [], "hugo": [], "again": []}
    # Each build into a folder of its own, none removed here: a removal slows
    # the builds that follow it (measure.REMOVAL_SETTLES).
    if digest_peak_mb is None:
        sampled = digest_build(seeds, folder / "digest-sampled", logs / "digest-sampled.log", work)
        digest_peak_mb = sampled.peak_mb
    outputs = [(folder / f"digest-{n}", folder / f"public-{n}") for n in range(rounds)]
    for n, (ours, public) in enumerate(outputs):
        runs["digest"].append(digest_build(seeds, ours, logs / f"digest-{n}.log", work, tree=False))
        runs["hugo"].append(hugo_build(site, public, logs / f"hugo-{n}.log"))
        runs["again"].append(digest_build(seeds, ours, logs / f"again-{n}.log", work, tree=False))
    median = {name: statistics.median(r.seconds for r in done) for name, done in runs.items()}
    files, size = folder_size(outputs[-1][1])
    return {
        "hugo": version,
        "topics": method,
        "rounds": rounds,
        "digest_s": median["digest"],
        "hugo_s": median["hugo"],
        "again_s": median["again"],
        "digest_mb": digest_peak_mb,
        "hugo_mb": max(r.peak_mb for r in runs["hugo"]),
        "hugo_files": files,
        "hugo_bytes": size,
        "all": {name: [round(r.seconds, 2) for r in done] for name, done in runs.items()},
    }


def table(rows: list[tuple[int, dict[str, Any]]]) -> str:
    """A markdown table of ``compare`` results, one row per corpus size."""
    header = [
        "papers",
        "digest full (median)",
        "Hugo full (median)",
        "digest / Hugo",
        "digest no-change (median)",
        "no-change / Hugo",
        "peak memory digest / Hugo",
        "Hugo output",
        "all runs (s): digest; Hugo; no-change",
    ]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for papers, r in rows:
        times = r["all"]
        cells = [
            f"{papers:,}",
            f"{r['digest_s']:.1f} s",
            f"{r['hugo_s']:.1f} s",
            f"{r['digest_s'] / r['hugo_s']:.2f}×",
            f"{r['again_s']:.1f} s",
            f"{r['again_s'] / r['hugo_s']:.3f}×",
            f"{r['digest_mb']:,.0f} MB / {r['hugo_mb']:,.0f} MB",
            f"{r['hugo_files']:,} files, {r['hugo_bytes'] / 1e6:,.1f} MB",
            "; ".join(" ".join(map(str, times[k])) for k in ("digest", "hugo", "again")),
        ]
        lines.append("| " + " | ".join(cells) + " |")
    first = rows[0][1]
    note = (
        f"{first['hugo']}, `hugo --quiet` (no minify) into a new folder each round; "
        f"{first['rounds']} alternating round(s), timed without memory sampling; "
        f"topics for Hugo from {first['topics']}."
    )
    return "\n".join(lines) + "\n\n" + note


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=Path, required=True, help="a corpus (bench/corpus.py)")
    parser.add_argument("--work", type=Path, required=True, help="folder for both sites")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--approx-topics", action="store_true")
    args = parser.parse_args(argv)
    hugo_binary()
    work = args.work.absolute()
    work.mkdir(parents=True, exist_ok=True)
    warm_up(work)
    result = compare(args.seeds.absolute(), work / "hugo", args.rounds, args.approx_topics, work)
    papers = len(list((work / "hugo" / "site" / "content" / "papers").iterdir()))
    print(table([(papers, result)]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
