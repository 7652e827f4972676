"""Faults: builds that meet each other, stops by signal, a full or read-only
disk. Real processes and real signals throughout; ``DIGEST_PAUSE_AT`` (see
``generator.core.stops.stage``) stops a build at a named stage, so that a signal
arrives at exactly that point. Every case ends with the previous site or a
complete new one, nothing left beside it, and one line naming the cause."""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from generator.commands import build, site_swap
from generator.core import lock
from generator.core.stops import PAUSE_AT
from generator.site import writer
from tests.conftest import ABSTRACT, PROJECT, Project, digest
from tests.test_incremental import snapshot
from tests.test_serve import Served, showing
from tests.test_serve import serving as serve_process
from tests.test_workers import many_papers

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")

WAIT = 60.0
#: ``python -m generator``, with Ctrl-C working even when the tests were
#: started from a shell in the background (which makes its children ignore
#: it), and room for changes to make first.
AS_DASH_M = (
    "import runpy, signal; signal.signal(signal.SIGINT, signal.default_int_handler); {}"
    "runpy.run_module('generator', run_name='__main__', alter_sys=True)"
)
#: ... in a process where every archive has workers and pages come in many
#: small chunks, so that a small site stops mid-render with workers busy.
WITH_WORKERS = (
    "import generator.commands.build, generator.site.render; "
    "generator.commands.build.PARALLEL_FROM = 0; generator.site.render.CHUNK_PAGES = 3; "
)


@dataclass
class Build:
    """A ``digest build`` running in a process of its own."""

    process: subprocess.Popen[str]
    out: str = ""

    @property
    def pid(self) -> int:
        return self.process.pid

    def paused(self) -> Build:
        """This build, once it has stopped itself at its ``DIGEST_PAUSE_AT`` stage."""
        wait_for(lambda: state(self.pid) == "T" or self.process.poll() is not None, "the pause")
        assert self.process.poll() is None, self.finish()
        return self

    def signal(self, number: int) -> Build:
        """Send ``number``, then let a paused build go on to meet it."""
        os.kill(self.pid, number)
        os.kill(self.pid, signal.SIGCONT)
        return self

    def finish(self) -> tuple[int, str]:
        """Exit status and what it wrote to stderr (``out`` has its stdout)."""
        self.out, err = self.process.communicate(timeout=WAIT)
        return self.process.returncode, err


def start(project: Project, *extra: str, pause_at: str = "", workers: bool = False) -> Build:
    env = {**os.environ, PAUSE_AT: pause_at}
    python = [sys.executable, "-c", AS_DASH_M.format(WITH_WORKERS if workers else "")]
    paths = ["--seeds", project.seeds, "--config", project.config, "--out", project.out]
    process = subprocess.Popen(
        [*python, "build", *map(str, paths), *extra],
        cwd=PROJECT,  # this checkout's generator, whatever the tests were started from
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # a process group, to signal as a terminal does
    )
    return Build(process)


def state(pid: int) -> str:
    """The process's state letter (``T`` when stopped), ``""`` once it is gone."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return ""


def pending(pid: int, number: int) -> bool:
    """Whether signal ``number`` waits to be handled by the (stopped) process."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, mask = line.partition(":\t")
        if name in ("SigPnd", "ShdPnd") and int(mask, 16) >> (number - 1) & 1:
            return True
    return False


def children(pid: int) -> set[int]:
    found: set[int] = set()
    for task in Path(f"/proc/{pid}/task").iterdir():
        with_children = task / "children"
        found |= {int(child) for child in with_children.read_text().split()}
    return found


def wait_for(probe: object, what: str) -> None:
    assert callable(probe)
    deadline = time.monotonic() + WAIT
    while not probe():
        assert time.monotonic() < deadline, f"gave up waiting for {what}"
        time.sleep(0.02)


def read_line(build: Build) -> str:
    """The first line a build writes to stderr, as soon as it is written."""
    assert build.process.stderr is not None
    return build.process.stderr.readline()


def beside(project: Project) -> list[str]:
    return sorted(path.name for path in project.root.iterdir())


