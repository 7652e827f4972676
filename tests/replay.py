"""A real HTTP server on 127.0.0.1 that replays recorded-shape answers of a
source, one per request or chosen by the request's query, and remembers what
was asked."""

from __future__ import annotations

import contextlib
import http.server
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit


@dataclass
class Reply:
    body: bytes = b""
    status: int = 200
    content_type: str = "application/atom+xml; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)
    chunked: bool = False
    """Sent without a Content-Length, in chunks, as a streaming server would."""


@dataclass
class Replay:
    url: str
    replies: list[Reply] = field(default_factory=lambda: [Reply()])
    """One per request, in order; the last one answers every later request."""
    route: Callable[[dict[str, str]], Reply] | None = None
    requests: list[dict[str, str]] = field(default_factory=list)

    def reply(self, query: dict[str, str]) -> Reply:
        self.requests.append(query)
        if self.route is not None:
            return self.route(query)
        return self.replies[min(len(self.requests), len(self.replies)) - 1]


class _Handler(http.server.BaseHTTPRequestHandler):
    replay: Replay
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        query = {key: values[0] for key, values in parse_qs(urlsplit(self.path).query).items()}
        reply = self.replay.reply(query)
        self.send_response(reply.status)
        self.send_header("Content-Type", reply.content_type)
        self.send_header("Connection", "close")
        if reply.chunked:
            self.send_header("Transfer-Encoding", "chunked")
        else:
            self.send_header("Content-Length", str(len(reply.body)))
        for name, value in reply.headers.items():
            self.send_header(name, value)
        self.end_headers()
        if not reply.chunked:
            self.wfile.write(reply.body)
            return
        with contextlib.suppress(OSError):  # the client may hang up on a large body
            for start in range(0, len(reply.body), 4096):
                chunk = reply.body[start : start + 4096]
                self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            self.wfile.write(b"0\r\n\r\n")

    def log_message(self, format: str, *args: Any) -> None:
        pass


class QuietServer(http.server.ThreadingHTTPServer):
    """A test server that never waits for its threads and keeps quiet when a
    client hangs up on a slow or large reply: that is what the tests do."""

    daemon_threads = True
    block_on_close = False

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass


@contextlib.contextmanager
def running(handler: type[http.server.BaseHTTPRequestHandler]) -> Iterator[str]:
    """``handler`` served by a ``QuietServer`` on a free port of 127.0.0.1, in
    a thread, for the length of the block; yields the server's root URL."""
    server = QuietServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.01,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@contextlib.contextmanager
def replaying(path: str = "/api/query") -> Iterator[Replay]:
    handler = type("Handler", (_Handler,), {})
    with running(handler) as root:
        handler.replay = Replay(root + path)
        yield handler.replay
