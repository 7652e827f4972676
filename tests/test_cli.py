from __future__ import annotations

import os
import random
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from generator.site.templating import compact
from tests.conftest import ABSTRACT, PROJECT, SEEDS, Project, copy_seeds, digest


def snapshot(folder: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


def test_build_summary_and_exit_code(project: Project):
    project.feed("a.txt", f"Mar 11\n\nPruning Things\n\n{ABSTRACT}\n")
    run = project.build()
    assert run.code == 0, run.err
    assert run.err == ""
    assert run.out.startswith("built 1 papers, 1 days, 1 topics: ")
    assert run.out.rstrip().endswith(" s")
    assert (project.out / "papers").is_dir()


def test_check_reports_and_exits_1_on_errors(project: Project):
    project.feed("a.txt", f"Mar 11\n\nA\n\n{ABSTRACT}\n")
    bad = project.feed("b.txt", b"\xff\xfe")
    run = project.check()
    assert run.code == 1
    assert run.err.splitlines() == [
        f"{bad}:1: error: file is UTF-16; save it as UTF-8 (skipped)",
        "digest: 1 error(s), 0 warning(s); check failed",
    ]


def test_warnings_pass_unless_strict(project: Project):
    project.feed("a.txt", f"Mar 11\n\nLonely\n\nB\n\n{ABSTRACT}\n")
    assert project.build().code == 0
    run = project.build("--strict")
    assert run.code == 1
    assert "title 'Lonely' has no abstract" in run.err


def test_usage_errors_exit_2():
    run = digest("build", "--nope")
    assert run.code == 2
    assert run.err.startswith("error: unrecognized arguments: --nope")
    assert digest().code == 2


def test_config_error_is_one_line_per_problem(project: Project):
    project.config.write_text("year: soon\ncolour: red\n", encoding="utf-8")
    run = project.build()
    assert run.code == 1
    assert run.err.splitlines() == [
        f"{project.config}:1: error: 'year' must be a whole number",
        f"{project.config}:2: error: unknown key 'colour' (known keys: title, description, "
        "base_url, year, topics, feed_entries, sources)",
    ]


def test_missing_seeds_folder(project: Project, tmp_path: Path):
    run = digest("build", "--seeds", tmp_path / "none", "--config", project.config)
    assert (run.code, run.err) == (1, f"{tmp_path / 'none'}: error: no such folder of feeds\n")


def test_other_files_in_seeds_are_reported_not_dropped(project: Project):
    project.feed("a.txt", f"Mar 11\n\nA\n\n{ABSTRACT}\n")
    project.feed("notes.pdf", b"%PDF")
    project.feed(".gitkeep", "")
    run = project.check()
    assert run.code == 0
    assert (
        run.err
        == f"{project.seeds / 'notes.pdf'}: warning: not a feed (.txt, .json) or a page (.md): ignored\n"
    )


def test_failed_build_leaves_previous_site_byte_identical(project: Project):
    project.feed("a.txt", f"Mar 11\n\nA\n\n{ABSTRACT}\n")
    assert project.build().code == 0
    before = snapshot(project.out)
    project.feed("b.txt", "Feb 30\n\nB\n\nAbstract.\n")
    assert project.build().code == 1
    assert snapshot(project.out) == before
    project.config.write_text("topics: 3\n", encoding="utf-8")
    assert project.build().code == 1
    assert snapshot(project.out) == before
    assert sorted(p.name for p in project.root.iterdir()) == [
        ".digest-cache",
        "digest.yaml",
        "seeds",
        "site",
    ]


def test_broken_template_leaves_previous_site_and_no_staging_folder(
    project: Project, tmp_path: Path
):
    from generator.commands.build import build, check
    from generator.config.digest_yaml import load_config

    project.feed("a.txt", f"Mar 11\n\nA\n\n{ABSTRACT}\n")
    assert project.build().code == 0
    before = snapshot(project.out)
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "home.html").write_text("{{ no_such_value }}", encoding="utf-8")
    config = load_config(project.config)
    try:
        build(check(project.seeds, config), config, project.out, templates=templates)
    except Exception as error:  # noqa: BLE001 - any failure will do
        assert "no_such_value" in str(error)
    assert snapshot(project.out) == before
    assert sorted(p.name for p in project.root.iterdir()) == [
        ".digest-cache",
        "digest.yaml",
        "seeds",
        "site",
        "templates",
    ]


