"""The HTTP side of ``digest serve``: the built site served as GitHub Pages
serves it, under the base URL's path, with live reload added on the way out.

Apart from the builder process and the watching of inputs (``serve``): this
part only reads the site folder and hears, through ``Preview``, what the last
build said. The page's reload script is added at response time, so the folder
stays exactly what ``digest build`` writes.
"""

from __future__ import annotations

import html
import http.server
import json
import socket
import sys
import threading
from collections.abc import Iterator
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

#: Where the server's own files live, under the site's path; never in the site.
RESERVED = "__digest/"
#: Seconds between comments on an idle event stream, so a closed tab is noticed.
KEEPALIVE = 15.0

#: Served at ``<prefix>__digest/reload.js``. An external script, not inline, so a
#: Content-Security-Policy of ``script-src 'self'`` on the site does not block it.
#: The server's events are ``reload`` and ``build-error``: EventSource fires its
#: own ``error`` event when the connection drops, which a server event of that
#: name would be confused with. Messages are shown as text, never as HTML.
SCRIPT = """\
// digest serve: reload when the site is rebuilt; show build errors over the page.
{
  const events = new EventSource(document.currentScript.dataset.events);
  events.addEventListener("reload", () => location.reload());
  events.addEventListener("build-error", (event) => {
    const box = document.getElementById("digest-serve-errors") || document.createElement("pre");
    box.id = "digest-serve-errors";
    box.setAttribute("role", "alert");
    box.style.cssText = "position:fixed;left:0;right:0;bottom:0;z-index:2147483647;margin:0;" +
      "padding:1em;max-height:50vh;overflow:auto;white-space:pre-wrap;font:13px/1.5 monospace;" +
      "color:#8b0000;background:#fff0f0;border-top:3px solid #c00";
    box.textContent = JSON.parse(event.data).join("\\n");
    document.body.append(box);
  });
}
"""


class Preview:
    """What is served and what open pages are told: shared by the rebuilding
    thread and the request threads, so every change goes through ``changed``."""

    def __init__(self, out: Path) -> None:
        self.out = out.absolute()
        self.prefix = "/"
        self.version = 0
        """Counts good builds; a page that was served an older one reloads."""
        self.errors: tuple[str, ...] = ()
        """The error lines of the last build, empty when it was good."""
        self.stopping = False
        self.changed = threading.Condition()

    def publish(self, errors: list[str], prefix: str = "") -> None:
        with self.changed:
            if not errors:
                self.version += 1
                self.prefix = prefix or self.prefix
            self.errors = tuple(errors)
            self.changed.notify_all()

    def stop(self) -> None:
        with self.changed:
            self.stopping = True
            self.changed.notify_all()

    def _news(self, seen: int, shown: tuple[str, ...]) -> bool:
        return self.stopping or self.version != seen or self.errors != shown

    def events(self, seen: int) -> Iterator[str]:
        """Server-sent events for a page served build ``seen``: ``reload`` as soon
        as a newer build is in place (even one finished before the page asked),
        ``build-error`` with the error lines whenever they change."""
        shown: tuple[str, ...] = ()
        while True:
            with self.changed:
                self.changed.wait_for(partial(self._news, seen, shown), KEEPALIVE)
                if self.stopping:
                    return
                version, errors = self.version, self.errors
            if version != seen:
                yield "event: reload\ndata: \n\n"
                return
            if errors != shown:
                shown = errors
                yield f"event: build-error\ndata: {json.dumps(list(errors))}\n\n"
            else:
                yield ": keep-alive\n\n"


def inject(page: bytes, tag: bytes) -> bytes:
    """``page`` with ``tag`` before its last ``</body>`` (at the end if it has none)."""
    at = page.lower().rfind(b"</body>")
    return page + tag if at < 0 else page[:at] + tag + page[at:]


class Handler(http.server.SimpleHTTPRequestHandler):
    """GitHub Pages for a project site, plus live reload: folders serve their
    ``index.html``, there are no folder listings, and any missing page gets
    ``404.html``. HTML gets the reload script as it is sent."""

    def __init__(self, *args: Any, preview: Preview, **kwargs: Any) -> None:
        self.preview = preview  # set first: the base class handles the request in __init__
        super().__init__(*args, directory=str(preview.out), **kwargs)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the terminal is for build errors, not one line per request."""

    def end_headers(self) -> None:
        self.send_header("Cache-Control", "no-cache")
        super().end_headers()

    def translate_path(self, path: str) -> str:
        prefix, path = self.preview.prefix, urlsplit(path).path
        if not path.startswith(prefix):
            return str(self.preview.out / RESERVED / "outside-the-site")
        return super().translate_path("/" + path[len(prefix) :])

    def do_GET(self) -> None:
        prefix, path = self.preview.prefix, urlsplit(self.path).path
        if path == prefix + RESERVED + "events":
            self._events()
        elif path == prefix + RESERVED + "reload.js":
            self._send(200, "text/javascript; charset=utf-8", SCRIPT.encode())
        elif path == "/" and prefix != "/":  # a mistyped address; GitHub's 404 is no help
            self.send_response(302)
            self.send_header("Location", prefix)
            self.send_header("Content-Length", "0")
            self.end_headers()
        elif (page := self._html_file()) is not None:
            self._send_page(200, page)
        elif self.command == "HEAD":
            super().do_HEAD()
        else:
            super().do_GET()

    do_HEAD = do_GET

    def _html_file(self) -> Path | None:
        """The HTML page a request is for; ``None`` leaves it to the base class
        (other files, a folder without ``/`` to redirect, a missing page)."""
        target = Path(self.translate_path(self.path))
        if target.is_dir() and urlsplit(self.path).path.endswith("/"):
            target = target / "index.html"
        return target if target.suffix == ".html" and target.is_file() else None

    def _send_page(self, code: int, page: Path) -> None:
        version = self.preview.version  # read before the page: a newer page only reloads once more
        try:
            body = page.read_bytes()
        except OSError:  # replaced by a rebuild between the look and the read
            super().send_error(503, "The site is being rebuilt")
            return
        base = html.escape(self.preview.prefix + RESERVED)
        tag = f'<script src="{base}reload.js" data-events="{base}events?v={version}"></script>\n'
        self._send(code, "text/html; charset=utf-8", inject(body, tag.encode()))

    def _send(self, code: int, content_type: str, body: bytes) -> None:
        self.send_response(code)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        page = self.preview.out / "404.html"
        if code == 404 and page.is_file():
            self._send_page(404, page)
        else:
            super().send_error(code, message, explain)

    def list_directory(self, path: Any) -> None:
        self.send_error(404)

    def _events(self) -> None:
        seen = parse_qs(urlsplit(self.path).query).get("v", ["0"])[0]
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.end_headers()
        if self.command == "HEAD":
            return
        for event in self.preview.events(int(seen) if seen.isascii() and seen.isdigit() else 0):
            self.wfile.write(event.encode())


class Server(http.server.ThreadingHTTPServer):
    def __init__(self, address: tuple[str, int], preview: Preview) -> None:
        self.address_family = socket.AF_INET6 if ":" in address[0] else socket.AF_INET
        super().__init__(address, partial(Handler, preview=preview))

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A reader who closes a tab mid-response is no error; anything else is one line."""
        error = sys.exc_info()[1]
        if not isinstance(error, ConnectionError):
            print(f"digest: error: serving a request: {error!r}", file=sys.stderr)
