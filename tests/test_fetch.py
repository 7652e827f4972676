"""``digest fetch`` against a real HTTP server on 127.0.0.1 that plays the
Hugging Face Daily Papers API, its recorded shape and its failure modes."""

from __future__ import annotations

import http.server
import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from html import escape as html_escape
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from generator.commands.fetch import FORMAT, NoPapers, fetch
from generator.config.source_specs import SourceSpec
from generator.sources import http as source_http
from generator.sources.http import Client
from tests.conftest import Project, Run, digest
from tests.replay import running

DAY = "2025-03-10"

#: The shape the API returns: items wrapping a ``paper`` object, with some
#: fields only at the top level, hidden authors, Unicode and markup in text.
ITEMS: list[dict[str, Any]] = [
    {
        "paper": {
            "id": "2503.07365",
            "authors": [
                {"_id": "67cf01", "name": "Fanqing Meng", "hidden": False, "status": "claimed"},
                {"_id": "67cf02", "name": "Zoë  Ångström", "hidden": False},
                {"_id": "67cf03", "name": "Not Shown", "hidden": True},
            ],
            "publishedAt": "2025-03-10T14:01:22.000Z",
            "submittedOnDailyAt": "2025-03-11T00:12:03.591Z",
            "title": "MM-Eureka: Exploring Visual Aha Moment with Rule-based RL",
            "summary": "We present MM-Eureka, where I_{rm mag}< 25 & <b>bold</b> stays text.\n",
            "upvotes": 57,
            "discussionId": "67cf0f",
            "ai_keywords": ["reinforcement learning", "multimodal", "reinforcement learning"],
            "githubRepo": "https://github.com/ModalMinds/MM-EUREKA",
        },
        "publishedAt": "2025-03-11T00:12:03.591Z",
        "title": "MM-Eureka: Exploring Visual Aha Moment with Rule-based RL",
        "thumbnail": "https://cdn-thumbnails.huggingface.co/social-thumbnails/papers/2503.07365.png",
        "numComments": 3,
        "submittedBy": {"_id": "60f1", "fullname": "AK", "name": "akhaliq", "type": "user"},
        "isAuthorParticipating": False,
    },
    {
        "paper": {"id": "2503.05236", "authors": [{"name": "Yibin  Wang", "hidden": False}]},
        "title": "Unified <script>alert(1)</script> Reward Model for “Multimodal”\n  Ünderstanding",
        "summary": "Top-level abstract, 数据 included.",
        "publishedAt": "2025-03-07T09:00:00.000Z",
        "upvotes": 12,
        "numComments": 0,
    },
    {"paper": {"id": "2503.00001", "summary": "An abstract whose title went missing."}},
    {
        "paper": {
            "id": "2503.04444",
            "title": "A Paper With Odd Fields",
            "upvotes": True,
            "githubRepo": "javascript:alert(1)",
            "authors": "not a list",
            "ai_keywords": None,
        }
    },
]


def stored(**fields: Any) -> dict[str, Any]:
    """A paper as the stored format has it: every field, empty unless given."""
    empty = {"abstract": "", "authors": [], "categories": [], "date": "", "doi": "", "github": ""}
    more = {"id": "", "journal_ref": "", "keywords": [], "pdf": "", "published": "", "upvotes": 0}
    return {**empty, **more, "url": "", **fields}


STORED = [
    stored(
        id="2503.07365",
        title="MM-Eureka: Exploring Visual Aha Moment with Rule-based RL",
        abstract="We present MM-Eureka, where I_{rm mag}< 25 & <b>bold</b> stays text.",
        authors=["Fanqing Meng", "Zoë Ångström"],
        url="https://huggingface.co/papers/2503.07365",
        upvotes=57,
        published="2025-03-10T14:01:22.000Z",
        keywords=["reinforcement learning", "multimodal"],
        github="https://github.com/ModalMinds/MM-EUREKA",
    ),
    stored(
        id="2503.05236",
        title="Unified <script>alert(1)</script> Reward Model for “Multimodal” Ünderstanding",
        abstract="Top-level abstract, 数据 included.",
        authors=["Yibin Wang"],
        url="https://huggingface.co/papers/2503.05236",
        upvotes=12,
        published="2025-03-07T09:00:00.000Z",
    ),
    stored(
        id="2503.04444",
        title="A Paper With Odd Fields",
        url="https://huggingface.co/papers/2503.04444",
    ),
]