def test_refuses_to_replace_a_folder_that_is_not_a_site(project: Project):
    project.feed("a.txt", f"Mar 11\n\nA\n\n{ABSTRACT}\n")
    project.out.mkdir()
    (project.out / "thesis.tex").write_text("precious", encoding="utf-8")
    run = project.build()
    assert run.code == 1
    assert "refusing to replace a folder that is not a built site" in run.err
    assert (project.out / "thesis.tex").read_text(encoding="utf-8") == "precious"


def test_output_ignores_file_order_mtimes_hash_seed_and_locale(tmp_path: Path):
    """Two builds in separate processes: feeds copied in another order under
    other names' mtimes, another hash seed and locale, give the same bytes."""
    outputs = []
    for run, seed in enumerate(["1", "2"]):
        seeds = tmp_path / f"seeds{run}"
        seeds.mkdir()
        files = sorted(SEEDS.iterdir())
        random.Random(run).shuffle(files)
        for index, source in enumerate(files):
            target = seeds / source.name
            target.write_bytes(source.read_bytes())
            os.utime(target, (1_000_000 + index * (run + 1) * 7919, 1_000_000 + index))
        env = {
            **os.environ,
            "PYTHONHASHSEED": seed,
            "LC_ALL": ["C", "C.UTF-8"][run],
            "TZ": ["UTC", "Asia/Tokyo"][run],
        }
        out = tmp_path / f"site{run}"
        subprocess.run(
            [
                sys.executable,
                "-m",
                "generator",
                "build",
                "--seeds",
                seeds,
                "--out",
                out,
                "--config",
                PROJECT / "digest.yaml",
                "--quiet",
            ],
            check=True,
            env=env,
            cwd=tmp_path,
        )
        outputs.append(snapshot(out))
    assert outputs[0] == outputs[1]


def test_seeds_copy_builds_cleanly(tmp_path: Path):
    seeds = copy_seeds(tmp_path / "seeds")
    run = digest("check", "--seeds", seeds, "--config", PROJECT / "digest.yaml")
    assert (run.code, run.err) == (0, "")
    assert re.search(r"\nchecked 295 papers, 4 days, \d+ topics: no errors\n$", run.out)


def test_killed_build_leaves_the_old_or_the_new_site_whole(tmp_path: Path):
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    first = sorted(SEEDS.glob("*.txt"))[0]
    (seeds / first.name).write_bytes(first.read_bytes())
    out = tmp_path / "site"

    def command(target: Path) -> list[str | Path]:
        return [sys.executable, "-m", "generator", "build", "--seeds", seeds, "--out", target,
                "--config", PROJECT / "digest.yaml", "--quiet"]  # fmt: skip

    subprocess.run(command(out), check=True)
    old = snapshot(out)
    for feed in SEEDS.glob("*.txt"):
        (seeds / feed.name).write_bytes(feed.read_bytes())
    expected = tmp_path / "expected"
    subprocess.run(command(expected), check=True)
    new = snapshot(expected)
    assert new != old
    for delay in (0.05, 0.2, 0.35, 0.5, 0.8):
        process = subprocess.Popen(command(out))
        time.sleep(delay)
        process.send_signal(signal.SIGKILL)
        process.wait()
        # Killed between the two renames of the swap, the site is briefly
        # absent; the next build puts the previous one back.
        if out.exists():
            assert snapshot(out) in (old, new)
    subprocess.run(command(out), check=True)
    assert snapshot(out) == new
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        ".digest-cache",
        "expected",
        "seeds",
        "site",
    ]


def test_next_build_recovers_a_site_left_mid_swap(project: Project):
    project.feed("a.txt", f"Mar 11\n\nA\n\n{ABSTRACT}\n")
    assert project.build().code == 0
    # What a build killed between its two renames leaves behind.
    project.out.rename(project.root / ".site-old-x1")
    (project.root / ".site-new-x2").mkdir()
    assert project.build().code == 0
    assert sorted(p.name for p in project.root.iterdir()) == [
        ".digest-cache",
        "digest.yaml",
        "seeds",
        "site",
    ]


def test_an_up_to_date_build_still_clears_what_a_killed_build_left(project: Project):
    """A build killed while it removed the site it had replaced leaves that
    site beside the new one, which is complete and up to date."""
    project.feed("a.txt", f"Mar 11\n\nA\n\n{ABSTRACT}\n")
    assert project.build().code == 0
    shutil.copytree(project.out, project.root / ".site-old-x1")
    (project.root / ".site-new-x2").mkdir()
    run = project.build()
    assert (run.code, run.out) == (
        0,
        f"{project.out}/ is up to date: no input changed since it was built\n",
    )
    assert sorted(p.name for p in project.root.iterdir()) == [
        ".digest-cache",
        "digest.yaml",
        "seeds",
        "site",
    ]