def two_sites(project: Project) -> tuple[dict[str, bytes], dict[str, bytes]]:
    """The site of one paper, built into ``project.out``, and what it becomes
    once a second paper is added (built elsewhere, for comparing); the feed
    is left with both papers."""
    feed = f"Mar 11\n\nPruning Things\n\n{ABSTRACT}\n"
    project.feed("a.txt", feed)
    assert project.build().code == 0
    old = snapshot(project.out)
    project.feed("a.txt", feed + f"\nTransformers Everywhere\n\n{ABSTRACT}\n")
    expected = project.root.parent / f"{project.root.name}-expected"
    run = digest("build", "--seeds", project.seeds, "--config", project.config, "--out", expected)
    assert run.code == 0, run.err
    new = snapshot(expected)
    shutil.rmtree(expected)
    assert new != old
    return old, new


def test_a_second_build_waits_and_says_for_whom(project: Project):
    old, new = two_sites(project)
    first = start(project, pause_at="locked").paused()
    second = start(project)
    assert read_line(second) == (
        f"digest: {project.out}/ is being built by process {first.pid} (digest build); waiting\n"
    )
    os.kill(first.pid, signal.SIGCONT)
    assert first.finish() == (0, "")
    assert second.finish() == (0, ""), "said once"
    # It looked at the site only once it had the lock: the one the first made.
    assert second.out == f"{project.out}/ is up to date: no input changed since it was built\n"
    assert snapshot(project.out) == new
    assert beside(project) == [".digest-cache", "digest.yaml", "seeds", "site"], (
        "and the lock file is gone"
    )


def test_a_holder_that_lets_go_as_it_is_looked_for_is_not_waited_for(tmp_path: Path):
    """A short build can end between another's failed try of the lock and
    its reading of who holds it: the file then names a process that is gone
    (CI once saw "being built by another process"). The lock is free by
    then: nothing is said, and the build has the lock."""
    out = tmp_path / "site"
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    lock.lock_file(out).write_text(f"{gone.pid} digest build\n", encoding="utf-8")
    held = os.open(lock.lock_file(out), os.O_RDWR)
    fcntl.flock(held, fcntl.LOCK_EX)
    threading.Timer(0.2, os.close, (held,)).start()  # lets go while looked for
    said: list[str] = []
    with lock.site_lock(out, waiting=said.append):
        other = os.open(lock.lock_file(out), os.O_RDWR)
        try:
            with pytest.raises(BlockingIOError):
                fcntl.flock(other, fcntl.LOCK_EX | fcntl.LOCK_NB)
        finally:
            os.close(other)
    assert said == []


def test_with_no_wait_a_second_build_fails_at_once(project: Project):
    two_sites(project)
    first = start(project, pause_at="locked").paused()
    try:
        code, err = start(project, "--no-wait").finish()
        assert (code, err) == (
            1,
            f"{project.out}/: error: being built by process {first.pid} (digest build); "
            "not waiting (--no-wait)\n",
        )
    finally:
        first.signal(signal.SIGKILL).finish()
    assert project.build("--no-wait").code == 0, "a killed holder leaves no stale lock"


def test_a_waiting_build_stops_cleanly_on_sigterm(project: Project):
    old, new = two_sites(project)
    first = start(project, pause_at="rendered").paused()
    second = start(project)
    waiting = read_line(second)
    assert waiting.endswith(f"by process {first.pid} (digest build); waiting\n")
    os.kill(second.pid, signal.SIGTERM)
    assert second.finish() == (143, "digest: terminated (SIGTERM)\n")
    os.kill(first.pid, signal.SIGCONT)
    assert first.finish() == (0, "")
    assert snapshot(project.out) == new
    assert beside(project) == [".digest-cache", "digest.yaml", "seeds", "site"]