@dataclass
class Reply:
    """One response of the fake API."""

    body: Any = field(default_factory=lambda: ITEMS)
    """Bytes as they are; anything else is sent as JSON."""
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    extra_length: int = 0
    """Claim this many bytes more in Content-Length than are sent."""

    def data(self) -> bytes:
        if isinstance(self.body, bytes):
            return self.body
        return json.dumps(self.body, ensure_ascii=False).encode("utf-8")


@dataclass
class FakeApi:
    url: str
    stop: threading.Event
    replies: list[Reply] = field(default_factory=lambda: [Reply()])
    """One per request, in order; the last one answers every later request."""
    route: Callable[[dict[str, str]], Reply] | None = None
    """Instead of ``replies``: the reply for a request's query."""
    requests: list[dict[str, str]] = field(default_factory=list)
    user_agents: list[str] = field(default_factory=list)

    def reply(self, query: dict[str, str]) -> Reply:
        self.requests.append(query)
        if self.route is not None:
            return self.route(query)
        return self.replies[min(len(self.requests), len(self.replies)) - 1]

    @property
    def days(self) -> list[str]:
        return [query["date"] for query in self.requests]


class _Handler(http.server.BaseHTTPRequestHandler):
    api: FakeApi

    def do_GET(self) -> None:
        query = {key: values[0] for key, values in parse_qs(urlsplit(self.path).query).items()}
        self.api.user_agents.append(self.headers.get("User-Agent", ""))
        reply = self.api.reply(query)
        if reply.delay and self.api.stop.wait(reply.delay):
            return
        data = reply.data()
        self.send_response(reply.status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data) + reply.extra_length))
        for name, value in reply.headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def api() -> Iterator[FakeApi]:
    stop = threading.Event()
    handler = type("Handler", (_Handler,), {})
    with running(handler) as root:
        handler.api = FakeApi(root + "/api/daily_papers", stop)
        try:
            yield handler.api
        finally:
            stop.set()


def run_fetch(api: FakeApi, seeds: Path, *extra: str) -> Run:
    return digest(
        "fetch", "--api-url", api.url, "--seeds", seeds, "--retries", "0", "--backoff", "0", *extra
    )


def snapshot(folder: Path) -> dict[str, tuple[bytes, int]]:
    return {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in sorted(folder.iterdir())}


def test_stores_the_day_in_the_normalised_format(api: FakeApi, tmp_path: Path):
    seeds = tmp_path / "seeds"
    run = run_fetch(api, seeds, "--date", DAY)
    path = seeds / f"hf-{DAY}.json"
    assert run.code == 0, run.err
    assert run.out == f"wrote {path}: 3 papers for {DAY}\n"
    assert run.err == f"{path}: warning: 1 item(s) without a title skipped\n"
    text = path.read_text(encoding="utf-8")
    source = {"kind": "hf", "name": "Hugging Face", "url": api.url}
    assert json.loads(text) == {"format": FORMAT, "source": source, "date": DAY, "papers": STORED}
    expected = json.dumps(
        {"date": DAY, "format": FORMAT, "papers": STORED, "source": source},
        sort_keys=True,
        ensure_ascii=False,
        indent=1,
    )
    assert text == expected + "\n"
    assert "Zoë Ångström" in text and "<script>" in text
    assert [p.name for p in seeds.iterdir()] == [path.name]
    assert api.requests == [{"date": DAY, "limit": "100", "p": "0"}]
    assert api.user_agents[0].startswith("digest/") and "(+https://" in api.user_agents[0]


def test_same_answer_leaves_the_file_alone_and_a_new_one_replaces_it(api: FakeApi, tmp_path: Path):
    path = tmp_path / f"hf-{DAY}.json"
    assert run_fetch(api, tmp_path, "--date", DAY).code == 0
    before = snapshot(tmp_path)
    run = run_fetch(api, tmp_path, "--date", DAY)
    assert (run.code, run.out) == (0, f"unchanged {path}: 3 papers for {DAY}\n")
    assert snapshot(tmp_path) == before
    api.replies = [Reply(ITEMS[:1])]
    run = run_fetch(api, tmp_path, "--date", DAY, "--quiet")
    assert (run.code, run.out, run.err) == (0, "", "")
    assert [p["id"] for p in json.loads(path.read_text("utf-8"))["papers"]] == ["2503.07365"]
    assert [p.name for p in tmp_path.iterdir()] == [path.name]


