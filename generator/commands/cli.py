"""The ``digest`` command: the only place that prints or catches broadly."""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import time
import traceback
from collections.abc import Sequence
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import NoReturn

from generator.analysis.topics import CATCH_ALL_NAME
from generator.commands.build import Checked, build, check, input_key, theme, up_to_date
from generator.commands.site_swap import recover
from generator.config.digest_yaml import CATCH_ALL_SLUG, Config, load_config
from generator.core.errors import DigestError, UsageError
from generator.core.lock import site_lock
from generator.core.stops import Terminated, sigterm_raises
from generator.core.workers import Progress, begun, can_fork, cores, kept_to_the_end
from generator.site.manifest import cache_folder, unchanged_site
from generator.site.site_found import look_beside, site_as_found


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(f"{message} (see '{self.prog} --help')")


#: Every command, and the module that adds its own options and runs it.
COMMANDS = ("build", "check", "topics", "fetch", "serve", "init")


def _command(argv: Sequence[str]) -> str | None:
    """The command ``argv`` names (its first word not an option), if any."""
    word = next((word for word in argv if not word.startswith("-")), None)
    return word if word in COMMANDS else None


def _parser(command: str | None = None) -> argparse.ArgumentParser:
    """The command line of ``digest``. Only the options of ``command`` are
    added when it is known: those of the others come from their modules
    (fetch, serve, ...), whose imports a build of unchanged input would
    otherwise spend a fifth of its time on."""

    def wanted(name: str) -> bool:
        return command is None or command == name

    parser = _Parser(prog="digest", description=__doc__)
    parser.add_argument("--debug", action="store_true", help="show tracebacks")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    def common(command: argparse.ArgumentParser) -> None:
        command.add_argument("--seeds", type=Path, default=Path("seeds"), help="feeds folder")
        command.add_argument("--config", type=Path, default=Path("digest.yaml"))
        command.add_argument("--strict", action="store_true", help="fail on warnings too")
        command.add_argument("--quiet", action="store_true", help="print errors only")
        command.add_argument(
            "--jobs",
            type=_positive,
            default=cores(),
            help="processes that share the work (default: one per core, here %(default)s)",
        )

    build_command = commands.add_parser("build", help="build the site")
    common(build_command)
    build_command.add_argument("--out", type=Path, default=Path("site"), help="output folder")
    build_command.add_argument("--base-url", help="absolute URL the site is served from")
    build_command.add_argument(
        "--no-wait", action="store_true", help="fail at once if another build holds the site"
    )
    build_command.add_argument(
        "--force", action="store_true", help="ignore every cache and the previous site"
    )
    check_command = commands.add_parser("check", help="report problems in the input only")
    common(check_command)
    topics_command = commands.add_parser("topics", help="show how the taxonomy divides the papers")
    common(topics_command)
    fetch_command = commands.add_parser("fetch", help="add the newest daily papers")
    serve_command = commands.add_parser("serve", help="preview the site, rebuilding on change")
    init_command = commands.add_parser("init", help="start a new site of one's own")
    if wanted("topics"):
        from generator.analysis import evaluate

        evaluate.add_arguments(topics_command)
    if wanted("fetch"):
        from generator.commands import fetch

        fetch.add_arguments(fetch_command)
    if wanted("serve"):
        from generator.commands import serve

        serve.add_arguments(serve_command)
    if wanted("init"):
        from generator.commands import init

        init.add_arguments(init_command)
    return parser


def _report(checked: Checked, quiet: bool) -> None:
    for diagnostic in checked.diagnostics:
        if diagnostic.is_error or not quiet:
            print(diagnostic, file=sys.stderr)


def _failed(checked: Checked, strict: bool) -> bool:
    return checked.errors > 0 or (strict and len(checked.diagnostics) > 0)


