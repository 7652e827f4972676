"""Running a command and measuring it: shared by run.py and hugo.py.

Builds run in subprocesses, as a user runs them, so timings include start-up
and imports, and the memory peak is that of the build alone.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CONFIG = REPO / "digest.yaml"
BASE_URL = "https://example.github.io/digest/"


@dataclass(frozen=True, slots=True)
class Run:
    """One subprocess: wall time, its own peak resident memory, exit status."""

    seconds: float
    peak_mb: float
    returncode: int
    log: Path

    def check(self) -> Run:
        """This run, or the end of the benchmark with the log's tail if it failed:
        timings of a failed build mean nothing."""
        if self.returncode:
            tail = self.log.read_text(errors="replace")[-2000:]
            raise SystemExit(f"bench: command failed ({self.returncode}), see {self.log}:\n{tail}")
        return self


def run_command(
    argv: list[str], log: Path, cwd: Path = REPO, env: dict[str, str] | None = None
) -> Run:
    """Run ``argv`` with its output in ``log`` and measure it. ``os.wait4``
    gives the resource usage of this child alone, where ``RUSAGE_CHILDREN``
    only gives the largest peak of every child waited for so far."""
    with log.open("wb") as output:
        started = time.perf_counter()
        process = subprocess.Popen(argv, cwd=cwd, env=env, stdout=output, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    return Run(seconds, usage.ru_maxrss / 1024, process.returncode, log)


def python_env(work: Path) -> dict[str, str]:
    """The environment of generator runs: byte code goes to the work folder,
    never into the repository's ``generator/__pycache__``."""
    return {**os.environ, "PYTHONPYCACHEPREFIX": str(work / "pycache")}


def digest_build(seeds: Path, out: Path, log: Path, work: Path) -> Run:
    """``python3 -m generator build`` of ``seeds`` into ``out``, measured."""
    argv = [sys.executable, "-m", "generator", "build", "--seeds", str(seeds), "--out", str(out)]
    argv += ["--config", str(CONFIG), "--base-url", BASE_URL, "--quiet"]
    return run_command(argv, log, env=python_env(work)).check()


def warm_up(work: Path) -> Run:
    """One untimed build of the shipped seeds, so that the first measured
    build does not pay for compiling byte code into the fresh cache folder
    (``python_env``) or for a cold file cache."""
    return digest_build(REPO / "seeds", work / "warm-up", work / "warm-up.log", work)
