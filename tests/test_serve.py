"""``digest serve`` run as a user runs it: a real process, real HTTP requests,
real edits to the files it watches. Every wait is bounded."""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TypeVar

import pytest

from generator.commands.build import STATIC, TEMPLATES, build, check
from generator.commands.preview import inject
from generator.commands.serve import Builder, Outcome, error_lines
from generator.config.digest_yaml import load_config
from generator.core.errors import DigestError
from generator.site.templating import TemplateFailure
from tests.conftest import ABSTRACT, SMALL_CONFIG, Project, digest

WAIT = 20.0
#: ``python -m generator``, with Ctrl-C working even when the tests were started
#: from a shell in the background: such a shell makes them ignore it, and so its children.
AS_DASH_M = (
    "import runpy, signal; signal.signal(signal.SIGINT, signal.default_int_handler); "
    "runpy.run_module('generator', run_name='__main__', alter_sys=True)"
)
T = TypeVar("T")


def poll(probe: Callable[[], T | None], what: str) -> T:
    """The first truthy result of ``probe``, trying for up to ``WAIT`` seconds."""
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        if result := probe():
            return result
        time.sleep(0.05)
    raise AssertionError(f"gave up waiting for {what}")


def fetch(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=WAIT) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        with error:
            return error.code, error.read().decode()


def showing(url: str, text: str) -> str | None:
    """The page at ``url`` if it has ``text`` in it."""
    page = fetch(url)[1]
    return page if text in page else None


def version(page: str) -> int:
    """The build a served page says it shows, from the injected script tag."""
    found = re.search(r'data-events="[^"]*events\?v=(\d+)"', page)
    assert found, "no reload script in the page"
    return int(found[1])


def next_event(url: str, seen: int) -> tuple[str, str]:
    """The first event the server sends to a page that was served build ``seen``."""
    with urllib.request.urlopen(f"{url}__digest/events?v={seen}", timeout=WAIT) as stream:
        assert stream.headers["Content-Type"] == "text/event-stream"
        event = ""
        for raw in stream:
            line = raw.decode().rstrip("\n")
            if line.startswith("event: "):
                event = line.removeprefix("event: ")
            elif line.startswith("data: ") and event:
                return event, line.removeprefix("data: ")
    raise AssertionError("the event stream closed without an event")


def event_now(url: str) -> tuple[str, str]:
    """The first event for a page loaded now: its build's errors, if any, or a
    reload once a newer build is in place."""
    return next_event(url, version(fetch(url)[1]))


@dataclass
class Served:
    """A running ``digest serve`` and everything it has printed so far."""

    process: subprocess.Popen[str]
    url: str = ""
    out: list[str] = field(default_factory=list)
    err: list[str] = field(default_factory=list)

    def stop(self) -> int:
        """Ctrl-C, as a user stops it."""
        self.process.send_signal(signal.SIGINT)
        return self.process.wait(timeout=WAIT)

    def wait(self, probe: Callable[[], T | None], what: str) -> T:
        """``poll``, saying what the server printed if it gives up."""
        try:
            return poll(probe, what)
        except AssertionError as error:
            raise AssertionError(f"{error}; the server said:\n{''.join(self.err)}") from None

    def address(self) -> str | None:
        assert self.process.poll() is None, "".join(self.err)
        found = [line.split()[1] for line in self.out if line.startswith("serving ")]
        return found[0] if found else None


def collect(stream: IO[str] | None, lines: list[str]) -> None:
    assert stream is not None
    with stream:
        for line in stream:
            lines.append(line)


@contextlib.contextmanager
def serving(
    project: Project, *extra: str, cwd: Path | None = None, env: dict[str, str] | None = None
) -> Iterator[Served]:
    """``digest serve`` running on ``project`` (a feed of one paper), its
    output collected as it comes; killed at the end if still running."""
    project.feed("a.txt", f"Mar 11\n\nPruning Things\n\n{ABSTRACT}\n")
    paths = ["--seeds", project.seeds, "--config", project.config, "--out", project.out]
    process = subprocess.Popen(
        [sys.executable, "-c", AS_DASH_M, "serve", "--port", "0", *map(str, paths), *extra],
        cwd=cwd or project.root,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    served = Served(process)
    readers = [
        threading.Thread(target=collect, args=(process.stdout, served.out)),
        threading.Thread(target=collect, args=(process.stderr, served.err)),
    ]
    for reader in readers:
        reader.start()
    try:
        yield served
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=WAIT)
        for reader in readers:
            reader.join(timeout=WAIT)


