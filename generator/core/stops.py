"""Stopping cleanly: on SIGTERM as on Ctrl-C, and never halfway through a swap.

A container or a process manager stops a program with SIGTERM, which by
default kills Python on the spot: no clean-up, a staging folder left beside
the site. Inside ``sigterm_raises`` it raises ``Terminated`` instead, as
Ctrl-C raises ``KeyboardInterrupt``, so the same clean-up runs on the way out
and the command exits 143 (128 + 15) as it exits 130 (128 + 2) on Ctrl-C.
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
from collections.abc import Callable, Iterator
from types import FrameType
from typing import Any, NoReturn

#: What ``signal.signal`` sets and returns.
Handler = Callable[[int, FrameType | None], Any] | int | signal.Handlers | None
#: The signals that ask a command to stop.
STOP_SIGNALS = frozenset({signal.SIGINT, signal.SIGTERM})

#: Test-only: ``DIGEST_PAUSE_AT=<stage>`` makes a build stop itself at that
#: stage (see ``stage``), so that a test can signal it at exactly that point.
PAUSE_AT = "DIGEST_PAUSE_AT"
#: The stages, in the order a build passes them; and ``builder``, where the
#: builder process of ``digest serve`` starts, before it sets any handler.
STAGES = ("locked", "rendering", "rendered", "swapping", "builder")


class Terminated(BaseException):
    """SIGTERM arrived. Not an ``Exception``, as ``KeyboardInterrupt`` is not:
    no ``except Exception`` may take a stop for a failure of the work it stopped."""


def _terminate(signum: int, frame: FrameType | None) -> NoReturn:
    raise Terminated


@contextlib.contextmanager
def sigterm_raises() -> Iterator[None]:
    """SIGTERM raises ``Terminated`` inside this block. Only the main thread
    may set a signal's handler; elsewhere nothing changes."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, _terminate)
    try:
        yield
    finally:
        _restore(signal.SIGTERM, previous)


@contextlib.contextmanager
def deferred() -> Iterator[None]:
    """Ctrl-C and SIGTERM wait for the end of this block, and are then
    handled as they would have been: for steps that must happen together or
    not at all. Held back by handler, not by signal mask: the threads that
    numpy's libraries start do not block a signal, and one delivered to them
    still runs the handler here. Only the main thread handles signals;
    elsewhere nothing changes."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught: list[int] = []
    previous = {
        number: signal.signal(number, lambda number, frame: caught.append(number))
        for number in STOP_SIGNALS
    }
    try:
        yield
    finally:
        for number, handler in previous.items():
            _restore(number, handler)
        if caught:
            signal.raise_signal(caught[0])


def _restore(number: int, handler: Handler) -> None:
    """Put a signal's handler back; ``None`` is one set outside Python, which
    cannot be put back: the default takes its place."""
    signal.signal(number, signal.SIG_DFL if handler is None else handler)


@contextlib.contextmanager
def blocked_for_a_fork() -> Iterator[None]:
    """Ctrl-C and SIGTERM held back by the signal mask while a process is
    forked here: the child starts with them blocked, and unblocks them once
    its own handlers are in place (``unblock``). Otherwise a child inherits
    this process's handlers, and a stop that reaches it while it is still
    starting raises there, in Python's own code after the fork, and prints
    a traceback (``Exception ignored in: <function _after_fork ...>``): a
    server that fails to start stops its builder at just that moment. Here,
    a signal only waits, in both processes, until it is unblocked."""
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def unblock() -> None:
    """In a child forked inside ``blocked_for_a_fork``, once its handlers are
    set: the stops that came meanwhile are handled now, by those handlers."""
    signal.pthread_sigmask(signal.SIG_UNBLOCK, STOP_SIGNALS)


def ignore_stop_signals() -> None:
    """For a worker process: Ctrl-C in a terminal reaches every process of
    the command, but only the build that started a worker decides when it
    ends (it kills its workers as it stops). A worker dying of the signal on
    its own would print a traceback, and could make the build report a
    failed worker instead of the stop. Workers are forked inside
    ``deferred``, so a signal that comes before this is only noted."""
    for number in STOP_SIGNALS:
        signal.signal(number, signal.SIG_IGN)


def stage(name: str) -> None:
    """A named point of a build (one of ``STAGES``). With ``DIGEST_PAUSE_AT``
    set to its name the process stops itself there (SIGSTOP), so that a
    test can send a signal that arrives at exactly that point; ``kill -CONT``
    lets it go on. Without the variable, nothing happens."""
    assert name in STAGES, name
    if os.environ.get(PAUSE_AT) == name:
        os.kill(os.getpid(), signal.SIGSTOP)
