"""The GitHub Actions workflow is valid and passes zizmor's security audits.

Both tools run as a developer would run them; a test is skipped only when the
tool is not installed (``pip install -e '.[test]'`` installs both).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import CONFIG, PROJECT, SEEDS

WORKFLOW = PROJECT / ".github" / "workflows" / "pages.yml"
STARTER = PROJECT / "generator" / "starter" / "pages.yml"


def _run(tool: str, *args: str) -> subprocess.CompletedProcess[str]:
    executable = shutil.which(tool)
    if executable is None:
        pytest.skip(f"{tool} is not installed")
    return subprocess.run(
        [executable, *args, str(WORKFLOW)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=PROJECT,
    )


def test_workflow_matches_the_github_workflow_schema():
    result = _run("check-jsonschema", "--builtin-schema", "vendor.github-workflows")
    assert result.returncode == 0, result.stdout + result.stderr


def test_workflow_has_no_zizmor_findings_of_medium_severity_or_above():
    # --offline: the audits that would ask GitHub's API are left out.
    result = _run("zizmor", "--offline", "--min-severity", "medium")
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_action_is_pinned_to_a_commit_with_its_version_named():
    uses = re.findall(r"^\s*(?:- )?uses: (\S+)(.*)$", WORKFLOW.read_text(), re.MULTILINE)
    assert len(uses) == 6
    for action, comment in uses:
        assert re.fullmatch(r"[\w.-]+/[\w.-]+@[0-9a-f]{40}", action), action
        assert re.fullmatch(r"\s+# v\d+\.\d+\.\d+", comment), action


def _steps(workflow: Path) -> list[dict[str, Any]]:
    steps: list[dict[str, Any]] = yaml.safe_load(workflow.read_text("utf-8"))["jobs"]["build"][
        "steps"
    ]
    return steps


@pytest.mark.parametrize("workflow", [WORKFLOW, STARTER], ids=["ours", "init"])
def test_the_build_cache_is_kept_pinned_and_restored_before_the_build(workflow: Path):
    steps = _steps(workflow)
    names = [step.get("name") for step in steps]
    cached = [step for step in steps if str(step.get("uses", "")).startswith("actions/cache@")]
    assert len(cached) == 1
    assert re.fullmatch(r"actions/cache@[0-9a-f]{40}", cached[0]["uses"])
    assert re.search(
        r"uses: actions/cache@[0-9a-f]{40}  # v\d+\.\d+\.\d+\n", workflow.read_text("utf-8")
    )
    assert names.index(cached[0]["name"]) < names.index("Build the site")
    paths = cached[0]["with"]["path"].split()
    assert ".digest-cache" in paths
    # A new cache each run (caches are never overwritten), the newest restored.
    assert "github.run_id" in cached[0]["with"]["key"]
    assert cached[0]["with"]["key"].startswith(cached[0]["with"]["restore-keys"])


def _build_step(workflow: Path) -> str:
    step = next(step for step in _steps(workflow) if step.get("name") == "Build the site")
    return str(step["run"])


def _run_build(workflow: Path, checkout: Path) -> subprocess.CompletedProcess[str]:
    """The workflow's build step, as the runner runs it, in ``checkout``."""
    env = {**os.environ, "BASE_URL": "https://example.org/digest", "CI": "true"}
    env["PYTHONPATH"] = os.pathsep.join([str(PROJECT), env.get("PYTHONPATH", "")])
    bin_folder = checkout / "bin"
    bin_folder.mkdir(exist_ok=True)
    launcher = bin_folder / "digest"
    launcher.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m generator "$@"\n', "utf-8")
    launcher.chmod(0o755)
    # The build time the step takes from the clock, the same in every run.
    clock = bin_folder / "date"
    clock.write_text("#!/bin/sh\necho 1741700000\n", "utf-8")
    clock.chmod(0o755)
    env["PATH"] = f"{bin_folder}{os.pathsep}{env['PATH']}"
    return subprocess.run(
        ["bash", "-e", "-c", _build_step(workflow)],
        cwd=checkout,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def _files(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.mark.parametrize("workflow", [WORKFLOW, STARTER], ids=["ours", "init"])
def test_a_build_with_no_cache_or_a_broken_one_still_deploys_the_same_site(
    workflow: Path, tmp_path: Path
):
    checkout = tmp_path / "checkout"
    checkout.mkdir()
    shutil.copytree(SEEDS, checkout / "seeds")
    shutil.copy(CONFIG, checkout / "digest.yaml")
    # A cache miss: nothing but the repository.
    first = _run_build(workflow, checkout)
    assert first.returncode == 0, first.stderr
    site = checkout / "site"
    assert (site / "index.html").is_file() and (site / ".nojekyll").is_file()
    # Nothing of the cache among what is uploaded.
    assert not [p for p in site.rglob("*") if p.name.startswith(".digest")]
    expected = _files(site)
    # A cache restored broken: a manifest cut short and a page changed in the site.
    for manifest in (checkout / ".digest-cache").glob("*.manifest.json"):
        manifest.write_bytes(manifest.read_bytes()[:100])
    page = next((site / "papers").iterdir()) / "index.html"
    page.write_text("stale\n", encoding="utf-8")
    again = _run_build(workflow, checkout)
    assert again.returncode == 0, again.stderr
    assert again.stderr.count(": warning: ") == 1, again.stderr
    assert _files(site) == expected
