"""What the caches of a build share: the hash of digest's code that every
key of theirs includes, and the way a cache file is written and read back.

A cache file holds a hash of what follows it on its first line, so that a
file cut short, emptied or overwritten is seen as damaged whatever it now
holds, and is never taken for what a build wrote (its entries then need no
checking one by one, which at 100,000 papers would cost as much as the work
the cache saves).
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import tempfile
from pathlib import Path

#: The generator package: a change to its code is a new cache.
PACKAGE = Path(__file__).resolve().parent.parent


@functools.cache
def code_digest() -> bytes:
    """A hash of digest's code (its Python files, by name and bytes)."""
    digest = hashlib.sha256()
    for path in sorted(PACKAGE.rglob("*.py")):
        digest.update(path.relative_to(PACKAGE).as_posix().encode() + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.digest()


def _check_line(payload: bytes) -> bytes:
    return hashlib.sha256(payload).hexdigest().encode() + b"\n"


class Damaged(ValueError):
    """A cache file that no build wrote as it now is."""


def read_checked(path: Path) -> bytes:
    """What a cache file written by ``write_checked`` holds; ``OSError`` if
    it cannot be read (``FileNotFoundError`` if it is not there), ``Damaged``
    if it is not as it was written."""
    data = path.read_bytes()
    check, _, payload = data.partition(b"\n")
    if check + b"\n" != _check_line(payload):
        raise Damaged("its check does not match what it holds")
    return payload


def write_checked(path: Path, payload: bytes) -> None:
    """Write a cache file whole, then rename it into place, so that a stop
    never leaves half of one. A cache that cannot be written (a full or
    read-only disk) is no reason to stop a build: the next one does the
    work again, and writing the site says what is wrong with the disk."""
    with contextlib.suppress(OSError):
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor, temporary = tempfile.mkstemp(prefix=f".{path.name}-", dir=path.parent)
        try:
            with os.fdopen(descriptor, "wb") as file:
                file.write(_check_line(payload))
                file.write(payload)
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise


def keep_only(path: Path, others: str, *also: Path) -> None:
    """Remove the files beside ``path`` that match the pattern ``others``
    but ``path`` itself (and ``also``): the caches of another code or
    taxonomy, which no build of this one reads."""
    with contextlib.suppress(OSError):
        for other in path.parent.glob(others):
            if other != path and other not in also:
                other.unlink(missing_ok=True)