def test_two_builds_started_together_give_one_complete_site(project: Project):
    """Two different inputs into one site, started at the same moment, three
    times over: each build succeeds, whole, one after the other."""
    project.feed("a.txt", f"Mar 11\n\nPruning Things\n\n{ABSTRACT}\n")
    other = project.root / "other-seeds"
    other.mkdir()
    (other / "b.txt").write_text(f"Mar 12\n\nTransformers Everywhere\n\n{ABSTRACT}\n")
    sites = []
    for seeds in (project.seeds, other):
        out = project.root.parent / f"{project.root.name}-{seeds.name}"
        run = digest("build", "--seeds", seeds, "--config", project.config, "--out", out)
        assert run.code == 0, run.err
        sites.append(snapshot(out))
        shutil.rmtree(out)
    for _ in range(3):
        builds = [start(project), start(project, "--seeds", str(other))]  # the last --seeds wins
        for running, other_build in zip(builds, reversed(builds), strict=True):
            code, err = running.finish()
            waited = (
                f"digest: {project.out}/ is being built by process {other_build.pid} "
                "(digest build); waiting\n"
            )
            assert code == 0 and err in ("", waited), err
        assert snapshot(project.out) in sites
        assert beside(project) == [".digest-cache", "digest.yaml", "other-seeds", "seeds", "site"]


def test_recover_leaves_the_staging_folder_of_a_live_build(project: Project):
    """``recover`` clears what killed builds left, under the site's lock: it
    waits for a live build rather than remove the folder it is writing."""
    old, new = two_sites(project)
    paused = start(project, pause_at="rendered").paused()
    staging = [path.name for path in project.root.glob(".site-new-*")]
    assert len(staging) == 1
    recovering = threading.Thread(target=site_swap.recover, args=(project.out,))
    recovering.start()
    recovering.join(0.5)
    assert recovering.is_alive(), "it waits for the lock"
    assert [path.name for path in project.root.glob(".site-new-*")] == staging
    os.kill(paused.pid, signal.SIGCONT)
    assert paused.finish() == (0, "")
    recovering.join(WAIT)
    assert snapshot(project.out) == new
    assert beside(project) == [".digest-cache", "digest.yaml", "seeds", "site"]


@pytest.mark.parametrize("stage", ["locked", "rendered", "swapping"])
def test_a_build_killed_while_another_waits(project: Project, stage: str):
    """The waiting build goes on as soon as the killed one is gone, and
    clears what it left: its staging folder, or the site it had moved aside."""
    old, new = two_sites(project)
    first = start(project, pause_at=stage).paused()
    second = start(project)
    assert read_line(second).endswith(f"by process {first.pid} (digest build); waiting\n")
    assert first.signal(signal.SIGKILL).finish()[0] == -signal.SIGKILL
    assert second.finish() == (0, "")
    assert snapshot(project.out) == new
    assert beside(project) == [".digest-cache", "digest.yaml", "seeds", "site"]


@pytest.mark.parametrize("stage", ["locked", "rendering", "rendered", "swapping"])
@pytest.mark.parametrize(
    ("number", "status", "said"),
    [
        (signal.SIGTERM, 143, "digest: terminated (SIGTERM)\n"),
        (signal.SIGINT, 130, "digest: interrupted\n"),
    ],
)
def test_a_signal_stops_a_build_cleanly(
    project: Project, stage: str, number: int, status: int, said: str
):
    """Stopped before the swap, the previous site stays; a stop during the
    swap waits for its end, and the new site is in place. Either way the
    staging folder is gone, and no traceback is shown."""
    old, new = two_sites(project)
    paused = start(project, pause_at=stage).paused()
    assert paused.signal(number).finish() == (status, said)
    assert snapshot(project.out) == (new if stage == "swapping" else old)
    assert beside(project) == [".digest-cache", "digest.yaml", "seeds", "site"]


@pytest.mark.parametrize(
    ("number", "status", "said"),
    [
        (signal.SIGTERM, 143, "digest: terminated (SIGTERM)\n"),
        (signal.SIGINT, 130, "digest: interrupted\n"),
    ],
)
def test_a_signal_to_every_process_of_a_build_stops_its_workers_quietly(
    project: Project, number: int, status: int, said: str
):
    """Ctrl-C in a terminal, or a process manager stopping a whole group,
    reaches the workers too: they leave it to the build, which ends them."""
    many_papers(project, 60)
    assert project.build().code == 0
    old = snapshot(project.out)
    project.feed("zz.txt", f"2025-06-01\n\nA Late Paper\n\n{ABSTRACT}\n")
    paused = start(project, "--jobs", "2", pause_at="rendering", workers=True).paused()
    workers = children(paused.pid)
    assert len(workers) == 3  # two render pages, one made the search and library data
    os.killpg(paused.pid, number)
    os.kill(paused.pid, signal.SIGCONT)
    assert paused.finish() == (status, said)
    wait_for(lambda: not any(state(pid) not in ("", "Z") for pid in workers), "the workers' end")
    assert snapshot(project.out) == old
    assert beside(project) == [".digest-cache", "digest.yaml", "seeds", "site"]


