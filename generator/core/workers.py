"""Spreading a build's independent pieces of work over the machine's cores.

Workers are forked, so they start with everything the parent has built (the
archive, the views, the compiled templates) and nothing but chunk numbers is
sent to them; only their small results come back. With one core, or where a
process cannot fork, the same task runs here in the same order, so the output
never depends on which path built it.
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import multiprocessing
import os
import signal
import sys
from collections.abc import Callable, Generator, Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, TypeVar

from generator.core.errors import DigestError
from generator.core.stops import deferred, ignore_stop_signals

Chunk = TypeVar("Chunk")
Result = TypeVar("Result")

#: Told (what is being done, how many items of it are done, of how many) as a
#: build goes, so that a long one shows where it is.
Progress = Callable[[str, int, int], None]

#: The task of the pool being run: set before the workers fork, so they have
#: it without pickling (a task is usually a closure over the whole archive).
_task: Callable[[Any], Any] | None = None
#: The work of the process ``begun`` forks: set before it forks, as ``_task``.
_begun: Callable[[], Any] | None = None
_parent: int | None = None
"""In a worker, the process id of the build that started it."""
_keeping = False
"""Inside ``kept_to_the_end``."""


def cores() -> int:
    """The cores this process may run on (a container may allow fewer than the machine has)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def can_fork() -> bool:
    """Forking a process that has loaded numpy is safe on Linux; on macOS
    system libraries may crash in the child, so builds there use one process."""
    return sys.platform.startswith("linux") and "fork" in multiprocessing.get_all_start_methods()