def _list_unplaced(checked: Checked) -> None:
    """Papers that no keyword placed, where to find them, so that the taxonomy can grow."""
    unplaced = [
        paper
        for paper in checked.archive.papers
        if checked.topics.primary(paper).topic == CATCH_ALL_SLUG
    ]
    if unplaced:
        print(f"{len(unplaced)} paper(s) matched no topic keyword (listed in '{CATCH_ALL_NAME}'):")
    for paper in sorted(unplaced, key=lambda p: p.sources[0]):
        print(f"  {paper.sources[0]}: {paper.title}")


def _summary(checked: Checked) -> str:
    archive = checked.archive
    return (
        f"{len(archive.papers)} papers, {len(archive.days)} days, "
        f"{len(checked.topics.topics)} topics"
    )


def run(argv: Sequence[str] | None) -> int:
    words = sys.argv[1:] if argv is None else argv
    args = _parser(_command(words)).parse_args(words)
    if args.command != "build":
        return _run(args)
    # All of a build, from looking at the site to replacing it, under the
    # site's lock: a build that waited must see the site the other one made.
    waiting = None if args.quiet else lambda line: print(line, file=sys.stderr, flush=True)
    with site_lock(args.out, wait=not args.no_wait, waiting=waiting), kept_to_the_end():
        return _run(args)


def _run(args: argparse.Namespace) -> int:
    if args.command == "serve":
        from generator.commands import serve

        return serve.run(args)
    if args.command == "init":
        from generator.commands import init

        return init.run(args)
    if args.command == "fetch":
        from generator.commands import fetch

        fetched = fetch.run(args)
        for problem in fetched.problems:
            print(problem, file=sys.stderr)
        for line in () if args.quiet else fetched.lines:
            print(line)
        return fetched.exit_code
    if args.command == "topics":
        from generator.analysis import evaluate

        evaluate.check_arguments(args)
    config: Config = load_config(args.config, getattr(args, "base_url", None))
    with contextlib.ExitStack() as stack:
        return _checked(args, config, stack)


def _checked(args: argparse.Namespace, config: Config, stack: contextlib.ExitStack) -> int:
    """Check the input, then do what the command does with it; the work a
    build begins beside the check ends with ``stack``."""
    templates, static = theme(args.config)
    if args.command == "build":
        updated = source_date()
        key = input_key([args.config, args.seeds, templates, static], config.base_url, updated)
        recover(args.out.absolute())
        if not args.force and (done := unchanged_site(args.out, key)) is not None:
            return _up_to_date(args, done)
        # Looked at while the input is read, in a process of its own for a large site.
        beside = args.jobs if look_beside(args.out) and can_fork() else 1
        looked = partial(site_as_found, args.out, args.force, make_spare=beside > 1)
        found = stack.enter_context(begun(looked, beside))
    progress = None if args.quiet else terminal_progress()
    cache = None
    if args.command == "build" and not args.force:
        cache = cache_folder(args.out)
    checked = check(args.seeds, config, args.jobs, progress, cache)
    for damaged in checked.cache_problems:
        print(damaged, file=sys.stderr)
    _report(checked, args.quiet)
    if _failed(checked, args.strict):
        warnings = len(checked.diagnostics) - checked.errors
        print(
            f"digest: {checked.errors} error(s), {warnings} warning(s); "
            + ("nothing was built" if args.command == "build" else "check failed"),
            file=sys.stderr,
        )
        return 1
    if args.command == "topics" and args.evaluate is not None:
        from generator.analysis import evaluate

        evaluated = evaluate.run(args, checked.archive, checked.topics, config.topics)
        print("\n".join(evaluated.lines))
        print(
            *evaluated.problems, sep="\n", file=sys.stderr, end="\n" if evaluated.problems else ""
        )
        return evaluated.exit_code
    if args.command == "topics":
        from generator.analysis.topic_table import topic_table

        print("\n".join(topic_table(checked.topics, len(checked.archive.papers))))
        return 0
    if args.command == "check":
        if not args.quiet:
            _list_unplaced(checked)
            print(f"checked {_summary(checked)}: no errors")
        return 0
    previous, in_spare = found()
    if previous.problem is not None:
        print(previous.problem, file=sys.stderr)
    if (done := up_to_date(previous, key)) is not None:
        return _up_to_date(args, done)
    # Imported here, as the renderer is: a build of unchanged input needs neither.
    import jinja2

    from generator.site.templating import template_error_line

    try:
        report = build(
            checked,
            config,
            args.out,
            templates=templates,
            static=static,
            key=key,
            progress=progress,
            updated=updated,
            workers=args.jobs,
            previous=previous,
            force=args.force,
            in_spare=in_spare,
        )
    except jinja2.TemplateError as error:
        print(template_error_line(error, templates), file=sys.stderr)
        return 1
    for damaged in report.problems:
        print(damaged, file=sys.stderr)
    if not args.quiet:
        print(
            f"built {_summary(checked)}: {report.pages} pages, {report.files} files "
            f"({report.bytes / 1e6:.1f} MB), {report.written} written, {report.removed} removed, "
            f"in {args.out}/ in {report.seconds:.2f} s"
        )
    return 0