def test_killed_while_it_holds_the_lock_a_build_leaves_it_free(project: Project):
    """The kernel frees the lock of a killed build once it and its workers
    (which die with it) are gone: the next build does not wait at all."""
    old, new = two_sites(project)
    killed = start(project, "--jobs", "2", pause_at="rendering", workers=True).paused()
    workers = children(killed.pid)
    assert killed.signal(signal.SIGKILL).finish()[0] == -signal.SIGKILL
    wait_for(lambda: not any(state(pid) not in ("", "Z") for pid in workers), "the workers' end")
    run = project.build("--no-wait")
    assert (run.code, run.err) == (0, "")
    assert snapshot(project.out) == new
    assert beside(project) == [".digest-cache", "digest.yaml", "seeds", "site"]


# A full disk and a read-only one: real, on a small tmpfs, where this test may
# mount one (as root, with the right to mount); simulated at the one place a
# build writes files otherwise.


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A folder on a file system of its own, 512 KiB large."""
    disk = tmp_path / "disk"
    disk.mkdir()
    mount = ["mount", "-t", "tmpfs", "-o", "size=512k", "tmpfs", str(disk)]
    if shutil.which("mount") is None or subprocess.run(mount, capture_output=True).returncode:
        pytest.skip("cannot mount a tmpfs here (needs root and CAP_SYS_ADMIN); see the simulations")
    try:
        yield disk
    finally:
        subprocess.run(["umount", "-l", str(disk)], check=True)


def test_a_full_disk_leaves_the_previous_site(project: Project, small_disk: Path):
    project.feed("a.txt", f"Mar 11\n\nPruning Things\n\n{ABSTRACT}\n")
    out = small_disk / "site"
    paths = ("--seeds", project.seeds, "--config", project.config, "--out", out)
    assert digest("build", *paths).code == 0
    old = snapshot(out)
    many_papers(project, 300)  # far more than 512 KiB of pages
    run = digest("build", *paths)
    assert (run.code, run.err) == (
        1,
        f"{out}/: error: No space left on device; the site was not changed\n",
    )
    assert snapshot(out) == old
    assert sorted(path.name for path in small_disk.iterdir()) == [".digest-cache", "site"]


def test_a_read_only_disk_leaves_the_site_and_says_so(project: Project, small_disk: Path):
    project.feed("a.txt", f"Mar 11\n\nPruning Things\n\n{ABSTRACT}\n")
    out = small_disk / "site"
    paths = ("--seeds", project.seeds, "--config", project.config, "--out", out)
    assert digest("build", *paths).code == 0
    old = snapshot(out)
    subprocess.run(["mount", "-o", "remount,ro", str(small_disk)], check=True)
    run = digest("build", *paths)
    assert (run.code, run.out) == (
        0,
        f"{out}/ is up to date: no input changed since it was built\n",
    )
    project.feed("b.txt", f"Mar 12\n\nTransformers Everywhere\n\n{ABSTRACT}\n")
    run = digest("build", *paths)
    assert (run.code, run.err) == (
        1,
        f"{out}/: error: Read-only file system; the site was not changed\n",
    )
    assert snapshot(out) == old
    assert sorted(path.name for path in small_disk.iterdir()) == [".digest-cache", "site"]


@pytest.mark.parametrize("jobs", ["1", "2"])
@pytest.mark.parametrize(
    ("code", "named"),
    [(errno.ENOSPC, False), (errno.EROFS, True), (errno.EDQUOT, False), (errno.EIO, True)],
)
def test_a_write_that_fails_midway_names_the_site_and_its_cause(
    project: Project, monkeypatch: pytest.MonkeyPatch, jobs: str, code: int, named: bool
):
    """Simulated: the tenth new file of the build cannot be written, as
    ``os.write`` fails (no file named) or ``os.open`` does (the file in the
    staging folder named). Forked workers inherit the failure."""
    many_papers(project, 60)
    assert project.build().code == 0
    old = snapshot(project.out)
    project.feed("zz.txt", f"2025-06-01\n\nA Late Paper\n\n{ABSTRACT}\n")
    create, made = writer._create, [0]

    def failing(path: str, data: bytes) -> None:
        made[0] += 1
        if made[0] == 10:
            raise OSError(code, os.strerror(code), *([path] if named else []))
        create(path, data)

    monkeypatch.setattr(writer, "_create", failing)
    monkeypatch.setattr(build, "PARALLEL_FROM", 0)
    run = project.build("--jobs", jobs)
    assert (run.code, run.err) == (
        1,
        f"{project.out}/: error: {os.strerror(code)}; the site was not changed\n",
    )
    assert snapshot(project.out) == old
    assert beside(project) == [".digest-cache", "digest.yaml", "seeds", "site"]


# ``digest serve`` and ``digest build`` side by side: the same lock.


@contextlib.contextmanager
def serving(project: Project, *extra: str, pause_at: str = "") -> Iterator[Served]:
    """``digest serve`` running on ``project``; its builds pause at ``pause_at``."""
    environment = {**os.environ, PAUSE_AT: pause_at}
    with serve_process(project, *extra, cwd=PROJECT, env=environment) as served:
        yield served


def builder(served: Served) -> int:
    """The process that runs the server's builds, once it has paused in one."""
    found: list[int] = []

    def paused() -> bool:
        found[:] = [pid for pid in children(served.process.pid) if state(pid) == "T"]
        return bool(found)

    served.wait(paused, "a build of the server to pause")
    return found[0]


