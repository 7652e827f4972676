"""``digest fetch --source arxiv`` against a local server replaying the arXiv API."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import pytest

from generator.sources import arxiv, http
from tests.arxiv_atom import Preprint, error_page, page
from tests.conftest import Project, Run, digest
from tests.replay import Replay, Reply, replaying

DAY = "2025-03-10"

EUREKA = Preprint(
    id="2503.07365v2",
    title="MM-Eureka: Exploring Visual Aha Moment with\n  Rule-based Large-scale RL",
    abstract="We present MM-Eureka, where I_{rm mag}< 25 & <b>bold</b> stays\n  text.",
    authors=["Fanqing Meng", "Zoë  Ångström"],
    categories=["cs.CV", "cs.LG", "cs.AI"],
    doi="10.1000/xyz.123",
    journal_ref="J. Example Res. 12 (2025) 1-20",
)
PAPERS = [
    EUREKA,
    Preprint(id="2503.05236v1", title="Unified Reward Model", abstract="Rewards, unified."),
    Preprint(id="2503.04444v3", title="A Third Paper", abstract="Third.", categories=["cs.LG"]),
]


@pytest.fixture
def api(monkeypatch: pytest.MonkeyPatch) -> Iterator[Replay]:
    """The arXiv API on 127.0.0.1, paged two papers at a time; the pause
    between requests is recorded instead of waited."""
    monkeypatch.setattr(arxiv, "PAGE_SIZE", 2)
    monkeypatch.setattr(http, "sleep", lambda seconds: pauses.append(seconds))
    pauses: list[float] = []
    with replaying() as replay:
        replay.pauses = pauses  # type: ignore[attr-defined]
        replay.route = lambda query: Reply(
            page(PAPERS[int(query["start"]) :][:2], len(PAPERS), int(query["start"]), 2)
        )
        yield replay


def fetch(api: Replay, seeds: Path, *extra: str) -> Run:
    return digest(
        "fetch", "--source", "arxiv", "--category", "cs.LG", "--category", "cs.CV",
        "--api-url", api.url, "--seeds", seeds, "--date", DAY, "--backoff", "0", *extra,
    )  # fmt: skip


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def test_a_day_is_read_page_by_page_up_to_the_total(api: Replay, tmp_path: Path):
    run = fetch(api, tmp_path)
    path = tmp_path / f"arxiv-cs.CV+cs.LG-{DAY}.json"
    assert run.code == 0, run.err
    assert run.out == f"wrote {path}: 3 papers for {DAY}\n"
    assert [query["start"] for query in api.requests] == ["0", "2"]
    first = api.requests[0]
    assert first["search_query"] == (
        "(cat:cs.CV OR cat:cs.LG) AND submittedDate:[202503100000 TO 202503102359]"
    )
    assert (first["max_results"], first["sortBy"], first["sortOrder"]) == (
        "2",
        "submittedDate",
        "ascending",
    )
    stored = json.loads(path.read_text(encoding="utf-8"))
    assert stored["source"] == {"kind": "arxiv", "name": "arXiv cs.CV, cs.LG", "url": api.url}
    assert [paper["id"] for paper in stored["papers"]] == ["2503.07365", "2503.05236", "2503.04444"]
    assert stored["papers"][0] == {
        "id": "2503.07365",
        "title": "MM-Eureka: Exploring Visual Aha Moment with Rule-based Large-scale RL",
        "abstract": "We present MM-Eureka, where I_{rm mag}< 25 & <b>bold</b> stays text.",
        "authors": ["Fanqing Meng", "Zoë Ångström"],
        "categories": ["cs.CV", "cs.LG", "cs.AI"],
        "doi": "10.1000/xyz.123",
        "journal_ref": "J. Example Res. 12 (2025) 1-20",
        "url": "https://arxiv.org/abs/2503.07365",
        "pdf": "https://arxiv.org/pdf/2503.07365",
        "published": "2025-03-10T14:01:22Z",
        "date": "",
        "github": "",
        "keywords": [],
        "upvotes": 0,
    }
    again = fetch(api, tmp_path)
    assert (again.code, again.out) == (0, f"unchanged {path}: 3 papers for {DAY}\n")


def test_requests_are_three_seconds_apart(api: Replay, tmp_path: Path):
    assert fetch(api, tmp_path).code == 0
    pauses = api.pauses  # type: ignore[attr-defined]
    assert len(pauses) == 1 and 2.5 < pauses[0] <= 3.0


def test_an_empty_day_exits_3_and_writes_nothing(api: Replay, tmp_path: Path):
    api.route = lambda query: Reply(page([], 0))
    run = fetch(api, tmp_path)
    assert run.code == 3
    [line] = run.err.splitlines()
    assert line.endswith(f"error: no papers for {DAY} (a weekend, or not announced yet)")
    assert list(tmp_path.iterdir()) == []


def test_an_empty_page_within_the_total_is_asked_again(api: Replay, tmp_path: Path):
    answers = [page(PAPERS[:2], 3, 0, 2), page([], 3, 2, 2), page(PAPERS[2:], 3, 2, 2)]
    api.route = None
    api.replies = [Reply(body) for body in answers]
    run = fetch(api, tmp_path)
    assert run.code == 0, run.err
    assert [query["start"] for query in api.requests] == ["0", "2", "2"]


def test_retry_after_is_waited_out(api: Replay, tmp_path: Path):
    busy = Reply(b"busy", status=503, content_type="text/plain", headers={"Retry-After": "7"})
    api.route = None
    api.replies = [busy, Reply(page(PAPERS[:2], 3, 0, 2)), Reply(page(PAPERS[2:], 3, 2, 2))]
    run = fetch(api, tmp_path, "--timeout", "10")
    assert run.code == 0, run.err
    assert api.pauses[0] == 7  # type: ignore[attr-defined]
    assert [query["start"] for query in api.requests] == ["0", "0", "2"]


def _seeded(tmp_path: Path) -> dict[str, bytes]:
    (tmp_path / f"arxiv-cs.CV+cs.LG-{DAY}.json").write_text("an older fetch\n", encoding="utf-8")
    return snapshot(tmp_path)


FAILURES = {
    "malformed XML": (
        [Reply(page(PAPERS, 3).replace(b"</summary>", b"</summry>", 1))],
        "malformed XML at line ",
    ),
    "not a feed": ([Reply(b"<html><body>Down for maintenance</body></html>")], "not an RSS"),
    "no total": ([Reply(page(PAPERS, 3).replace(b"opensearch:totalResults", b"x", 2))], "no opensearch:totalResults"),
    "arXiv error": ([Reply(error_page("incorrect id format for 1234.12345"))], "arXiv says: incorrect id format"),
    "wait longer than the timeout": (
        [Reply(b"", status=503, headers={"Retry-After": "3600"})],
        "HTTP 503 Service Unavailable: asked to wait 3600 s, more than --timeout 10 s",
    ),
    "always empty pages": (
        [Reply(page(PAPERS[:2], 3, 0, 2)), Reply(page([], 3, 2, 2))],
        "page came back empty after 2 of 3 papers were read",
    ),
    "too large": ([Reply(page(PAPERS, 3) + b" " * 5000)], "body of 8"),
    "too large, streamed": ([Reply(page(PAPERS, 3) + b" " * 5000, chunked=True)], "body is over the limit of 4000 bytes"),
}  # fmt: skip


@pytest.mark.parametrize("case", FAILURES, ids=list(FAILURES))
def test_failures_are_one_line_and_leave_seeds_untouched(
    case: str, api: Replay, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    replies, message = FAILURES[case]
    monkeypatch.setattr(http, "MAX_BYTES", 4000)
    api.route, api.replies = None, replies
    before = _seeded(tmp_path)
    run = fetch(api, tmp_path, "--timeout", "10", "--retries", "1")
    assert (run.code, run.out) == (1, "")
    [line] = run.err.splitlines()
    assert line.startswith(f"{api.url}?search_query=") and ": error: " in line
    assert message in line
    assert snapshot(tmp_path) == before


@pytest.mark.parametrize(
    "args",
    [
        ["--source", "arxiv"],
        ["--source", "arxiv", "--category", "cs LG"],
        ["--source", "arxiv", "--category", "cs.LG", "--url", "https://example.org/rss"],
        ["--source", "hf", "--category", "cs.LG"],
        ["--category", "cs.LG"],
    ],
)
def test_usage_errors_exit_2(args: list[str], tmp_path: Path):
    run = digest("fetch", "--seeds", tmp_path, "--config", tmp_path / "none.yaml", *args)
    assert run.code == 2, run.err
    assert len(run.err.splitlines()) == 1
    assert list(tmp_path.iterdir()) == []


def test_retry_after_is_seconds_or_an_http_date():
    now = datetime(2025, 3, 10, 12, 0, 0, tzinfo=UTC)
    assert http.retry_after("120", now) == 120
    assert http.retry_after("Mon, 10 Mar 2025 12:01:30 GMT", now) == 90
    assert http.retry_after("Mon, 10 Mar 2025 11:00:00 GMT", now) == 0
    assert http.retry_after("soon", now) is None
    assert http.retry_after(None, now) is None
    assert http.retry_after("-5", now) is None


def test_every_source_honours_429_with_an_http_date(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """Hugging Face and feeds share the waiting: a date within --timeout is waited for."""
    waits: list[float] = []
    monkeypatch.setattr(http, "sleep", waits.append)
    later = format_datetime(datetime.now(UTC) + timedelta(seconds=5), usegmt=True)
    with replaying("/feed.xml") as feed:
        feed.replies = [
            Reply(b"", status=429, headers={"Retry-After": later}),
            Reply(RSS, content_type="application/rss+xml"),
        ]
        run = digest("fetch", "--source", "feed", "--url", feed.url, "--seeds", tmp_path,
                     "--date", DAY, "--backoff", "0", "--timeout", "20")  # fmt: skip
    assert run.code == 0, run.err
    assert len(waits) == 1 and 3 < waits[0] <= 5


RSS = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>
<item><title>One paper</title><link>https://example.org/1</link><description>An abstract.</description></item>
</channel></rss>"""