def runs(count: int, size: int, start: int = 0) -> list[range]:
    """The numbers ``start`` to ``count`` in runs of ``size``: chunks of work
    that name the items (the workers have them all) rather than carry them."""
    return [range(i, min(i + size, count)) for i in range(start, count, size)]


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """No cyclic garbage collection while the archive is built and the work
    for the workers is laid out: those steps make millions of objects that
    live to the end and no reference cycles, and each full collection walked
    all of them (at 100,000 papers, seconds of a build; 1.1 s of the 1.2 s it
    took to list the pages). Pages are rendered with the collector running."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if _keeping:
            gc.freeze()
        if was_enabled:
            gc.enable()


@contextlib.contextmanager
def kept_to_the_end() -> Iterator[None]:
    """A build, in which what each ``collector_paused`` block made is frozen
    (``gc.freeze``) as the block ends: the archive, the related papers'
    model and the fingerprints live to the end of the build, and the
    collections after their blocks walked all of them again (2 s of a day's
    build at 100,000 papers: the first young collection after ``check``,
    and the older ones that followed). Everything is the collector's again
    when the build ends."""
    global _keeping
    _keeping = True
    try:
        yield
    finally:
        _keeping = False
        gc.unfreeze()


def run_chunks(
    task: Callable[[Chunk], Result], chunks: Sequence[Chunk], workers: int
) -> Generator[Result, None, None]:
    """``task`` of each chunk, in the order of the chunks, computed by up to
    ``workers`` forked processes. An exception in a worker is raised here.
    Whoever takes the results closes the generator if it stops early (a
    signal, an error): that ends the workers at once."""
    global _task
    if workers <= 1 or len(chunks) <= 1 or not can_fork():
        yield from map(task, chunks)
        return
    _task = task
    try:
        with _forked(min(workers, len(chunks))) as pool:
            with deferred():  # see ignore_stop_signals
                results = pool.map(_run, chunks)
            try:
                yield from results
            except BaseException:
                _stop(pool)
                raise
    finally:
        _task = None


@contextlib.contextmanager
def begun(work: Callable[[], Result], workers: int) -> Iterator[Callable[[], Result]]:
    """``work`` begun now in a forked process of its own, while this one
    goes on, if ``workers`` allows more than one process; the function given
    waits for its result. With one process, ``work`` is done here, now.
    Leaving the block ends the process, if it is still at work (a stop, a
    failure here)."""
    global _begun
    if workers <= 1 or not can_fork():
        result = work()
        yield lambda: result
        return
    _begun = work
    try:
        with _forked(1) as pool:
            with deferred():  # see ignore_stop_signals
                future = pool.submit(_run_begun)
            try:
                yield future.result
            finally:
                _stop(pool)
    finally:
        _begun = None


@contextlib.contextmanager
def _forked(workers: int) -> Iterator[ProcessPoolExecutor]:
    """A pool of ``workers`` forked processes; a worker that dies is said
    as one line. Not multiprocessing.Pool: it waits forever for a worker
    that died (killed for memory, say); this raises BrokenProcessPool."""
    # Objects the parent made are never collected in the workers: without
    # this, the collector's first pass there would touch (and so copy) every
    # page of memory they share with the parent.
    gc.freeze()
    _release_free_memory()
    try:
        with ProcessPoolExecutor(
            workers,
            mp_context=multiprocessing.get_context("fork"),
            initializer=_start_worker,
            initargs=(os.getpid(),),
        ) as pool:
            yield pool
    except BrokenProcessPool as error:
        message = "a worker process died (killed for lack of memory?); --jobs 1 uses one process"
        raise DigestError(message) from error
    finally:
        if not _keeping:
            gc.unfreeze()


def _stop(pool: ProcessPoolExecutor) -> None:
    """End the workers now: the rest of the work is not wanted (a stop, a
    failure, a consumer that gave up). Left alone, the pool would run every
    chunk still queued before it let the build go, and the workers would go
    on writing into a staging folder that is being removed."""
    for process in list(pool._processes.values()):
        process.kill()
    pool.shutdown(wait=True, cancel_futures=True)


def _release_free_memory() -> None:
    """Give the memory this process has freed back to the system before it
    forks: kept, it would count once here and again in each worker that
    reuses it (every reused page a copy). At 100,000 papers the arrays of
    the related-papers step left 300 MB that way, and the peak of rendering
    rose by as much."""
    _linux_libc("malloc_trim", 0)


def _linux_libc(function: str, *arguments: int) -> None:
    """A function of the C library, called on Linux only; nothing happens
    where the library lacks it."""
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            getattr(ctypes.CDLL(None, use_errno=True), function)(*arguments)


def told(
    progress: Progress | None, what: str, results: Iterable[Result], sizes: Iterable[int]
) -> Iterator[Result]:
    """``results`` as they arrive, ``progress`` told how many items are done
    after each (``sizes``: the items of each result's chunk)."""
    sizes = list(sizes)
    total, done = sum(sizes), 0
    for size, result in zip(sizes, results, strict=True):
        done += size
        if progress is not None:
            progress(what, done, total)
        yield result


def in_worker() -> bool:
    """Whether this is a worker process, whose side effects the parent does not share."""
    return _parent is not None


def _start_worker(parent: int) -> None:
    global _parent
    _parent = parent
    # A worker must not outlive a killed build: it would go on writing into
    # the staging folder that the next build clears away.
    _linux_libc("prctl", _PR_SET_PDEATHSIG, signal.SIGKILL)
    _exit_if_orphaned()
    ignore_stop_signals()
    _keep_freed_memory()


_PR_SET_PDEATHSIG = 1


def _keep_freed_memory() -> None:
    """Let a worker reuse the memory it frees for its next chunk. glibc
    gives freed memory back to the system at once, and maps every block
    over 128 KiB on its own, so each chunk touched its pages in anew: 130,000
    page faults in the first pass of related papers at 10,000 papers, and a
    fifth of its time. A worker's memory still ends with its pool."""
    _linux_libc("mallopt", _M_MMAP_THRESHOLD, 32 << 20)  # the most glibc documents
    _linux_libc("mallopt", _M_TRIM_THRESHOLD, 1 << 30)


_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3


def _exit_if_orphaned() -> None:
    if os.getppid() != _parent:
        os._exit(1)


def _run_begun() -> Any:
    assert _begun is not None, "the work is set before the process forks"
    _exit_if_orphaned()
    # Its objects live until its result is sent, and the process ends then:
    # collections there only walked them (0.6 s of the search data's 4.6 s
    # at 100,000 papers).
    with collector_paused():
        return _begun()


def _run(chunk: Any) -> Any:
    assert _task is not None, "the task is set before the workers fork"
    _exit_if_orphaned()  # where the system cannot kill orphans for us
    return _task(chunk)
