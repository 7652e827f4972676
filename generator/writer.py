"""Writing the site: only below the output folder, and only what changed.

A build writes into a staging folder that starts as hard links to the files
of the previous site. A file whose bytes are the same as last time is left
alone (same inode, same mtime); a changed one is written to a new file that
replaces the link, so the previous site is never modified in place. Files the
new build did not produce are removed at the end. A manifest of content hashes
beside the pages says what each file held, so nothing needs reading back.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path, PurePosixPath
from typing import Any

#: The build's own record inside the site folder: the input key, the hash of
#: every file and the diagnostics of the build that wrote it.
MANIFEST = ".digest-build.json"


def content_hash(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def read_manifest(site: Path) -> dict[str, Any]:
    try:
        manifest = json.loads((site / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return manifest if isinstance(manifest, dict) else {}


class Site:
    """Writes files below the staging folder, and only there."""

    def __init__(self, staging: Path, previous: Path | None = None) -> None:
        self.out = staging.resolve()
        self.hashes: dict[str, str] = {}
        self.previous: dict[str, str] = {}
        self.files = self.pages = self.bytes = self.written = 0
        self.folders: set[Path] = set()
        if previous is not None and previous.is_dir():
            self.previous = read_manifest(previous).get("files", {})
            # Without a manifest nothing says what the files hold: start afresh.
            if self.previous:
                _link_tree(previous, self.out)

    def write(self, relative: str, content: str | bytes) -> None:
        data = content.encode("utf-8") if isinstance(content, str) else content
        parts = PurePosixPath(relative).parts
        if (
            not parts
            or relative.startswith("/")
            or any(p in ("..", ".") for p in parts)
            or ("\\" in relative or "\0" in relative)
        ):
            raise ValueError(f"refusing to write outside the site: {relative!r}")
        target = self.out / relative
        if relative in self.hashes:
            raise ValueError(f"two pages of the site would be {relative!r}")
        digest = content_hash(data)
        self.hashes[relative] = digest
        self.files += 1
        self.pages += relative.endswith(".html")
        self.bytes += len(data)
        if self.previous.get(relative) == digest and target.is_file():
            return
        self.written += 1
        if target.parent not in self.folders:
            target.parent.mkdir(parents=True, exist_ok=True)
            self.folders.add(target.parent)
        if self.previous:
            # The staging folder holds links to the previous site: a new file
            # replaces a link, so the previous site never changes in place.
            temporary = target.with_name(f".{target.name}.new")
            temporary.write_bytes(data)
            os.replace(temporary, target)
        else:
            target.write_bytes(data)

    def copy_tree(self, source: Path, relative: str) -> None:
        for path in sorted(source.rglob("*")):
            if path.is_file():
                self.write(f"{relative}/{path.relative_to(source).as_posix()}", path.read_bytes())

    def finish(self, manifest: dict[str, Any]) -> int:
        """Remove what the previous site had and this one does not, record the
        manifest, and say how many files were removed."""
        removed = 0
        for path in sorted(self.out.rglob("*"), reverse=True):
            relative = path.relative_to(self.out).as_posix()
            if path.is_dir():
                if not any(path.iterdir()):
                    path.rmdir()
            elif relative not in self.hashes and relative != MANIFEST:
                path.unlink()
                removed += 1
        record = {**manifest, "files": dict(sorted(self.hashes.items()))}
        text = json.dumps(record, sort_keys=True, indent=0, ensure_ascii=False) + "\n"
        (self.out / MANIFEST).unlink(missing_ok=True)
        (self.out / MANIFEST).write_text(text, encoding="utf-8")
        return removed


def _link_tree(source: Path, target: Path) -> None:
    """Hard links to every file of ``source`` (copies where links are not possible)."""
    for folder, subfolders, files in os.walk(source):
        relative = Path(folder).relative_to(source)
        (target / relative).mkdir(parents=True, exist_ok=True)
        subfolders.sort()
        for name in sorted(files):
            if relative == Path(".") and name == MANIFEST:
                continue
            try:
                os.link(Path(folder) / name, target / relative / name)
            except OSError:
                shutil.copy2(Path(folder) / name, target / relative / name)
