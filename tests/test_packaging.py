"""digest as a user installs it: the sdist and the wheel carry the built-in
theme, and an installed digest builds a site in a folder of its own.

Everything happens offline: the sdist and the wheel are built with the
setuptools and wheel already installed, and installed with ``--no-index`` into
a fresh virtual environment that takes digest's dependencies from the
environment the tests run in (a ``.pth`` file naming the folders they are
installed in) but its own digest from the wheel. Not ``--system-site-packages``:
that reaches the base interpreter's packages, which in a venv, a conda
environment or a user install are not where the dependencies are.
"""

from __future__ import annotations

import importlib.metadata
import os
import re
import shutil
import subprocess
import sys
import tarfile
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import ABSTRACT, PROJECT, SMALL_CONFIG, digest

THEME = ["templates/home.html", "templates/partials/paper_card.html", "static/style.css"]
FEED = f"Mar 11\n\nPruning Transformers\n\n{ABSTRACT}\n\nA Second Paper\n\n{ABSTRACT}\n"


def run(*command: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    """A command as a user in ``cwd`` would run it: without this repository on
    the Python path (tests run with it there)."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    done = subprocess.run(
        [str(part) for part in command],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=cwd,
        env=env,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done


def _backend(hook: str, source: Path, out: Path) -> Path:
    """Call the PEP 517 backend as pip would, without pip's isolated (online) build."""
    out.mkdir(exist_ok=True)
    code = f"from setuptools import build_meta; print(build_meta.{hook}({str(out)!r}))"
    name = run(sys.executable, "-c", code, cwd=source).stdout.strip().splitlines()[-1]
    return out / name


def dependency_folders() -> list[str]:
    """The folders this environment's installed distributions are in, in the
    order Python looks at them: its own site-packages, those of a base
    interpreter it can see, and any that a ``.pth`` file added (so also a
    venv made as ``with_this_environment`` makes one). Not this repository,
    whose ``generator`` must not stand in for the wheel's."""
    found: list[str] = []
    for distribution in importlib.metadata.distributions():
        folder = Path(str(distribution.locate_file(""))).resolve()
        if folder.is_dir() and folder != PROJECT.resolve() and str(folder) not in found:
            found.append(str(folder))
    in_path = [str(Path(entry).resolve()) for entry in sys.path if entry]
    return sorted(
        found, key=lambda folder: in_path.index(folder) if folder in in_path else len(in_path)
    )


def with_this_environment(venv: Path) -> Path:
    """A fresh venv (no ``--system-site-packages``) that also sees what is
    installed in the environment running this code, after its own packages:
    a package installed in it wins over one of the same name here."""
    run(sys.executable, "-m", "venv", venv, cwd=venv.parent)
    python = venv / "bin" / "python"
    purelib = run(
        python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])", cwd=venv
    )
    pth = Path(purelib.stdout.strip()) / "_digest_test_dependencies.pth"
    pth.write_text("".join(f"{folder}\n" for folder in dependency_folders()), encoding="utf-8")
    return python


def install(root: Path) -> tuple[Path, Path, Path]:
    """The sdist, the wheel built from it, and a fresh venv with the wheel
    installed (``--no-index``: offline, its dependencies from here)."""
    source = root / "source"
    ignore = shutil.ignore_patterns("__pycache__", "*.egg-info")
    for folder in ("generator", "templates", "static"):
        shutil.copytree(PROJECT / folder, source / folder, ignore=ignore)
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(PROJECT / name, source / name)
    sdist = _backend("build_sdist", source, root / "dist")
    with tarfile.open(sdist) as archive:
        # The data filter came in Python 3.11.4 (Debian 12 has 3.11.2); the
        # archive is the one just built, so without it is safe too.
        safe = {"filter": "data"} if hasattr(tarfile, "data_filter") else {}
        archive.extractall(root / "unpacked", **safe)
    wheel = _backend(
        "build_wheel", root / "unpacked" / sdist.name.removesuffix(".tar.gz"), root / "dist"
    )
    venv = root / "venv"
    python = with_this_environment(venv)
    run(python, "-m", "pip", "install", "--no-deps", "--no-index", wheel, cwd=root)
    return sdist, wheel, venv


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Path, Path]]:
    pytest.importorskip("wheel", reason="building a wheel offline needs the wheel package")
    yield install(tmp_path_factory.mktemp("packaging"))


def test_the_sdist_and_the_wheel_carry_the_theme(installed: tuple[Path, Path, Path]):
    sdist, wheel, _ = installed
    with tarfile.open(sdist) as archive:
        names = {name.split("/", 1)[1] for name in archive.getnames() if "/" in name}
    assert set(THEME) | {"generator/starter/pages.yml", "generator/sources/arxiv.py"} <= names
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
    assert {f"generator/{name}" for name in THEME} <= names
    assert "generator/starter/pages.yml" in names


def test_an_installed_digest_builds_a_site_in_a_folder_of_its_own(
    installed: tuple[Path, Path, Path], tmp_path: Path
):
    """The venv's digest (not this repository's) builds the same bytes as this one."""
    _, _, venv = installed
    site = small_site(tmp_path / "elsewhere")
    where = run(
        venv / "bin" / "python", "-c", "import generator; print(generator.__file__)", cwd=site
    )
    assert where.stdout.startswith(str(venv)), where.stdout
    built = run(venv / "bin" / "digest", "build", "--quiet", cwd=site)
    assert built.stdout == built.stderr == ""
    ours = tmp_path / "ours"
    here = digest(
        "build",
        "--seeds",
        site / "seeds",
        "--config",
        site / "digest.yaml",
        "--out",
        ours,
        "--quiet",
    )
    assert here.code == 0, here.err
    assert tree(site / "site") == tree(ours)
    assert (site / "site" / "static" / "style.css").read_bytes() == (
        PROJECT / "static" / "style.css"
    ).read_bytes()