def _positive(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"not a positive whole number: {text!r}")
    return int(text)


def source_date() -> datetime | None:
    """The build time that ``SOURCE_DATE_EPOCH`` gives, the reproducible-builds
    convention; without it the site shows no build time at all."""
    value = os.environ.get("SOURCE_DATE_EPOCH", "")
    if not value:
        return None
    if not value.isascii() or not value.isdigit():
        raise UsageError(f"SOURCE_DATE_EPOCH={value!r} is not a number of seconds")
    return datetime.fromtimestamp(int(value), UTC)


def terminal_progress(after: float = 2.0, every: float = 0.25) -> Progress | None:
    """A progress line on a terminal, for builds that take more than ``after``
    seconds; nothing in CI logs or when the output is not a terminal."""
    if not sys.stderr.isatty() or os.environ.get("CI"):
        return None
    started = time.monotonic()
    shown = started

    def report(what: str, done: int, total: int) -> None:
        nonlocal shown
        now = time.monotonic()
        if now - started < after or (now - shown < every and done < total):
            return
        shown = now
        end = "\n" if done == total else ""
        print(f"\r{what}: {done}/{total}", end=end, file=sys.stderr, flush=True)

    return report


def _up_to_date(args: argparse.Namespace, diagnostics: list[str]) -> int:
    """What a build of unchanged input says: the same diagnostics, and nothing written."""
    for line in diagnostics:
        if ": error: " in line or not args.quiet:
            print(line, file=sys.stderr)
    if args.strict and diagnostics:
        print(f"digest: {len(diagnostics)} warning(s); nothing was built", file=sys.stderr)
        return 1
    if not args.quiet:
        print(f"{args.out}/ is up to date: no input changed since it was built")
    return 0


def command() -> NoReturn:
    """The ``digest`` program: ``main``, then an exit that leaves the
    memory to the system. Python's own exit frees a large build's objects
    one by one: 2.5 s after a build of 100,000 papers. Everything digest
    writes is closed by then, and its worker processes ended."""
    code = main()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):  # a closed pipe, a closed stream
            stream.flush()
    os._exit(code)


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``digest``; every failure is one line per problem and an exit code."""
    debug = "--debug" in (argv if argv is not None else sys.argv[1:])
    try:
        with sigterm_raises():
            return run(argv)
    except DigestError as error:
        if debug:
            traceback.print_exc()
        print(error, file=sys.stderr)
        return error.exit_code
    except BrokenPipeError:  # the reader (``| head``) has seen enough
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - keep the interpreter from writing on exit
        return 0
    except KeyboardInterrupt:
        print("digest: interrupted", file=sys.stderr)
        return 130
    except Terminated:
        print("digest: terminated (SIGTERM)", file=sys.stderr)
        return 143
    except OSError as error:
        if debug:
            traceback.print_exc()
        print(f"{error.filename or 'digest'}: error: {error.strerror}", file=sys.stderr)
        return 1
    except Exception as error:  # a bug in digest: still one line, the traceback on request
        if debug:
            traceback.print_exc()
        message = f"digest: error: unexpected {type(error).__name__}: {error}"
        print(f"{message} (run with --debug for the traceback)", file=sys.stderr)
        return 1
