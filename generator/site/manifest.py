"""What a build remembers of the site it made, kept beside the site, never in it.

The manifest says, for every file of the site, the hash of its bytes, its
size and modification time when it was written, and the fingerprint of the
work that made it (see ``render``). Nothing in ``site/`` is trusted: a file
is only reused (hard-linked into the next site, or left as it is when no
input changed) if it is still there with the size and time the manifest
recorded, so a file deleted or edited by hand is written again; and a site
is only as its manifest says if every folder has the time recorded too, so
a file added by hand is seen (see ``Folders``). The manifest
lives in a cache folder beside the output (``.digest-cache/``), which is
never deployed; a damaged one costs a full build and one warning, and a
missing one a full build.
"""

from __future__ import annotations

import contextlib
import json
import os
import stat
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from generator.core.errors import Diagnostic, Source

#: The folder of caches beside the output folder (``site/`` has ``.digest-cache/``).
CACHE_FOLDER = ".digest-cache"
#: Changed whenever what the manifest holds changes: an older one is not read.
MANIFEST_VERSION = 4

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
    if it needs building (or cannot tell). Reads only the manifest's record
    of names, sizes and times (not the hashes and fingerprints), and asks
    the file system for nothing but the status of each recorded file and
    folder: what a build of unchanged input costs is this check."""
    try:
        with manifest_path(out).open("rb") as file:
            header = _header(file.readline())
            if header.get("key") != key:
                return None
            folders = _folders(_line(file.readline()))
            files = _files(_line(file.readline()))
    except (OSError, Damaged):
        return None  # said by ``previous_site``, which the build goes on to call
    if not _same_folders(out, folders) or not _same_files(out, *files):
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
        manifest, folders = _parse(text)
    except Damaged as error:
        why = f"the build manifest is damaged ({error})"
        return Previous(None, problem=damaged_warning(path, why))
    found = _statuses(out, list(manifest.files))
    kept, reusable = _verify(found, manifest.files)
    intact = len(kept) == len(manifest.files) and _same_folders(out, folders)
    inode = {name: found[name][2] for name in kept}
    return Previous(manifest, kept, inode, reusable, intact)


#: The folders of a site and their modification times (ns), by their path in
#: it ("." is the site's own folder). A file made, removed or renamed in a
#: folder changes its time: that is how a file added by hand is seen without
#: listing every folder (a third of the system calls of a walk of the site).
Folders = tuple[list[str], list[int]]


@contextlib.contextmanager
def _below(out: Path) -> Iterator[tuple[int | None, str]]:
    """A descriptor of ``out`` and the prefix of names below it: a name is
    looked up from the folder rather than from ``/``, which is a tenth of
    the time of a status where the system allows it."""
    if os.stat not in os.supports_dir_fd:  # and so os.lstat
        yield None, f"{out}{os.sep}"
        return
    descriptor = os.open(out, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        yield descriptor, ""
    finally:
        os.close(descriptor)


def _same_folders(out: Path, folders: Folders) -> bool:
    """Whether every folder recorded is still a folder with its recorded time."""
    lstat, directory = os.lstat, stat.S_IFDIR
    try:
        with _below(out) as (descriptor, prefix):
            for name, time in zip(*folders, strict=True):
                status = lstat(prefix + name, dir_fd=descriptor)
                if status.st_mtime_ns != time or status.st_mode & 0o170000 != directory:
                    return False
    except OSError:
        return False
    return True


def _same_files(out: Path, names: list[str], sizes: list[int], times: list[int]) -> bool:
    """Whether every file recorded is still a plain file of its recorded
    size and time; the loop of a build of unchanged input, kept tight."""
    lstat, regular = os.lstat, stat.S_IFREG
    try:
        with _below(out) as (descriptor, prefix):
            for name, size, time in zip(names, sizes, times, strict=True):
                status = lstat(prefix + name, dir_fd=descriptor)
                if (
                    status.st_mtime_ns != time
                    or status.st_size != size
                    or status.st_mode & 0o170000 != regular
                ):
                    return False
    except OSError:
        return False
    return True


def _statuses(out: Path, names: list[str]) -> dict[str, tuple[int, int, int]]:
    """Size, modification time and inode of each of ``names`` that is a
    plain file below ``out``; (-1, -1, -1) for anything else there (a link,
    a folder), to be replaced; nothing for a name that is not there."""
    found: dict[str, tuple[int, int, int]] = {}
    lstat, regular = os.lstat, stat.S_IFREG
    with contextlib.suppress(OSError), _below(out) as (descriptor, prefix):
        for name in names:
            try:
                status = lstat(prefix + name, dir_fd=descriptor)
            except OSError:
                continue
            if status.st_mode & 0o170000 == regular:
                found[name] = (status.st_size, status.st_mtime_ns, status.st_ino)
            else:
                found[name] = (-1, -1, -1)
    return found


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


def _line(line: bytes) -> Any:
    try:
        return json.loads(line)
    except (ValueError, UnicodeDecodeError) as error:
        raise Damaged("not JSON") from error


def _header(line: bytes) -> dict[str, Any]:
    """The manifest's first line: its version, input key and diagnostics;
    the folders are on the second line, the files' names, sizes and times
    on the third, and their hashes and fingerprints on the fourth."""
    data = _line(line)
    if not isinstance(data, dict) or data.get("version") != MANIFEST_VERSION:
        raise Damaged("not a manifest of this version")
    return data


def _column(data: Any, name: str, kind: type, length: int | None = None) -> list[Any]:
    column = data.get(name) if isinstance(data, dict) else None
    if not isinstance(column, list) or length is not None and len(column) != length:
        raise Damaged(f"no list of {name}")
    if not all(type(item) is kind for item in column):
        raise Damaged(f"a bad entry in the list of {name}")
    return column


def _folders(data: Any) -> Folders:
    names = _column(data, "folders", str)
    return names, _column(data, "times", int, len(names))


def _files(data: Any) -> tuple[list[str], list[int], list[int]]:
    names = _column(data, "files", str)
    return names, _column(data, "sizes", int, len(names)), _column(data, "times", int, len(names))


def _parse(text: bytes) -> tuple[Manifest, Folders]:
    lines = text.split(b"\n")
    header = _header(lines[0])
    if len(lines) != 5 or lines[4]:
        raise Damaged("not four lines")
    folders = _folders(_line(lines[1]))
    names, sizes, times = _files(_line(lines[2]))
    work = _line(lines[3])
    hashes = _column(work, "hashes", str, len(names))
    fingerprints = _column(work, "fingerprints", str)
    numbers = _column(work, "work", int, len(names))
    key, diagnostics = header.get("key"), header.get("diagnostics")
    if not isinstance(key, str) or not isinstance(diagnostics, list):
        raise Damaged("no input key")
    if not all(isinstance(d, str) for d in diagnostics):
        raise Damaged("bad diagnostics")
    if numbers and not 0 <= min(numbers) <= max(numbers) < len(fingerprints):
        raise Damaged("a bad number of work")
    files = {
        name: (digest, size, time, fingerprints[number])
        for name, digest, size, time, number in zip(
            names, hashes, sizes, times, numbers, strict=True
        )
    }
    if len(files) != len(names):
        raise Damaged("a file named twice")
    return Manifest(key, tuple(diagnostics), files), folders


def inodes(folder: Path) -> dict[str, int]:
    """Every file below ``folder`` and its inode, from the folders' listings
    alone (no ``stat``): what a spare tree holds. A link or anything else not
    a plain file or folder counts as a file, to be replaced."""
    return {
        name: entry.inode() if entry.is_file(follow_symlinks=False) else -1
        for name, entry in _entries(folder)
    }


def _verify(
    found: dict[str, tuple[int, int, int]], files: dict[str, FileEntry]
) -> tuple[dict[str, FileEntry], dict[str, list[str]]]:
    """The recorded files still there as recorded; and per fingerprint, the
    files of the work that wrote them all (see ``Previous.reusable``)."""
    kept: dict[str, FileEntry] = {}
    groups: dict[str, list[str]] = {}
    broken: set[str] = set()
    for name, entry in files.items():
        fingerprint = entry[3]
        there = found.get(name)
        if there is not None and there[0] == entry[1] and there[1] == entry[2]:
            kept[name] = entry
        elif fingerprint:
            broken.add(fingerprint)
        if fingerprint:
            groups.setdefault(fingerprint, []).append(name)
    for fingerprint in broken:
        del groups[fingerprint]
    return kept, groups


def folders_of(names: Iterable[str]) -> list[str]:
    """Every folder that holds one of the files ``names``, and the site's own ("."), sorted."""
    folders = {"."}
    for name in names:
        end = name.rfind("/")
        while end > 0:
            folder = name[:end]
            if folder in folders:
                break
            folders.add(folder)
            end = name.rfind("/", 0, end)
    return sorted(folders)


