"""Running a command and measuring it: shared by run.py and hugo.py.

Builds run in subprocesses, as a user runs them, so timings include start-up
and imports, and the memory peak is that of the build alone.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CONFIG = REPO / "digest.yaml"
BASE_URL = "https://example.github.io/digest/"


@dataclass(frozen=True, slots=True)
class Run:
    """One subprocess: wall time, peak memory, exit status."""

    seconds: float
    peak_mb: float
    """The highest total memory of the process and its workers together
    (proportional set size, so pages they share count once), sampled every
    ``SAMPLE_SECONDS``; at least the largest single process's peak RSS."""
    returncode: int
    log: Path

    def check(self) -> Run:
        """This run, or the end of the benchmark with the log's tail if it failed:
        timings of a failed build mean nothing."""
        if self.returncode:
            tail = self.log.read_text(errors="replace")[-2000:]
            raise SystemExit(f"bench: command failed ({self.returncode}), see {self.log}:\n{tail}")
        return self


SAMPLE_SECONDS = 0.05

#: How long after files are removed creating files is slow here. On ext4
#: without a journal (as on this benchmark's virtual machine) the kernel does
#: not reuse an inode freed less than 60 seconds ago, or 300 seconds if its
#: block of the inode table is dirty, which creating files beside it makes
#: it (``RECENTCY_MIN``, ``RECENTCY_DIRTY`` in fs/ext4/ialloc.c), and each
#: one it passes over costs a lookup (``recently_deleted``). Seen with
#: ``perf record``: creating 10,000 folders and files took 3-7 s of kernel
#: time within a minute of removing a 10,000-paper site, 1.7 s a minute
#: later, and 0.6 s on a disk with no recent removal. A user's build (a fresh
#: CI runner, a journalled file system) never pays for this, so no timed run
#: starts inside that window; the benchmark removes nothing between the
#: timed runs of one corpus size.
REMOVAL_SETTLES = 301.0
#: When a benchmark last removed files (its modification time), so that a
#: run started right after another one removed its work folder waits too: a
#: 100,000-paper full build started 3 minutes after such a removal took 83 s
#: instead of 54-58 s.
REMOVED_MARKER = Path(tempfile.gettempdir()) / "digest-bench-removed"


def removed_now() -> None:
    """Say that files were just removed (a site replaced or deleted)."""
    REMOVED_MARKER.touch()


def remove(folder: Path) -> None:
    """Remove ``folder``, and have the next timed run wait until that no
    longer slows it (``REMOVAL_SETTLES``)."""
    if folder.exists():
        shutil.rmtree(folder)
        removed_now()


def _settle() -> None:
    """Wait out ``REMOVAL_SETTLES`` and write back what the disk holds, so a
    run does not pay for what the one before it (or the removal of its
    output) left."""
    try:
        removed_at = REMOVED_MARKER.stat().st_mtime
    except FileNotFoundError:
        removed_at = float("-inf")
    wait = removed_at + REMOVAL_SETTLES - time.time()
    if wait > 0:
        print(f"bench: waiting {wait:.0f} s for removed files to settle", file=sys.stderr)
        time.sleep(wait)
    os.sync()


#: Runs a command as its grandchild and writes the command's wall time and
#: peak RSS to a file. Not measured from here: a child started by this large
#: process (the site snapshots of a 100,000-paper run) inherits this
#: process's peak as its own ``ru_maxrss`` (vfork, then exec), so a small
#: build looked as large as the benchmark itself.
_LAUNCHER = """
import os, sys, time
started = time.perf_counter()
pid = os.fork()
if pid == 0:
    os.execvp(sys.argv[2], sys.argv[2:])
_, status, usage = os.wait4(pid, 0)
with open(sys.argv[1], "w") as out:
    out.write(f"{time.perf_counter() - started} {usage.ru_maxrss}")
sys.exit(os.waitstatus_to_exitcode(status))
"""