@pytest.fixture
def served(project: Project) -> Iterator[Served]:
    with serving(project) as served:
        served.url = poll(served.address, "the server's address")
        yield served


def test_serves_under_the_base_url_path_with_pages_404(served: Served):
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+/repo/", served.url)
    code, home = fetch(served.url)
    assert code == 200 and "Pruning Things" in home
    assert (
        f'<script src="/repo/__digest/reload.js" data-events="/repo/__digest/events?v={version(home)}"></script>\n</body>'
        in home
    )

    code, missing = fetch(served.url + "no/such/page/")
    assert code == 404 and "Page not found" in missing
    assert f'href="{served.url}days/"' in missing, "404.html links through the local URL"
    assert "__digest/reload.js" in missing
    assert fetch(served.url.removesuffix("repo/") + "elsewhere/")[0] == 404
    assert fetch(served.url + "static/")[0] == 404, "no folder listings"

    assert "Pruning Things" in fetch(served.url.removesuffix("repo/"))[1], "/ redirects to the site"
    assert fetch(served.url + "days")[0] == 200, "a folder without / redirects"
    code, script = fetch(served.url + "__digest/reload.js")
    assert code == 200
    assert 'addEventListener("reload", () => location.reload())' in script
    assert "textContent" in script and "innerHTML" not in script
    assert served.stop() in (0, 130)


def test_rebuilds_reports_errors_keeps_the_site_and_recovers(project: Project, served: Served):
    feed = project.seeds / "a.txt"
    feed.write_text(feed.read_text() + f"\nTransformers Everywhere\n\n{ABSTRACT}\n")
    home = served.wait(lambda: showing(served.url, "Transformers Everywhere"), "the new paper")
    assert next_event(served.url, version(home) - 1) == ("reload", ""), "older pages reload"

    project.config.write_text(SMALL_CONFIG.replace("year: 2025", "year: soon"), encoding="utf-8")
    error = f"{project.config}:3: error: 'year' must be a whole number"
    expected = ("build-error", json.dumps([error]))
    served.wait(lambda: event_now(served.url) == expected, "the error on the event stream")
    served.wait(lambda: f"{error}\n" in served.err, "the error in the terminal")
    code, page = fetch(served.url)
    assert code == 200 and "Transformers Everywhere" in page, "the last good site is served"
    broken = version(page)

    project.feed("b.txt", b"\xff\xfe")  # broken while the config still is: no good build between
    project.config.write_text(SMALL_CONFIG, encoding="utf-8")
    bad = f"{project.seeds / 'b.txt'}:1: error: file is UTF-16; save it as UTF-8 (skipped)"
    expected = ("build-error", json.dumps([bad]))
    served.wait(lambda: event_now(served.url) == expected, "the feed error")
    assert version(fetch(served.url)[1]) == broken

    (project.seeds / "b.txt").unlink()
    served.wait(lambda: version(fetch(served.url)[1]) > broken, "a good build again")
    assert next_event(served.url, broken) == ("reload", "")
    assert served.stop() in (0, 130)
    assert served.err[-1] == "digest: stopped\n"
    assert not any("Traceback" in line for line in served.err)
    for path in project.out.rglob("*"):
        assert not path.is_file() or b"__digest" not in path.read_bytes(), path


def test_rebuilds_when_a_site_s_theme_override_changes(project: Project):
    """The site's own templates/ and static/ are watched (they override the
    built-in theme file by file), and what they do not override is the theme's."""
    (project.root / "templates").mkdir()
    base = project.root / "templates" / "base.html"
    footer = '{% extends "theme/base.html" %}{% block footer %}<p>NOTE ONE</p>{% endblock %}\n'
    base.write_text(footer, encoding="utf-8")
    (project.root / "static").mkdir()
    (project.root / "static" / "style.css").write_text("body { color: teal }\n", "utf-8")
    with serving(project) as served:
        url = served.wait(served.address, "the server's address")
        assert "NOTE ONE" in fetch(url)[1]
        assert fetch(url + "static/style.css")[1] == "body { color: teal }\n"
        assert fetch(url + "static/site.js")[1] == (STATIC / "site.js").read_text()
        base.write_text(footer.replace("NOTE ONE", "NOTE TWO"), encoding="utf-8")
        served.wait(lambda: showing(url, "NOTE TWO"), "the rebuild with the new override")
        (project.root / "static" / "style.css").write_text("body { color: navy }\n", "utf-8")
        served.wait(
            lambda: fetch(url + "static/style.css")[1] == "body { color: navy }\n",
            "the new static override",
        )
        assert served.stop() in (0, 130)
    assert not any("Traceback" in line for line in served.err)