def test_check_lists_papers_that_matched_no_topic(project: Project):
    feed = project.feed(
        "a.txt", f"Mar 11\n\nPruning Things\n\n{ABSTRACT}\n\nSourdough Bread\n\n{ABSTRACT}\n"
    )
    run = project.check()
    assert run.code == 0
    assert run.out.splitlines()[:2] == [
        "1 paper(s) matched no topic keyword (listed in 'Other topics'):",
        f"  {feed}:7: Sourdough Bread",
    ]


def test_topics_table(project: Project):
    project.feed("a.txt", f"Mar 11\n\nPruning Things\n\n{ABSTRACT}\n\nPruned ViT\n\n{ABSTRACT}\n")
    run = digest("topics", "--seeds", project.seeds, "--config", project.config)
    assert run.code == 0
    lines = run.out.splitlines()
    assert lines[0].split() == ["topic", "papers", "share", "top", "keywords", "sample", "titles"]
    assert lines[1].split()[:3] == ["Pruning", "2", "100%"]
    assert "pruned, pruning" in lines[1] or "pruning, pruned" in lines[1]
    assert lines[2].split()[:3] == ["Transformers", "1", "50%"]


def test_a_fork_restyles_with_templates_beside_its_config(project: Project):
    project.feed("a.txt", f"Mar 11\n\nA\n\n{ABSTRACT}\n")
    shutil.copytree(PROJECT / "templates", project.root / "templates")
    (project.root / "templates" / "404.html").write_text(
        "<p>Lost: {{ site_title }}</p>\n", encoding="utf-8"
    )
    assert project.build().code == 0
    assert (project.out / "404.html").read_text(encoding="utf-8") == "<p>Lost: Test digest</p>\n"
    assert (project.out / "static" / "style.css").is_file()


def test_progress_shows_on_a_terminal_only(monkeypatch, capsys):
    from generator.commands import cli

    monkeypatch.delenv("CI", raising=False)
    monkeypatch.setattr(sys.stderr, "isatty", lambda: False, raising=False)
    assert cli.terminal_progress() is None
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True, raising=False)
    monkeypatch.setenv("CI", "true")
    assert cli.terminal_progress() is None
    monkeypatch.delenv("CI")
    report = cli.terminal_progress(after=0, every=0)
    assert report is not None
    report("reading feeds", 1, 1)
    report("rendering pages", 1, 2)
    report("rendering pages", 2, 2)
    assert capsys.readouterr().err == (
        "\rreading feeds: 1/1\n\rrendering pages: 1/2\rrendering pages: 2/2\n"
    )


def test_a_build_tells_its_progress_through_every_stage(project: Project, monkeypatch):
    """A large build spends most of its time before any page is written:
    each stage says how far it is, not only rendering."""
    from generator.commands import cli

    told: list[tuple[str, int, int]] = []
    monkeypatch.setattr(cli, "terminal_progress", lambda: lambda *report: told.append(report))
    for day in range(3):
        project.feed(f"{day}.txt", f"2025-03-1{day}\n\nPaper {day}\n\n{ABSTRACT} Day {day}.\n")
    assert project.build().code == 0
    stages = list(dict.fromkeys(what for what, _, _ in told))
    assert stages == [
        "reading feeds",
        "placing papers in topics",
        "counting words",
        "weighing words",
        "finding related papers",
        "rendering pages",
    ]
    for stage in stages:
        done = [(d, t) for what, d, t in told if what == stage]
        assert done[-1][0] == done[-1][1] and done == sorted(done), stage
    papers = {t for what, _, t in told if what not in ("reading feeds", "rendering pages")}
    assert papers == {3} and ("reading feeds", 3, 3) in told
    told.clear()
    project.feed("3.txt", f"2025-03-13\n\nPaper 3\n\n{ABSTRACT} Day 3.\n")
    assert project.build("--quiet").code == 0 and told == []


