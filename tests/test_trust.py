"""A build trusts nothing in ``site/``: a kept file that is gone or was
changed by hand is written again, whatever the inputs did, and a broken
manifest or cache costs a full build with one warning, never a crash."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from generator.site.manifest import unchanged_site, write_manifest
from tests.conftest import Project, digest
from tests.test_incremental import day_feed, snapshot

CACHE = ".digest-cache"


def two_days(project: Project) -> None:
    project.feed("a.txt", day_feed("2025-03-11", "Pruning One", "Pruning Two"))
    project.feed("b.txt", day_feed("2025-03-12", "Transformer Three", "Transformer Four"))


def full_build(project: Project, where: Path) -> dict[str, bytes]:
    """The site a build from nothing makes of the project's inputs."""
    out = where / "fresh" / "site"
    run = digest("build", "--seeds", project.seeds, "--config", project.config, "--out", out)
    assert run.code == 0, run.err
    return snapshot(out)


def assert_rebuilt(project: Project, where: Path) -> None:
    """A build now is not "up to date", and makes what a full build makes."""
    run = project.build()
    assert run.code == 0, run.err
    assert "up to date" not in run.out
    assert snapshot(project.out) == full_build(project, where)


def paper_page(project: Project) -> Path:
    return next((project.out / "papers").iterdir()) / "index.html"


def test_a_deleted_page_comes_back_though_no_input_changed(project: Project, tmp_path: Path):
    two_days(project)
    assert project.build().code == 0
    page = paper_page(project)
    page.unlink()
    run = project.build()
    assert run.code == 0, run.err
    assert page.is_file()
    assert snapshot(project.out) == full_build(project, tmp_path)


def test_a_hand_edited_page_is_written_again_though_no_input_changed(
    project: Project, tmp_path: Path
):
    two_days(project)
    assert project.build().code == 0
    day = project.out / "days" / "2025-03-11" / "index.html"
    day.write_text("<p>edited by hand</p>\n", encoding="utf-8")
    run = project.build()
    assert run.code == 0, run.err
    assert "edited by hand" not in day.read_text(encoding="utf-8")
    assert snapshot(project.out) == full_build(project, tmp_path)