def test_a_site_s_own_templates_and_static_files_still_win(
    installed: tuple[Path, Path, Path], tmp_path: Path
):
    """One template and one static file of its own, file by file over the
    theme that the installed package carries; the rest is the theme's."""
    _, _, venv = installed
    site = small_site(tmp_path / "themed")
    (site / "templates").mkdir()
    (site / "templates" / "home.html").write_text(
        '{% extends "theme/home.html" %}{% block main %}<p>OUR OWN HOME</p>{{ super() }}{% endblock %}',
        encoding="utf-8",
    )
    (site / "static").mkdir()
    (site / "static" / "style.css").write_text("body { color: teal }\n", encoding="utf-8")
    run(venv / "bin" / "digest", "build", "--quiet", cwd=site)
    home = (site / "site" / "index.html").read_text("utf-8")
    assert "<p>OUR OWN HOME</p>" in home and "Pruning Transformers" in home
    assert (site / "site" / "static" / "style.css").read_text("utf-8") == "body { color: teal }\n"
    assert (site / "site" / "static" / "site.js").read_bytes() == (
        PROJECT / "static" / "site.js"
    ).read_bytes()


def test_init_from_an_installed_digest_asks_where_to_install_from(
    installed: tuple[Path, Path, Path], tmp_path: Path
):
    """Installed from a local folder, digest cannot pin the new site's workflow
    to anything public, and says so rather than writing a broken workflow."""
    _, _, venv = installed
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    done = subprocess.run(
        [str(venv / "bin" / "digest"), "init", "new"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=60,
    )
    assert done.returncode == 1
    assert done.stderr.startswith(
        "digest init: error: cannot tell where the workflow should install"
    )
    assert not (tmp_path / "new").exists()


def test_the_install_path_run_from_inside_a_venv_sees_its_packages(tmp_path: Path):
    """The install path run by the python of a venv (no
    ``--system-site-packages``) installs a digest that sees what is installed
    in that venv: here a package only it has, beside digest's dependencies.
    With ``--system-site-packages`` the new venv saw the base interpreter's
    packages instead (``No module named 'feedparser'`` in a venv)."""
    pytest.importorskip("wheel", reason="building a wheel offline needs the wheel package")
    python = with_this_environment(tmp_path / "outer")
    assert "include-system-site-packages = false" in (tmp_path / "outer" / "pyvenv.cfg").read_text()
    purelib = run(
        python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])", cwd=tmp_path
    )
    own = Path(purelib.stdout.strip())
    (own / "digest_probe.py").write_text("WHERE = 'the outer venv'\n", encoding="utf-8")
    (own / "digest_probe-1.0.dist-info").mkdir()
    (own / "digest_probe-1.0.dist-info" / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: digest-probe\nVersion: 1.0\n", encoding="utf-8"
    )
    script = (
        "import sys; from pathlib import Path; from tests.test_packaging import install; "
        "print(install(Path(sys.argv[1]))[2])"
    )
    (tmp_path / "inner").mkdir()
    done = run(python, "-c", script, tmp_path / "inner", cwd=PROJECT)
    inner = Path(done.stdout.strip().splitlines()[-1])
    probe = (
        "import digest_probe, feedparser, generator; print(digest_probe.WHERE, generator.__file__)"
    )
    seen = run(inner / "bin" / "python", "-c", probe, cwd=tmp_path).stdout.split(" ", 3)
    assert seen[:3] == ["the", "outer", "venv"]
    assert seen[3].startswith(str(inner)), seen


def test_ci_runs_the_readme_s_test_command_which_works_in_any_python():
    """The Quick start makes a venv first (pip refuses the system's Python on
    current Debian and Ubuntu); the commands after it name no environment,
    so that ``.ci/run``, which CI runs as root in the system's Python, runs
    the README's very test command."""
    readme = (PROJECT / "README.md").read_text("utf-8")
    quick_start = readme.split("\n## Quick start\n", 1)[1].split("\n## ", 1)[0]
    venv, build, tests = re.findall(r"```sh\n(.*?)\n```", quick_start, re.DOTALL)
    assert venv == "python3 -m venv .venv && . .venv/bin/activate"
    assert build == "python3 -m pip install -e . && digest build"
    ci = (PROJECT / ".ci" / "run").read_text("utf-8").rstrip("\n").splitlines()
    assert ci[-1] == tests == "python3 -m pip install -e '.[test]' && python3 -m pytest"
    assert not [line for line in ci if ".venv" in line or "activate" in line]


def small_site(site: Path) -> Path:
    """A site folder of its own: ``digest.yaml`` and one feed of two papers."""
    (site / "seeds").mkdir(parents=True)
    (site / "digest.yaml").write_text(SMALL_CONFIG, encoding="utf-8")
    (site / "seeds" / "a.txt").write_text(FEED, encoding="utf-8")
    return site


def tree(folder: Path) -> dict[str, bytes]:
    """The files of a built site."""
    return {
        str(path.relative_to(folder)): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }
