"""Rebuilds write only what changed, and give the same bytes as a full build."""

from __future__ import annotations

import shutil
from pathlib import Path

from tests.conftest import ABSTRACT, PROJECT, Project, digest


def snapshot(folder: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


def inodes(folder: Path) -> dict[str, tuple[int, int]]:
    return {
        str(p.relative_to(folder)): (p.stat().st_ino, p.stat().st_mtime_ns)
        for p in folder.rglob("*")
        if p.is_file()
    }


def day_feed(day: str, *titles: str) -> str:
    return "\n\n".join([day, *(f"{title}\n\n{ABSTRACT} {title}." for title in titles)]) + "\n"


def test_unchanged_input_is_not_built_again(project: Project):
    project.feed("a.txt", day_feed("2025-03-11", "Pruning One", "Pruning Two"))
    assert project.build().code == 0
    before = inodes(project.out)
    run = project.build()
    assert (run.code, run.err) == (0, "")
    assert run.out == f"{project.out}/ is up to date: no input changed since it was built\n"
    assert inodes(project.out) == before


def test_adding_a_day_rewrites_only_what_changed_and_matches_a_full_build(
    project: Project, tmp_path: Path
):
    project.feed("a.txt", day_feed("2025-03-11", *[f"Pruning Paper {i}" for i in range(12)]))
    project.feed("b.txt", day_feed("2025-03-12", *[f"Transformer Paper {i}" for i in range(12)]))
    first = project.build()
    assert first.code == 0
    files = int(first.out.split(" files")[0].rsplit(", ", 1)[1])
    before = inodes(project.out)
    # A paper about something else, so no other paper's related papers change.
    project.feed("c.txt", "2025-03-13\n\nSourdough Starters\n\nYeast ferments flour and water.\n")
    run = project.build()
    assert run.code == 0, run.err
    written = int(run.out.split(" written")[0].rsplit(", ", 1)[1])
    after = inodes(project.out)
    changed = sorted(path for path in after if after[path] != before.get(path))
    assert len(changed) == written  # the manifest is not in the site
    # The search and library data: the new paper's block and entry points.
    pages = [path for path in changed if not path.startswith(("search/", "library"))]
    # Day pages and indexes, home, feeds, sitemap, the topic, the new paper.
    assert len(pages) <= 13, pages
    unchanged = [path for path in before if after.get(path) == before[path]]
    assert len(unchanged) >= files - written
    full = tmp_path / "full"
    assert (
        digest("build", "--seeds", project.seeds, "--config", project.config, "--out", full).code
        == 0
    )
    assert snapshot(project.out) == snapshot(full)


def test_removed_papers_lose_their_pages(project: Project, tmp_path: Path):
    project.feed("a.txt", day_feed("2025-03-11", "Pruning One"))
    project.feed("b.txt", day_feed("2025-03-12", "Pruning Two"))
    assert project.build().code == 0
    (project.seeds / "b.txt").unlink()
    run = project.build()
    assert run.code == 0
    assert "removed" in run.out and not (project.out / "days" / "2025-03-12").exists()
    assert len(list((project.out / "papers").iterdir())) == 1
    full = tmp_path / "full"
    assert (
        digest("build", "--seeds", project.seeds, "--config", project.config, "--out", full).code
        == 0
    )
    assert snapshot(project.out) == snapshot(full)


def test_unchanged_input_repeats_its_warnings_and_strict_still_fails(project: Project):
    project.feed("a.txt", day_feed("2025-03-11", "Pruning One") + "Lonely Title\n")
    first = project.build()
    assert first.code == 0 and "has no abstract" in first.err
    again = project.build()
    assert again.err == first.err and "up to date" in again.out
    assert project.build("--strict").code == 1


def test_changing_a_template_or_the_base_url_rebuilds(project: Project):
    project.feed("a.txt", day_feed("2025-03-11", "Pruning One"))
    assert project.build().code == 0
    run = project.build("--base-url", "https://example.org/other/")
    assert "up to date" not in run.out
    assert "https://example.org/other/" in (project.out / "404.html").read_text(encoding="utf-8")


def test_a_failed_rebuild_never_writes_through_to_the_previous_site(project: Project):
    project.feed("a.txt", day_feed("2025-03-11", "Pruning One"))
    shutil.copytree(PROJECT / "templates", project.root / "templates")
    assert project.build().code == 0
    # A page the previous build did not write, linked into the next build's staging folder.
    (project.out / "about").mkdir()
    (project.out / "about" / "index.html").write_text("hand-placed\n", encoding="utf-8")
    before = snapshot(project.out)
    (project.seeds / "about.md").write_text("# About\n", encoding="utf-8")
    (project.root / "templates" / "404.html").write_text("{{ nope }}\n", encoding="utf-8")
    assert project.build().code == 1
    assert snapshot(project.out) == before


def test_glob_characters_in_the_output_name_touch_nothing_else(project: Project):
    project.feed("a.txt", day_feed("2025-03-11", "Pruning One"))
    other = project.root / ".site-new-keep"
    other.mkdir()
    out = project.root / "s[i]te"
    assert (
        digest("build", "--seeds", project.seeds, "--config", project.config, "--out", out).code
        == 0
    )
    assert other.is_dir() and (out / ".nojekyll").exists()