def test_an_edit_that_keeps_the_size_is_seen_by_its_time(project: Project, tmp_path: Path):
    two_days(project)
    assert project.build().code == 0
    page = paper_page(project)
    data = page.read_bytes()
    page.write_bytes(data.replace(b"<h1>", b"<h2>", 1))
    stat = page.stat()
    os.utime(page, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
    assert project.build().code == 0
    assert page.read_bytes() == data


def test_a_page_replaced_by_a_link_to_its_own_bytes_is_written_again(
    project: Project, tmp_path: Path
):
    two_days(project)
    assert project.build().code == 0
    page = paper_page(project)
    copy = tmp_path / "copy.html"
    copy.write_bytes(page.read_bytes())
    page.unlink()
    page.symlink_to(copy)
    assert project.build().code == 0
    assert not page.is_symlink()
    assert snapshot(project.out) == full_build(project, tmp_path)


def test_two_pages_swapped_by_hand_are_both_written_again(project: Project, tmp_path: Path):
    """Every file's name is still there, and every size and time the
    manifest recorded, but not with the same names."""
    two_days(project)
    assert project.build().code == 0
    pages = sorted(project.out.rglob("*.html"), key=lambda path: path.stat().st_size)
    small, large = pages[0], pages[-1]
    assert small.stat().st_size != large.stat().st_size
    aside = small.with_name("aside")
    small.rename(aside)
    large.rename(small)
    aside.rename(large)
    assert project.build().code == 0
    assert snapshot(project.out) == full_build(project, tmp_path)


def test_a_hand_edited_page_is_not_kept_when_other_input_changes(project: Project, tmp_path: Path):
    two_days(project)
    assert project.build().code == 0
    day = project.out / "days" / "2025-03-11" / "index.html"
    day.write_text("<p>edited by hand</p>\n", encoding="utf-8")
    project.feed("c.txt", day_feed("2025-03-13", "Sourdough Starters"))
    assert project.build().code == 0
    assert snapshot(project.out) == full_build(project, tmp_path)


def test_a_file_added_by_hand_is_not_kept(project: Project, tmp_path: Path):
    two_days(project)
    assert project.build().code == 0
    (project.out / "stray.html").write_text("stray\n", encoding="utf-8")
    assert project.build().code == 0
    assert snapshot(project.out) == full_build(project, tmp_path)


@pytest.mark.parametrize(
    "stray", ["papers/{paper}/stray.html", "papers/new/index.html", "days/2025-03-11/a/b/c.txt"]
)
def test_a_file_added_by_hand_deep_in_the_site_is_not_kept(
    project: Project, tmp_path: Path, stray: str
):
    """No folder is listed by a build of unchanged input: a folder's time
    says that a file was added to it (or to a folder made in it)."""
    two_days(project)
    assert project.build().code == 0
    path = project.out / stray.format(paper=paper_page(project).parent.name)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("stray\n", encoding="utf-8")
    assert_rebuilt(project, tmp_path)


def test_a_page_replaced_by_a_folder_is_written_again(project: Project, tmp_path: Path):
    two_days(project)
    assert project.build().code == 0
    page = paper_page(project)
    page.unlink()
    page.mkdir()
    (page / "inside.html").write_text("inside\n", encoding="utf-8")
    assert project.build().code == 0
    assert snapshot(project.out) == full_build(project, tmp_path)


def test_a_manifest_whose_columns_disagree_is_a_full_build_and_one_warning(
    project: Project, tmp_path: Path
):
    """JSON in every line, but a record that no build wrote: one size too few."""
    two_days(project)
    assert project.build().code == 0
    manifest = project.root / CACHE / "site.manifest.json"
    lines = manifest.read_bytes().split(b"\n")
    files = json.loads(lines[2])
    files["sizes"] = files["sizes"][1:]
    lines[2] = json.dumps(files).encode()
    manifest.write_bytes(b"\n".join(lines))
    (project.out / "index.html").unlink()
    run = project.build()
    assert run.code == 0, run.err
    warnings = [line for line in run.err.splitlines() if ": warning: " in line]
    assert len(warnings) == 1 and "damaged" in warnings[0], run.err
    assert snapshot(project.out) == full_build(project, tmp_path)


def test_the_manifest_and_caches_are_beside_the_site_not_in_it(project: Project):
    two_days(project)
    assert project.build().code == 0
    assert not any(path.name.startswith(".digest") for path in project.out.rglob("*"))
    assert (project.root / CACHE).is_dir()


def cache_files(project: Project) -> list[Path]:
    return sorted(p for p in (project.root / CACHE).rglob("*") if p.is_file())


DAMAGE = {
    "garbage": lambda data: b"\x00\xff not what was written",
    "empty": lambda data: b"",
    "cut short": lambda data: data[: len(data) // 2],
}


@pytest.mark.parametrize("damage", DAMAGE)
@pytest.mark.parametrize("which", ["manifest", "placements", "related", "feeds", "spare"])
def test_a_damaged_manifest_or_cache_means_a_full_build_and_at_most_one_warning(
    project: Project, tmp_path: Path, which: str, damage: str
):
    two_days(project)
    assert project.build().code == 0
    project.feed("c.txt", day_feed("2025-03-13", "Sourdough Starters"))
    assert project.build().code == 0  # the first site is now the spare tree
    cache = project.root / CACHE
    path = {
        "manifest": cache / "site.manifest.json",
        "placements": next(cache.glob("placements-*.json")),
        "related": next(cache.glob("*.related-*.npz")),
        "feeds": next((cache / "feeds").iterdir()),
        "spare": next((cache / "site.spare" / "papers").iterdir()) / "index.html",
    }[which]
    path.write_bytes(DAMAGE[damage](path.read_bytes()))
    # An input change too, so that every cache is read.
    project.feed("d.txt", day_feed("2025-03-14", "Pruning Again"))
    run = project.build()
    assert run.code == 0, run.err
    assert "Traceback" not in run.err
    warnings = [line for line in run.err.splitlines() if ": warning: " in line]
    assert len(warnings) == (which != "spare"), run.err
    assert snapshot(project.out) == full_build(project, tmp_path)


def test_a_corrupt_manifest_is_said_in_one_warning_line(project: Project):
    two_days(project)
    assert project.build().code == 0
    manifests = [p for p in cache_files(project) if "manifest" in p.name]
    assert len(manifests) == 1
    manifests[0].write_text("{not json", encoding="utf-8")
    run = project.build()
    assert run.code == 0
    lines = run.err.splitlines()
    assert len(lines) == 1 and ": warning: " in lines[0] and "full build" in lines[0], run.err


def test_a_missing_cache_folder_is_a_full_build(project: Project, tmp_path: Path):
    two_days(project)
    assert project.build().code == 0
    for path in cache_files(project):
        path.unlink()
    assert_rebuilt(project, tmp_path)


def test_force_ignores_every_cache_and_rewrites_every_file(project: Project, tmp_path: Path):
    two_days(project)
    assert project.build().code == 0
    before = {p: p.stat().st_ino for p in project.out.rglob("*") if p.is_file()}
    run = project.build("--force")
    assert run.code == 0, run.err
    assert "up to date" not in run.out
    after = {p: p.stat().st_ino for p in project.out.rglob("*") if p.is_file()}
    assert after.keys() == before.keys()
    # Not one file linked from the previous site: every one written anew.
    assert not any(after[p] == before[p] for p in after)
    written = int(run.out.split(" written")[0].rsplit(", ", 1)[1])
    assert written == len(after)
    assert snapshot(project.out) == full_build(project, tmp_path)


def test_a_site_whose_marker_was_deleted_is_still_rebuilt(project: Project, tmp_path: Path):
    two_days(project)
    assert project.build().code == 0
    (project.out / ".nojekyll").unlink()
    run = project.build()
    assert run.code == 0, run.err
    assert snapshot(project.out) == full_build(project, tmp_path)


def test_a_folder_digest_did_not_build_is_still_refused(project: Project):
    two_days(project)
    project.out.mkdir()
    (project.out / "mine.txt").write_text("not a site\n", encoding="utf-8")
    run = project.build()
    assert run.code == 1 and "not a built site" in run.err


def test_a_manifest_written_when_a_folder_is_already_gone_says_the_site_changed(tmp_path: Path):
    out = tmp_path / "site"
    out.mkdir()
    page = out / "a.html"
    page.write_text("a\n", encoding="utf-8")
    status = page.stat()
    kept = ("hash", status.st_size, status.st_mtime_ns, "")
    write_manifest(out, "key", ["a warning"], {"a.html": kept})
    assert unchanged_site(out, "key") == ["a warning"]
    assert unchanged_site(out, "another key") is None
    write_manifest(out, "key", [], {"a.html": kept, "gone/b.html": ("hash", 2, 1, "")})
    assert unchanged_site(out, "key") is None
