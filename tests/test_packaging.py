"""digest as a user installs it: the sdist and the wheel carry the built-in
theme, and an installed digest builds a site in a folder of its own.

Everything happens offline: the sdist and the wheel are built with the
setuptools and wheel already installed, and installed with ``--no-index`` into
a fresh virtual environment that takes digest's dependencies from this
machine (``--system-site-packages``) but its own digest from the wheel.
"""

from __future__ import annotations

import os
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


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Path, Path]]:
    """The sdist, the wheel built from it, and a fresh venv with the wheel installed."""
    pytest.importorskip("wheel", reason="building a wheel offline needs the wheel package")
    root = tmp_path_factory.mktemp("packaging")
    source = root / "source"
    ignore = shutil.ignore_patterns("__pycache__", "*.egg-info")
    for folder in ("generator", "templates", "static"):
        shutil.copytree(PROJECT / folder, source / folder, ignore=ignore)
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(PROJECT / name, source / name)
    sdist = _backend("build_sdist", source, root / "dist")
    with tarfile.open(sdist) as archive:
        archive.extractall(root / "unpacked", filter="data")
    wheel = _backend(
        "build_wheel", root / "unpacked" / sdist.name.removesuffix(".tar.gz"), root / "dist"
    )
    venv = root / "venv"
    run(sys.executable, "-m", "venv", "--system-site-packages", venv, cwd=root)
    run(venv / "bin" / "python", "-m", "pip", "install", "--no-deps", "--no-index", wheel, cwd=root)
    yield sdist, wheel, venv


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
    _, _, venv = installed
    site = small_site(tmp_path / "themed")
    shutil.copytree(PROJECT / "templates", site / "templates")
    shutil.copytree(PROJECT / "static", site / "static")
    home = site / "templates" / "home.html"
    home.write_text(
        home.read_text("utf-8").replace(
            "{% block main %}", "{% block main %}<p>OUR OWN HOME</p>", 1
        ),
        "utf-8",
    )
    (site / "static" / "style.css").write_text("body { color: teal }\n", encoding="utf-8")
    run(venv / "bin" / "digest", "build", "--quiet", cwd=site)
    assert "<p>OUR OWN HOME</p>" in (site / "site" / "index.html").read_text("utf-8")
    assert (site / "site" / "static" / "style.css").read_text("utf-8") == "body { color: teal }\n"


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
