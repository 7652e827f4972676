"""What a build remembers of the site it made, kept beside the site, never in it.

The manifest says, for every file of the site, the hash of its bytes, its
size and modification time when it was written, and the fingerprint of the
work that made it (see ``render``). Nothing in ``site/`` is trusted: a file
is only reused (hard-linked into the next site, or left as it is when no
input changed) if it is still there with the size and time the manifest
recorded, so a file deleted or edited by hand is written again. The manifest
lives in a cache folder beside the output (``.digest-cache/``), which is
never deployed; a damaged one costs a full build and one warning, and a
missing one a full build.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from generator.core.errors import Diagnostic, Source

#: The folder of caches beside the output folder (``site/`` has ``.digest-cache/``).
CACHE_FOLDER = ".digest-cache"
#: Changed whenever what the manifest holds changes: an older one is not read.
MANIFEST_VERSION = 3

#: Per file of the site: content hash, size, modification time (ns), and
#: the fingerprint of the work that wrote it ("" where none was taken).
FileEntry = tuple[str, int, int, str]


def cache_folder(out: Path) -> Path:
    """The cache folder of the site built into ``out``: beside it, so that
    it is never deployed and survives the swap of one site for the next."""
    return out.absolute().parent / CACHE_FOLDER


def spare_path(out: Path) -> Path:
    """The spare tree of the site built into ``out``: the site before the
    current one, which the next build turns into the new site in place and
    then swaps in (see ``writer``). Kept because making and removing a tree
    of 100,000 folders is most of the cost of a build that changes a few
    hundred files (removing a folder took 2-3 ms on a file system mounted
    with ``discard``)."""
    out = out.absolute()
    return cache_folder(out) / f"{out.name}.spare"


def manifest_path(out: Path) -> Path:
    """One manifest per output folder: several sites may share a cache folder."""
    out = out.absolute()
    return cache_folder(out) / f"{out.name}.manifest.json"


class Damaged(Exception):
    """A manifest or cache file holds something no build wrote."""


@dataclass(frozen=True, slots=True)
class Manifest:
    key: str
    """The input key (see ``build.input_key``) of the build that made the site."""
    diagnostics: tuple[str, ...]
    files: dict[str, FileEntry]


@dataclass(frozen=True, slots=True)
class Previous:
    """The site a build replaces, as far as it can be trusted."""

    manifest: Manifest | None
    kept: dict[str, FileEntry] = field(default_factory=dict)
    """The files of the site that are as the manifest says: what may be reused."""
    inodes: dict[str, int] = field(default_factory=dict)
    """The inode of each kept file: a spare tree's file with the same one is that file."""
    reusable: dict[str, list[str]] = field(default_factory=dict)
    """Per fingerprint of the work that wrote them, the files it wrote, where
    every one of them is kept (see ``writer.Site.reuse``)."""
    intact: bool = False
    """Whether the site is exactly what the manifest says, file for file."""
    problem: Diagnostic | None = None
    """The warning to show when the manifest was there but could not be used."""

    def up_to_date(self, key: str) -> bool:
        return self.intact and self.manifest is not None and self.manifest.key == key


NOTHING = Previous(None)


def damaged_warning(path: Path, why: str) -> Diagnostic:
    return Diagnostic(Source(str(path)), "warning", f"{why}; doing a full build")


def unchanged_site(out: Path, key: str) -> list[str] | None:
    """The diagnostics of the build that made the site in ``out``, if it was
    made from input with this ``key`` and every file of it is still there
    with the size and time the manifest recorded, and no other; ``None``
    if it needs building (or cannot tell). Reads only the manifest's first
    line, not its record of every file: what a build of unchanged input
    costs is this check (see ``tree_digest``)."""
    try:
        with manifest_path(out).open("rb") as file:
            header = _header(file.readline())
    except (OSError, Damaged):
        return None  # said by ``previous_site``, which the build goes on to call
    if header.get("key") != key or header.get("tree") != _digest(_found_lines(out)):
        return None
    diagnostics = header.get("diagnostics")
    return list(diagnostics) if isinstance(diagnostics, list) else None


def previous_site(out: Path) -> Previous:
    """What can be trusted of the site in ``out``: its manifest, if it is
    there and whole, and those of its files that are as the manifest says."""
    path = manifest_path(out)
    try:
        text = path.read_bytes()
    except FileNotFoundError:
        return NOTHING
    except OSError as error:
        return Previous(None, problem=damaged_warning(path, f"unreadable ({error.strerror})"))
    try:
        manifest = _parse(text)
        found = survey(out)
        kept, intact, reusable = _verify(found, manifest.files)
    except Damaged as error:
        why = f"the build manifest is damaged ({error})"
        return Previous(None, problem=damaged_warning(path, why))
    inode = {name: found[name][2] for name in kept}
    return Previous(manifest, kept, inode, reusable, intact)


def tree_digest(files: dict[str, FileEntry]) -> str:
    """A hash of every recorded file's name, size and modification time:
    equal to that of the files found in the site (``_found_lines``) exactly
    when the site is file for file what the manifest says."""
    return _digest([f"{name}\0{size}\0{mtime}\n" for name, (_, size, mtime, _) in files.items()])


