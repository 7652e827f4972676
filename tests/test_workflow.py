"""The GitHub Actions workflow is valid and passes zizmor's security audits.

Both tools run as a developer would run them; a test is skipped only when the
tool is not installed (``pip install -e '.[test]'`` installs both).
"""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest

from tests.conftest import PROJECT

WORKFLOW = PROJECT / ".github" / "workflows" / "pages.yml"


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
    assert len(uses) == 5
    for action, comment in uses:
        assert re.fullmatch(r"[\w.-]+/[\w.-]+@[0-9a-f]{40}", action), action
        assert re.fullmatch(r"\s+# v\d+\.\d+\.\d+", comment), action
