"""One writer per site: a build holds an exclusive lock on its output folder.

Two builds into one folder would clear each other's staging folders away,
and the one that found the site up to date might have looked at a site
another was replacing. So everything a build does with its output, from
clearing what a killed build left to swapping the new site in, happens
under an exclusive ``flock`` of a file beside the folder (``.site.lock``
for ``site/``). The kernel lets go of it when the process ends, however it
ends, so no stale lock outlives a crash; the forked workers of a build
share it, so a killed build's lock is free only once its workers are gone.
The holder writes its process id into the file, for whoever waits to say
whom it waits for, and removes the file as it lets go.
"""

from __future__ import annotations

import contextlib
import errno
import os
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from generator.core.errors import DigestError, Source
from generator.core.stops import stage

if sys.platform != "win32":
    import fcntl

#: The locks this process holds, by lock file, with the process that took
#: them: ``build`` takes the lock the command took already, and a forked
#: child does not hold its parent's locks.
_held: dict[str, int] = {}

#: Opening a lock file that another user made, or on a read-only disk.
_NOT_MINE = (errno.EACCES, errno.EPERM, errno.EROFS)


class Busy(DigestError):
    """Another process is building the site, and ``--no-wait`` said not to wait."""


def lock_file(out: Path) -> Path:
    out = out.absolute()
    return out.parent / f".{out.name}.lock"


@contextlib.contextmanager
def site_lock(
    out: Path,
    holder: str = "digest build",
    *,
    wait: bool = True,
    waiting: Callable[[str], None] | None = None,
) -> Iterator[None]:
    """Hold the lock of the output folder ``out`` inside this block; a
    process that holds it already just goes on. If another process holds
    it, ``waiting`` is told once whom this one waits for, or, if not
    ``wait``, ``Busy`` is raised. ``holder`` says what this process is."""
    path = lock_file(out)
    if _held.get(str(path)) == os.getpid():
        yield
        return
    descriptor = _acquire(path, f"{out}/", holder, wait, waiting)
    _held[str(path)] = os.getpid()
    try:
        stage("locked")
        yield
    finally:
        del _held[str(path)]
        if descriptor is not None:
            with contextlib.suppress(OSError):
                path.unlink()  # while still held: see ``_acquire``
            os.close(descriptor)


def _acquire(
    path: Path, shown: str, holder: str, wait: bool, waiting: Callable[[str], None] | None
) -> int | None:
    """The open, locked lock file; ``None`` where no lock can be had (no
    ``flock``, or a folder no one here can write to: nothing to guard)."""
    if sys.platform == "win32":
        return None
    told = False
    while True:
        descriptor = _open(path)
        if descriptor is None:
            return None
        try:
            try:
                fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                telling = not wait or (waiting is not None and not told)
                # None: the holder let go as it was looked for; the lock is ours.
                who = _holder(descriptor) if telling else ""
                if who is not None:
                    if not wait:
                        message = f"being built by {who}; not waiting (--no-wait)"
                        raise Busy(message, source=Source(shown)) from None
                    if telling and waiting is not None:
                        waiting(f"digest: {shown} is being built by {who}; waiting")
                        told = True
                    fcntl.flock(descriptor, fcntl.LOCK_EX)
            # The holder before may have removed the file as it let go: then
            # this lock is of a file no one else will open, and the one that
            # counts is that of the file now at ``path``.
            if _same_file(descriptor, path):
                _write_holder(descriptor, holder)
                return descriptor
        except BaseException:
            os.close(descriptor)
            raise
        os.close(descriptor)


def _open(path: Path) -> int | None:
    flags = os.O_RDWR | os.O_CREAT | os.O_CLOEXEC
    try:
        return os.open(path, flags, 0o644)
    except FileNotFoundError:  # the folder the site goes in is new
        path.parent.mkdir(parents=True, exist_ok=True)
        return os.open(path, flags, 0o644)
    except OSError as error:
        if error.errno not in _NOT_MINE:
            raise
    try:  # a lock file another user made locks as well read-only
        return os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    except OSError:
        return None


def _same_file(descriptor: int, path: Path) -> bool:
    try:
        there = path.stat()
    except FileNotFoundError:
        return False
    mine = os.fstat(descriptor)
    return (mine.st_dev, mine.st_ino) == (there.st_dev, there.st_ino)


def _write_holder(descriptor: int, holder: str) -> None:
    """Say in the file who holds it; only a courtesy to those who wait, so a
    full disk or a read-only file does not stop the build here."""
    with contextlib.suppress(OSError):
        os.ftruncate(descriptor, 0)
        os.pwrite(descriptor, f"{os.getpid()} {holder}\n".encode(), 0)


def _holder(descriptor: int, tries: int = 20) -> str | None:
    """Who holds the lock, as it wrote it in the file: ``process 1234
    (digest build)``. The holder writes just after it locks, and the file
    may still name a holder that was killed; so a moment's grace. ``None``
    if the holder let go meanwhile (a short build ends as another starts):
    the lock is then this descriptor's."""
    for _ in range(tries):
        with contextlib.suppress(OSError, UnicodeDecodeError):
            number, _, what = os.pread(descriptor, 200, 0).decode().strip().partition(" ")
            if number.isdigit() and _alive(int(number)):
                return f"process {number}" + (f" ({what})" if what else "")
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            time.sleep(0.05)
        else:
            return None
    return "another process"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's
        return True
    return True