def test_a_templates_folder_made_while_serving_is_watched(project: Project):
    """A newcomer starts ``serve`` first and makes ``templates/`` to
    override the theme afterwards: its files count from then on, and so
    does taking the folder away again."""
    with serving(project) as served:
        url = served.wait(served.address, "the server's address")
        assert "NOTE" not in fetch(url)[1]
        (project.root / "templates").mkdir()
        base = project.root / "templates" / "base.html"
        footer = '{% extends "theme/base.html" %}{% block footer %}<p>NOTE NEW</p>{% endblock %}\n'
        base.write_text(footer, encoding="utf-8")
        served.wait(lambda: showing(url, "NOTE NEW"), "the rebuild with the new folder's override")
        base.write_text(footer.replace("NOTE NEW", "NOTE EDITED"), encoding="utf-8")
        served.wait(lambda: showing(url, "NOTE EDITED"), "the rebuild with the edited override")
        shutil.rmtree(project.root / "templates")
        served.wait(lambda: "NOTE" not in fetch(url)[1] or None, "the rebuild without the folder")
        assert served.stop() in (0, 130)
    assert not any("Traceback" in line for line in served.err)


def test_a_first_build_that_fails_exits_1(project: Project):
    project.feed("a.txt", f"Mar 11\n\nPruning Things\n\n{ABSTRACT}\n")
    project.config.write_text("year: soon\n", encoding="utf-8")
    run = digest("serve", "--port", "0", "--seeds", project.seeds, "--config", project.config)
    assert run.code == 1
    assert run.err.splitlines()[0] == f"{project.config}:1: error: 'year' must be a whole number"
    run = digest("serve", "--port", "70000")
    assert (run.code, run.err) == (2, "error: --port 70000 is not a port number (0 to 65535)\n")


def serve_once(project: Project, *extra: str) -> tuple[int, str, str]:
    """``digest serve`` in a process of its own (its builder's output goes to
    the same stderr), for a start that fails: its exit code, stdout and stderr."""
    paths = ["--seeds", project.seeds, "--config", project.config, "--out", project.out]
    done = subprocess.run(
        [sys.executable, "-m", "generator", "serve", *map(str, paths), *extra],
        cwd=project.root,
        capture_output=True,
        text=True,
        timeout=WAIT,
        check=False,
    )
    return done.returncode, done.stdout, done.stderr


def test_a_taken_port_is_one_line_without_a_traceback(project: Project):
    """The builder is forked before the server listens, and stopped (SIGTERM)
    when it cannot: a stop that came while the builder was still starting
    raised in Python's own after-fork code, and stderr got a traceback
    (``Exception ignored in: <function _after_fork ...>``) most times. Tried
    again and again, since it depended on timing."""
    project.feed("a.txt", f"Mar 11\n\nPruning Things\n\n{ABSTRACT}\n")
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        for _ in range(8):
            assert serve_once(project, "--port", str(port)) == (
                1,
                "",
                f"digest serve: error: cannot serve on 127.0.0.1:{port}: Address already in use "
                "(another program is using it; --port 0 picks a free port)\n",
            )
    assert not project.out.exists()


def test_an_address_that_is_not_this_machine_s_is_one_line(project: Project):
    project.feed("a.txt", f"Mar 11\n\nPruning Things\n\n{ABSTRACT}\n")
    code, out, err = serve_once(project, "--host", "192.0.2.1", "--port", "0")
    assert (code, out) == (1, "")
    assert err == (
        "digest serve: error: cannot serve on 192.0.2.1:0: Cannot assign requested address "
        "(not an address of this machine)\n"
    )
    code, out, err = serve_once(project, "--host", "no-such-host.invalid", "--port", "0")
    assert (code, out) == (1, "")
    assert re.fullmatch(
        r"digest serve: error: cannot serve on no-such-host\.invalid:0: [^\n]+\n", err
    )


