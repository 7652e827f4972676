"""Putting a new site where the old one was, never leaving neither, and
clearing up after a build that was killed on the way: the old site is kept
as the spare tree the next build turns into its site (see
``manifest.spare_path``).
"""

from __future__ import annotations

import glob
import shutil
import tempfile
from pathlib import Path

from generator.core.lock import site_lock
from generator.core.stops import deferred, stage
from generator.site.manifest import manifest_path, spare_path

#: A file every built site holds; a folder without it is never replaced.
SITE_MARKER = ".nojekyll"


def not_a_site(out: Path) -> bool:
    """Whether ``out`` holds something other than a site digest built, which
    a build must neither replace nor clear up after. A site whose marker was
    deleted by hand is still one if a manifest beside it says digest built it."""
    if not out.exists() or (out / SITE_MARKER).exists() or not any(out.iterdir()):
        return False
    return not manifest_path(out).is_file()


def recover(out: Path) -> None:
    """Clear what a killed build left beside ``out``: a half-built staging
    folder, or the previous site, which is put back if the build died
    between the two renames of the swap, and removed if it died removing it.
    Before anything else a build does, even finding the site up to date.
    Under the site's lock, so never a folder that a live build is writing."""
    if not_a_site(out):
        return
    name = glob.escape(out.name)
    with site_lock(out):
        for staging in out.parent.glob(f".{name}-new-*"):
            shutil.rmtree(staging, ignore_errors=True)
        for old in sorted(out.parent.glob(f".{name}-old-*")):
            if not out.exists() and (old / SITE_MARKER).exists():
                old.rename(out)
            else:
                _keep_as_spare(old, out)


def swap(new: Path, out: Path) -> None:
    """Put ``new`` where ``out`` is; the old site is gone only once the new
    one is in place. Ctrl-C and SIGTERM wait for the end: a stop leaves the
    old site or the new one, never both nor neither."""
    with deferred():
        if not out.exists():
            new.rename(out)
            return
        old = Path(tempfile.mkdtemp(prefix=f".{out.name}-old-", dir=out.parent))
        old.rmdir()
        out.rename(old)
        stage("swapping")
        try:
            new.rename(out)
        except OSError:
            old.rename(out)
            raise
        _keep_as_spare(old, out)


def _keep_as_spare(old: Path, out: Path) -> None:
    """Keep the site just replaced as the spare tree, which the next build
    turns into its site in place: far cheaper than removing it and making
    every folder again (see ``manifest.spare_path``)."""
    spare = spare_path(out)
    try:
        spare.parent.mkdir(exist_ok=True)
        old.rename(spare)
    except OSError:
        shutil.rmtree(old, ignore_errors=True)
