"""Work a build keeps for the next one, outside the site: the topics of
papers (placing is a fifth of a large build) and the pages themselves."""

from __future__ import annotations

import io
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from generator.analysis import counted_runs, related, related_state, topics
from generator.commands import feed_cache, terms_cache
from generator.commands.build import check
from generator.commands.caches import read_checked, write_checked
from generator.config.digest_yaml import load_config
from generator.reading.archive import Paper, text_key
from generator.reading.entries import Feed
from generator.reading.stored import FORMAT, read_api_feed
from generator.site import prepared
from generator.site.render import Renderer
from generator.site.search_files import BLOCK_SIZE
from generator.site.writer import Site
from tests.conftest import Project
from tests.test_incremental import day_feed, snapshot
from tests.test_trust import full_build


def count_placed(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    placed: list[str] = []
    place = topics.Placer.__call__

    def counted(self: topics.Placer, paper: topics.Paper) -> tuple[topics.TopicMatch, ...]:
        placed.append(paper.title)
        return place(self, paper)

    monkeypatch.setattr(topics.Placer, "__call__", counted)
    return placed


def test_a_build_places_only_papers_it_has_not_placed_before(
    project: Project, monkeypatch: pytest.MonkeyPatch
):
    placed = count_placed(monkeypatch)
    # With a warning (a title without an abstract): placements are kept all the same.
    project.feed("a.txt", day_feed("2025-03-11", "Pruning One", "Pruning Two") + "\nLonely\n")
    assert "no abstract" in project.build().err
    assert sorted(placed) == ["Lonely", "Pruning One", "Pruning Two"]
    placed.clear()
    project.feed("b.txt", day_feed("2025-03-12", "Transformer Three"))
    assert project.build().code == 0
    assert placed == ["Transformer Three"]
    placed.clear()
    # New rules place every paper again; so does --force.
    project.config.write_text(
        project.config.read_text(encoding="utf-8").replace("[pruning, pruned]", "[pruning]"),
        encoding="utf-8",
    )
    assert project.build().code == 0
    assert len(placed) == 4
    placed.clear()
    assert project.build("--force").code == 0
    assert len(placed) == 4


def test_a_day_writes_its_own_placements_until_they_are_too_many_then_all_of_them(
    project: Project, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
):
    """Papers only added go to the file of recent placements, read with the
    others; past ``RECENT_SHARE`` of them, or once a paper goes, every
    placement is written again in one file. Damaged, either file is a
    warning and a placement of every paper."""
    placed = count_placed(monkeypatch)
    cache = project.root / ".digest-cache"
    project.feed("a.txt", day_feed("2025-03-11", *[f"Pruning {i}" for i in range(16)]))
    assert project.build().code == 0
    (whole,) = cache.glob("placements-*.json")

    def recent() -> dict[str, object]:
        files = sorted(cache.glob("placements-*-recent.json"))
        return json.loads(read_checked(files[0])) if files else {}

    placed.clear()
    project.feed("b.txt", day_feed("2025-03-12", "Graphs One"))
    assert project.build().code == 0
    assert placed == ["Graphs One"] and len(recent()) == 1
    assert len(json.loads(read_checked(whole))) == 16  # not written again
    placed.clear()
    project.feed("c.txt", day_feed("2025-03-13", "Graphs Two"))
    assert project.build().code == 0
    assert placed == ["Graphs Two"] and len(recent()) == 2  # 2 of 16: the most, 1/8
    project.feed("d.txt", day_feed("2025-03-14", "Graphs Three"))
    assert project.build().code == 0
    assert recent() == {} and len(json.loads(read_checked(whole))) == 19
    project.feed("e.txt", day_feed("2025-03-15", "Graphs Four"))
    assert project.build().code == 0 and len(recent()) == 1
    (project.seeds / "d.txt").unlink()  # a paper gone: every placement written again
    assert project.build().code == 0
    assert recent() == {} and len(json.loads(read_checked(whole))) == 19
    project.feed("f.txt", day_feed("2025-03-16", "Graphs Five"))
    assert project.build().code == 0 and len(recent()) == 1
    placed.clear()
    (recent_file,) = cache.glob("placements-*-recent.json")
    recent_file.write_bytes(recent_file.read_bytes()[:-3])
    project.feed("g.txt", day_feed("2025-03-17", "Graphs Six"))
    run = project.build()
    assert run.code == 0 and len(placed) == 21
    assert run.err.startswith(f"{recent_file}: warning: the topics cache is damaged")
    assert recent() == {} and snapshot(project.out) == full_build(project, tmp_path)


def test_a_build_renders_only_pages_whose_input_changed(
    project: Project, monkeypatch: pytest.MonkeyPatch
):
    rendered: list[str] = []
    render_paper = Renderer.render_paper

    def counted(self: Renderer, site: Site, paper: Paper) -> None:
        rendered.append(paper.title)
        render_paper(self, site, paper)

    monkeypatch.setattr(Renderer, "render_paper", counted)
    project.feed("a.txt", day_feed("2025-03-11", *[f"Pruning Paper {i}" for i in range(6)]))
    assert project.build().code == 0
    assert len(rendered) == 6
    rendered.clear()
    # A paper about something else: no other paper's page changes.
    project.feed("c.txt", "2025-03-13\n\nSourdough Starters\n\nYeast ferments flour and water.\n")
    assert project.build().code == 0
    assert rendered == ["Sourdough Starters"]
    rendered.clear()
    assert project.build("--force").code == 0
    assert len(rendered) == 7


def test_a_placement_equal_to_one_met_before_but_not_an_int_is_a_damaged_cache(
    project: Project, tmp_path: Path
):
    """Equal placements share one match as the cache is read, each checked
    when first met: a score of ``true`` equals a score of 1, and is still
    not a placement."""
    project.feed("a.txt", day_feed("2025-03-11", "Pruning One", "Pruning Two"))
    assert project.build().code == 0
    (path,) = (project.root / ".digest-cache").glob("placements-*.json")
    stored = json.loads(read_checked(path))
    stored[min(stored)] = [["pruning", "pruning", 1], ["pruning", "pruning", True]]
    write_checked(path, json.dumps(stored).encode())
    project.feed("b.txt", day_feed("2025-03-12", "Transformer Three"))
    run = project.build()
    assert run.code == 0, run.err
    (warning,) = run.err.splitlines()
    assert "topics cache is damaged" in warning
    assert snapshot(project.out) == full_build(project, tmp_path)


def test_the_check_hashes_each_papers_text_once_for_placing_and_relating(
    project: Project, tmp_path: Path
):
    """The hashes of the papers' texts that the check made for the topics
    cache are those relate makes for its own, paper for paper: a build
    hands them over rather than hash every text twice."""
    titles = ("Zebra Pruning", "Apple Graphs", "Mango Agents", "Kiwi Agents")
    project.feed("a.txt", day_feed("2025-03-11", *titles))
    checked = check(project.seeds, load_config(project.config), cache=tmp_path / "cache")
    assert checked.text_keys == tuple(text_key(paper) for paper in checked.archive.papers)
    assert len(set(checked.text_keys)) == len(titles)
    given = related_state.text_keys(checked.archive, checked.text_keys)
    assert given.tolist() == related_state.text_keys(checked.archive).tolist()
    assert check(project.seeds, load_config(project.config)).text_keys is None


def test_a_day_makes_only_the_search_blocks_whose_papers_changed(
    project: Project, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """A block of papers of the search index is kept from the previous site
    while its papers' fields, topics and numbers and the order of the
    taxonomy are as they were (see ``prepared``)."""
    made: list[list[str]] = []
    make = prepared.paper_block

    def counted(papers: Sequence[Paper], *rest: Any) -> list[list[Any]]:
        made.append([paper.title for paper in papers])
        return make(papers, *rest)

    monkeypatch.setattr(prepared, "paper_block", counted)
    titles = [f"Pruning Paper {n}" for n in range(2 * BLOCK_SIZE + 1)]
    project.feed("a.txt", day_feed("2025-03-11", *titles))
    assert project.build().code == 0
    assert sorted(sum(made, [])) == titles and len(made) == 3
    made.clear()
    # The new paper, in a topic of its own, joins the last block, alone until now.
    project.feed("b.txt", day_feed("2025-03-12", "Transformer Starters"))
    assert project.build().code == 0
    assert made == [[titles[-1], "Transformer Starters"]]
    made.clear()
    project.feed("a.txt", day_feed("2025-03-11", *titles[:-1], "Pruning Paper Renamed"))
    assert project.build().code == 0
    assert made == [["Pruning Paper Renamed", "Transformer Starters"]]
    made.clear()
    # Topics in another order: each block names its topics by other numbers.
    config = project.config.read_text(encoding="utf-8").splitlines(keepends=True)
    first, second = [n for n, line in enumerate(config) if line.startswith("  - name:")][:2]
    moved = config[:first] + config[second:] + config[first:second]
    project.config.write_text("".join(moved), encoding="utf-8")
    assert project.build().code == 0
    assert len(made) == 3
    assert snapshot(project.out) == full_build(project, tmp_path)


def test_a_related_cache_that_is_well_formed_but_wrong_is_a_warning_not_a_wrong_site(
    project: Project, tmp_path: Path
):
    """A cache file whose check holds but whose arrays disagree (a related
    paper that isn't there, vectors of the wrong length) is not used."""
    project.feed("a.txt", day_feed("2025-03-11", "Pruning One", "Pruning Two", "Graphs Three"))
    assert project.build().code == 0
    (path,) = (project.root / ".digest-cache").glob("*.related-*.npz")
    with np.load(io.BytesIO(read_checked(path))) as stored:
        arrays = {name: stored[name] for name in stored.files}
    for name, wrong in [("similar", arrays["similar"] + 7), ("terms", arrays["terms"][:-1])]:
        written = io.BytesIO()
        np.savez(written, **{**arrays, name: wrong})
        write_checked(path, written.getvalue())
        project.feed("b.txt", day_feed("2025-03-12", f"Pruning {name}"))
        run = project.build()
        assert run.code == 0, run.err
        (warning,) = run.err.splitlines()
        assert "related papers' cache is damaged" in warning and "Traceback" not in run.err
        assert snapshot(project.out) == full_build(project, tmp_path)


def papers_of(day: str, first: int, count: int) -> str:
    """A day of papers that share no word with any other paper."""
    words = [
        "".join(chr(ord("a") + int(d)) for d in f"{n:03}") for n in range(first, first + count)
    ]
    return feed_of(day, [(f"Zq{w} Wx{w}", f"Vb{w} yk{w} jn{w} pr{w}.") for w in words])


def test_a_day_splits_only_its_own_runs_of_papers_and_keeps_what_the_next_day_needs(
    project: Project, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
):
    monkeypatch.setattr(related, "CHUNK_PAPERS", 3)
    split: list[int] = []
    real = counted_runs.run_terms

    def counted(papers, start, reference):  # type: ignore[no-untyped-def]
        split.append(len(papers))
        return real(papers, start, reference)

    monkeypatch.setattr(counted_runs, "run_terms", counted)
    # Two months: the new days' month weighs terms by the month before.
    project.feed("a.txt", papers_of("2025-02-10", 0, 5))
    project.feed("b.txt", papers_of("2025-03-11", 5, 5))
    assert project.build().code == 0
    assert split == [3, 3, 3, 1]
    kept = project.root / ".digest-cache" / terms_cache.FOLDER
    assert len(list(kept.iterdir())) == 4
    split.clear()
    # The last run, of one paper, now has three: the only one split.
    project.feed("c.txt", papers_of("2025-03-12", 10, 2))
    assert project.build().code == 0
    assert split == [3]
    assert len(list(kept.iterdir())) == 4  # the run of one paper is gone
    assert snapshot(project.out) == full_build(project, tmp_path)
    split.clear()
    assert project.build("--force").code == 0
    assert split == [3, 3, 3, 3]


def test_a_damaged_terms_cache_is_a_warning_not_a_wrong_site(
    project: Project, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
):
    monkeypatch.setattr(related, "CHUNK_PAPERS", 3)
    project.feed("a.txt", papers_of("2025-02-10", 0, 3))
    project.feed("b.txt", papers_of("2025-03-10", 3, 3))
    assert project.build().code == 0
    kept = project.root / ".digest-cache" / terms_cache.FOLDER
    first, second = sorted(kept.iterdir(), key=lambda path: path.stat().st_mtime_ns)[:2]
    with np.load(io.BytesIO(read_checked(second))) as stored:
        arrays = {name: stored[name] for name in stored.files}
    written = io.BytesIO()  # well formed, its check right, but of another run's size
    np.savez(written, **{**arrays, "papers": np.array([2])})
    write_checked(second, written.getvalue())
    for damage, day in [(second, "2025-03-11"), (None, "2025-03-12"), (first, "2025-03-13")]:
        if damage == first:
            first.write_bytes(first.read_bytes()[:-9])  # cut short
        project.feed(f"{day}.txt", papers_of(day, 10 + int(day[-2:]), 1))
        run = project.build()
        assert run.code == 0, run.err
        # Said once: the damaged file is written again.
        warnings = ["cache of papers' terms is damaged"] if damage else []
        assert [
            line[line.index("a cache") + 2 :].split(" (")[0] for line in run.err.splitlines()
        ] == warnings
        assert "Traceback" not in run.err
        assert snapshot(project.out) == full_build(project, tmp_path / day)


PRUNING = [
    ("Magnitude Pruning of Sparse Networks", "We prune sparse networks by weight magnitude."),
    ("Structured Pruning of Sparse Layers", "Structured pruning removes sparse layers and heads."),
    ("Pruning Sparse Attention Heads", "Attention heads are pruned in sparse transformers."),
    ("Lottery Tickets in Sparse Networks", "Sparse subnetworks found by iterative pruning."),
    ("Pruning at Initialisation", "We prune sparse networks before training them."),
    ("Gradual Magnitude Pruning", "Magnitude pruning applied gradually to sparse weights."),
    ("Sparse Fine-Tuning by Pruning", "Fine-tuning with pruning keeps the networks sparse."),
]


def feed_of(day: str, papers: list[tuple[str, str]]) -> str:
    return "\n\n".join([day, *(f"{title}\n\n{abstract}" for title, abstract in papers)]) + "\n"


def test_a_day_relates_only_the_papers_it_reaches_and_force_relates_all(
    project: Project, monkeypatch: pytest.MonkeyPatch
):
    """Weights come from the months before the newest one (in an archive's
    first month, from every paper, so each day relates all of them)."""
    project.feed("a.txt", feed_of("2025-02-11", PRUNING))
    project.feed("b.txt", feed_of("2025-03-11", PRUNING[:1]))
    assert project.build().code == 0
    rows: list[int] = []
    real = related.most_similar

    def counted(matrix, transposed, block, slugs):  # type: ignore[no-untyped-def]
        rows.extend(block.tolist())
        return real(matrix, transposed, block, slugs)

    monkeypatch.setattr(related, "most_similar", counted)
    bread = ("Sourdough Starters Compared", "Yeast ferments the sugars of sourdough bread.")
    project.feed("c.txt", feed_of("2025-03-12", [bread]))
    assert project.build().code == 0
    assert len(rows) == 1  # the new paper: it shares no term with the others
    rows.clear()
    project.feed("d.txt", feed_of("2025-03-13", [("Sourdough Again", bread[1])]))
    assert project.build("--force").code == 0
    assert len(rows) == 9
    rows.clear()
    # A forced build reads no cache but leaves one: the next day is a day's work.
    tides = ("Tidal Energy Harvesting", "Turbines convert ocean tides into electricity.")
    project.feed("e.txt", feed_of("2025-03-14", [tides]))
    assert project.build().code == 0
    assert len(rows) == 1


def test_two_sites_beside_each_other_keep_their_own_related_papers(project: Project):
    """Sites built into one folder share its cache folder, not a state: each
    would otherwise replace the other's, and neither build reuse any."""
    project.feed("a.txt", feed_of("2025-02-11", PRUNING))
    assert project.build().code == 0
    other = project.root / "other"
    assert project.build("--out", other).code == 0
    cache = project.root / ".digest-cache"
    assert len(list(cache.glob(f"{project.out.name}.related-*.npz"))) == 1
    assert len(list(cache.glob("other.related-*.npz"))) == 1


def count_read(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    read: list[str] = []
    original = feed_cache.read_bytes

    def counted(data: bytes, name: str, year: int) -> Feed:
        read.append(Path(name).name)
        return original(data, name, year)

    monkeypatch.setattr(feed_cache, "read_bytes", counted)
    return read


def test_a_build_reads_only_feeds_it_has_not_read_before(
    project: Project, monkeypatch: pytest.MonkeyPatch
):
    read = count_read(monkeypatch)
    project.feed("a.txt", day_feed("2025-03-11", "Pruning One", "Pruning Two"))
    project.feed("b.txt", day_feed("2025-03-12", "Transformer Three"))
    assert project.build().code == 0
    assert sorted(read) == ["a.txt", "b.txt"]
    read.clear()
    project.feed("c.txt", day_feed("2025-03-13", "Sourdough Starters"))
    assert project.build().code == 0
    assert read == ["c.txt"]
    read.clear()
    # An edited feed is read again; --force reads every one.
    project.feed("a.txt", day_feed("2025-03-11", "Pruning One", "Pruning Three"))
    assert project.build().code == 0
    assert read == ["a.txt"]
    read.clear()
    assert project.build("--force").code == 0
    assert sorted(read) == ["a.txt", "b.txt", "c.txt"]


def test_a_feed_gone_takes_its_cache_file_with_it(project: Project):
    project.feed("a.txt", day_feed("2025-03-11", "Pruning One"))
    project.feed("b.txt", day_feed("2025-03-12", "Transformer Three"))
    assert project.build().code == 0
    cached = project.root / ".digest-cache" / feed_cache.FOLDER
    assert len(list(cached.iterdir())) == 2
    (project.seeds / "b.txt").unlink()
    assert project.build().code == 0
    assert len(list(cached.iterdir())) == 1


def test_a_cached_feed_says_its_problems_under_its_own_name(project: Project):
    """The same bytes under another name: the diagnostics name the new file."""
    text = day_feed("2025-03-11", "Pruning One") + "\nLonely\n"
    project.feed("a.txt", text)
    assert "a.txt:" in project.build().err
    (project.seeds / "a.txt").rename(project.seeds / "renamed.txt")
    run = project.build()
    assert run.code == 0, run.err
    assert "renamed.txt:" in run.err and "a.txt:" not in run.err


@pytest.mark.parametrize("ending", [b"\r\n", b"\r"])
def test_a_stored_feed_reads_the_same_whatever_ends_its_lines(tmp_path: Path, ending: bytes):
    """The cache reads a feed's bytes once (the ones it hashed): a stored feed
    read from them is the feed read as text, as before there was a cache."""
    paper = {"title": "T\u00e9st\rline", "abstract": "An abstract.", "arxiv_id": "2501.00001"}
    data = json.dumps(
        {
            "format": FORMAT,
            "source": {"kind": "hf", "name": "Hugging Face"},
            "date": "2025-03-11",
            "papers": [paper],
        },
        indent=1,
    ).encode()
    path = tmp_path / "feed.json"
    path.write_bytes(data.replace(b"\n", ending))
    assert feed_cache.read_bytes(path.read_bytes(), str(path), 2025) == read_api_feed(path)
    assert read_api_feed(path).entries
    # A line number counts the lines as text does.
    path.write_bytes(data.replace(b"\n", ending)[:-40] + b"oops" + ending)
    feed = feed_cache.read_bytes(path.read_bytes(), str(path), 2025)
    assert feed == read_api_feed(path)
    assert feed.diagnostics[0].source.line > 1


def test_a_build_stopped_by_errors_keeps_no_read_feed(project: Project):
    project.feed("a.txt", day_feed("2025-03-11", "Pruning One"))
    project.feed("b.json", "{not json")
    run = project.build()
    assert run.code == 1, run.err
    assert not (project.root / ".digest-cache" / feed_cache.FOLDER).exists()