@pytest.mark.parametrize(
    ("config", "said"),
    [
        (None, "cannot read config: No such file or directory"),
        (b"title: [unclosed\n", "not valid YAML: "),
        (b"title: \xff\n", "cannot read config: not UTF-8 text"),
        ("folder", "cannot read config: Is a directory"),
    ],
    ids=["missing", "not-yaml", "not-utf8", "a-folder"],
)
def test_a_missing_or_unreadable_config_is_one_line(
    project: Project, config: bytes | str | None, said: str
):
    project.feed("a.txt", f"Mar 11\n\nPruning Things\n\n{ABSTRACT}\n")
    project.config.unlink()
    if config == "folder":
        project.config.mkdir()
    elif isinstance(config, bytes):
        project.config.write_bytes(config)
    code, out, err = serve_once(project, "--port", "0")
    assert (code, out) == (1, "")
    assert err.count("\n") == 1 and err.startswith(str(project.config)), err
    assert f": error: {said}" in err
    assert "Traceback" not in err and "Exception ignored" not in err
    assert not project.out.exists()


def test_the_builder_reports_errors_and_is_replaced_if_it_dies(project: Project, monkeypatch):
    project.feed("a.txt", f"Mar 11\n\nPruning Things\n\n{ABSTRACT}\n")
    request = (project.seeds, project.config, project.out, "http://127.0.0.1:1", False)
    monkeypatch.setattr("generator.commands.build.PARALLEL_FROM", 1)  # its builds start workers
    builder = Builder()
    try:
        assert builder.process is not None and builder.process.pid != os.getpid()
        built = builder.build(*request)
        assert (built.errors, built.prefix, built.said) == ([], "/repo/", [])
        assert built.summary.startswith("built 1 papers, 1 days")
        assert "Pruning Things" in (project.out / "index.html").read_text(encoding="utf-8")

        project.feed("b.txt", b"\xff\xfe")
        bad = f"{project.seeds / 'b.txt'}:1: error: file is UTF-16; save it as UTF-8 (skipped)"
        assert builder.build(*request) == Outcome([bad], "/repo/", "", [bad])
        (project.seeds / "b.txt").unlink()

        os.kill(builder.process.pid, signal.SIGKILL)
        with pytest.raises(DigestError, match="digest: error: the build process died"):
            builder.build(*request)
        assert builder.process is None
        assert builder.build(*request).errors == [], "builds go on in this process"
    finally:
        builder.close()


def test_inject_goes_before_the_last_body_end():
    assert inject(b"<body>x</BODY>\n", b"<s>") == b"<body>x<s></BODY>\n"
    assert inject(b"no body", b"<s>") == b"no body<s>"


@pytest.mark.parametrize(
    ("template", "broken", "message"),
    [
        ("day.html", "{% if %}", "Expected an expression, got 'end of statement block'"),
        ("partials/paper_card.html", "{{ no_such_variable }}", "'no_such_variable' is undefined"),
    ],
)
def test_template_errors_are_one_line(
    project: Project, tmp_path: Path, template: str, broken: str, message: str
):
    templates = shutil.copytree(TEMPLATES, tmp_path / "templates")
    path = templates / template
    path.write_text("\n" + broken + "\n" + path.read_text(), encoding="utf-8")
    project.feed("a.txt", f"Mar 11\n\nPruning Things\n\n{ABSTRACT}\n")
    config = load_config(project.config)
    with pytest.raises(TemplateFailure) as raised:
        build(check(project.seeds, config), config, project.out, templates=templates)
    assert error_lines(raised.value, templates) == [f"{path}:2: error: {message}"]
    assert not project.out.exists(), "nothing was written"


#: How long a browser waits for a reload or an overlay.
WAIT_MS = 20_000


def test_open_page_reloads_after_a_change_and_shows_build_errors(
    page, project: Project, served: Served
):
    page.goto(served.url, wait_until="networkidle")
    page.evaluate("window.__before_reload = true")

    feed = project.seeds / "a.txt"
    feed.write_text(feed.read_text() + f"\nTransformers Everywhere\n\n{ABSTRACT}\n")
    page.wait_for_function(
        "!window.__before_reload && document.body.innerText.includes('Transformers Everywhere')",
        timeout=WAIT_MS,
    )

    project.config.write_text(SMALL_CONFIG.replace("year: 2025", "year: soon"), encoding="utf-8")
    page.wait_for_function(
        "document.body.innerText.includes(\"'year' must be a whole number\")", timeout=WAIT_MS
    )
    assert page.get_by_text("Transformers Everywhere").count() >= 1, "the last good site stays"

    project.config.write_text(SMALL_CONFIG, encoding="utf-8")
    page.wait_for_function(
        "!document.body.innerText.includes(\"'year' must be a whole number\")", timeout=WAIT_MS
    )
    assert served.stop() in (0, 130)