def _entries(folder: Path) -> Iterator[tuple[str, os.DirEntry[str]]]:
    """Every entry below ``folder`` but its folders, by its path in it, from
    the folders' listings (``os.scandir``, whose entries carry what a later
    ``stat`` needs); links are not followed, so a link is an entry too."""
    pending = [("", str(folder))]
    while pending:
        prefix, path = pending.pop()
        try:
            listing = os.scandir(path)
        except (FileNotFoundError, NotADirectoryError):
            continue
        with listing:
            for entry in listing:
                if entry.is_dir(follow_symlinks=False):
                    pending.append((f"{prefix}{entry.name}/", entry.path))
                else:
                    yield prefix + entry.name, entry


def _found_lines(out: Path) -> list[str]:
    """Every file below ``out`` as a line of ``tree_digest``: what ``survey``
    finds, without the inodes, in as few steps per file as can be (it is
    most of what a build of unchanged input costs). A link or anything else
    not a plain file has size -1, which no written file has."""
    lines: list[str] = []
    for name, entry in _entries(out):
        status = entry.stat(follow_symlinks=False)
        if stat.S_ISREG(status.st_mode):
            lines.append(f"{name}\0{status.st_size}\0{status.st_mtime_ns}\n")
        else:
            lines.append(f"{name}\0-1\0-1\n")
    return lines


def _digest(lines: list[str]) -> str:
    """Sorted, the lines are in the order of the files' names (no name holds
    the NUL that ends it, which sorts before any other character), so the
    hash does not depend on the order the file system lists them in."""
    lines.sort()
    text = "".join(lines).encode("utf-8", "surrogatepass")
    return hashlib.blake2b(text, digest_size=16).hexdigest()


def _header(line: bytes) -> dict[str, Any]:
    """The manifest's first line: its version, input key, diagnostics and
    ``tree_digest``; the record of every file is on the second."""
    try:
        data = json.loads(line)
    except (ValueError, UnicodeDecodeError) as error:
        raise Damaged("not JSON") from error
    if not isinstance(data, dict) or data.get("version") != MANIFEST_VERSION:
        raise Damaged("not a manifest of this version")
    return data


def _parse(text: bytes) -> Manifest:
    first, _, rest = text.partition(b"\n")
    data = _header(first)
    try:
        body = json.loads(rest)
    except (ValueError, UnicodeDecodeError) as error:
        raise Damaged("not JSON") from error
    key, diagnostics = data.get("key"), data.get("diagnostics")
    files = body.get("files") if isinstance(body, dict) else None
    if not isinstance(key, str) or not isinstance(diagnostics, list):
        raise Damaged("no input key")
    if not isinstance(files, dict) or not all(isinstance(d, str) for d in diagnostics):
        raise Damaged("no list of files")
    return Manifest(key, tuple(diagnostics), files)


def survey(out: Path) -> dict[str, tuple[int, int, int]]:
    """Every file below ``out`` (a link or anything else not a plain file
    counts as one too, to be replaced): its size, modification time and inode."""
    found: dict[str, tuple[int, int, int]] = {}
    for name, entry in _entries(out):
        status = entry.stat(follow_symlinks=False)
        plain = entry.is_file(follow_symlinks=False)
        found[name] = (status.st_size, status.st_mtime_ns, status.st_ino) if plain else (-1, -1, -1)
    return found


def inodes(folder: Path) -> dict[str, int]:
    """Every file below ``folder`` and its inode, from the folders' listings
    alone (no ``stat``): what a spare tree holds. A link or anything else not
    a plain file or folder counts as a file, to be replaced."""
    return {
        name: entry.inode() if entry.is_file(follow_symlinks=False) else -1
        for name, entry in _entries(folder)
    }


def _verify(
    found: dict[str, tuple[int, int, int]], files: dict[str, Any]
) -> tuple[dict[str, FileEntry], bool, dict[str, list[str]]]:
    """The recorded files still there as recorded; whether the site is
    nothing but those (none missing, changed or added); and per fingerprint,
    the files of the work that wrote them all (see ``Previous.reusable``)."""
    kept: dict[str, FileEntry] = {}
    groups: dict[str, list[str]] = {}
    broken: set[str] = set()
    for name, entry in files.items():
        if not (isinstance(entry, list) and len(entry) == 4):
            raise Damaged(f"a bad entry for {name!r}")
        digest, size, mtime, fingerprint = entry
        if not (
            isinstance(digest, str)
            and isinstance(size, int)
            and isinstance(mtime, int)
            and isinstance(fingerprint, str)
        ):
            raise Damaged(f"a bad entry for {name!r}")
        there = found.get(name)
        if there is not None and there[0] == size and there[1] == mtime:
            kept[name] = (digest, size, mtime, fingerprint)
        elif fingerprint:
            broken.add(fingerprint)
        if fingerprint:
            groups.setdefault(fingerprint, []).append(name)
    for fingerprint in broken:
        del groups[fingerprint]
    return kept, len(kept) == len(found) == len(files), groups


def write_manifest(
    out: Path, key: str, diagnostics: list[str], files: dict[str, FileEntry]
) -> None:
    """Record the site now in ``out``: written whole beside it, then renamed
    over the old manifest, so that a stop never leaves half of one."""
    path = manifest_path(out)
    path.parent.mkdir(parents=True, exist_ok=True)
    header = {
        "version": MANIFEST_VERSION,
        "key": key,
        "diagnostics": diagnostics,
        "tree": tree_digest(files),
    }
    record = {"files": dict(sorted(files.items()))}
    text = "\n".join(
        json.dumps(part, ensure_ascii=False, separators=(",", ":")) for part in (header, record)
    )
    descriptor, temporary = tempfile.mkstemp(prefix=".manifest-", dir=path.parent)
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as file:
            file.write(text + "\n")
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