def run_command(
    argv: list[str],
    log: Path,
    cwd: Path = REPO,
    env: dict[str, str] | None = None,
    *,
    tree: bool = True,
) -> Run:
    """Run ``argv`` with its output in ``log`` and measure it. ``os.wait4``
    gives the peak of the largest single process of this child's tree (never
    a sum), so with ``tree`` a thread also samples the whole tree's memory
    while it runs: a build that forks workers must not look smaller than it
    is. The sampling has a cost (reading ``smaps_rollup`` walks each
    process's page tables): at 10,000 papers it made digest's build take
    5.1-5.2 s instead of 4.6-4.7 s. Runs timed against Hugo go without it."""
    measured = log.with_suffix(".measured")
    _settle()
    with log.open("wb") as output:
        process = subprocess.Popen(
            [sys.executable, "-c", _LAUNCHER, str(measured), *argv],
            cwd=cwd,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
        sampler = _TreeMemory(process.pid)
        if tree:
            sampler.start()
        process.wait()
        if tree:
            sampler.stop()
    seconds, max_rss_kb = measured.read_text().split()
    measured.unlink()
    peak = max(int(max_rss_kb) / 1024, sampler.peak_kb / 1024)
    return Run(float(seconds), peak, process.returncode, log)


class _TreeMemory(threading.Thread):
    """The peak of the summed ``Pss`` of a process and all its descendants,
    read from ``/proc`` (Linux); elsewhere it stays 0."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.peak_kb = 0
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.wait(SAMPLE_SECONDS):
            # The launcher itself (``self.pid``) is not part of what is measured.
            self.peak_kb = max(self.peak_kb, sum(map(_pss_kb, _tree(self.pid)[1:])))

    def stop(self) -> None:
        self.done.set()
        self.join()


def _tree(pid: int) -> list[int]:
    found, pending = [], [pid]
    while pending:
        current = pending.pop()
        found.append(current)
        try:
            for task in Path(f"/proc/{current}/task").iterdir():
                pending += [int(child) for child in (task / "children").read_text().split()]
        except OSError:  # gone, or not Linux
            continue
    return found


def _pss_kb(pid: int) -> int:
    try:
        text = Path(f"/proc/{pid}/smaps_rollup").read_text()
    except OSError:
        return 0
    return next((int(line.split()[1]) for line in text.splitlines() if line.startswith("Pss:")), 0)


def python_env(work: Path) -> dict[str, str]:
    """The environment of generator runs: byte code goes to the work folder,
    never into the repository's ``generator/__pycache__``, and is written
    there even where ``PYTHONDONTWRITEBYTECODE`` is set (as in some sandboxes):
    otherwise every measured build would compile digest's code afresh, which
    an installed digest never does."""
    env = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
    return {**env, "PYTHONPYCACHEPREFIX": str(work / "pycache")}


def digest_build(seeds: Path, out: Path, log: Path, work: Path, *, tree: bool = True) -> Run:
    """``python3 -m generator build`` of ``seeds`` into ``out``, measured
    (``tree``: see ``run_command``)."""
    argv = [sys.executable, "-m", "generator", "build", "--seeds", str(seeds), "--out", str(out)]
    argv += ["--config", str(CONFIG), "--base-url", BASE_URL, "--quiet"]
    before = out.stat().st_ino if out.exists() else None
    run = run_command(argv, log, env=python_env(work), tree=tree).check()
    if before is not None and out.stat().st_ino != before and not _kept_as_spare(out, before):
        removed_now()  # the build swapped in a new site and removed the old one
    return run


def _kept_as_spare(out: Path, site: int) -> bool:
    """Whether the site that was in ``out`` (its folder's inode) is now the
    build's spare tree: kept, not removed, so nothing needs to settle (a
    build keeps the site it replaces). The path is ``spare_path``'s in
    ``generator.site.manifest``, not imported: the benchmark runs the
    checkout's code in subprocesses, whatever this Python has installed."""
    spare = out.absolute().parent / ".digest-cache" / f"{out.name}.spare"
    try:
        return spare.stat().st_ino == site
    except FileNotFoundError:
        return False


def warm_up(work: Path) -> Run:
    """One untimed build of the shipped seeds, so that the first measured
    build does not pay for compiling byte code into the fresh cache folder
    (``python_env``) or for a cold file cache."""
    return digest_build(REPO / "seeds", work / "warm-up", work / "warm-up.log", work)