def test_since_backfills_missing_days_only(api: FakeApi, tmp_path: Path):
    existing = tmp_path / "hf-2025-03-09.json"
    existing.write_text("kept as it is\n", encoding="utf-8")
    days = {"2025-03-07": [], "2025-03-08": ITEMS[:1], "2025-03-10": ITEMS[1:2]}
    api.route = lambda query: Reply(days[query["date"]] if query["p"] == "0" else [])
    run = run_fetch(api, tmp_path, "--since", "2025-03-07", "--date", DAY)
    assert run.code == 0, run.err
    assert api.days == ["2025-03-07", "2025-03-08", "2025-03-10"]
    assert existing.read_text(encoding="utf-8") == "kept as it is\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "hf-2025-03-08.json",
        "hf-2025-03-09.json",
        "hf-2025-03-10.json",
    ]
    assert run.out.splitlines() == [
        f"wrote {tmp_path / 'hf-2025-03-08.json'}: 1 papers for 2025-03-08",
        f"wrote {tmp_path / 'hf-2025-03-10.json'}: 1 papers for {DAY}",
    ]
    assert run.err.startswith(f"{api.url}?date=2025-03-07&limit=100&p=0: error: no papers")
    again = run_fetch(api, tmp_path, "--since", "2025-03-08", "--date", DAY)
    assert again.code == 0
    assert again.out == f"nothing to fetch: every day from 2025-03-08 to {DAY} is in {tmp_path}/\n"
    assert len(api.requests) == 3


def test_backfill_of_empty_days_only_exits_3(api: FakeApi, tmp_path: Path):
    api.replies = [Reply([])]
    run = run_fetch(api, tmp_path, "--since", "2025-03-08", "--date", "2025-03-09")
    assert run.code == 3
    assert len(run.err.splitlines()) == 2
    assert list(tmp_path.iterdir()) == []


def test_pages_are_followed_and_a_repeated_page_ends_the_day(api: FakeApi, tmp_path: Path):
    following = {"Link": '<https://huggingface.co/api/daily_papers?p=1>; rel="next"'}
    api.replies = [Reply(ITEMS[:1], headers=following), Reply(ITEMS[1:2], headers=following)]
    run = run_fetch(api, tmp_path, "--date", DAY)
    assert run.code == 0, run.err
    # The second page answers every later request, so the third repeats it.
    assert [query["p"] for query in api.requests] == ["0", "1", "2"]
    stored = json.loads((tmp_path / f"hf-{DAY}.json").read_text("utf-8"))
    assert [paper["id"] for paper in stored["papers"]] == ["2503.07365", "2503.05236"]


def test_retries_after_server_errors_then_succeeds(api: FakeApi, tmp_path: Path):
    api.replies = [Reply(b"oops", status=500), Reply(b"", status=429), Reply()]
    run = run_fetch(api, tmp_path, "--date", DAY, "--retries", "2", "--backoff", "0.01")
    assert run.code == 0, run.err
    assert len(api.requests) == 3
    assert (tmp_path / f"hf-{DAY}.json").is_file()


def test_python_api(api: FakeApi, tmp_path: Path):
    spec, client = SourceSpec("hf", api.url), Client(timeout=5, retries=0, backoff=0)
    result = fetch(spec, __import__("datetime").date(2025, 3, 10), tmp_path, client)
    assert (result.papers, result.skipped, result.written) == (3, 1, True)
    api.replies = [Reply([])]
    with pytest.raises(NoPapers, match="no papers for 2025-03-10"):
        fetch(spec, result.day, tmp_path, client)


def _refused_url() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/api/daily_papers"


FAILURES = {
    "slow": ([Reply(delay=2.0)], ["--timeout", "0.2"], 1, "no answer within 0.2 s", 1),
    "always 500": (
        [Reply(b"down", status=500)],
        ["--retries", "2"],
        1,
        "HTTP 500 Internal Server Error (after 3 tries)",
        3,
    ),
    "404 is not retried": ([Reply(b"", status=404)], ["--retries", "2"], 1, "HTTP 404", 1),
    "garbage": ([Reply(b"<html>rate limited</html>")], [], 1, "body is not JSON", 1),
    "not UTF-8": ([Reply(b'["\xff"]')], [], 1, "body is not JSON", 1),
    "truncated": (
        [Reply(extra_length=100)],
        ["--retries", "1"],
        1,
        "truncated body: got ",
        2,
    ),
    "dict not list": ([Reply({"error": "Invalid date"})], [], 1, "got an object", 1),
    "no titles": ([Reply([{"paper": {"id": "1"}}, 7])], [], 1, "none of the 2 items", 1),
    "empty day": ([Reply([])], [], 3, f"no papers for {DAY}", 1),
}


