"""What builds keep of each run of papers' terms (``counted_runs``), one
file per run in the cache folder, so that a day's build splits only the
texts of its new papers' runs.

A file is named by a hash of digest's code and the run's key (its papers'
texts and which of them the weights count): a run whose papers changed in
any way is split again, and a stale file is never read. Arrays in numpy's
own format, never a pickle (a cache restored by a workflow must not be able
to run code), written and checked as every cache is (``caches``). A damaged
file is said in a warning (one for the build) and its run split again.
Files that no run of the last build had are removed.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import zipfile
from collections.abc import Iterable
from pathlib import Path

import numpy as np

from generator.analysis.paper_terms import RunCounts
from generator.analysis.postings import RunWords
from generator.commands.caches import Damaged, code_digest, read_checked, write_checked
from generator.core.errors import Diagnostic, Source

#: The cache folder's subfolder of runs' terms.
FOLDER = "terms"


class TermsCache:
    """The runs' counts kept in a build's cache folder (a ``KeptRuns``)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder / FOLDER
        self.problem: Diagnostic | None = None
        self.damaged: set[Path] = set()
        self.new: dict[Path, bytes] = {}
        """The counts of runs split in this build, as they will be written:
        a run's bytes take a half of its counts' memory, most of which
        is its words as Python strings."""

    def file(self, key: str) -> Path:
        name = hashlib.blake2b(code_digest() + key.encode(), digest_size=16).hexdigest()
        return self.folder / f"{name}.npz"

    def get(self, key: str, start: int, papers: int) -> RunCounts | None:
        """The counts of the run ``key``, of ``papers`` papers numbered from
        ``start``, if an earlier build kept them."""
        file = self.file(key)
        try:
            with np.load(io.BytesIO(read_checked(file)), allow_pickle=False) as stored:
                return _counts({name: stored[name] for name in stored.files}, start, papers)
        except FileNotFoundError:
            return None
        except (OSError, EOFError, ValueError, KeyError, TypeError, zipfile.BadZipFile) as error:
            self.damaged.add(file)
            if self.problem is None:
                why = f"a cache of papers' terms is damaged ({error}); counting its papers again"
                self.problem = Diagnostic(Source(str(file)), "warning", why)
            return None

    def put(self, key: str, counts: RunCounts) -> None:
        """The counts of a run split in this build, to keep (see ``keep``)."""
        self.new[self.file(key)] = _encoded(counts)

    def keep(self, keys: Iterable[str]) -> None:
        """Write the counts this build split, and remove the file of every
        run but those of ``keys``: only for a build that completes, so that
        one stopped leaves what was there."""
        for file, encoded in self.new.items():
            write_checked(file, encoded)
        self.new.clear()
        wanted = {self.file(key) for key in keys}
        with contextlib.suppress(OSError):
            for file in self.folder.iterdir():
                if file not in wanted:
                    file.unlink(missing_ok=True)


def _encoded(counts: RunCounts) -> bytes:
    buffer = io.BytesIO()
    words = counts.search_words
    np.savez(
        buffer,
        distinct=counts.distinct,
        papers_with=counts.papers_with,
        reference_with=counts.reference_with,
        papers=np.array([words.papers], np.int64),
        titles=words.titles,
        abstracts=words.abstracts,
        spelled=np.frombuffer("\n".join(counts.spelled).encode("utf-8", "surrogatepass"), np.uint8),
    )
    return buffer.getvalue()


def _counts(arrays: dict[str, np.ndarray], start: int, papers: int) -> RunCounts:
    """The counts in a file's arrays, checked as far as is cheap: a file
    of another run must not become a wrong site."""
    distinct, papers_with, reference_with = (
        arrays[name] for name in ("distinct", "papers_with", "reference_with")
    )
    titles, abstracts = arrays["titles"], arrays["abstracts"]
    if arrays["papers"].tolist() != [papers]:
        raise Damaged("a run of another size")
    if distinct.dtype != np.int64 or not len(distinct) == len(papers_with) == len(reference_with):
        raise Damaged("arrays of different lengths")
    if (distinct[1:] <= distinct[:-1]).any():
        raise Damaged("terms out of order")
    if any(
        array.dtype.kind not in "iu" for array in (papers_with, reference_with, titles, abstracts)
    ):
        raise Damaged("an array of the wrong type")
    text = arrays["spelled"].tobytes().decode("utf-8", "surrogatepass")
    spelled = text.split("\n") if text else []
    bound = len(spelled) * papers
    if any(
        len(pairs) and (pairs.min() < 0 or pairs.max() >= bound) for pairs in (titles, abstracts)
    ):
        raise Damaged("a search word that is not there")
    return RunCounts(
        distinct, papers_with, reference_with, RunWords(start, papers, titles, abstracts), spelled
    )