def said(served: Served, line: str) -> bool:
    return line in served.err


def test_serve_waits_for_a_build_then_rebuilds(project: Project):
    with serving(project) as served:
        url = served.wait(served.address, "the server's address")
        paused = start(project, pause_at="locked").paused()
        feed = project.seeds / "a.txt"
        feed.write_text(feed.read_text() + f"\nTransformers Everywhere\n\n{ABSTRACT}\n")
        waiting = f"digest: {project.out}/ is being built by process {paused.pid} (digest build); waiting\n"
        served.wait(lambda: said(served, waiting), "the server to wait for the build")
        os.kill(paused.pid, signal.SIGCONT)
        assert paused.finish() == (0, "")
        served.wait(lambda: showing(url, "Transformers Everywhere"), "the server's rebuild")
        served.process.send_signal(signal.SIGTERM)
        assert served.process.wait(timeout=WAIT) == 0
        assert served.err[-1] == "digest: stopped\n"
        assert not [line for line in served.err if "Traceback" in line or "error" in line]
    assert beside(project) == [".digest-cache", "digest.yaml", "seeds", "site"]


def test_a_build_waits_for_serve(project: Project):
    with serving(project, pause_at="rendered") as served:
        building = builder(served)
        waiting = start(project)
        assert read_line(waiting) == (
            f"digest: {project.out}/ is being built by process {building} (digest serve); waiting\n"
        )
        os.kill(building, signal.SIGCONT)
        served.wait(served.address, "the server's address")
        assert waiting.finish() == (0, "")
        assert 'href="https://example.org/repo/' in (project.out / "404.html").read_text(), (
            "the build's own site, built after the server's"
        )
        served.process.send_signal(signal.SIGTERM)
        assert served.process.wait(timeout=WAIT) == 0
    assert beside(project) == [".digest-cache", "digest.yaml", "seeds", "site"]