@pytest.mark.parametrize("case", FAILURES, ids=list(FAILURES))
def test_failures_are_one_line_and_leave_seeds_untouched(case: str, api: FakeApi, tmp_path: Path):
    replies, extra, code, message, requests = FAILURES[case]
    api.replies = replies
    (tmp_path / f"hf-{DAY}.json").write_text("an older capture\n", encoding="utf-8")
    (tmp_path / "notes.txt").write_text("Mar 11\n", encoding="utf-8")
    before = snapshot(tmp_path)
    started = time.monotonic()
    run = run_fetch(api, tmp_path, "--date", DAY, "--backoff", "0.01", *extra)
    assert time.monotonic() - started < 2
    assert run.code == code
    assert run.out == ""
    [line] = run.err.splitlines()
    assert line.startswith(f"{api.url}?date={DAY}&limit=100&p=0: error: ")
    assert message in line
    assert len(api.requests) == requests
    assert snapshot(tmp_path) == before


def test_unreachable_server(tmp_path: Path):
    url = _refused_url()
    run = digest("fetch", "--api-url", url, "--seeds", tmp_path, "--date", DAY, "--retries", "0")
    assert run.code == 1
    assert run.err.startswith(f"{url}?date={DAY}&limit=100&p=0: error: cannot connect: ")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    "args",
    [
        ["--date", "2025-3-10"],
        ["--date", "2025-02-30"],
        ["--since", "2025-03-11", "--date", DAY],
        ["--since", "2020-01-01", "--date", DAY],
        ["--api-url", "file:///etc/passwd"],
        ["--timeout", "-1"],
        ["--retries", "many"],
    ],
)
def test_usage_errors_exit_2(args: list[str], tmp_path: Path):
    run = digest("fetch", "--seeds", tmp_path, *args)
    assert run.code == 2
    assert len(run.err.splitlines()) == 1
    assert list(tmp_path.iterdir()) == []


def test_the_feed_reader_reads_what_fetch_writes(api: FakeApi, project: Project):
    assert run_fetch(api, project.seeds, "--date", DAY).code == 0
    run = project.check()
    assert run.code == 0, run.err
    assert "checked 3 papers, 1 days" in run.out


def test_round_trip_fetched_papers_get_pages_with_authors_and_arxiv_links(
    api: FakeApi, project: Project
):
    """fetch → build: each fetched paper has its page, with its authors and its
    arXiv and Hugging Face links, and the same paper in a text feed merges."""
    project.feed(
        "a.txt", "Mar 11\n\nMM-Eureka:  Exploring  Visual Aha Moment with Rule-based RL\n\nShort.\n"
    )
    assert run_fetch(api, project.seeds, "--date", DAY).code == 0
    run = project.build()
    assert run.code == 0, run.err
    pages = {
        page.read_text(encoding="utf-8").split("<h1>", 1)[1].split("</h1>", 1)[0]: page
        for page in (project.out / "papers").glob("*/index.html")
    }
    assert len(pages) == 3
    for stored in STORED:
        html = pages[html_escape(stored["title"])].read_text(encoding="utf-8")
        for author in stored["authors"]:
            assert html_escape(author) in html
        assert f'href="https://arxiv.org/abs/{stored["id"]}"' in html
        assert f'href="https://huggingface.co/papers/{stored["id"]}"' in html
    eureka = pages[html_escape(STORED[0]["title"])].read_text(encoding="utf-8")
    assert eureka.count('<li><a href="../../days/') >= 2, (
        "listed on the text feed's day and the API's"
    )


def test_429_is_waited_out_as_retry_after_says(
    api: FakeApi, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    waits: list[float] = []
    monkeypatch.setattr(source_http, "sleep", waits.append)
    api.replies = [Reply(b"", status=429, headers={"Retry-After": "12"}), Reply()]
    run = run_fetch(api, tmp_path, "--date", DAY, "--retries", "1", "--timeout", "20")
    assert run.code == 0, run.err
    assert waits == [12]
    api.replies = [Reply(b"", status=429, headers={"Retry-After": "120"})]
    (tmp_path / f"hf-{DAY}.json").unlink()
    run = run_fetch(api, tmp_path, "--date", DAY, "--retries", "1", "--timeout", "20")
    assert run.code == 1
    assert run.err.endswith(
        "error: HTTP 429 Too Many Requests: asked to wait 120 s, more than --timeout 20 s\n"
    )
    assert waits == [12] and list(tmp_path.iterdir()) == []


def test_a_body_over_the_bound_is_refused_unread(
    api: FakeApi, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setattr(source_http, "MAX_BYTES", 100)
    run = run_fetch(api, tmp_path, "--date", DAY)
    assert run.code == 1
    [line] = run.err.splitlines()
    assert "is over the limit of 100" in line
    assert list(tmp_path.iterdir()) == []