def test_an_arxiv_paper_and_the_same_paper_from_hugging_face_are_one_page(
    api: Replay, project: Project
):
    """Merged by arXiv id although the titles differ: one page, with the links
    of both sources, the arXiv categories and the journal reference."""
    assert fetch(api, project.seeds).code == 0
    daily = [{"paper": {"id": "2503.07365", "title": "MM-Eureka (Hugging Face title)",
                        "summary": "Short.", "upvotes": 9}}]  # fmt: skip
    with replaying("/api/daily_papers") as hf:
        hf.replies = [Reply(json.dumps(daily).encode(), content_type="application/json")]
        run = digest("fetch", "--source", "hf", "--api-url", hf.url, "--seeds", project.seeds,
                     "--date", "2025-03-11")  # fmt: skip
    assert run.code == 0, run.err
    built = project.build()
    assert built.code == 0, built.err
    assert "3 papers, 2 days" in built.out
    [page] = [
        p for p in project.out.glob("papers/*/index.html") if "MM-Eureka" in p.read_text("utf-8")
    ]
    html = page.read_text(encoding="utf-8")
    links = re.findall(r'<li><a href="(https://[^"]+)">([^<]+)</a>', html)
    assert links == [
        ("https://arxiv.org/abs/2503.07365", "arXiv 2503.07365"),
        ("https://arxiv.org/pdf/2503.07365", "PDF"),
        ("https://huggingface.co/papers/2503.07365", "Hugging Face"),
        ("https://doi.org/10.1000/xyz.123", "DOI 10.1000/xyz.123"),
    ]
    assert "<h1>MM-Eureka: Exploring Visual Aha Moment with Rule-based Large-scale RL</h1>" in html
    assert html.count('<li><a href="../../days/2025-03-1') == 2
    assert "<dd>J. Example Res. 12 (2025) 1-20<dt>" in html
    assert "<li>cs.CV<li>cs.LG<li>cs.AI</ul>" in html


def test_a_backfill_asks_again_for_days_arxiv_may_still_announce(api: Replay, tmp_path: Path):
    """Submissions are announced over the next business days, so a day stored
    in the last five is fetched again; an older one is left as it is."""
    settled, recent = (
        tmp_path / "arxiv-cs.CV+cs.LG-2025-03-04.json",
        tmp_path / "arxiv-cs.CV+cs.LG-2025-03-09.json",
    )
    for path in (settled, recent):
        path.write_text("an older fetch\n", encoding="utf-8")
    run = fetch(api, tmp_path, "--since", "2025-03-04")
    assert run.code == 0, run.err
    days = sorted({query["search_query"].split("[")[1][:8] for query in api.requests})
    assert days == [f"202503{day:02d}" for day in range(5, 11)]
    assert settled.read_text(encoding="utf-8") == "an older fetch\n"
    assert json.loads(recent.read_text(encoding="utf-8"))["date"] == "2025-03-09"
