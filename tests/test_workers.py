"""Worker processes share a large build; the bytes never depend on how many."""

from __future__ import annotations

import gc
import os
import shutil
import signal
import subprocess
import sys
import time
from functools import partial
from pathlib import Path
from typing import Any

import pytest

from generator.analysis import related, topics
from generator.commands import build, cli
from generator.config.digest_yaml import load_config
from generator.core.errors import DigestError
from generator.core.workers import begun, run_chunks, runs
from generator.site import manifest, render, site_found
from tests.conftest import PROJECT, Project, digest
from tests.test_incremental import snapshot

SUBJECTS = ("pruning", "transformer", "diffusion", "reinforcement learning", "sourdough")


def entry(number: int) -> str:
    subject = SUBJECTS[number % len(SUBJECTS)]
    return (
        f"Paper {number} on {subject.title()}\n\n"
        f"We study {subject} with method {number % 17} and measure it on "
        f"benchmark {number % 11}; {subject} improves by {number % 7} points."
    )


def many_papers(project: Project, papers: int, per_day: int = 40) -> None:
    """``papers`` papers over as many days as it takes, the last paper of
    each day listed again the next day."""
    for start in range(0, papers, per_day):
        day = f"2025-{1 + start // (per_day * 28):02d}-{1 + (start // per_day) % 28:02d}"
        numbers = range(max(start - 1, 0), min(start + per_day, papers))
        project.feed(f"{day}.txt", "\n\n".join([day, *map(entry, numbers)]) + "\n")


@pytest.fixture
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    """Workers even for a small archive, and many chunks of work."""
    monkeypatch.setattr(build, "PARALLEL_FROM", 0)
    monkeypatch.setattr(render, "CHUNK_PAGES", 7)
    monkeypatch.setattr(related, "CHUNK_PAPERS", 5)
    monkeypatch.setattr(topics, "CHUNK_PAPERS", 5)


@pytest.mark.usefixtures("small_chunks")
def test_workers_write_the_same_bytes_as_one_process(project: Project, tmp_path: Path):
    many_papers(project, 120)
    one, three = tmp_path / "one", tmp_path / "three"
    for out, jobs in ((one, "1"), (three, "3")):
        run = digest("build", "--seeds", project.seeds, "--config", project.config,
                     "--out", out, "--jobs", jobs, "--quiet")  # fmt: skip
        assert (run.code, run.err) == (0, "")
    assert snapshot(one) == snapshot(three)
    assert len(list((three / "papers").iterdir())) == 120


