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
from pathlib import Path
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


#: What one write did: the file, its content hash, its size in bytes and
#: whether its bytes changed since the previous build.
Record = tuple[str, str, int, bool]


class Site:
    """Writes files below the staging folder, and only there."""

    def __init__(self, staging: Path, previous: Path | None = None) -> None:
        self.out = staging.resolve()
        self.hashes: dict[str, str] = {}
        self.previous: dict[str, str] = {}
        self.files = self.pages = self.bytes = self.written = 0
        self.folders: set[str] = set()
        self.log: list[Record] = []
        """Every write of this process, for ``adopt`` in the parent of a worker."""
        if previous is not None and previous.is_dir():
            self.previous = read_manifest(previous).get("files", {})
            # Without a manifest nothing says what the files hold: start afresh.
            if self.previous:
                _link_tree(previous, self.out)
        self.linked = bool(self.previous)

    def write(self, relative: str, content: str | bytes) -> None:
        data = content.encode("utf-8") if isinstance(content, str) else content
        parts = relative.split("/")
        if (
            not relative
            or relative.startswith("/")
            or any(p in ("..", ".", "") for p in parts)
            or ("\\" in relative or "\0" in relative)
        ):
            raise ValueError(f"refusing to write outside the site: {relative!r}")
        if relative in self.hashes:
            raise ValueError(f"two pages of the site would be {relative!r}")
        target = os.path.join(self.out, relative)
        digest = content_hash(data)
        changed = not (self.previous.get(relative) == digest and os.path.isfile(target))
        if changed:
            folder = os.path.dirname(target)
            if folder not in self.folders:
                try:
                    os.mkdir(folder)  # the parent is there as a rule: one system call
                except FileExistsError:
                    pass
                except FileNotFoundError:
                    os.makedirs(folder, exist_ok=True)
                self.folders.add(folder)
            if self.previous:
                # The staging folder holds links to the previous site: a new
                # file replaces a link, so the previous site never changes in place.
                temporary = os.path.join(folder, f".{parts[-1]}.new")
                with open(temporary, "wb") as file:
                    file.write(data)
                os.replace(temporary, target)
            else:
                with open(target, "wb") as file:
                    file.write(data)
        record = (relative, digest, len(data), changed)
        self.log.append(record)
        self._count(record)

    def adopt(self, records: list[Record]) -> None:
        """Count as written here what a worker process wrote for this site."""
        for record in records:
            if record[0] in self.hashes:
                raise ValueError(f"two pages of the site would be {record[0]!r}")
            self._count(record)

    def _count(self, record: Record) -> None:
        relative, digest, size, changed = record
        self.hashes[relative] = digest
        self.files += 1
        self.pages += relative.endswith(".html")
        self.bytes += size
        self.written += changed

    def copy_tree(self, source: Path, relative: str) -> None:
        for path in sorted(source.rglob("*")):
            if path.is_file():
                self.write(f"{relative}/{path.relative_to(source).as_posix()}", path.read_bytes())

    def finish(self, manifest: dict[str, Any]) -> int:
        """Remove what the previous site had and this one does not, record the
        manifest, and say how many files were removed."""
        removed = 0
        # Only a staging folder that started from a previous site holds files
        # this build did not write, and folders they leave empty.
        for folder, _subfolders, files in os.walk(self.out, topdown=False) if self.linked else ():
            relative = os.path.relpath(folder, self.out).replace(os.sep, "/")
            prefix = "" if relative == "." else f"{relative}/"
            for name in files:
                if prefix + name not in self.hashes and prefix + name != MANIFEST:
                    os.unlink(os.path.join(folder, name))
                    removed += 1
            if prefix and not os.listdir(folder):
                os.rmdir(folder)
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