@pytest.mark.parametrize("first", [True, False], ids=["first-build", "rebuild"])
def test_sigterm_stops_serve_mid_build_cleanly(project: Project, first: bool):
    """SIGTERM while the builder is mid-build: it clears its staging folder
    and the previous site stays. Stopped while serving, serve exits 0 as on
    Ctrl-C; stopped in its first build, it never served: 143, as a build."""
    with serving(project, pause_at="rendered") as served:
        building = builder(served)
        if not first:
            os.kill(building, signal.SIGCONT)
            served.wait(served.address, "the server's address")
            feed = project.seeds / "a.txt"
            feed.write_text(feed.read_text() + f"\nTransformers Everywhere\n\n{ABSTRACT}\n")
            building = builder(served)
        before = snapshot(project.out) if project.out.exists() else {}
        served.process.send_signal(signal.SIGTERM)
        wait_for(lambda: pending(building, signal.SIGTERM), "the server to stop its builder")
        os.kill(building, signal.SIGCONT)
        assert served.process.wait(timeout=WAIT) == (143 if first else 0)
        assert served.err[-1] == (
            "digest: terminated (SIGTERM)\n" if first else "digest: stopped\n"
        )
        assert not [line for line in served.err if "Traceback" in line]
        wait_for(lambda: state(building) in ("", "Z"), "the builder's end")
        assert (snapshot(project.out) if project.out.exists() else {}) == before
    assert beside(project) == ([] if first else [".digest-cache"]) + ["digest.yaml", "seeds"] + (
        [] if first else ["site"]
    )


@pytest.mark.parametrize("host", ["0.0.0.0", "::"])
def test_serve_on_all_interfaces_builds_pages_other_machines_can_follow(
    project: Project, host: str
):
    """On all interfaces, the pages that carry absolute links (404.html,
    the feeds) name the address other machines reach this one by, which
    the server prints, not 127.0.0.1, which would send them to themselves."""
    if host == "::" and not socket.has_ipv6:
        pytest.skip("no IPv6 here")
    with serving(project, "--host", host) as served:
        url = served.wait(served.address, "the server's address")
        port = url.rsplit(":", 1)[1].split("/")[0]
        assert url == (
            f"http://[::1]:{port}/repo/" if host == "::" else f"http://127.0.0.1:{port}/repo/"
        )
        line = next(line for line in served.out if line.startswith("serving "))
        found = re.fullmatch(
            rf"serving {re.escape(url)} \(on all interfaces, also (http://(\S+):{port}/repo/), "
            r"the address the pages link to; Ctrl-C to stop\)\n",
            line,
        )
        assert found, line
        elsewhere, address = found[1], found[2]
        assert address.strip("[]") not in ("127.0.0.1", "::1", "localhost")
        missing = (project.out / "404.html").read_text("utf-8")
        feed = (project.out / "feed.xml").read_text("utf-8")
        assert f'href="{elsewhere}' in missing and f"<id>{elsewhere}" in feed
        assert "127.0.0.1" not in missing + feed and "[::1]" not in missing + feed
        # Served on every interface, so on loopback too (the tests send no
        # request to any other address, this machine's own included).
        assert "Pruning Things" in (showing(url, "Pruning Things") or "")
        served.process.send_signal(signal.SIGINT)
        assert served.process.wait(timeout=WAIT) == 0


def test_a_stop_that_meets_serve_s_builder_as_it_starts_is_quiet(project: Project):
    """``digest serve`` on a taken port stops the builder it has just forked.
    Paused as it starts (before it sets a handler of its own), the builder
    surely gets that SIGTERM there: it used to raise in the builder, which
    printed a traceback under the one line. A race before, now every time."""
    project.feed("a.txt", f"Mar 11\n\nPruning Things\n\n{ABSTRACT}\n")
    paths = ["--seeds", project.seeds, "--config", project.config, "--out", project.out]
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        process = subprocess.Popen(
            [sys.executable, "-m", "generator", "serve", "--port", str(port), *map(str, paths)],
            cwd=PROJECT,
            env={**os.environ, PAUSE_AT: "builder"},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            found: list[int] = []

            def paused() -> bool:
                found[:] = [pid for pid in children(process.pid) if state(pid) == "T"]
                return bool(found)

            wait_for(paused, "the builder to pause as it starts")
            wait_for(lambda: pending(found[0], signal.SIGTERM), "the server to stop its builder")
            os.kill(found[0], signal.SIGCONT)
            out, err = process.communicate(timeout=WAIT)
        finally:
            if process.poll() is None:
                process.kill()
    assert (process.returncode, out) == (1, "")
    assert err == (
        f"digest serve: error: cannot serve on 127.0.0.1:{port}: Address already in use "
        "(another program is using it; --port 0 picks a free port)\n"
    )
