"""What a build finds of the site it replaces: what of it can be trusted,
and the spare tree it will turn into the new site (see ``manifest``).

For a large site this is looked at in a process of its own while the build
reads its input (``cli``), on a core that reading leaves idle.
"""

from __future__ import annotations

import os
from pathlib import Path

from generator.site.manifest import (
    NOTHING,
    Previous,
    folders_of,
    inodes,
    manifest_path,
    previous_site,
    spare_path,
)

#: Manifests from this size (a site of some 5,000 files) are read, and
#: the site and its spare tree looked at, in a process of their own while
#: the build reads its input (see ``site_as_found``).
LOOK_BESIDE_FROM = 1_000_000


def look_beside(out: Path) -> bool:
    """Whether the site in ``out`` (its manifest) is large enough for
    ``site_as_found`` to pay for a process of its own."""
    try:
        return manifest_path(out).stat().st_size >= LOOK_BESIDE_FROM
    except OSError:
        return False


def site_as_found(
    out: Path, force: bool = False, make_spare: bool = False
) -> tuple[Previous, dict[str, int] | None]:
    """What can be trusted of the site in ``out`` (see ``previous_site``;
    nothing for a ``force``d build), and the files of its spare tree with
    their inodes (see ``inodes``); ``None`` where there is no spare tree,
    or it could not be listed (the build then lists it, and says what is
    wrong). At 100,000 papers, 3 s of statuses and listings that a build
    need not wait for.

    With ``make_spare``, a site without a spare tree (the first build after
    one from nothing) is given one: its trusted files, hard-linked into the
    same folders. The build would otherwise make that tree itself, in a new
    staging folder, while it renders: 105,000 folders and 135,000 links at
    100,000 papers."""
    previous = NOTHING if force else previous_site(out)
    spare = spare_path(out)
    try:
        if make_spare and previous.kept and not spare.exists():
            names = sorted(previous.kept)
            _linked(out, spare, names)
            # Each file of the new tree is the live site's, whose inode the
            # look at the site just read: no listing of 135,000 files.
            return previous, {name: previous.inodes[name] for name in names}
        return previous, inodes(spare) if spare.is_dir() else None
    except OSError:
        return previous, None


def _linked(out: Path, spare: Path, names: list[str]) -> None:
    """The files ``names`` of ``out`` as hard links in a tree ``spare``. One
    cut short is a spare tree all the same (its files are trusted only
    where they are the live site's)."""
    spare.mkdir()
    for folder in folders_of(names)[1:]:  # parents first; the first is "."
        os.mkdir(f"{spare}/{folder}")
    for name in names:
        os.link(f"{out}/{name}", f"{spare}/{name}", follow_symlinks=False)
