"""Writing the site: only below the output folder, and only what changed.

A build writes into an empty staging folder. A file whose bytes are the same
as in the previous site becomes a hard link to that file (same inode, same
mtime: unchanged for rsync, a deploy, a browser cache); only a changed one is
written. Nothing is ever opened for writing in the previous site, and files
the new build does not produce are simply not there. The previous site's
manifest (see ``site.manifest``) says what each of its files held; only files
still as it recorded them are linked, so nothing is read back and nothing
edited by hand survives.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
from pathlib import Path

from generator.core.workers import in_worker
from generator.site.manifest import FileEntry


def content_hash(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


#: What one write did: the file, its content hash, its size in bytes, whether
#: its bytes changed since the previous build, its modification time (ns)
#: and the fingerprint of the work that wrote it.
Record = tuple[str, str, int, bool, int, str]


#: A new file, never one that is there: the staging folder starts empty.
_NEW_FILE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)


def _create(path: str, data: bytes) -> int:
    """Write ``data`` to a new file with system calls (Python's buffered
    file object cost a fifth of the time of writing a page, 5 of 23 µs);
    its modification time, for the manifest."""
    descriptor = os.open(path, _NEW_FILE, 0o666)
    try:
        written = os.write(descriptor, data)
        if written < len(data):  # as a rule all of it at once
            left = memoryview(data)[written:]
            while left:
                left = left[os.write(descriptor, left) :]
        return os.fstat(descriptor).st_mtime_ns
    finally:
        os.close(descriptor)


class Site:
    """Writes files below the staging folder, and only there.

    The staging folder is either new and empty or the spare tree (see
    ``manifest.spare_path``): the site before the current one, which this
    build turns into the new site in place. A spare file that is the live
    site's (the same inode) and unchanged stays as it is; any other is
    unlinked before its path is written or linked again, never written
    into, since it may share its inode with the live site."""

    def __init__(
        self,
        staging: Path,
        previous: Path | None = None,
        kept: dict[str, FileEntry] | None = None,
        *,
        inodes: dict[str, int] | None = None,
        reusable: dict[str, list[str]] | None = None,
        spare: dict[str, int] | None = None,
    ) -> None:
        """``kept``: the files of the ``previous`` site that are as its
        manifest says (see ``manifest.previous_site``), which may be linked,
        and their ``inodes``; ``reusable``: per fingerprint of the work that
        wrote them, the kept files that work wrote (see ``reuse``);
        ``spare``: the files already in the staging folder and their inodes."""
        self.out = staging.resolve()
        self._out = str(self.out)
        self.hashes: dict[str, str] = {}
        self.entries: dict[str, FileEntry] = {}
        """What the manifest of this site will say of each file."""
        self.files = self.pages = self.bytes = self.written = 0
        self.folders: set[str] = set()
        self.log: list[Record] = []
        """Every write of this process, for ``adopt`` in the parent of a worker."""
        self.previous_site = previous.resolve() if previous is not None else None
        self.previous: dict[str, FileEntry] = {}
        self.reusable: dict[str, list[str]] = {}
        if self.previous_site is not None and kept:
            self.previous = kept
            self.reusable = reusable or {}
        self.inodes = inodes or {}
        self.spare = spare or {}
        # A spare tree's folders are there (it was just listed): a page's
        # folder is made only if new, which at 100,000 pages spares 100,000
        # system calls that fail.
        self.folders.update(f"{self._out}/{name}".rpartition("/")[0] for name in self.spare)
        self.fingerprint = ""
        """The fingerprint of the work now writing (see ``render``), recorded with its files."""

    def write(self, relative: str, content: str | bytes) -> None:
        data = content.encode("utf-8") if isinstance(content, str) else content
        if (
            not relative
            or relative[0] == "/"
            or relative[-1] == "/"
            or "//" in relative
            or ("\\" in relative or "\0" in relative)
            or "." in relative
            and any(p in ("..", ".") for p in relative.split("/"))
        ):
            raise ValueError(f"refusing to write outside the site: {relative!r}")
        if relative in self.hashes:
            raise ValueError(f"two pages of the site would be {relative!r}")
        # Strings, not os.path: a build writes tens of thousands of files.
        target = f"{self._out}/{relative}"
        self._folder(target)
        digest = content_hash(data)
        old = self.previous.get(relative)
        if old is not None and old[0] == digest and self._link(relative, target):
            changed, mtime = False, old[2]
        else:
            self._clear(relative, target)
            changed, mtime = True, _create(target, data)
        record = (relative, digest, len(data), changed, mtime, self.fingerprint)
        self.log.append(record)
        self._count(record)

    def reuse(self, fingerprint: str) -> bool:
        """Keep the previous site's files that the work with this
        ``fingerprint`` wrote, if it wrote any and every one of them is
        still as written: the same work, given the same input, would write
        the same bytes. ``False`` if the work is to be done."""
        relatives = self.reusable.get(fingerprint)
        if not fingerprint or not relatives:
            return False
        if any(relative in self.hashes for relative in relatives):
            return False  # another piece of work wrote one: let the duplicate be said
        linked: list[Record] = []
        for relative in relatives:
            target = f"{self._out}/{relative}"
            self._folder(target)
            if not self._link(relative, target):
                for record in linked:  # undone: the work will write them all
                    self._clear(record[0], f"{self._out}/{record[0]}")
                return False
            entry = self.previous[relative]
            linked.append((relative, entry[0], entry[1], False, entry[2], fingerprint))
        for record in linked:
            self.log.append(record)
            self._count(record)
        return True

    def _folder(self, target: str) -> None:
        folder = target.rpartition("/")[0]
        if folder not in self.folders:
            try:
                os.mkdir(folder)  # the parent is there as a rule: one system call
            except FileExistsError:
                if not os.path.isdir(folder):  # a file of the spare tree in the way
                    os.unlink(folder)
                    os.mkdir(folder)
            except FileNotFoundError:
                os.makedirs(folder, exist_ok=True)
            self.folders.add(folder)

    def _clear(self, relative: str, target: str) -> None:
        """Make way in a spare tree for a new file at ``relative``."""
        if relative in self.spare:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(target)
        elif self.spare and os.path.isdir(target):  # a folder where a file goes now
            shutil.rmtree(target)

    def _link(self, relative: str, target: str) -> bool:
        """Link the previous site's copy of an unchanged file, or keep the
        spare tree's if it is that file; ``False`` if it is gone or cannot be
        linked (another file system), to write it."""
        assert self.previous_site is not None, "only a previous site has unchanged files"
        there = self.spare.get(relative)
        if there is not None:
            if there == self.inodes.get(relative, -2):
                return True
            self._clear(relative, target)
        try:
            os.link(f"{self.previous_site}/{relative}", target)
        except OSError:
            return False
        return True

    def written_since(self, start: int) -> list[Record]:
        """What this process wrote since its log held ``start`` records, for
        the parent to adopt if this is a worker; nothing in the parent,
        which counted them as it wrote."""
        return self.log[start:] if in_worker() else []

    def adopt(self, records: list[Record]) -> None:
        """Count as written here what a worker process wrote for this site."""
        for record in records:
            if record[0] in self.hashes:
                raise ValueError(f"two pages of the site would be {record[0]!r}")
            self._count(record)

    def _count(self, record: Record) -> None:
        relative, digest, size, changed, mtime, fingerprint = record
        self.hashes[relative] = digest
        self.entries[relative] = (digest, size, mtime, fingerprint)
        self.files += 1
        self.pages += relative.endswith(".html")
        self.bytes += size
        self.written += changed

    def copy_tree(self, source: Path, relative: str, under: Path | None = None) -> None:
        """The files of ``source`` at ``relative``, and those of ``under``
        that ``source`` has not: a site's static files override the built-in
        theme's file by file."""
        files: dict[str, Path] = {}
        for folder in (under, source) if under is not None else (source,):
            for path in folder.rglob("*"):
                if path.is_file():
                    files[path.relative_to(folder).as_posix()] = path
        for name, path in sorted(files.items()):
            self.write(f"{relative}/{name}", path.read_bytes())

    def finish(self) -> int:
        """Remove what the spare tree held that this site does not, and say
        how many files of the previous site this one no longer has."""
        left = [relative for relative in self.spare if relative not in self.hashes]
        folders: set[str] = set()
        for relative in left:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(f"{self._out}/{relative}")
            parts = relative.split("/")[:-1]
            folders.update("/".join(parts[:end]) for end in range(1, len(parts) + 1))
        for folder in sorted(folders, key=lambda f: -f.count("/")):
            with contextlib.suppress(OSError):  # only the empty ones go
                os.rmdir(f"{self._out}/{folder}")
        return len(self.previous.keys() - self.hashes.keys())
