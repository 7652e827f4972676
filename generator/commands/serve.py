"""``digest serve``: build, serve the site locally as GitHub Pages would, and
rebuild and reload open pages whenever an input changes.

The site is served under the path of the configured base URL, so links that
break on a project site (``https://user.github.io/repo/``) break here too, and
a missing page gets ``404.html`` with status 404. Live reload is added by the
server at response time only: the built folder stays exactly what ``digest
build`` writes, ready to publish. A build that fails keeps the last good site
on screen, with the errors shown over it, until the next good save.

The HTTP server is ``preview``; here are the command, the builder process
that rebuilds in a fresh fork each time, and the watching of the inputs.
"""

from __future__ import annotations

import argparse
import contextlib
import errno
import ipaddress
import multiprocessing
import signal
import socket
import sys
import threading
import traceback
import webbrowser
from collections.abc import Callable, Generator
from dataclasses import dataclass, replace
from multiprocessing.connection import Connection
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

import jinja2

from generator.commands.build import PACKAGE, STATIC, TEMPLATES, build, check, theme
from generator.commands.preview import Preview, Server
from generator.config.digest_yaml import load_config
from generator.core.errors import ConfigError, DigestError, Source, UsageError
from generator.core.lock import site_lock
from generator.core.stops import Terminated, blocked_for_a_fork, sigterm_raises, stage, unblock
from generator.core.workers import can_fork, cores
from generator.site.templating import template_error_line

#: Milliseconds: how long to gather a burst of changes, and how often to look at the config.
DEBOUNCE_MS, CONFIG_POLL_MS = 300, 100


def error_lines(error: Exception, templates: Path = TEMPLATES) -> list[str]:
    """What a failed build prints: one ``path:line: error: message`` line per problem."""
    if isinstance(error, ConfigError):
        return [str(problem) for problem in error.problems]
    if isinstance(error, DigestError):
        return [str(error)]
    if isinstance(error, jinja2.TemplateError):
        return [template_error_line(error, templates)]
    if isinstance(error, OSError):
        return [f"{error.filename or 'digest'}: error: {error.strerror or error}"]
    return [f"digest: error: unexpected {type(error).__name__}: {error} (--debug shows where)"]


def rebuild(
    builder: Builder, seeds: Path, config: Path, preview: Preview, origin: str, debug: bool
) -> bool:
    """Build, report in the terminal and tell open pages; True when the site was built."""
    try:
        outcome = builder.build(seeds, config, preview.out, origin, debug)
    except DigestError as error:
        errors = error_lines(error)
        outcome = Outcome(errors, "", "", errors)
    for line in outcome.said:
        print(line, file=sys.stderr)
    if outcome.errors:
        print(f"digest: {len(outcome.errors)} error(s); the site was not changed", file=sys.stderr)
    else:
        print(outcome.summary, flush=True)
    preview.publish(outcome.errors, outcome.prefix)
    return not outcome.errors


#: What a build is given: the seeds, the config, the output folder, the
#: origin to serve from, and whether to print tracebacks.
Request = tuple[Path, Path, Path, str, bool]


@dataclass(frozen=True, slots=True)
class Outcome:
    """What a build came to, for the server to print and to tell open pages."""

    errors: list[str]
    """Its error lines; none when the site was built."""
    prefix: str
    """The path the site is served under."""
    summary: str
    said: list[str]
    """Lines for the terminal: the diagnostics, the errors, a traceback with
    ``--debug``. Printed by the server, which owns the terminal (and, in a
    test, the streams that stand for it)."""


class Builder:
    """Runs the builds of ``serve`` in a process of their own, forked before
    the server starts its threads. A build forked from a process whose
    threads serve pages could give its workers a lock that one of those
    threads held, so builds ran in the server on one core: 4.8-5.5 s for a
    rebuild at 10,000 papers, against 3.3-3.5 s with the workers. Forked
    first, the builder has no other thread, and its workers are as safe as
    those of ``digest build``. Where processes cannot fork, or once the
    builder has died, builds run in the server, on one core."""

    def __init__(self) -> None:
        self.process: multiprocessing.process.BaseProcess | None = None
        if can_fork():
            context = multiprocessing.get_context("fork")
            self.pipe, theirs = context.Pipe()
            # Not a daemon: a daemon may not start the workers of a build.
            self.process = context.Process(target=_build_on_request, args=(theirs,))
            with blocked_for_a_fork():
                self.process.start()
            theirs.close()

    def build(self, seeds: Path, config: Path, out: Path, origin: str, debug: bool) -> Outcome:
        request: Request = (seeds, config, out, origin, debug)
        if self.process is None:
            return _build(*request, workers=1, say=_say)
        try:
            self.pipe.send(request)
            while isinstance(said := self.pipe.recv(), str):  # said while building: a wait
                _say(said)
        except (EOFError, OSError):
            self.close()
            message = "the build process died (killed for lack of memory?); builds now use one core"
            raise DigestError(message, source=Source("digest")) from None
        outcome: Outcome = said
        return outcome

    def close(self, grace: float = 10.0) -> None:
        """Stop the builder, also in the middle of a build: SIGTERM, on which
        it clears up after itself and its workers; killed if that takes longer
        than ``grace`` seconds (then the next build clears up)."""
        if self.process is not None:
            self.process.terminate()
            self.process.join(grace)
            if self.process.is_alive():
                self.process.kill()
                self.process.join()
            self.pipe.close()
            self.process = None