def test_broken_template_is_one_line_not_a_traceback(project: Project):
    project.feed("a.txt", f"Mar 11\n\nA\n\n{ABSTRACT}\n")
    shutil.copytree(PROJECT / "templates", project.root / "templates")
    broken = project.root / "templates" / "404.html"
    broken.write_text("<p>\n{{ no_such_value }}</p>\n", encoding="utf-8")
    run = project.build()
    assert (run.code, run.err) == (1, f"{broken}:2: error: 'no_such_value' is undefined\n")
    assert not project.out.exists()


def test_a_broken_template_s_line_is_its_own_where_its_line_breaks_are_not_written(
    project: Project,
):
    """The pages leave out the line breaks beside block tags, but an error
    still names the line of the template as the user wrote it."""
    project.feed("a.txt", f"Mar 11\n\nA\n\n{ABSTRACT}\n")
    (project.root / "templates").mkdir()
    broken = project.root / "templates" / "404.html"
    lines = ["<main>", "<section>", "  <p>", "{% if true %}", "<ul>", "<li>{{ nope }}</ul>"]
    broken.write_text("\n".join([*lines, "{% endif %}</section>", "</main>", ""]), "utf-8")
    run = project.build()
    assert (run.code, run.err) == (1, f"{broken}:6: error: 'nope' is undefined\n")


@pytest.mark.parametrize(
    "name",
    sorted(
        p.relative_to(PROJECT / "templates").as_posix()
        for p in (PROJECT / "templates").rglob("*.html")
    ),
)
def test_compacting_a_built_in_template_keeps_its_lines(name: str):
    """What the pages leave out of a template keeps its line (as a comment),
    so that a broken one, or a site's copy of it, is told by its own line."""
    source = (PROJECT / "templates" / name).read_text(encoding="utf-8")
    assert compact(source).count("\n") == source.count("\n")


def test_build_time_comes_from_source_date_epoch_only(project: Project, monkeypatch):
    project.feed("a.txt", f"Mar 11\n\nPruning Things\n\n{ABSTRACT}\n")
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    assert project.build().code == 0
    home = (project.out / "index.html").read_text(encoding="utf-8")
    assert "Newest papers from" in home and "site updated" not in home
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1741700000")
    assert project.build("--base-url", "https://example.org/x/").code == 0
    home = (project.out / "index.html").read_text(encoding="utf-8")
    assert (
        'site updated <time datetime="2025-03-11T13:33Z">Tuesday, 11 March 2025, 13:33 UTC</time>'
        in home
    )
    assert "site updated" in (project.out / "days" / "index.html").read_text(encoding="utf-8")
    assert "site updated" not in (project.out / "days" / "2025-03-11" / "index.html").read_text(
        encoding="utf-8"
    )
    # A later build time with the same input is a new site, not an up-to-date one.
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1741786400")
    run = project.build("--base-url", "https://example.org/x/")
    assert run.code == 0 and "up to date" not in run.out
    home = (project.out / "index.html").read_text(encoding="utf-8")
    assert "Wednesday, 12 March 2025, 13:33 UTC" in home
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "soon")
    run = project.build("--base-url", "https://example.org/y/")
    assert (run.code, run.err) == (
        2,
        "error: SOURCE_DATE_EPOCH='soon' is not a number of seconds\n",
    )


def test_the_program_says_everything_and_keeps_its_exit_code_through_pipes(project: Project):
    """``digest`` leaves Python by ``os._exit`` (see ``cli.command``): what
    it printed into a pipe, which Python buffers, must still get out, and
    the exit code be the command's."""
    project.feed("2025-03-11.txt", "2025-03-11\n\nA Paper\n\nAbout pruning.\n")
    entry = "from generator.commands.cli import command; command()"
    buffered = {name: value for name, value in os.environ.items() if name != "PYTHONUNBUFFERED"}
    programs = ([sys.executable, "-m", "generator"], [sys.executable, "-c", entry])
    for number, program in enumerate(programs):
        built = subprocess.run(
            [*program, "build", "--seeds", project.seeds, "--config", project.config,
             "--out", project.root / f"site{number}"],
            capture_output=True, text=True, env=buffered,
        )  # fmt: skip
        assert (built.returncode, built.stderr) == (0, "")
        assert built.stdout.startswith("built 1 papers, 1 days")
        failed = subprocess.run([*program, "check", "--seeds", project.root / "nowhere"],
                                capture_output=True, text=True, env=buffered)  # fmt: skip
        assert failed.returncode == 1 and failed.stderr.endswith("no such folder of feeds\n")
        assert (subprocess.run([*program, "--no-such-option"], capture_output=True).returncode) == 2