@pytest.mark.usefixtures("small_chunks")
def test_a_site_looked_at_beside_the_check_builds_as_one_looked_at_first(
    project: Project, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """A large site's manifest is read, and its spare tree listed, in a
    process of their own while the input is read (``site_as_found``): the
    days after, a damaged manifest and ``--force`` build what one process
    builds from nothing."""
    monkeypatch.setattr(site_found, "LOOK_BESIDE_FROM", 0)
    lookers = tmp_path / "lookers"
    site_as_found = cli.site_as_found

    def looking(*args: Any, **kwargs: Any) -> Any:
        with lookers.open("a") as file:
            file.write(f"{os.getpid()} {args[0] == project.out}\n")
        return site_as_found(*args, **kwargs)

    monkeypatch.setattr(cli, "site_as_found", looking)
    many_papers(project, 40)
    steps = ["a day", "another day", "a damaged manifest", "--force"]
    for number, step in enumerate(steps):
        project.feed(
            f"2025-02-0{number + 1}.txt", f"2025-02-0{number + 1}\n\n{entry(99 + number)}\n"
        )
        if step == "a damaged manifest":
            manifest.manifest_path(project.out).write_text("{", encoding="utf-8")
        extra = ["--force"] if step == "--force" else []
        run = project.build("--jobs", "2", *extra)
        assert run.code == 0, (step, run.err)
        assert ("damaged" in run.err) == (step == "a damaged manifest"), step
        fresh = tmp_path / f"fresh{number}"
        alone = digest("build", "--seeds", project.seeds, "--config", project.config,
                       "--out", fresh, "--jobs", "1", "--quiet")  # fmt: skip
        assert alone.code == 0 and snapshot(project.out) == snapshot(fresh), step
    looked = [line.split()[0] for line in lookers.read_text().splitlines() if line.endswith("True")]
    # The first build had no manifest to read; every other build looked beside.
    assert len(looked) == len(steps) and looked[0] == str(os.getpid()) not in looked[1:]


@pytest.mark.usefixtures("small_chunks")
def test_a_site_without_a_spare_tree_is_given_one_beside_the_check(
    project: Project, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """The first build after one from nothing finds no spare tree: the
    process that looks at the site links the site's files into one while
    the input is read. The site is the one a build from nothing makes, and
    so it is from a spare tree cut short."""
    monkeypatch.setattr(site_found, "LOOK_BESIDE_FROM", 0)
    spare = manifest.spare_path(project.out)
    live: dict[str, int] = {}
    said = tmp_path / "said"
    found = site_found.site_as_found

    def looking(out: Path, force: bool, make_spare: bool) -> Any:
        """Says (in the process that looks) how many files of the spare
        tree are the live site's, and whether the files and inodes it gives
        are those a listing of the tree finds."""
        looked = found(out, force, make_spare)
        linked = [name for name, inode in (looked[1] or {}).items() if live.get(name) == inode]
        listed = looked[1] == manifest.inodes(manifest.spare_path(out))
        said.write_text(f"{make_spare} {len(linked)} {listed}", encoding="utf-8")
        return looked

    monkeypatch.setattr(cli, "site_as_found", looking)
    many_papers(project, 40)
    assert project.build("--jobs", "2").code == 0
    for number, cut_short in enumerate([False, True]):
        assert not spare.exists()  # as a build from nothing leaves it
        live.clear()
        live.update({name: entry.inode() for name, entry in manifest._entries(project.out)})
        if cut_short:  # half the site, and a file the site does not have
            site_found._linked(project.out, spare, sorted(live)[: len(live) // 2])
            (spare / "stray.html").write_text("stray", encoding="utf-8")
        day = f"2025-03-0{number + 1}"
        project.feed(f"{day}.txt", f"{day}\n\n{entry(90 + number)}\n")
        run = project.build("--jobs", "2")
        assert run.code == 0, run.err
        linked = len(live) // 2 if cut_short else len(live)
        assert said.read_text(encoding="utf-8") == f"True {linked} True"
        fresh = tmp_path / f"fresh{number}"
        alone = digest("build", "--seeds", project.seeds, "--config", project.config,
                       "--out", fresh, "--jobs", "1", "--quiet")  # fmt: skip
        assert alone.code == 0 and snapshot(project.out) == snapshot(fresh)
        shutil.rmtree(spare)


@pytest.mark.usefixtures("small_chunks")
def test_a_template_that_breaks_in_a_worker_is_one_line(project: Project):
    many_papers(project, 30)
    shutil.copytree(PROJECT / "templates", project.root / "templates")
    (project.root / "templates" / "paper.html").write_text(
        '{% extends "base.html" %}\n{% block main %}{{ nope }}{% endblock %}\n', encoding="utf-8"
    )
    run = project.build("--jobs", "2")
    assert run.code == 1
    assert run.err == f"{project.root / 'templates' / 'paper.html'}:2: error: 'nope' is undefined\n"
    assert not project.out.exists()


def test_chunks_come_back_in_order_and_errors_reach_the_parent():
    def square_or_fail(chunk: range) -> list[int]:
        if 13 in chunk:
            raise ValueError("thirteen")
        return [n * n for n in chunk]

    assert list(run_chunks(square_or_fail, runs(12, 5), 2)) == [
        [0, 1, 4, 9, 16],
        [25, 36, 49, 64, 81],
        [100, 121],
    ]
    with pytest.raises(ValueError, match="thirteen"):
        list(run_chunks(square_or_fail, runs(40, 3), 2))


def test_work_begun_in_its_own_process_gives_its_result_or_its_error():
    def where(value: int) -> tuple[int, int]:
        return value, os.getpid()

    with begun(partial(where, 7), 2) as result:
        value, pid = result()
    assert value == 7 and pid != os.getpid()
    with begun(partial(where, 8), 1) as result:  # one process: done here
        assert result() == (8, os.getpid())

    def fail() -> None:
        raise ValueError("eight")

    with pytest.raises(ValueError, match="eight"), begun(fail, 2) as failed:
        failed()

    def die() -> None:
        os._exit(9)

    with pytest.raises(DigestError, match="a worker process died"), begun(die, 2) as died:
        died()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_work_begun_ends_when_the_build_leaves_it_early():
    """A failure or a stop in the build, while the work begun goes on:
    its process must not write on into a staging folder being removed."""
    started, before = time.monotonic(), children(os.getpid())
    with pytest.raises(KeyError), begun(partial(time.sleep, 60), 2):
        (helper,) = children(os.getpid()) - before
        raise KeyError("a stop")
    assert time.monotonic() - started < 30 and not alive(helper)


def children(pid: int) -> set[int]:
    found = set()
    for task in Path(f"/proc/{pid}/task").iterdir():
        text = (task / "children").read_text()
        found |= {int(child) for child in text.split()}
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_workers_die_with_a_killed_build():
    """Orphaned workers would go on writing into a staging folder that the
    next build clears away."""
    script = (
        "import time\n"
        "from generator.core.workers import run_chunks\n"
        "list(run_chunks(lambda chunk: time.sleep(60), [range(1), range(1)], 2))\n"
    )
    process = subprocess.Popen([sys.executable, "-c", script], cwd=PROJECT)
    workers: set[int] = set()
    deadline = time.monotonic() + 30
    while len(workers) < 2 and time.monotonic() < deadline and process.poll() is None:
        workers = children(process.pid)
        time.sleep(0.01)
    assert len(workers) == 2, "the build started its worker processes"
    time.sleep(0.2)  # both are asleep in their task
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    deadline = time.monotonic() + 10
    while any(alive(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(alive(pid) for pid in workers)


def test_a_worker_that_dies_fails_the_build_rather_than_hanging_it():
    """A worker killed from outside (the kernel's OOM killer, say) must end
    the build with an error; multiprocessing.Pool would wait forever."""

    def die(chunk: range) -> None:
        os._exit(9)

    with pytest.raises(DigestError, match="a worker process died"):
        list(run_chunks(die, runs(4, 1), 2))


def test_the_collector_is_paused_while_the_archive_is_built_and_running_after(
    project: Project, monkeypatch: pytest.MonkeyPatch
):
    many_papers(project, 30)
    seen = []
    classify = build.classify
    monkeypatch.setattr(
        build, "classify", lambda *args: seen.append(gc.isenabled()) or classify(*args)
    )
    config = load_config(project.config)
    checked = build.check(project.seeds, config)
    assert seen == [False] and gc.isenabled()
    render_ran_with = []
    page = render.Renderer.page

    def recording_page(self, *args, **kwargs):
        render_ran_with.append(gc.isenabled())
        return page(self, *args, **kwargs)

    monkeypatch.setattr(render.Renderer, "page", recording_page)
    build.build(checked, config, project.out)
    assert render_ran_with and all(render_ran_with) and gc.isenabled()


@pytest.mark.usefixtures("small_chunks")
def test_what_a_build_keeps_is_never_walked_by_the_collector_until_the_build_ends(
    project: Project, monkeypatch: pytest.MonkeyPatch
):
    """The archive that ``check`` made lives to the end of the build: frozen
    when ``check`` ends (``kept_to_the_end``), so that no collection walks
    it again; the collector's again once the build is done."""
    many_papers(project, 30)
    young_when_related = []
    relate = related.relate

    def probing(archive: Any, *args: Any) -> Any:
        young = {id(o) for generation in range(3) for o in gc.get_objects(generation)}
        young_when_related.append(id(archive.papers[0]) in young)
        return relate(archive, *args)

    monkeypatch.setattr(related, "relate", probing)
    for jobs in ("1", "2"):
        assert project.build("--jobs", jobs, "--force").code == 0
    assert young_when_related == [False, False]
    assert gc.get_freeze_count() == 0 and gc.isenabled()