def _say(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def _build_on_request(pipe: Connection) -> None:
    """The builder: a build for each request, until the server closes the
    pipe or stops it with SIGTERM."""
    stage("builder")
    # Ctrl-C is the server's to handle: it stops the builder, and so its workers.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    with contextlib.suppress(EOFError, BrokenPipeError, Terminated), sigterm_raises():
        unblock()  # forked with stops blocked: a SIGTERM that came meanwhile ends the loop now
        while True:
            request: Request = pipe.recv()
            pipe.send(_build(*request, workers=cores(), say=pipe.send))


def _build(
    seeds: Path,
    config_path: Path,
    out: Path,
    origin: str,
    debug: bool,
    workers: int,
    say: Callable[[str], None],
) -> Outcome:
    """Build as ``digest build`` does, with ``origin`` in place of the configured
    base URL's scheme and host; every problem comes back as error lines, and
    ``say`` is told at once if the build waits for another one."""
    said: list[str] = []
    try:
        config = load_config(config_path)
        prefix = quote(unquote(urlsplit(config.base_url).path))
        config = replace(config, base_url=origin + prefix)
        # Under the site's lock from reading the input to the swap, as ``digest build``.
        with site_lock(out, "digest serve", waiting=say):
            checked = check(seeds, config, workers)
            said += map(str, checked.diagnostics)
            if checked.errors:
                errors = [str(d) for d in checked.diagnostics if d.is_error]
                return Outcome(errors, prefix, "", said)
            templates, static = theme(config_path)
            report = build(
                checked, config, out, templates=templates, static=static, workers=workers
            )
    except Exception as error:  # a long-running server outlives any one bad save
        if debug:
            said.append(traceback.format_exc().rstrip("\n"))
        errors = error_lines(error, theme(config_path)[0])
        return Outcome(errors, "", "", [*said, *errors])
    archive = checked.archive
    summary = (
        f"built {len(archive.papers)} papers, {len(archive.days)} days, "
        f"{len(checked.topics.topics)} topics: {report.pages} pages in {report.seconds:.2f} s"
    )
    return Outcome([], prefix, summary, said)


def add_arguments(command: argparse.ArgumentParser) -> None:
    command.add_argument("--seeds", type=Path, default=Path("seeds"), help="feeds folder")
    command.add_argument("--config", type=Path, default=Path("digest.yaml"))
    command.add_argument("--out", type=Path, default=Path("site"), help="output folder")
    command.add_argument("--host", default="127.0.0.1", help="address to serve on")
    command.add_argument("--port", type=int, default=8000, help="0 picks a free port")
    command.add_argument("--open", action="store_true", help="open the site in a browser")


def run(args: argparse.Namespace) -> int:
    where = (args.seeds, args.config, args.out)
    return serve(*where, host=args.host, port=args.port, open_browser=args.open, debug=args.debug)


def serve(
    seeds: Path,
    config: Path,
    out: Path,
    *,
    host: str = "127.0.0.1",
    port: int = 8000,
    open_browser: bool = False,
    debug: bool = False,
) -> int:
    """Serve until Ctrl-C (then 0); 1 if the first build fails, as ``digest build`` would."""
    if not 0 <= port <= 65535:
        raise UsageError(f"--port {port} is not a port number (0 to 65535)")
    load_config(config)  # a missing or broken config is said once, before anything starts
    preview = Preview(out)
    builder = Builder()  # first: before any thread starts, and without the server's socket
    try:
        server = _listen(host, port, preview)
    except BaseException:
        builder.close()
        raise
    changes = _changes(seeds, config, preview.out)
    with contextlib.closing(builder), server, contextlib.closing(changes):
        next(changes)  # watching before the first build, so a save during it is not missed
        port = server.server_address[1]
        local = _origin(
            {"": "127.0.0.1", "0.0.0.0": "127.0.0.1", "::": "::1"}.get(host, host), port
        )
        # On all interfaces, the pages (404.html, the feeds) name an address
        # that other machines open; this machine's own would send them to themselves.
        elsewhere = _elsewhere(host)
        origin = _origin(elsewhere, port) if elsewhere else local
        if not rebuild(builder, seeds, config, preview, origin, debug):
            return 1
        threading.Thread(target=server.serve_forever, daemon=True).start()
        url = local + preview.prefix
        also = (
            f"on all interfaces, also {origin}{preview.prefix}, the address the pages link to; "
            if elsewhere
            else ""
        )
        print(f"serving {url} ({also}Ctrl-C to stop)", flush=True)
        try:
            if open_browser:
                webbrowser.open(url)
            for _ in changes:
                rebuild(builder, seeds, config, preview, origin, debug)
        # watchfiles turns any signal that stops its watch into KeyboardInterrupt.
        except (KeyboardInterrupt, Terminated):
            print("digest: stopped", file=sys.stderr)
        finally:
            preview.stop()
            server.shutdown()
    return 0


def _listen(host: str, port: int, preview: Preview) -> Server:
    """The server, listening; a port in use or an address this machine does
    not have is one line that says which and what to do."""
    try:
        return Server((host, port), preview)
    except OSError as error:
        why = error.strerror or str(error)
        hint = {
            errno.EADDRINUSE: " (another program is using it; --port 0 picks a free port)",
            errno.EADDRNOTAVAIL: " (not an address of this machine)",
            errno.EACCES: " (ports below 1024 need special permission; try --port 8000)",
        }.get(error.errno or 0, "")
        where = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
        message = f"cannot serve on {where}: {why}{hint}"
        raise DigestError(message, source=Source("digest serve")) from None


def _origin(address: str, port: int) -> str:
    return f"http://{f'[{address}]' if ':' in address else address}:{port}"


def _elsewhere(host: str) -> str:
    """The address other machines reach this one by, when the site is served
    on all interfaces: the address of the interface that leads to the rest
    of the network (a UDP socket's ``connect`` only picks the route, it sends
    nothing), else the machine's name; empty for any other host."""
    if host not in ("", "0.0.0.0", "::"):
        return ""
    family, nowhere = (
        (socket.AF_INET6, "2001:db8::1") if host == "::" else (socket.AF_INET, "192.0.2.1")
    )
    try:
        with socket.socket(family, socket.SOCK_DGRAM) as probe:
            probe.connect((nowhere, 9))
            address: str = probe.getsockname()[0]
    except OSError:  # no network: only a name can still mean this machine
        return socket.gethostname()
    return socket.gethostname() if ipaddress.ip_address(address).is_loopback else address


def _changes(seeds: Path, config: Path, out: Path) -> Generator[None, None, None]:
    """Yields once watching has begun, then after each change to the feeds,
    templates, static files (the site's and the theme's) or config; changes
    made in between are not lost.

    The folders are watched; the config file is looked at every tenth of a
    second instead, because a watch on the file is lost when an editor
    saves by replacing it, and a watch on its folder would see every build.
    So is which folders there are: a site's ``templates/`` made while
    serving is watched from then on (and one removed no longer is).
    """
    import watchfiles  # here, not above: no other command pays for importing it

    # The site, its staging folders and its lock file.
    ignore = (str(out), str(out.parent / f".{out.name}-"), str(out.parent / f".{out.name}.lock"))
    folders, last, started = _watched(seeds, config), _stamp(config), False
    while True:
        for found in watchfiles.watch(
            *folders,
            watch_filter=watchfiles.DefaultFilter(ignore_paths=ignore),
            debounce=DEBOUNCE_MS,
            rust_timeout=CONFIG_POLL_MS,
            yield_on_timeout=True,
        ):
            stamp, now = _stamp(config), _watched(seeds, config)
            if now != folders:
                # Watched anew first, then built (``started``): a file
                # written in between is in that build.
                folders, started = now, False
                break
            if found or stamp != last or not started:
                last, started = stamp, True
                yield


def _watched(seeds: Path, config: Path) -> list[Path]:
    """The feeds, the site's own templates and static files, and the
    built-in theme they override file by file, when it can change: in a
    checkout, not installed."""
    built_in = () if TEMPLATES.is_relative_to(PACKAGE) else (TEMPLATES, STATIC)
    return list(dict.fromkeys(p for p in (seeds, *theme(config), *built_in) if p.is_dir()))


def _stamp(path: Path) -> tuple[int, int, int] | None:
    try:
        status = path.stat()
    except OSError:
        return None
    return status.st_ino, status.st_mtime_ns, status.st_size
