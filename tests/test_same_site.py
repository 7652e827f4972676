"""An incremental build makes the same site as a full build, byte for byte,
whatever happened since the last one: new days, edited papers, a feed gone,
the config or a template changed, files in ``site/`` deleted or edited by
hand, a damaged manifest or cache."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from unittest import mock

from hypothesis import example, given, settings
from hypothesis import strategies as st

from generator.analysis import related
from tests.conftest import PROJECT, SMALL_CONFIG, Project, digest
from tests.test_incremental import snapshot

WORDS = ("pruning", "transformer", "sparse", "vision", "attention", "memory", "graph", "tokens")


def paper(title_words: list[str], number: int) -> tuple[str, str]:
    title = " ".join(word.capitalize() for word in title_words) + f" {number}"
    abstract = f"We study {' and '.join(title_words)} in neural networks; {title} helps."
    return title, abstract


def feed(day: int, papers: list[tuple[str, str]], month: int = 3) -> str:
    entries = "".join(f"\n\n{title}\n\n{abstract}" for title, abstract in papers)
    return f"2025-{month:02d}-{day:02d}{entries}\n"


papers_of_a_day = st.lists(
    st.lists(st.sampled_from(WORDS), min_size=1, max_size=3), min_size=1, max_size=4
)

steps = st.one_of(
    st.tuples(st.just("add a day"), papers_of_a_day),
    st.tuples(st.just("edit a paper"), st.integers(0, 99), st.sampled_from(WORDS)),
    st.tuples(st.just("remove a feed"), st.integers(0, 99)),
    st.tuples(st.just("change the config"), st.sampled_from(WORDS)),
    st.tuples(st.just("change a template"), st.sampled_from(["paper", "day", "topic", "base"])),
    st.tuples(st.just("delete a site file"), st.integers(0, 10_000)),
    st.tuples(st.just("edit a site file"), st.integers(0, 10_000)),
    st.tuples(st.just("damage the cache"), st.integers(0, 10_000), st.integers(0, 2)),
)


def apply(project: Project, step: tuple[object, ...], days: list[int]) -> None:
    kind = step[0]
    feeds = sorted(project.seeds.iterdir())
    if kind == "add a day":
        day = max(days) + 1
        days.append(day)
        titles = [paper(words, n) for n, words in enumerate(step[1])]  # type: ignore[arg-type]
        project.feed(f"day-{day:02d}.txt", feed(day, titles))
    elif kind == "edit a paper":
        path = feeds[int(step[1]) % len(feeds)]  # type: ignore[call-overload]
        text = path.read_text(encoding="utf-8")
        path.write_text(text.replace(" helps.", f" helps with {step[2]}.", 1), encoding="utf-8")
    elif kind == "remove a feed" and len(feeds) > 1:
        feeds[int(step[1]) % len(feeds)].unlink()  # type: ignore[call-overload]
    elif kind == "change the config":
        # A keyword moves papers between topics; failing that, a new title.
        text = project.config.read_text(encoding="utf-8")
        placed = text.replace("[transformer, ViT]", f"[transformer, ViT, {step[1]}]", 1)
        if placed == text:
            placed = text.replace("title: Test digest", f"title: Test digest {step[1]}", 1)
        project.config.write_text(placed, encoding="utf-8")
    elif kind == "change a template":
        path = project.root / "templates" / f"{step[1]}.html"
        path.write_text(path.read_text(encoding="utf-8") + "{# changed #}x\n", encoding="utf-8")
    elif kind in ("delete a site file", "edit a site file"):
        files = sorted(p for p in project.out.rglob("*") if p.is_file())
        if files:
            path = files[int(step[1]) % len(files)]  # type: ignore[call-overload]
            if kind == "delete a site file":
                path.unlink()
            else:
                path.write_bytes(b"edited by hand\n")
    elif kind == "damage the cache":
        cache = project.root / ".digest-cache"
        files = sorted(p for p in cache.rglob("*") if p.is_file()) if cache.is_dir() else []
        if files:
            path = files[int(step[1]) % len(files)]  # type: ignore[call-overload]
            how = step[2]
            if how == 0:
                path.unlink()
            elif how == 1:
                path.write_bytes(path.read_bytes()[: len(path.read_bytes()) // 2])
            else:
                path.write_bytes(b"\x00not what was there")


def full_build(project: Project) -> dict[str, bytes]:
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "site"
        run = digest("build", "--seeds", project.seeds, "--config", project.config, "--out", out)
        assert run.code == 0, run.err
        return snapshot(out)


@settings(max_examples=12, deadline=None)
@given(st.lists(steps, min_size=1, max_size=6))
@example([("delete a site file", 0)])  # .nojekyll, the site's marker
@example([("damage the cache", 0, 2), ("add a day", [["graph"]]), ("edit a site file", 3)])
def test_an_incremental_build_is_a_full_build(steps: list[tuple[object, ...]]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        project = Project(Path(folder))
        project.seeds.mkdir()
        project.config.write_text(SMALL_CONFIG, encoding="utf-8")
        shutil.copytree(PROJECT / "templates", project.root / "templates")
        # A month before the days added: those days weigh terms by it, so
        # a build may reuse the related papers' work of the one before.
        days = [10, 11]
        project.feed("day-09.txt", feed(9, [paper(["graph", "memory"], 0)], month=2))
        project.feed("day-10.txt", feed(10, [paper(["pruning", "sparse"], 1)]))
        project.feed("day-11.txt", feed(11, [paper(["transformer", "vision"], 2)]))
        # Runs of two papers, so that a build has several and keeps most.
        with mock.patch.object(related, "CHUNK_PAPERS", 2):
            first = project.build()
            assert first.code == 0, first.err
            for step in steps:
                apply(project, step, days)
                run = project.build()
                assert run.code == 0, (step, run.err)
                assert "Traceback" not in run.err
                assert snapshot(project.out) == full_build(project), step
