"""Where a full build's time goes, step by step, and what the cores can save.

    python3 bench/stages.py [--papers 10000] [--jobs N] [--work DIR]

Unlike run.py, the build runs in this process, one pipeline step at a time,
so that each step is timed on its own: once in one process (so each step's
time is its CPU time, and the sum is the work there is), then with ``--jobs``
worker processes (default: the cores this process may use). The work of the
steps marked ``pool`` is shared by the workers; the rest runs in the parent
alone. The table ends with the least wall time those figures allow: the
serial steps plus the pooled ones shared perfectly over the cores. A full
build can be no faster than that without less work, whatever is overlapped.
The bound is if anything too low: the serial parts inside the pooled steps
(the TF-IDF model between two passes, the listing of the pages to render)
count as shared.
Start-up is timed as a new interpreter importing the command line, as
``python3 -m generator`` does.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import corpus
from measure import BASE_URL, CONFIG, REPO

sys.path.insert(0, str(REPO))

from generator.analysis.topics import classify  # noqa: E402
from generator.commands.build import (  # noqa: E402
    STATIC,
    TEMPLATES,
    _seed_files,
    _workers,
    input_key,
    read_feeds,
    theme,
)
from generator.config.digest_yaml import load_config  # noqa: E402
from generator.core.workers import collector_paused, cores  # noqa: E402
from generator.reading.archive import merge  # noqa: E402
from generator.reading.content import read_content  # noqa: E402
from generator.site.machine_files import write_data  # noqa: E402
from generator.site.manifest import write_manifest  # noqa: E402
from generator.site.prepared import prepare  # noqa: E402
from generator.site.render import Renderer  # noqa: E402
from generator.site.writer import Site  # noqa: E402

#: The steps of relate(), each ended by its last report of progress.
RELATE_STEPS = {
    "counting words": "related: terms of each paper",
    "weighing words": "related: model and vectors",
    "finding related papers": "related: similar papers",
}


@dataclass
class Clock:
    """Wall and CPU time (this process and its finished workers) per step."""

    steps: dict[str, tuple[float, float]] = field(default_factory=dict)
    pooled: set[str] = field(default_factory=set)

    @staticmethod
    def now() -> tuple[float, float]:
        times = os.times()
        cpu = times.user + times.system + times.children_user + times.children_system
        return time.perf_counter(), cpu

    def record(self, name: str, since: tuple[float, float], pool: bool) -> tuple[float, float]:
        wall, cpu = self.now()
        self.steps[name] = (wall - since[0], cpu - since[1])
        if pool:
            self.pooled.add(name)
        return wall, cpu

    def step(self, name: str, work: Callable[[], Any], pool: bool = False) -> Any:
        started = self.now()
        result = work()
        self.record(name, started, pool)
        return result


def build_in_steps(seeds: Path, out: Path, jobs: int) -> Clock:
    """The steps of ``build.check`` and ``build.build``, in their order, timed."""
    clock = Clock()
    clock.step("start-up", _start_up)
    config = load_config(CONFIG, BASE_URL)
    templates, static = theme(CONFIG)
    inputs = [CONFIG, seeds, templates, static]
    clock.step("input key", lambda: input_key(inputs, config.base_url))
    with collector_paused():
        feed_paths, page_paths, _ = _seed_files(seeds)
        feeds = clock.step("read feeds", lambda: read_feeds(feed_paths, config.year))
        archive, _ = clock.step("merge", lambda: merge(feeds.entries))
        jobs = _workers(archive, jobs)  # one process for a small archive, as build does
        content, _ = read_content(page_paths, {day.date for day in archive.days})
        topics = clock.step("topics", lambda: classify(archive, config.topics, jobs), pool=True)
    clock.step("import numpy, scipy", _import_numerics)
    from generator.analysis.related import relate

    last = clock.now()

    def progress(what: str, done: int, total: int) -> None:
        nonlocal last
        if done == total and what in RELATE_STEPS:
            last = clock.record(RELATE_STEPS[what], last, pool=True)

    site = Site(out)
    # Its own process in a build, beside relate (see ``build._build``).
    with collector_paused():
        prepared = clock.step("search blocks, hashes", lambda: prepare(site, archive, topics))
        related = relate(archive, jobs, progress)
        renderer = clock.step(
            "views",
            lambda: Renderer(
                config,
                archive,
                topics,
                related,
                prepared,
                content,
                templates,
                None,
                built_in=(TEMPLATES, STATIC),
            ),
        )
    # Its own process in a build, beside the views (see ``build._build``).
    clock.step(
        "search and library data", lambda: write_data(site, archive, topics, related), pool=True
    )
    clock.step("render and write", lambda: renderer.render(site, static, None, jobs), pool=True)
    clock.step("manifest", lambda: write_manifest(out, "", [], site.entries))
    return clock


def _start_up() -> None:
    """A new interpreter's start and imports, to the point a build begins."""
    command = [sys.executable, "-c", "import generator.commands.cli"]
    subprocess.run(command, cwd=REPO, check=True)


def _import_numerics() -> None:
    import numpy  # noqa: F401
    from scipy import sparse  # noqa: F401


def table(alone: Clock, shared: Clock, jobs: int) -> Iterator[str]:
    yield f"| step | kind | 1 process | {jobs} processes |"
    yield "|---|---|---|---|"
    for name, (seconds, _) in alone.steps.items():
        kind = "pool" if name in alone.pooled else "serial"
        yield f"| {name} | {kind} | {seconds:.2f} s | {shared.steps[name][0]:.2f} s |"
    serial = sum(s for n, (s, _) in alone.steps.items() if n not in alone.pooled)
    pooled = sum(s for n, (s, _) in alone.steps.items() if n in alone.pooled)
    wall = sum(seconds for seconds, _ in shared.steps.values())
    cpu = sum(cpu for _, cpu in shared.steps.values())
    yield f"| **all** | | {serial + pooled:.2f} s | {wall:.2f} s |"
    yield ""
    yield (
        f"Serial {serial:.2f} s + pooled {pooled:.2f} s / {jobs} = "
        f"**{serial + pooled / jobs:.2f} s**: the least wall time of these steps with "
        f"{jobs} cores (measured {wall:.2f} s, CPU {cpu:.2f} s in all)."
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--papers", type=int, default=10000)
    parser.add_argument("--jobs", type=int, default=cores(), help="worker processes")
    parser.add_argument("--seed", type=int, default=1, help="corpus seed")
    parser.add_argument("--work", type=Path, help="folder for the corpus and sites (default: temp)")
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="digest-stages-", dir=args.work))
    try:
        seeds = work / "seeds"
        corpus.write_corpus(args.papers, seeds, args.seed)
        runs = {}
        for jobs in (1, args.jobs):
            out = work / f"site-{jobs}"
            out.mkdir()
            runs[jobs] = build_in_steps(seeds, out, jobs)
            print(f"bench: built with {jobs} process(es)", file=sys.stderr)
        print(f"{args.papers:,} papers, {sys.platform}, Python {sys.version.split()[0]}\n")
        print("\n".join(table(runs[1], runs[args.jobs], args.jobs)))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