def _time(name: str, descriptor: int | None) -> int:
    """A folder's modification time; -1, which none has, if it is gone
    already (the next build then finds the site changed)."""
    try:
        return os.lstat(name, dir_fd=descriptor).st_mtime_ns
    except OSError:
        return -1


def write_manifest(
    out: Path, key: str, diagnostics: list[str], files: dict[str, FileEntry]
) -> None:
    """Record the site now in ``out``: written whole beside it, then renamed
    over the old manifest, so that a stop never leaves half of one. The
    folders' times are taken now, when every file is in place."""
    path = manifest_path(out)
    path.parent.mkdir(parents=True, exist_ok=True)
    names = sorted(files)
    folders = folders_of(names)
    with _below(out) as (descriptor, prefix):
        times = [_time(prefix + name, descriptor) for name in folders]
    numbers: dict[str, int] = {"": 0}
    entries = [files[name] for name in names]
    work = [numbers.setdefault(entry[3], len(numbers)) for entry in entries]
    parts = (
        {"version": MANIFEST_VERSION, "key": key, "diagnostics": diagnostics},
        {"folders": folders, "times": times},
        {
            "files": names,
            "sizes": [entry[1] for entry in entries],
            "times": [entry[2] for entry in entries],
        },
        {"hashes": [entry[0] for entry in entries], "fingerprints": list(numbers), "work": work},
    )
    text = "".join(
        json.dumps(part, ensure_ascii=False, separators=(",", ":")) + "\n" for part in parts
    )
    temporary_descriptor, temporary = tempfile.mkstemp(prefix=".manifest-", dir=path.parent)
    try:
        with os.fdopen(temporary_descriptor, "w", encoding="utf-8") as file:
            file.write(text)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
